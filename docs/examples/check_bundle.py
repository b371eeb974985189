"""检查一个应用包文件夹（app.json + forms/*.json [+ demo.json]）能否通过 Formwork 的全部定义校验。

用法（在项目目录下）：
    .venv/bin/python docs/examples/check_bundle.py docs/examples/repair
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from form_engine.bundle import parse_app, read_bundle_dir
from form_engine.errors import DefinitionError


def main(folder: str) -> int:
    try:
        app = parse_app(read_bundle_dir(Path(folder)))
    except DefinitionError as exc:
        print(f"定义有 {len(exc.problems)} 处错误：")
        for p in exc.problems:
            print(f"  {p.path}: {p.message}" + (f"（{p.suggestion}）" if p.suggestion else "") + f"  [{p.code}]")
        return 1
    except (OSError, json.JSONDecodeError) as exc:
        print(f"无法读取应用包：{exc}")
        return 1
    print(f"通过：应用 {app.name}（{app.label.zh}），{len(app.forms)} 个表单")
    for form in app.forms:
        print(f"  {form.name:<20} 数据表 {form.table:<28} {len(form.fields)} 个字段")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
