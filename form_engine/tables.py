"""Map a form to SQLAlchemy Tables: its own table (system columns + one per field) and child tables."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import (BigInteger, Column, DateTime, ForeignKey, Index, Integer, MetaData,
                        String, Table, text)

from .definitions import FieldDef, FormDef
from .fieldtypes import field_type

ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite needs INTEGER for a rowid alias
LINK_TYPES = ("relation", "user", "department")
ROW_COLUMNS = ("id", "parent_id", "position")  # a child table's own columns; row fields can't use them
MAX_NAME = 63  # PostgreSQL cuts longer identifiers silently, so two long names could collide


@dataclass(frozen=True)
class FormTables:
    main: Table
    children: dict[str, Table] = field(default_factory=dict)  # subform field name → child table


def short_name(name: str, limit: int = MAX_NAME) -> str:
    """`name`, or when longer than `limit` its start plus a hash of all of it: stable and distinct."""
    if len(name) <= limit:
        return name
    return f"{name[:limit - 9]}_{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def ix(*parts: str) -> str:
    """An index name within PostgreSQL's 63-character limit, stable for the same parts."""
    return short_name("_".join(parts), 60)


def default_table_name(app: str, form_name: str) -> str:
    """The table a new form gets; it fits NAME_PATTERN (40 characters) so an exported app re-imports."""
    return short_name(f"{app}_{form_name}", 40)


def table_name(app: str, form: FormDef) -> str:
    return form.table or default_table_name(app, form.name)


def system_columns() -> list[Column]:
    return [
        Column("id", ID, primary_key=True, autoincrement=True),
        Column("created_at", DateTime(), nullable=False),
        Column("updated_at", DateTime(), nullable=False),
        Column("created_by", ID, nullable=True),
        Column("owner_id", ID, nullable=True),
        Column("department_id", ID, nullable=True),
        Column("version", Integer(), nullable=False, server_default=text("1")),
        Column("deleted_at", DateTime(), nullable=True),
        Column("flow_status", String(32), nullable=True),
    ]


def field_column(f: FieldDef) -> Column:
    return Column(f.col, field_type(f.type).sql_type(f), nullable=True, info={"field": f.name})


def archived_fields(form: FormDef, subform: str | None = None) -> list[FieldDef]:
    """The archived fields of the form itself (subform=None) or of one subform (by its column)."""
    return [a.field for a in form.archived if a.subform == subform]


def to_table(app: str, form: FormDef, metadata: MetaData) -> FormTables:
    """The form's tables, archived columns included: the metadata matches the database."""
    name = table_name(app, form)
    stored = [f for f in (*form.fields, *archived_fields(form)) if field_type(f.type).stored]
    main = Table(name, metadata, *system_columns(), *(field_column(f) for f in stored),
                 info={"app": app, "form": form.name})
    live = main.c.deleted_at.is_(None)
    # Named after their first column, a reserved word, so no field's index can take the same name.
    Index(ix("ix", name, "updated_at"), main.c.updated_at, main.c.id)
    Index(ix("ix", name, "owner_id"), main.c.owner_id)
    # The recycle bin gets a partial index of its own: a plain index on deleted_at would match
    # nearly every row, and SQLite would pick it for live lists and sort the whole table.
    binned = main.c.deleted_at.isnot(None)
    Index(ix("ix", name, "bin"), main.c.updated_at, main.c.id, sqlite_where=binned, postgresql_where=binned)
    for f in stored:
        col = main.c[f.col]
        if f.type in LINK_TYPES:
            Index(ix("ix", name, f.col), col)
        if f.unique or f.type == "auto_number":
            Index(ix("uq", name, f.col), col, unique=True, sqlite_where=live, postgresql_where=live)
    by_name = {f.name: f.col for f in form.fields}
    for i, idx in enumerate(form.indexes):
        cols = [main.c[by_name.get(n, n)] for n in idx.fields]
        kind = "uq" if idx.unique else "ix"
        extra = {"sqlite_where": live, "postgresql_where": live} if idx.unique else {}
        Index(ix(kind, name, str(i)), *cols, unique=idx.unique, **extra)
    children = {}
    for f in form.fields:
        if f.type == "subform":
            children[f.name] = child_table(name, f, main, metadata, archived_fields(form, f.col))
    for f in archived_fields(form):  # a removed subform keeps its rows in its table
        if f.type == "subform":
            child_table(name, f, main, metadata, archived_fields(form, f.col))
    return FormTables(main, children)


def child_table(parent_name: str, f: FieldDef, main: Table, metadata: MetaData,
                archived: list[FieldDef] = ()) -> Table:
    name = short_name(f"{parent_name}__{f.col}")
    row_fields = [*f.fields, *archived]
    child = Table(
        name, metadata,
        Column("id", ID, primary_key=True, autoincrement=True),
        Column("parent_id", ID, ForeignKey(main.c.id, ondelete="CASCADE"), nullable=False),
        Column("position", Integer(), nullable=False),
        *(field_column(c) for c in row_fields),
        info={"subform": f.name},
    )
    Index(ix("ix", name, "parent_id"), child.c.parent_id, child.c.position)
    for c in row_fields:
        if c.type in LINK_TYPES:
            Index(ix("ix", name, c.col), child.c[c.col])
    return child
