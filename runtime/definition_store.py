"""The definition store (fw_definition): install an app bundle, load what is published, publish new roles."""
from __future__ import annotations

import hashlib
import json
from datetime import tzinfo

from sqlalchemy import Connection, func, select

from form_engine.bundle import parse_app
from form_engine.compiler import CompiledApp, compile_app
from form_engine.definitions import AppDef, FormDef
from form_engine.errors import FormworkError, NotFound

from . import systables
from .access import bump_access
from .clock import now


class AppExists(FormworkError):
    status = 409
    title = "应用已存在"


def body_text(model: dict) -> tuple[str, str]:
    text = json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text, hashlib.sha256(text.encode()).hexdigest()


def app_body(app: AppDef) -> dict:
    return app.model_dump(mode="json", by_alias=True, exclude={"forms", "flows", "demo"}, exclude_none=True)


def install_app(conn: Connection, app: AppDef, *, tz: tzinfo, user_id: int | None = None) -> CompiledApp:
    """Store version 1 of the app and its forms as published and create their tables.

    Runs inside the caller's transaction, so a failure leaves neither definitions nor tables.
    """
    exists = conn.execute(select(systables.definition.c.id).where(
        systables.definition.c.app == app.name, systables.definition.c.kind == "app").limit(1)).first()
    if exists:
        raise AppExists(f"应用“{app.name}”已经安装")
    from .flows.definitions import check_flows
    check_flows(conn, app)
    compiled = compile_app(app, tz)
    stamp = now(tz)
    rows = [("app", app.name, app_body(app))]
    rows += [("form", f.name, f.model_dump(mode="json", by_alias=True, exclude_none=True)) for f in app.forms]
    rows += [("flow", f["name"], f) for f in app.flows]
    for kind, name, body in rows:
        text, checksum = body_text(body)
        conn.execute(systables.definition.insert().values(
            app=app.name, kind=kind, name=name, version=1, status="published", body=text,
            checksum=checksum, created_by=user_id, created_at=stamp))
    compiled.metadata.create_all(conn)
    bump_access(conn)  # running processes pick the new app up on their next request
    return compiled


LIVE = ("published", "removed")  # a form's latest row may say it was removed from its app (table kept)


def _latest(conn: Connection, app_name: str | None = None) -> dict[tuple[str, str, str], tuple[str, dict]]:
    """The newest published-or-removed row of every definition: (app, kind, name) → (status, body)."""
    d = systables.definition
    query = select(d.c.app, d.c.kind, d.c.name, d.c.version, d.c.status, d.c.body).where(d.c.status.in_(LIVE))
    if app_name is not None:
        query = query.where(d.c.app == app_name)
    latest: dict[tuple[str, str, str], tuple[int, str, str]] = {}
    for app, kind, name, version, status, body in conn.execute(query):
        key = (app, kind, name)
        if key not in latest or latest[key][0] < version:
            latest[key] = (version, status, body)
    return {key: (status, json.loads(body)) for key, (_v, status, body) in latest.items()}


def _assemble(app: dict, latest: dict) -> AppDef:
    forms = [b for (a, k, _n), (status, b) in latest.items() if a == app["name"] and k == "form" and status == "published"]
    order = [m["form"] for m in app.get("menu", [])]
    forms.sort(key=lambda f: order.index(f["name"]) if f["name"] in order else len(order))
    flows = sorted((b for (a, k, _n), (status, b) in latest.items() if a == app["name"] and k == "flow"
                    and status == "published"), key=lambda f: f["name"])
    return AppDef.model_validate({**app, "forms": forms, "flows": flows})


def load_published(conn: Connection) -> list[AppDef]:
    """Every installed app, each form at its latest published version."""
    latest = _latest(conn)
    return [_assemble(body, latest) for (_a, kind, _n), (_s, body) in sorted(latest.items()) if kind == "app"]


def published_app(conn: Connection, app_name: str) -> AppDef:
    """One app as published now, read in the caller's transaction (the registry may lag behind)."""
    latest = _latest(conn, app_name)
    app = latest.get((app_name, "app", app_name))
    if app is None:
        raise NotFound(f"应用“{app_name}”不存在")
    return _assemble(app[1], latest)


def removed_forms(conn: Connection, app_name: str) -> dict[str, FormDef]:
    """Forms removed from the app, as they were: their tables and data are still there."""
    return {name: FormDef.model_validate(body) for (_a, kind, name), (status, body) in _latest(conn, app_name).items()
            if kind == "form" and status == "removed"}


def save_roles(conn: Connection, app_name: str, roles: list[dict], *, tz: tzinfo, user_id: int | None) -> AppDef:
    """Publish a new version of the app definition with `roles`; the whole app is checked first.

    Raises DefinitionError with every problem at once (paths such as /roles/2/permissions/0/actions).
    """
    from .flows.definitions import check_flows
    current = published_app(conn, app_name)
    app = parse_app({**app_body(current), "roles": roles, "flows": list(current.flows),
                     "forms": [f.model_dump(mode="json", by_alias=True, exclude_none=True) for f in current.forms]})
    check_flows(conn, app)  # a flow may name a role that is gone
    d = systables.definition
    top = conn.execute(select(func.max(d.c.version)).where(d.c.app == app_name, d.c.kind == "app")).scalar() or 0
    text, checksum = body_text(app_body(app))
    conn.execute(d.insert().values(app=app_name, kind="app", name=app.name, version=top + 1, status="published",
                                   body=text, checksum=checksum, created_by=user_id, created_at=now(tz)))
    bump_access(conn)  # every process reloads its apps on its next request
    return app
