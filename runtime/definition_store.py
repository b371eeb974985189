"""The definition store (fw_definition): install an app bundle, load what is published."""
from __future__ import annotations

import hashlib
import json
from datetime import tzinfo

from sqlalchemy import Connection, select

from form_engine.compiler import CompiledApp, compile_app
from form_engine.definitions import AppDef
from form_engine.errors import FormworkError

from . import systables
from .clock import now


class AppExists(FormworkError):
    status = 409
    title = "应用已存在"


def _body(model: dict) -> tuple[str, str]:
    text = json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text, hashlib.sha256(text.encode()).hexdigest()


def install_app(conn: Connection, app: AppDef, *, tz: tzinfo, user_id: int | None = None) -> CompiledApp:
    """Store version 1 of the app and its forms as published and create their tables.

    Runs inside the caller's transaction, so a failure leaves neither definitions nor tables.
    """
    exists = conn.execute(select(systables.definition.c.id).where(
        systables.definition.c.app == app.name, systables.definition.c.kind == "app").limit(1)).first()
    if exists:
        raise AppExists(f"应用“{app.name}”已经安装")
    compiled = compile_app(app, tz)
    stamp = now(tz)
    rows = [("app", app.name, app.model_dump(mode="json", by_alias=True, exclude={"forms", "demo"}, exclude_none=True))]
    rows += [("form", f.name, f.model_dump(mode="json", by_alias=True, exclude_none=True)) for f in app.forms]
    for kind, name, body in rows:
        text, checksum = _body(body)
        conn.execute(systables.definition.insert().values(
            app=app.name, kind=kind, name=name, version=1, status="published", body=text,
            checksum=checksum, created_by=user_id, created_at=stamp))
    compiled.metadata.create_all(conn)
    return compiled


def load_published(conn: Connection) -> list[AppDef]:
    """Every installed app, each form at its latest published version."""
    d = systables.definition
    rows = conn.execute(select(d.c.app, d.c.kind, d.c.name, d.c.version, d.c.body)
                        .where(d.c.status == "published").order_by(d.c.app, d.c.id)).all()
    latest: dict[tuple[str, str, str], tuple[int, dict]] = {}
    for app, kind, name, version, body in rows:
        key = (app, kind, name)
        if key not in latest or latest[key][0] < version:
            latest[key] = (version, json.loads(body))
    apps = []
    for (app, kind, name), (_, body) in latest.items():
        if kind != "app":
            continue
        forms = [b for (a, k, _n), (_v, b) in latest.items() if a == app and k == "form"]
        order = [m["form"] for m in body.get("menu", [])]
        forms.sort(key=lambda f: order.index(f["name"]) if f["name"] in order else len(order))
        apps.append(AppDef.model_validate({**body, "forms": forms}))
    return apps
