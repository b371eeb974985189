"""App bundles: export a published app as one JSON document, import one to create or upgrade an app.

A bundle has the format of `app_templates/` read as one document (`read_bundle_dir`): the app with
its forms (tables and columns fixed), menu, roles and every later kind of definition. It never
carries demo data, archived fields (they belong to one database's data) or secrets. Importing goes
through `runtime.publish`: the plan first, then one transaction that applies it.
"""
from __future__ import annotations

import json
from datetime import tzinfo
from pathlib import Path
from typing import Callable

from sqlalchemy import Connection, Engine

from form_engine.bundle import parse_app, read_bundle_dir
from form_engine.definitions import AppDef
from form_engine.errors import DefinitionError, Problem
from form_engine.metaschema import check_app

from .definition_store import published_app
from .publish import PublishPlan, plan_publish, publish

NOT_EXPORTED = {"demo"}  # app level: demo data is generated per database, never shipped in a bundle
FORM_NOT_EXPORTED = {"archived"}  # form level: archived columns hold one database's old values


def export_app(conn: Connection, app_name: str) -> dict:
    """The published app as a bundle: only what differs from the defaults, keys in definition order."""
    app = published_app(conn, app_name)
    bundle = {"schema_version": app.schema_version,
              **app.model_dump(mode="json", by_alias=True, exclude_defaults=True, exclude=NOT_EXPORTED)}
    menu = [m.form for m in app.menu]
    forms = sorted(app.forms, key=lambda f: (menu.index(f.name), "") if f.name in menu else (len(menu), f.name))
    bundle["forms"] = [{"schema_version": f.schema_version,
                        **f.model_dump(mode="json", by_alias=True, exclude_defaults=True, exclude=FORM_NOT_EXPORTED)}
                       for f in forms]
    problems = check_app(bundle)
    if problems:  # a published app always passes; this guards the export format itself
        raise DefinitionError(problems)
    return bundle


def bundle_text(bundle: dict) -> str:
    """The bundle as people keep it in git: UTF-8 JSON, indented, keys in a stable order; a small
    object or list (a label, an option, a permission) stays on one line, like the templates."""
    return _dumps(bundle, "") + "\n"


def _dumps(value, indent: str, width: int = 100) -> str:
    flat = json.dumps(value, ensure_ascii=False)
    if not isinstance(value, (dict, list)) or not value or len(indent) + len(flat) <= width:
        return flat
    inner = indent + "  "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_dumps(v, inner, width)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    return "[\n" + ",\n".join(inner + _dumps(v, inner, width) for v in value) + f"\n{indent}]"


def load_bundle(text: str | bytes) -> object:
    """The JSON document in `text`; a syntax error is a DefinitionError at the document's root."""
    try:
        return json.loads(text)
    except UnicodeDecodeError:
        raise DefinitionError([Problem("", "文件不是 UTF-8 编码的文本", "encoding")]) from None
    except json.JSONDecodeError as exc:
        raise DefinitionError([Problem("", f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列附近，{_json_reason(exc.msg)}",
                                       "json")]) from None


def read_bundle_file(path: Path) -> object:
    """A bundle file (one JSON document), or a bundle folder (app.json + forms/*.json)."""
    if not path.is_dir():
        return load_bundle(path.read_bytes())
    for part in [path / "app.json", *sorted((path / "forms").glob("*.json")), path / "demo.json"]:
        if part.is_file():
            try:
                load_bundle(part.read_bytes())
            except DefinitionError as exc:
                raise DefinitionError([Problem("", f"{part.relative_to(path)}：{p.message}", p.code)
                                       for p in exc.problems]) from None
    return read_bundle_dir(path)


def check_bundle(data: object) -> AppDef:
    """The checked app in a bundle, or DefinitionError listing every problem with its JSON pointer."""
    return parse_app(data)


def proposal(data: dict) -> dict:
    """What an import publishes: the bundle without demo data and archived fields."""
    out = {k: v for k, v in data.items() if k not in NOT_EXPORTED}
    out["forms"] = [{k: v for k, v in f.items() if k not in FORM_NOT_EXPORTED} if isinstance(f, dict) else f
                    for f in data.get("forms") or []]
    return out


def plan_import(conn: Connection, data: object, *, tz: tzinfo) -> PublishPlan:
    """What importing `data` would do (create the app, or the migration of the installed one); changes nothing."""
    app = check_bundle(data)
    return plan_publish(conn, app.name, proposal(data), tz=tz)


def import_app(engine: Engine, data: object, *, tz: tzinfo, user_id: int | None, accept_loss: bool = False,
               progress: Callable | None = None) -> PublishPlan:
    """Create the app in `data`, or upgrade the installed one to it, in one transaction.

    Raises DefinitionError (nothing changed) for a bad bundle, LossNotAccepted when the plan
    loses data and `accept_loss` is False, PublishBlocked when a step can't run (e.g. duplicates
    under a new unique rule), PublishFailed when the database refuses the change.
    """
    app = check_bundle(data)
    return publish(engine, app.name, proposal(data), tz=tz, user_id=user_id, accept_loss=accept_loss,
                   progress=progress)


_JSON_REASONS = {
    "Expecting value": "这里应该是一个值",
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting ':' delimiter": "缺少冒号",
    "Expecting property name enclosed in double quotes": "属性名要用英文双引号括起来（或多了一个逗号）",
    "Unterminated string starting at": "字符串缺少结尾的引号",
    "Extra data": "JSON 结束后还有多余的内容",
    "Invalid control character at": "字符串中有不允许的控制字符",
}


def _json_reason(msg: str) -> str:
    return _JSON_REASONS.get(msg, msg)
