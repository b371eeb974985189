"""The record service's permission checks: actions, record scope and what each field shows.

Every read and write of the record service passes through here, so every path that uses the
service (pages, API, related lists, pickers, display values, search, filters, sorting, exports,
imports, rules, flows) gets the same answer.
"""
from __future__ import annotations

from typing import Any

from form_engine.compiler import CompiledForm
from form_engine.definitions import FieldDef
from form_engine.errors import BadQuery, Forbidden, FormworkError, Problem
from form_engine.fieldtypes.base import EMPTY

from ..access import FormAccess, form_access, require, scope_condition, scope_owners
from .context import RecordContext

MASKABLE = frozenset({"text", "textarea", "phone", "email", "url", "id_card"})


class Masked(str):
    """A value shown masked: text, so every output path prints it as is, and never masked twice."""


def access_of(ctx: RecordContext, form: CompiledForm) -> FormAccess:
    return form_access(ctx.app, ctx.actor, form)


def allowed(ctx: RecordContext, form: CompiledForm, action: str) -> FormAccess:
    """The actor's access to the form, refusing when its roles don't grant `action`."""
    access = access_of(ctx, form)
    require(access, action, form, ctx.lang)
    return access


def read_scope(ctx: RecordContext, form: CompiledForm, access: FormAccess):
    """SQL limiting rows to those the actor may see, or None for every row."""
    return scope_condition(ctx.actor, access.read_scopes, form.tables.main.c.owner_id)


def read_owners(ctx: RecordContext, access: FormAccess) -> frozenset[int] | None:
    """The owners whose records the actor may read (None: every record) — for one-record checks."""
    return scope_owners(ctx.actor, access.read_scopes)


def check_write_scope(ctx: RecordContext, form: CompiledForm, access: FormAccess, record: dict) -> None:
    owners = scope_owners(ctx.actor, access.write_scopes)
    if owners is not None and record.get("owner_id") not in owners:
        raise Forbidden("这条记录不在您可以修改的范围内（只能修改权限范围内负责人的记录）" if ctx.lang != "en"
                        else "This record is outside the records you may change")


def shows(access: FormAccess, form: CompiledForm, name: str) -> str | None:
    """How a field shows: "full", "masked", or None (hidden). A masked field of a type that can't
    be masked (a number, a date) is hidden instead: a partial number would still mislead."""
    how = access.view.get(name)
    if how == "masked" and form.fields[name].type not in MASKABLE:
        return None
    return how


def visible_fields(access: FormAccess, form: CompiledForm, fields) -> list:
    return [f for f in fields if shows(access, form, f.name) is not None]


def masked_names(access: FormAccess, form: CompiledForm) -> frozenset[str]:
    return frozenset(n for n in access.restricted if shows(access, form, n) == "masked")


def view(access: FormAccess, form: CompiledForm, values: dict) -> dict:
    """Stored values as this actor may see them: hidden fields left out, masked ones masked."""
    if access.everything:
        return values
    out = {}
    for key, value in values.items():
        if key not in form.fields:
            out[key] = value
            continue
        how = shows(access, form, key)
        if how == "full":
            out[key] = value
        elif how == "masked":
            out[key] = mask(form, key, value)
    return out


def mask(form: CompiledForm, name: str, value: Any) -> Any:
    if value is None or isinstance(value, Masked):
        return value
    f = form.fields[name]
    return Masked(form.types[name].mask(value, f))


def usable(access: FormAccess, form: CompiledForm, name: str, purpose: str, lang: str) -> None:
    """Refuse filtering, sorting or grouping by a field shown hidden or masked: the answer would reveal it."""
    if name in form.fields and shows(access, form, name) != "full":
        what = {"filter": "筛选", "sort": "排序", "fields": "查询"}.get(purpose, purpose)
        raise BadQuery(f"您没有查看字段“{name}”的权限，不能用它{what}" if lang != "en"
                       else f"You may not see field “{name}”, so it can't be used to {purpose}")


def field_problems(ctx: RecordContext, form: CompiledForm, access: FormAccess, data: dict,
                   current: dict | None) -> tuple[dict, list[Problem], list[str]]:
    """Split a posted record into what the actor may write, problems, and fields to compare after coercion.

    Hidden fields are refused whenever sent on an update (so the answer never depends on their
    value); read-only and masked fields only when the value changes — a masked field sent back as
    shown counts as unchanged.
    """
    if access.everything:
        return data, [], []
    kept, problems, compare = {}, [], []
    for key, value in data.items():
        if key not in form.fields or key in access.writable:
            kept[key] = value
            continue
        how = shows(access, form, key)
        if how is None:
            if current is not None or value not in EMPTY:
                problems.append(forbidden_field(ctx, key))
            continue
        if how == "masked" and current is not None and value == mask(form, key, current.get(key)):
            continue
        kept[key] = value
        compare.append(key)
    return kept, problems, compare


def forbidden_field(ctx: RecordContext, key: str) -> Problem:
    return Problem(key, "您没有修改此项的权限" if ctx.lang != "en" else "You may not change this field", "forbidden_field")


def link_rules(ctx: RecordContext, links: list[FieldDef]) -> tuple:
    """Per link field, what the actor may see of the record it points at (a plan-cache key).

    None: nothing (no read right on the target form, or its title field hidden); otherwise
    (owners or None for every record, whether the title shows masked).
    """
    out = []
    for f in links:
        if f.type != "relation":
            out.append((f.name, (None, False)))
            continue
        target = ctx.app.forms[f.target]
        access = access_of(ctx, target)
        title = f.display_field or target.title_field
        how = shows(access, target, title) if title in target.fields else "full"
        if not access.can("read") or how is None:
            out.append((f.name, None))
        else:
            out.append((f.name, (scope_owners(ctx.actor, access.read_scopes), how == "masked")))
    return tuple(out)


class RecordLocked(FormworkError):
    status = 409
    title = "记录审批中"


def check_not_in_approval(ctx: RecordContext, current: dict) -> None:
    """While a record is being approved only the flow changes it (approvers through their task)."""
    if current.get("flow_status") == "running" and ctx.via != "flow":
        raise RecordLocked("这条记录正在审批中，暂时不能修改、删除或转交；可以先撤回审批，或由审批人在审批时修改允许的字段"
                           if ctx.lang != "en" else "This record is being approved and can't be changed now")

