"""Links between records: existence checks on save, display values on read (one query per link)."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Table, bindparam, select

from form_engine.compiler import CompiledForm
from form_engine.definitions import FieldDef
from form_engine.errors import Problem
from form_engine.fieldtypes import field_type
from form_engine.messages import message

from .. import systables
from ..access import owners_in, scope_owners
from ..prepared import Prepared
from .context import RecordContext
from .rights import access_of, link_rules, mask


def link_target(ctx: RecordContext, f: FieldDef) -> tuple[Table, object]:
    """The table a link field points at and the column that names a record there."""
    if f.type == "user":
        return systables.user, systables.user.c.full_name
    if f.type == "department":
        return systables.department, systables.department.c.name
    target = ctx.app.forms[f.target]
    title = target.fields.get(f.display_field or target.title_field)
    table = target.tables.main
    return table, table.c[title.col] if title else table.c.id


def _live(table: Table):
    if "deleted_at" in table.c:
        return table.c.deleted_at.is_(None)
    if "is_active" in table.c:
        return table.c.is_active.is_(True)
    return None


def check_links(ctx: RecordContext, form: CompiledForm, record: dict, problems: list[Problem],
                only: set[str] | None = None) -> None:
    """Add a problem for every link (top level and in rows) to a record that does not exist — or
    that the actor may not see. `only`: the fields to check (an update checks what it changes)."""
    wanted: list[tuple[FieldDef, str, int]] = []
    for f in form.form.fields:
        if only is not None and f.name not in only:
            continue
        if f.type in ("relation", "user", "department") and record.get(f.name) is not None:
            wanted.append((f, f.name, record[f.name]))
        if f.type == "subform":
            for i, row in enumerate(record.get(f.name) or []):
                for c in f.fields:
                    if c.type in ("relation", "user", "department") and row.get(c.name) is not None:
                        wanted.append((c, f"{f.name}.{i}.{c.name}", row[c.name]))
    by_target: dict[tuple, set[int]] = {}
    for f, _path, value in wanted:
        by_target.setdefault((f.type, f.target), set()).add(value)
    found: dict[tuple, set[int]] = {}
    for key, ids in by_target.items():
        f = next(f for f, _p, _v in wanted if (f.type, f.target) == key)
        table, _ = link_target(ctx, f)
        live_only = f.type != "department"
        owners = None
        if f.type == "relation":  # a record the actor may not see is one that does not exist
            access = access_of(ctx, ctx.app.forms[f.target])
            if not access.can("read"):
                found[key] = set()
                continue
            owners = scope_owners(ctx.actor, access.read_scopes)
        with_owner = f.type == "relation"
        if len(ids) == 1:  # the usual case: a prepared statement
            rows = _existing_one(table, live_only, with_owner).execute(ctx.conn, {"id": next(iter(ids))}).fetchall()
        else:
            rows = ctx.conn.execute(_existing_query(table, live_only, with_owner), {"ids": list(ids)}).all()
        found[key] = {r[0] for r in rows if owners is None or r[1] in owners}
    for f, path, value in wanted:
        if value not in found[(f.type, f.target)]:
            code = field_type(f.type).missing_code
            problems.append(Problem(path, message(code, ctx.lang, value=value), code))


def display_maps(ctx: RecordContext, fields: list[FieldDef], rows: list[dict]) -> dict[str, dict[int, str]]:
    """For each link field, id → display text of the records the rows point at.

    Fields that show the same column of the same table (owner and creator: fw_user.full_name)
    share one query, so a page costs one query per distinct target, never one per row.
    """
    rules = dict(link_rules(ctx, fields))
    wanted: dict[tuple, tuple[Table, object, FieldDef, set[int]]] = {}
    for f in fields:
        if rules[f.name] is None:
            continue
        table, col = link_target(ctx, f)
        key = (table.name, col.key, rules[f.name])
        ids = {r[f.name] for r in rows if r.get(f.name) is not None}
        if key in wanted:
            wanted[key][3].update(ids)
        else:
            wanted[key] = (table, col, f, ids)
    shown: dict[tuple, dict[int, str]] = {}
    for key, (table, col, f, ids) in wanted.items():
        if not ids:
            shown[key] = {}
            continue
        owners, masked = key[2]
        query = _display_query(table, col)
        if owners is not None:
            query = query.where(owners_in(table.c.owner_id, owners))
        texts = {rid: display_text(ctx, f, value) for rid, value in ctx.conn.execute(query, {"ids": list(ids)})}
        shown[key] = {rid: mask_display(ctx, f, t) for rid, t in texts.items()} if masked else texts
    out = {}
    for f in fields:
        if rules[f.name] is None:
            out[f.name] = {}
            continue
        table, col = link_target(ctx, f)
        out[f.name] = shown[(table.name, col.key, rules[f.name])]
    return out


@lru_cache(maxsize=1024)
def _existing_one(table: Table, live_only: bool, with_owner: bool) -> Prepared:
    return Prepared(_existing(table.c.id == bindparam("id"), table, live_only, with_owner))


@lru_cache(maxsize=1024)
def _existing_query(table: Table, live_only: bool, with_owner: bool):
    return _existing(table.c.id.in_(bindparam("ids", expanding=True)), table, live_only, with_owner)


def _existing(match, table: Table, live_only: bool, with_owner: bool):
    """The ids (and owners, to check the actor's scope) of the linked records that exist."""
    query = select(table.c.id, table.c.owner_id) if with_owner else select(table.c.id)
    query = query.where(match)
    if live_only and (live := _live(table)) is not None:
        query = query.where(live)
    return query


@lru_cache(maxsize=1024)
def _display_query(table: Table, col):
    """Built once per target: SQLAlchemy's statement building costs more than the query itself."""
    return select(table.c.id, col).where(table.c.id.in_(bindparam("ids", expanding=True)))


def mask_display(ctx: RecordContext, f: FieldDef, text: str) -> str:
    """A linked record's title for a viewer who sees that title masked."""
    target = ctx.app.forms[f.target]
    return mask(target, f.display_field or target.title_field, text)


def display_text(ctx: RecordContext, f: FieldDef, value) -> str:
    """How a linked record is named: its title field, formatted by its type."""
    if f.type != "relation" or value is None:
        return "" if value is None else str(value)
    target = ctx.app.forms[f.target]
    title = target.fields.get(f.display_field or target.title_field)
    if title is None:
        return str(value)
    ft = field_type(title.type)
    return ft.display(ft.from_db(value, title), title, ctx.lang)
