"""The definition store (fw_definition): install an app bundle, load what is published, publish new roles."""
from __future__ import annotations

import hashlib
import json
from datetime import tzinfo

from sqlalchemy import Connection, func, select

from form_engine.bundle import parse_app
from form_engine.compiler import CompiledApp, compile_app
from form_engine.definitions import AppDef
from form_engine.errors import FormworkError, NotFound

from . import systables
from .access import bump_access
from .clock import now


class AppExists(FormworkError):
    status = 409
    title = "应用已存在"


def _body(model: dict) -> tuple[str, str]:
    text = json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text, hashlib.sha256(text.encode()).hexdigest()


def _app_body(app: AppDef) -> dict:
    return app.model_dump(mode="json", by_alias=True, exclude={"forms", "demo"}, exclude_none=True)


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
    rows = [("app", app.name, _app_body(app))]
    rows += [("form", f.name, f.model_dump(mode="json", by_alias=True, exclude_none=True)) for f in app.forms]
    for kind, name, body in rows:
        text, checksum = _body(body)
        conn.execute(systables.definition.insert().values(
            app=app.name, kind=kind, name=name, version=1, status="published", body=text,
            checksum=checksum, created_by=user_id, created_at=stamp))
    compiled.metadata.create_all(conn)
    bump_access(conn)  # running processes pick the new app up on their next request
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


def _latest(conn: Connection, app_name: str) -> tuple[dict, list[dict]]:
    """The latest published app body and form bodies of one app."""
    d = systables.definition
    rows = conn.execute(select(d.c.kind, d.c.name, d.c.version, d.c.body)
                        .where(d.c.app == app_name, d.c.status == "published")).all()
    latest: dict[tuple[str, str], tuple[int, dict]] = {}
    for kind, name, version, body in rows:
        if (kind, name) not in latest or latest[(kind, name)][0] < version:
            latest[(kind, name)] = (version, json.loads(body))
    app = next((body for (kind, _n), (_v, body) in latest.items() if kind == "app"), None)
    if app is None:
        raise NotFound(f"应用“{app_name}”不存在")
    return app, [body for (kind, _n), (_v, body) in latest.items() if kind == "form"]


def published_app(conn: Connection, app_name: str) -> AppDef:
    """One app as published now, read in the caller's transaction (the registry may lag behind)."""
    app, forms = _latest(conn, app_name)
    return AppDef.model_validate({**app, "forms": forms})


def save_roles(conn: Connection, app_name: str, roles: list[dict], *, tz: tzinfo, user_id: int | None) -> AppDef:
    """Publish a new version of the app definition with `roles`; the whole app is checked first.

    Raises DefinitionError with every problem at once (paths such as /roles/2/permissions/0/actions).
    """
    body, forms = _latest(conn, app_name)
    app = parse_app({**body, "roles": roles, "forms": forms})
    d = systables.definition
    top = conn.execute(select(func.max(d.c.version)).where(d.c.app == app_name, d.c.kind == "app")).scalar() or 0
    text, checksum = _body(_app_body(app))
    conn.execute(d.insert().values(app=app_name, kind="app", name=app.name, version=top + 1, status="published",
                                   body=text, checksum=checksum, created_by=user_id, created_at=now(tz)))
    bump_access(conn)  # every process reloads its apps on its next request
    return app
