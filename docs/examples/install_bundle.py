"""把一个应用包文件夹安装进已初始化的 Formwork 数据库（临时办法，直到有正式的导入命令）。

它做的事与 `formwork init` 安装模板时相同：校验定义、写入 fw_definition（版本 1，已发布）、建表。
数据库由环境变量决定（FORMWORK_DATA_DIR / FORMWORK_DATABASE_URL），与 `formwork serve` 相同。
安装后需要重启 `formwork serve`，新应用才会出现。

用法（在项目目录下）：
    FORMWORK_DATA_DIR=/tmp/repair .venv/bin/formwork init --template crm      # 先初始化（建系统表和管理员）
    FORMWORK_DATA_DIR=/tmp/repair .venv/bin/python docs/examples/install_bundle.py docs/examples/repair
"""
from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from form_engine.bundle import parse_app, read_bundle_dir
from form_engine.errors import DefinitionError, FormworkError
from runtime import systables
from runtime.database import make_engine, write
from runtime.definition_store import install_app
from runtime.settings import load_settings


def main(folder: str) -> int:
    settings = load_settings()
    try:
        app = parse_app(read_bundle_dir(Path(folder)))
        engine = make_engine(settings.database_url)
        systables.metadata.create_all(engine)
        with write(engine) as conn:  # 一个事务：失败时既不留定义也不留表
            install_app(conn, app, tz=settings.timezone)
    except DefinitionError as exc:
        print(f"定义有 {len(exc.problems)} 处错误：")
        for p in exc.problems:
            print(f"  {p.path}: {p.message}" + (f"（{p.suggestion}）" if p.suggestion else ""))
        return 1
    except FormworkError as exc:
        print(f"错误：{exc.detail}")
        return 1
    shown = make_url(settings.database_url).render_as_string(hide_password=True)  # 不打印数据库密码
    print(f"已安装应用“{app.name}”（{len(app.forms)} 个表单），数据库：{shown}")
    print("请重启 formwork serve 使其生效。")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
