"""The audit log: every create, update, delete, restore and owner transfer, with the field diff.

Rows are written in the record's own transaction (no change without its trace) and are
append-only: no interface edits them and the database refuses UPDATE and DELETE on fw_audit.
Values are stored in full; who sees them masked or not at all is decided when they are read.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select

from form_engine.compiler import CompiledForm
from form_engine.fieldtypes import field_type

from .. import systables
from ..prepared import Prepared
from .context import RecordContext
from .serialize import value_json

_audit = systables.audit
_INSERT = Prepared(_audit.insert())


def log_change(ctx: RecordContext, form: CompiledForm, action: str, record_id: int,
               before: dict | None, after: dict | None) -> None:
    changes = _diff(form, before or {}, after or {}) if (before or after) else None
    _INSERT.execute(ctx.conn, {
        "at": ctx.now, "user_id": ctx.actor.id or None, "user_name": ctx.actor.full_name, "via": ctx.via,
        "app": form.app, "form": form.name, "record_id": record_id, "action": action,
        "changes": orjson.dumps(changes, default=str).decode() if changes else None,
    })


EMPTY = (None, [], "")


def _diff(form: CompiledForm, before: dict, after: dict) -> dict[str, list]:
    """{field: [old, new]} for fields whose value changed, as the API shows values (links as ids)."""
    out: dict[str, list] = {}
    if "owner_id" in before or "owner_id" in after:
        if before.get("owner_id") != after.get("owner_id"):
            out["owner_id"] = [before.get("owner_id"), after.get("owner_id")]
    if not before:  # a new record: every field that holds something, as the loop below would give it
        for name, rows, plain in _plan(form):
            new = after.get(name)
            if rows:
                if new:
                    out[name] = [plain([]), plain([{k: v for k, v in r.items() if k != "id"} for r in new])]
            elif new not in EMPTY:
                out[name] = [None, plain(new)]
        return out
    for name, rows, plain in _plan(form):
        if name not in after and name not in before:
            continue
        old, new = before.get(name), after.get(name, before.get(name))
        if rows:
            old = [{k: v for k, v in r.items() if k != "id"} for r in old or []]
            new = [{k: v for k, v in r.items() if k != "id"} for r in new or []]
        if old == new or (old in EMPTY and new in EMPTY):
            continue
        out[name] = [None if old is None else plain(old), None if new is None else plain(new)]
    return out


def _plan(form: CompiledForm) -> list[tuple[str, bool, Any]]:
    """Per field, once per form version: its name, whether it holds rows, and how a value is written."""
    plan = form.plans.get("audit")
    if plan is None:
        plan = form.plans["audit"] = [(f.name, f.type == "subform", _writer(f)) for f in form.form.fields]
    return plan


def _writer(f):
    if f.type in ("relation", "user", "department"):
        return lambda value: value
    if f.type == "subform":
        return lambda value: value_json(f, value, None)
    to_json = field_type(f.type).to_json  # what value_json does for every other type
    return lambda value: to_json(value, f)


@dataclass
class Entry:
    id: int
    at: datetime
    user_id: int | None
    user_name: str
    via: str
    app: str
    form: str
    record_id: int
    action: str
    changes: dict[str, list]


def entries(conn, *, app: str | None = None, form: str | None = None, record_id: int | None = None,
            user_id: int | None = None, since: datetime | None = None, until: datetime | None = None,
            before_id: int | None = None, limit: int = 50) -> list[Entry]:
    """Audit rows, newest first, filtered; `before_id` pages backwards (keyset)."""
    query = select(_audit)
    for col, value in ((_audit.c.app, app), (_audit.c.form, form), (_audit.c.record_id, record_id),
                       (_audit.c.user_id, user_id)):
        if value is not None:
            query = query.where(col == value)
    if since is not None:
        query = query.where(_audit.c.at >= since)
    if until is not None:
        query = query.where(_audit.c.at < until)
    if before_id is not None:
        query = query.where(_audit.c.id < before_id)
    rows = conn.execute(query.order_by(_audit.c.id.desc()).limit(limit)).all()
    return [Entry(r.id, r.at, r.user_id, r.user_name, r.via, r.app, r.form, r.record_id, r.action,
                  orjson.loads(r.changes) if r.changes else {}) for r in rows]
