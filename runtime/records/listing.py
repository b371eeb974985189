"""Listing records: one SQL query per page, keyset cursors for deep pages, a capped total."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, func, literal, or_, select, tuple_

from form_engine.compiler import CompiledForm
from form_engine.errors import BadQuery
from form_engine.fieldtypes import field_type

from ..access import FormAccess, require, scope_owners
from .context import RecordContext
from .query import NOT_NULL, ListQuery, condition, resolve, search_condition
from .read import joined_displays, link_fields, link_joins
from .rights import allowed, link_rules, masked_names, read_scope, shows, usable, visible_fields
from .serialize import page_plan


COUNT_CAP = 10_000  # totals above this are reported as an estimate


@dataclass
class Page:
    items: list[dict]
    next: str | None
    total: int
    total_exact: bool
    rows: list[dict]  # the Python values behind items, for pages that format them


def list_records(ctx: RecordContext, form: CompiledForm, q: ListQuery) -> Page:
    access = allowed(ctx, form, "read")
    if q.deleted:
        require(access, "delete", form, ctx.lang)
    table = form.tables.main
    where = [table.c.deleted_at.isnot(None) if q.deleted else table.c.deleted_at.is_(None)]
    scope = read_scope(ctx, form, access)
    if scope is not None:
        where.append(scope)
    for f in q.filters:
        usable(access, form, f.field, "filter", ctx.lang)
        where.append(condition(form, f, ctx.lang))
    if q.search:
        where.append(search_condition(form, q.search, lambda name: shows(access, form, name) == "full"))
    for name, _desc in q.sort:
        usable(access, form, name, "sort", ctx.lang)
    keys = _sort_keys(form, q)
    fields = _projection(form, q, access, ctx.lang)
    plan = page_plan(form, fields, masked_names(access, form))
    cols = [table.c[c] for c in plan.columns]
    cols += [col for _n, col, _d, _nl in keys if all(col is not c for c in cols)]  # the cursor needs every sort key
    # The page's ids are chosen first (a walk over an index that the LIMIT stops), then only those
    # rows are read with their links' display values joined: joined before the LIMIT, the display
    # joins would make SQLite sort every matching row.
    page = select(table.c.id).where(*where)
    if q.cursor:
        page = page.where(_after(keys, _decode(q.cursor, len(keys))))
    order = _order(keys)
    page = page.order_by(*order).limit(q.limit + 1)
    if q.offset and not q.cursor:
        page = page.offset(q.offset)
    base, labels = _rows_query(ctx, form, fields, cols)
    query = base.where(table.c.id.in_(page)).order_by(*order)
    result = ctx.conn.execute(query).all()
    more = len(result) > q.limit
    result = result[: q.limit]
    values = [plan.values(r) for r in result]
    next_cursor = None
    if more and result:
        last = result[-1]._mapping
        next_cursor = _encode([last[col.key] for _n, col, _d, _nl in keys])
    displays = joined_displays(ctx, labels, values, result, len(cols))
    items = [plan.json(v, displays) for v in values]
    scoped = None if scope is None else scope_owners(ctx.actor, access.read_scopes)
    total, exact = _total(ctx, form, where, (q.filters, q.search, q.deleted, scoped))
    return Page(items, next_cursor, total, exact, values)


def _rows_query(ctx: RecordContext, form: CompiledForm, fields, cols):
    """SELECT the page columns and the links' display values (joined, within the actor's scope);
    built once per projection and access, each request only adds its WHERE and ORDER BY."""
    links = link_fields(form, fields)
    rules = link_rules(ctx, links)
    key = ("rows", tuple(f.name for f in fields), tuple(c.key for c in cols), rules)
    if key not in form.plans:
        joined, display_cols, labels = link_joins(ctx, form, links, rules)
        form.plans[key] = (select(*cols, *display_cols).select_from(joined), labels)
    return form.plans[key]


def _order(keys) -> list:
    order = []
    for _name, col, desc, nullable in keys:
        if nullable:
            order.append(col.is_(None))
        order.append(col.desc() if desc else col.asc())
    return order


def _projection(form: CompiledForm, q: ListQuery, access: FormAccess, lang: str):
    if q.fields is None:
        return visible_fields(access, form, [f for f in form.form.fields if f.type != "subform"])
    out = []
    for name in q.fields:
        f = form.fields.get(name)
        if f is None:
            if name in ("id", "version", "created_at", "updated_at", "owner_id", "created_by", "department_id"):
                continue
            raise BadQuery(f"表单中没有字段“{name}”")
        if shows(access, form, name) is None:
            usable(access, form, name, "fields", lang)
        if f.type != "subform":
            out.append(f)
    return out


def _sort_keys(form: CompiledForm, q: ListQuery):
    keys, seen = [], set()
    for name, desc in q.sort:
        f, col = resolve(form, name)
        if f is not None and not field_type(f.type).sortable:
            raise BadQuery(f"字段“{name}”不能用于排序")
        if name not in seen:
            keys.append((name, col, desc, name not in NOT_NULL))
            seen.add(name)
    if "id" not in seen:
        last_desc = keys[-1][2] if keys else True
        keys.append(("id", form.tables.main.c.id, last_desc, False))
    return keys


def _after(keys, values):
    """Rows after the cursor in the sort order (NULLs sort last in both directions)."""
    if all(not nullable for _n, _c, _d, nullable in keys) and len({d for _n, _c, d, _nl in keys}) == 1:
        desc = keys[0][2]
        left, right = tuple_(*(c for _n, c, _d, _nl in keys)), tuple_(*(literal(v, c.type) for (_n, c, _d, _nl), v in zip(keys, values)))
        return left < right if desc else left > right
    terms, equal = [], []
    for (_name, col, desc, nullable), value in zip(keys, values):
        if value is None:
            beyond = None
            same = col.is_(None)
        else:
            beyond = col < value if desc else col > value
            if nullable:
                beyond = or_(beyond, col.is_(None))
            same = col == value
        if beyond is not None:
            terms.append(and_(*equal, beyond))
        equal.append(same)
    return or_(*terms)


def _encode(values) -> str:
    def plain(v):
        if isinstance(v, datetime):
            return {"dt": v.isoformat()}
        if isinstance(v, date):
            return {"d": v.isoformat()}
        if isinstance(v, Decimal):
            return {"n": str(v)}
        return v
    raw = json.dumps([plain(v) for v in values], ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, size: int) -> list:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != size:
            raise ValueError
        out = []
        for v in raw:
            if isinstance(v, dict):
                (kind, text), = v.items()
                v = {"dt": datetime.fromisoformat, "d": date.fromisoformat, "n": Decimal}[kind](text)
            out.append(v)
        return out
    except Exception:
        raise BadQuery("翻页游标无效或已过期，请从第一页重新查询") from None


def _total(ctx: RecordContext, form: CompiledForm, where, signature: tuple) -> tuple[int, bool]:
    """Exact count up to the cap, else an estimate marked inexact; cached until the table changes.

    Counting stops at the cap so a list request never costs time that grows with the table.
    Above it, PostgreSQL's planner estimate is used; SQLite has none, so the cap is the answer.
    """
    table = form.tables.main
    cap = COUNT_CAP
    cache = ctx.count_cache
    key = None
    if cache is not None:
        stamp = ctx.conn.execute(_stamp_query(table)).one()
        key = (ctx.app.name, table.name, signature, tuple(stamp))
        if key in cache:
            return cache[key]
    query = select(func.count()).select_from(select(literal(1)).select_from(table).where(*where).limit(cap + 1).subquery())
    count = ctx.conn.execute(query).scalar_one()
    out = (count, True) if count <= cap else (max(_planner_estimate(ctx, table, where), cap), False)
    if cache is not None:
        if len(cache) > 2000:
            cache.clear()
        cache[key] = out
    return out


@lru_cache(maxsize=1024)
def _stamp_query(table):
    """The table's last change (two index lookups): a cached count stays valid while it holds."""
    return select(select(func.max(table.c.updated_at)).scalar_subquery(), select(func.max(table.c.id)).scalar_subquery())


def _planner_estimate(ctx: RecordContext, table, where) -> int:
    if ctx.conn.dialect.name != "postgresql":
        return 0
    compiled = select(table.c.id).where(*where).compile(ctx.conn)
    plan = ctx.conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar()
    return int(plan[0]["Plan"]["Plan Rows"])
