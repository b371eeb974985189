"""Links between records: existence checks on save, display values on read (one query per link)."""
from __future__ import annotations

from sqlalchemy import Table, select

from form_engine.compiler import CompiledForm
from form_engine.definitions import FieldDef
from form_engine.errors import Problem
from form_engine.fieldtypes import field_type
from form_engine.messages import message

from .. import systables
from .context import RecordContext


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


def check_links(ctx: RecordContext, form: CompiledForm, record: dict, problems: list[Problem]) -> None:
    """Add a problem for every link (top level and in rows) to a record that does not exist."""
    wanted: list[tuple[FieldDef, str, int]] = []
    for f in form.form.fields:
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
        query = select(table.c.id).where(table.c.id.in_(ids))
        if (live := _live(table)) is not None and f.type != "department":
            query = query.where(live)
        found[key] = set(ctx.conn.execute(query).scalars())
    for f, path, value in wanted:
        if value not in found[(f.type, f.target)]:
            code = field_type(f.type).missing_code
            problems.append(Problem(path, message(code, ctx.lang, value=value), code))


def display_maps(ctx: RecordContext, fields: list[FieldDef], rows: list[dict]) -> dict[str, dict[int, str]]:
    """For each link field, id → display text of the records the rows point at."""
    out = {}
    for f in fields:
        ids = {r[f.name] for r in rows if r.get(f.name) is not None}
        if not ids:
            out[f.name] = {}
            continue
        table, col = link_target(ctx, f)
        shown = {}
        for rid, value in ctx.conn.execute(select(table.c.id, col).where(table.c.id.in_(ids))):
            shown[rid] = _display(ctx, f, value)
        out[f.name] = shown
    return out


def _display(ctx: RecordContext, f: FieldDef, value) -> str:
    if f.type != "relation" or value is None:
        return "" if value is None else str(value)
    target = ctx.app.forms[f.target]
    title = target.fields.get(f.display_field or target.title_field)
    if title is None:
        return str(value)
    ft = field_type(title.type)
    return ft.display(ft.from_db(value, title), title, ctx.lang)
