"""Reading records: one record with its rows, and the API shape with display values."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import and_, bindparam, select

from form_engine.compiler import CompiledForm
from form_engine.definitions import FieldDef
from form_engine.errors import NotFound

from ..access import owners_in, require
from .context import RecordContext
from .references import display_maps, display_text, link_target, mask_display
from .rights import access_of, allowed, link_rules, read_owners, view, visible_fields
from .serialize import LINKS, child_values, record_json, row_values

USER_LINK = FieldDef(name="owner_id", type="user", label={"zh-CN": "负责人", "en": "Owner"})
CREATOR_LINK = FieldDef(name="created_by", type="user", label={"zh-CN": "创建人", "en": "Created by"})
DEPT_LINK = FieldDef(name="department_id", type="department", label={"zh-CN": "所属部门", "en": "Department"})
SYSTEM_LINKS = (USER_LINK, CREATOR_LINK, DEPT_LINK)


def not_found(ctx: RecordContext, form: CompiledForm, record_id) -> NotFound:
    label = form.label.text(ctx.lang)
    return NotFound(f"{label}记录不存在（ID {record_id}）" if ctx.lang != "en" else f"No {label} record with ID {record_id}",
                    record_id=record_id)


def load_record(ctx: RecordContext, form: CompiledForm, record_id: int, *, deleted: bool = False,
                for_update: bool = False, owners: frozenset[int] | None = None) -> dict:
    """Stored values of one live record (or one in the recycle bin), subform rows included.

    No permission check of its own: callers pass the `owners` the actor's read scope reaches
    (None: all), and a record outside them is "not found", exactly like a missing one.
    """
    lock = for_update and ctx.conn.dialect.name == "postgresql"
    row = ctx.conn.execute(_record_query(form.tables.main, deleted, lock), {"id": record_id}).first()
    if row is None or (owners is not None and row.owner_id not in owners):
        raise not_found(ctx, form, record_id)
    values = row_values(form, row)
    for f in form.subforms():
        rows = ctx.conn.execute(_rows_query(form.tables.children[f.name]), {"id": record_id})
        values[f.name] = [child_values(f, r) for r in rows]
    return values


@lru_cache(maxsize=1024)
def _record_query(table, deleted: bool, lock: bool):
    query = select(table).where(table.c.id == bindparam("id"),
                                table.c.deleted_at.isnot(None) if deleted else table.c.deleted_at.is_(None))
    return query.with_for_update() if lock else query


@lru_cache(maxsize=1024)
def _rows_query(child):
    return select(child).where(child.c.parent_id == bindparam("id")).order_by(child.c.position)


def link_fields(form: CompiledForm, fields: list[FieldDef] | None = None) -> list[FieldDef]:
    chosen = fields if fields is not None else list(form.form.fields)
    return [f for f in chosen if f.type in LINKS] + list(SYSTEM_LINKS)


def record_out(ctx: RecordContext, form: CompiledForm, values: dict, displays: dict | None = None) -> dict:
    """One record in its API shape, as the actor may see it, with display values for every link."""
    access = access_of(ctx, form)
    values = view(access, form, values)
    if displays is None:
        displays = display_maps(ctx, link_fields(form), [values])
    for f in form.subforms():
        rows = values.get(f.name) or []
        displays[f.name] = display_maps(ctx, [c for c in f.fields if c.type in LINKS], rows)
    fields = visible_fields(access, form, form.form.fields)
    return record_json(form, values, displays, fields)


def read_record(ctx: RecordContext, form: CompiledForm, record_id: int, *, deleted: bool = False) -> dict:
    """One record's values as the actor may see them (hidden fields left out, masked ones masked)."""
    access = allowed(ctx, form, "read")
    if deleted:
        require(access, "delete", form, ctx.lang)
    return view(access, form, load_record(ctx, form, record_id, deleted=deleted, owners=read_owners(ctx, access)))


def get_record(ctx: RecordContext, form: CompiledForm, record_id: int, *, deleted: bool = False) -> dict:
    """One record read with its links' display values in a single joined query."""
    access = allowed(ctx, form, "read")
    query, labels = _detail_query(ctx, form, deleted)
    row = ctx.conn.execute(query, {"id": record_id}).first()
    owners = read_owners(ctx, access)  # checked here, not in SQL: the cached statement stays as it is
    if row is None or (owners is not None and row.owner_id not in owners):
        raise not_found(ctx, form, record_id)
    values = row_values(form, row)
    displays = joined_displays(ctx, labels, [values], [row])
    for f in form.subforms():
        rows = ctx.conn.execute(_rows_query(form.tables.children[f.name]), {"id": record_id})
        values[f.name] = [child_values(f, r) for r in rows]
    return record_out(ctx, form, values, displays)


def _detail_query(ctx: RecordContext, form: CompiledForm, deleted: bool):
    """SELECT the record LEFT JOIN each link's target for its display column; built once per form and access."""
    rules = link_rules(ctx, link_fields(form))
    key = ("detail", deleted, rules)
    if key not in form.plans:
        table = form.tables.main
        joined, extra, labels = link_joins(ctx, form, link_fields(form), rules)
        query = select(table, *extra).select_from(joined).where(
            table.c.id == bindparam("id"), table.c.deleted_at.isnot(None) if deleted else table.c.deleted_at.is_(None))
        form.plans[key] = (query, labels)
    return form.plans[key]


def link_joins(ctx: RecordContext, form: CompiledForm, links: list[FieldDef], rules: tuple):
    """The form's table LEFT JOINed to each link's target, and the labelled display columns.

    Display values then come with the rows themselves: no query per link, none per row. A
    target the actor may not see is not joined, and a joined one only within the actor's scope.
    """
    table = form.tables.main
    joined, extra, labels = table, [], []
    for i, (f, (_name, rule)) in enumerate(zip(links, rules)):
        if rule is None:
            continue
        owners, masked = rule
        target, col = link_target(ctx, f)
        alias = _alias(target, i)
        own = table.c[form.fields[f.name].col] if f.name in form.fields else table.c[f.name]
        on = alias.c.id == own
        if owners is not None:
            on = and_(on, owners_in(alias.c.owner_id, owners))
        joined = joined.outerjoin(alias, on)
        extra.append(alias.c[col.key].label(f"display_{i}"))
        labels.append((f, f"display_{i}", masked))
    return joined, extra, labels


@lru_cache(maxsize=4096)
def _alias(target, i: int):
    """Aliases are built once: each one copies every column of its table."""
    return target.alias(f"link_{i}")


def joined_displays(ctx: RecordContext, labels, values: list[dict], rows) -> dict[str, dict[int, str]]:
    """id → display text per link field, read from the labelled columns of joined rows."""
    out: dict[str, dict[int, str]] = {f.name: {} for f, _l, _m in labels}
    for v, row in zip(values, rows):
        m = row._mapping
        for f, label, masked in labels:
            link, shown = v.get(f.name), m[label]
            if link is not None and shown is not None and link not in out[f.name]:
                text = display_text(ctx, f, shown)
                out[f.name][link] = mask_display(ctx, f, text) if masked else text
    return out
