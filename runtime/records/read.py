"""Reading records: one record with its rows, and the API shape with display values."""
from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import and_, bindparam, select

from form_engine.compiler import CompiledForm
from form_engine.definitions import FieldDef
from form_engine.errors import NotFound

from ..access import owners_in, require
from ..prepared import Prepared
from .context import RecordContext
from .references import display_maps, display_text, link_target, mask_display
from .rights import access_of, allowed, link_rules, masked_names, read_owners, view, visible_fields
from .serialize import LINKS, PagePlan, child_values, page_plan, record_json, row_values, value_json

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
    """One record in its API shape, read with its links' display values in a single joined query."""
    access = allowed(ctx, form, "read")
    plan = _detail_plan(ctx, form, access, deleted)
    row = plan.statement.one(ctx.conn, {"id": record_id})
    owners = read_owners(ctx, access)  # checked here, not in SQL: the cached statement stays as it is
    if row is None or (owners is not None and row[OWNER_AT] not in owners):
        raise not_found(ctx, form, record_id)
    values = plan.page.values(row)
    out = plan.page.json(values, joined_displays(ctx, plan.labels, [values], [row], len(plan.page.columns)))
    for f in plan.subforms:
        rows = [child_values(f, r) for r in ctx.conn.execute(_rows_query(form.tables.children[f.name]), {"id": record_id})]
        out[f.name] = value_json(f, rows, display_maps(ctx, [c for c in f.fields if c.type in LINKS], rows))
    return out


OWNER_AT = PagePlan.SYSTEM.index("owner_id")


class DetailPlan(NamedTuple):
    statement: Prepared  # the record's columns, then one display column per joined link
    page: PagePlan  # the visible stored fields, masked ones masked as they are read
    labels: list  # (link field, position among the display columns, masked)
    subforms: list[FieldDef]  # the visible subforms, read after the record


def _detail_plan(ctx: RecordContext, form: CompiledForm, access, deleted: bool) -> DetailPlan:
    """How one record is read and shaped for this actor; built once per actor and form version."""
    return ctx.actor.plan_for(form, ("detail", deleted), lambda: _build_detail_plan(ctx, form, access, deleted))


def _build_detail_plan(ctx: RecordContext, form: CompiledForm, access, deleted: bool) -> DetailPlan:
    fields = visible_fields(access, form, form.form.fields)
    stored = [f for f in fields if f.type != "subform"]
    links = link_fields(form, stored)
    rules = link_rules(ctx, links)
    masked = masked_names(access, form)
    key = ("detail", deleted, tuple(f.name for f in fields), masked, rules)
    plan = form.plans.get(key)  # shared by every actor with the same view of the form
    if plan is None:
        table = form.tables.main
        page = page_plan(form, stored, masked)
        joined, extra, labels = link_joins(ctx, form, links, rules)
        query = select(*(table.c[c] for c in page.columns), *extra).select_from(joined).where(
            table.c.id == bindparam("id"), table.c.deleted_at.isnot(None) if deleted else table.c.deleted_at.is_(None))
        plan = form.plans[key] = DetailPlan(Prepared(query), page, labels, [f for f in fields if f.type == "subform"])
    return plan


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
        labels.append((f, len(extra) - 1, masked))
    return joined, extra, labels


@lru_cache(maxsize=4096)
def _alias(target, i: int):
    """Aliases are built once: each one copies every column of its table."""
    return target.alias(f"link_{i}")


def joined_displays(ctx: RecordContext, labels, values: list[dict], rows, offset: int) -> dict[str, dict[int, str]]:
    """id → display text per link field, read from the display columns that follow a row's first `offset`."""
    out: dict[str, dict[int, str]] = {f.name: {} for f, _p, _m in labels}
    for v, row in zip(values, rows):
        for f, position, masked in labels:
            link, shown = v.get(f.name), row[offset + position]
            if link is not None and shown is not None and link not in out[f.name]:
                text = display_text(ctx, f, shown)
                out[f.name][link] = mask_display(ctx, f, text) if masked else text
    return out
