"""The one way records are written: create, update, soft delete and restore.

Every path (API, pages, import, demo data, later rules and flows) calls these functions, so
validation, formulas, link checks and optimistic locking can't be skipped.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select, update as sql_update

from form_engine.compiler import CompiledForm
from form_engine.errors import Conflict, Problem, RecordInvalid
from form_engine.fieldtypes import FieldType, field_type
from form_engine.fieldtypes.base import EMPTY
from form_engine.fieldtypes.computed import format_number, number_period
from form_engine.messages import message

from .. import systables
from ..prepared import Prepared
from .audit import log_change
from .context import RecordContext
from .files import bind_files, resolve_files
from .read import load_record, record_out
from .references import check_links
from .rights import allowed, check_not_in_approval, check_write_scope, field_problems, forbidden_field, read_owners
from .sequences import next_value
from .serialize import to_db_values

_SYSTEM = ("created_at", "updated_at", "created_by", "owner_id", "department_id", "version")


def create_record(ctx: RecordContext, form: CompiledForm, data: dict, *, from_form: bool = False) -> dict:
    """Validate and insert a record owned by the actor; returns the stored values."""
    access = allowed(ctx, form, "create")
    data, refused, compare = field_problems(ctx, form, access, data, None)
    values, problems = form.inputs.validate(data, lang=ctx.lang, from_form=from_form)
    problems = refused + problems + [forbidden_field(ctx, n) for n in compare if values.get(n) not in EMPTY]
    record = {**form.default_values(_expression_context(ctx, {})), **values}
    record.update(created_at=ctx.now, updated_at=ctx.now, created_by=ctx.actor.id,
                  owner_id=ctx.actor.id, department_id=ctx.actor.department_id, version=1)
    _prepare(ctx, form, record, problems, touched=set(values), record_id=None)
    _unique(ctx, form, record, None, problems)
    if problems:
        raise RecordInvalid(problems)
    plan = _plan(form)
    for f in plan.auto_numbers:
        today = ctx.now.date()
        key = f"{form.app}.{form.name}.{f.name}.{number_period(f.number_pattern, today)}"
        record[f.name] = format_number(f.number_pattern, today, next_value(ctx.conn, key))
    row = {k: record[k] for k in _SYSTEM}
    row.update(plan.db_values(record))
    new_id = _insert(form.tables.main).execute(ctx.conn, row).fetchone()[0]
    record["id"] = new_id
    record["flow_status"] = None
    for name, rows in plan.names:
        if name not in record:
            record[name] = [] if rows else None
    _write_rows(ctx, form, new_id, record, replace=False)
    _bind_files(ctx, form, new_id, record, set(values))
    log_change(ctx, form, "create", new_id, None, record)
    return record


def update_record(ctx: RecordContext, form: CompiledForm, record_id: int, data: dict, *,
                  expected_version: int | None, from_form: bool = False) -> dict:
    """Apply changes read at `expected_version`; a stale version raises Conflict with current values."""
    access, current = _writable_record(ctx, form, record_id, "update")
    check_not_in_approval(ctx, current)
    if expected_version is not None and current["version"] != expected_version:
        raise _conflict(ctx, form, current)
    data, refused, compare = field_problems(ctx, form, access, data, current)
    values, problems = form.inputs.validate(data, lang=ctx.lang, from_form=from_form)
    problems = refused + problems
    for name in values:
        if name not in form.fields or values[name] == current.get(name):
            continue
        if name in compare:
            problems.append(forbidden_field(ctx, name))
        elif form.is_readonly(name, current):
            problems.append(Problem(name, "此项当前为只读，不能修改" if ctx.lang != "en" else "This field is read-only now", "readonly"))
    record = {**current, **values}
    changed = {n for n in values if values[n] != current.get(n)}
    _prepare(ctx, form, record, problems, touched=set(values), record_id=record_id, changed=changed)
    _unique(ctx, form, record, record_id, problems)
    if problems:
        raise RecordInvalid(problems)
    table = form.tables.main
    changes = _plan(form).db_values(record)
    version = current["version"] + 1
    done = ctx.conn.execute(sql_update(table).where(table.c.id == record_id, table.c.version == current["version"],
                                                    table.c.deleted_at.is_(None))
                            .values(**changes, updated_at=ctx.now, version=version))
    if done.rowcount != 1:
        raise _conflict(ctx, form, load_record(ctx, form, record_id))
    record.update(updated_at=ctx.now, version=version)
    _write_rows(ctx, form, record_id, record, replace=True, only=set(values))
    _bind_files(ctx, form, record_id, record, set(values))
    log_change(ctx, form, "update", record_id, current, record)
    return record


def delete_record(ctx: RecordContext, form: CompiledForm, record_id: int, *, expected_version: int | None = None) -> dict:
    """Move a record to the recycle bin."""
    _access, current = _writable_record(ctx, form, record_id, "delete")
    check_not_in_approval(ctx, current)
    if expected_version is not None and current["version"] != expected_version:
        raise _conflict(ctx, form, current)
    table = form.tables.main
    ctx.conn.execute(sql_update(table).where(table.c.id == record_id)
                     .values(deleted_at=ctx.now, updated_at=ctx.now, version=current["version"] + 1))
    log_change(ctx, form, "delete", record_id, None, None)
    return {**current, "deleted_at": ctx.now, "version": current["version"] + 1}


def restore_record(ctx: RecordContext, form: CompiledForm, record_id: int) -> dict:
    """Bring a record back from the recycle bin, unless a unique value is now taken."""
    _access, current = _writable_record(ctx, form, record_id, "delete", deleted=True)
    problems: list[Problem] = []
    _unique(ctx, form, current, record_id, problems)
    if problems:
        raise RecordInvalid(problems)
    table = form.tables.main
    ctx.conn.execute(sql_update(table).where(table.c.id == record_id)
                     .values(deleted_at=None, updated_at=ctx.now, version=current["version"] + 1))
    log_change(ctx, form, "restore", record_id, None, None)
    return {**current, "deleted_at": None, "updated_at": ctx.now, "version": current["version"] + 1}


def transfer_record(ctx: RecordContext, form: CompiledForm, record_id: int, owner_id: int, *,
                    expected_version: int | None = None) -> dict:
    """Give a record to another owner (an active user): a permission of its own, audited."""
    _access, current = _writable_record(ctx, form, record_id, "transfer")
    if expected_version is not None and current["version"] != expected_version:
        raise _conflict(ctx, form, current)
    u = systables.user
    target = ctx.conn.execute(select(u.c.id, u.c.department_id)
                              .where(u.c.id == owner_id, u.c.is_active.is_(True))).first()
    if target is None:
        raise RecordInvalid([Problem("owner_id", "请选择一位在职的用户作为新负责人" if ctx.lang != "en"
                                     else "Choose an active user as the new owner", "owner")])
    if owner_id == current["owner_id"]:
        return current
    table = form.tables.main
    version = current["version"] + 1
    ctx.conn.execute(sql_update(table).where(table.c.id == record_id)
                     .values(owner_id=owner_id, department_id=target.department_id, updated_at=ctx.now, version=version))
    log_change(ctx, form, "transfer", record_id, {"owner_id": current["owner_id"]}, {"owner_id": owner_id})
    return {**current, "owner_id": owner_id, "department_id": target.department_id, "updated_at": ctx.now,
            "version": version}


def _writable_record(ctx: RecordContext, form: CompiledForm, record_id: int, action: str, *, deleted: bool = False):
    """The record, if the actor may `action` it: 404 outside the read scope, 403 outside the write scope."""
    access = allowed(ctx, form, action)
    current = load_record(ctx, form, record_id, deleted=deleted, for_update=True, owners=read_owners(ctx, access))
    check_write_scope(ctx, form, access, current)
    return access, current


def _expression_context(ctx: RecordContext, record: dict) -> dict:
    return {"created_at": ctx.now, "updated_at": ctx.now, **record}


def _prepare(ctx: RecordContext, form: CompiledForm, record: dict, problems: list[Problem], touched: set[str],
             record_id: int | None, changed: set[str] | None = None) -> None:
    """Row defaults, formulas, attachments, required checks (visibility-aware), rules, links."""
    bad = {p.path for p in problems}  # a field that failed coercion needs no "required" on top
    plan = _plan(form)
    for f in plan.subforms:
        for row in record.get(f.name) or []:
            for name, value in form.row_default_values(f.name, {**record, **row}).items():
                row.setdefault(name, value)
    problems.extend(form.compute(record, ctx.lang))
    for f in plan.attachments:
        if f.name in touched and record.get(f.name) not in EMPTY:
            ids = [x["id"] if isinstance(x, dict) else x for x in record[f.name]]
            record[f.name] = resolve_files(ctx.conn, ids, f, f.name, ctx.lang, problems, uploader=ctx.actor.id,
                                           home=(form.app, form.name, record_id, f.name)) or None
    problems.extend(p for p in form.check_record(record, ctx.lang) if p.path not in bad)
    check_links(ctx, form, record, problems, only=changed)  # links kept as they were stay valid


def _bind_files(ctx: RecordContext, form: CompiledForm, record_id: int, record: dict, touched: set[str]) -> None:
    names = [f.name for f in _plan(form).attachments if f.name in touched]
    if names:
        bind_files(ctx.conn, form, record_id, names, record)


def _unique(ctx: RecordContext, form: CompiledForm, record: dict, record_id: int | None, problems: list[Problem]) -> None:
    """Unique fields and unique indexes (field combinations) among live records."""
    table = form.tables.main
    for names, fields in _plan(form).unique:
        if any(record.get(n) in EMPTY for n in names):
            continue
        query = select(func.count()).where(table.c.deleted_at.is_(None), *(
            table.c[f.col] == form.types[f.name].to_db(record[f.name], f) for f in fields))
        if record_id is not None:
            query = query.where(table.c.id != record_id)
        if ctx.conn.execute(query).scalar():
            shown = " + ".join(form.types[f.name].display(record[f.name], f, ctx.lang) for f in fields)
            problems.append(Problem(names[-1], message("unique", ctx.lang, value=shown), "unique"))


def _write_rows(ctx: RecordContext, form: CompiledForm, parent_id: int, record: dict, *, replace: bool,
                only: set[str] | None = None) -> None:
    """Store subform rows; on update the given rows replace the old ones, keeping their ids."""
    for f in _plan(form).subforms:
        if only is not None and f.name not in only:
            continue
        child = form.tables.children[f.name]
        keep: set[int] = set()
        if replace:
            keep = set(ctx.conn.execute(select(child.c.id).where(child.c.parent_id == parent_id)).scalars())
            ctx.conn.execute(sql_delete(child).where(child.c.parent_id == parent_id))
        rows = []
        for position, row in enumerate(record.get(f.name) or []):
            values: dict[str, Any] = {"parent_id": parent_id, "position": position, **to_db_values(f.fields, row)}
            if isinstance(row.get("id"), int) and row["id"] in keep:
                values["id"] = row["id"]
            rows.append(values)
        for values in rows:
            values["id"] = _insert(child).execute(ctx.conn, values).fetchone()[0]
        for row, values in zip(record.get(f.name) or [], rows):
            row["id"] = values["id"]


class _WritePlan:
    """What a write does per field, decided once per form version instead of once per record."""

    def __init__(self, form: CompiledForm):
        fields = form.form.fields
        self.columns = [(f.name, f.col, _to_db(f)) for f in form.stored_fields()]
        self.names = [(f.name, f.type == "subform") for f in fields]
        self.subforms = form.subforms()
        self.attachments = [f for f in fields if f.type == "attachment"]
        self.auto_numbers = [f for f in fields if f.type == "auto_number"]
        groups = [(f.name,) for f in fields if f.unique] + [idx.fields for idx in form.form.indexes if idx.unique]
        # a group naming something that is not a field (a system column) is never checked here
        self.unique = [(names, [form.fields[n] for n in names]) for names in groups
                       if all(n in form.fields for n in names)]

    def db_values(self, values: dict) -> dict[str, Any]:
        """{column: database value} for the stored fields present in `values` (as to_db_values)."""
        return {col: (to_db(values[name]) if to_db is not None else values[name])
                for name, col, to_db in self.columns if name in values}


def _to_db(f):
    ft = field_type(f.type)
    if type(ft).to_db is FieldType.to_db:
        return None
    return lambda value: ft.to_db(value, f)


def _plan(form: CompiledForm) -> _WritePlan:
    plan = form.plans.get("write")
    if plan is None:
        plan = form.plans["write"] = _WritePlan(form)
    return plan


@lru_cache(maxsize=1024)
def _insert(table) -> Prepared:
    """Built once per table; the values come as parameters."""
    return Prepared(table.insert().returning(table.c.id))


def _conflict(ctx: RecordContext, form: CompiledForm, current: dict) -> Conflict:
    text = ("记录已被他人修改（当前版本 {v}），请查看最新内容后再保存" if ctx.lang != "en"
            else "The record was changed by someone else (now version {v}); review it and save again")
    return Conflict(text.format(v=current["version"]), current=record_out(ctx, form, current), record_id=current["id"])
