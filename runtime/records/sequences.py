"""Gap-free counters for auto numbers: the counter moves inside the record's own transaction."""
from __future__ import annotations

from sqlalchemy import Connection, select, update

from ..systables import sequence


def next_value(conn: Connection, key: str) -> int:
    """The next number for `key`. The row lock (PostgreSQL) or write lock (SQLite) serializes
    concurrent inserts; a rolled-back insert rolls the counter back too, so no gaps appear."""
    bumped = conn.execute(update(sequence).where(sequence.c.key == key)
                          .values(value=sequence.c.value + 1).returning(sequence.c.value)).scalar()
    if bumped is not None:
        return bumped
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        conn.execute(pg_insert(sequence).values(key=key, value=0).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert
        conn.execute(sqlite_insert(sequence).values(key=key, value=0).on_conflict_do_nothing())
    return conn.execute(update(sequence).where(sequence.c.key == key)
                        .values(value=sequence.c.value + 1).returning(sequence.c.value)).scalar_one()


def current_value(conn: Connection, key: str) -> int:
    return conn.execute(select(sequence.c.value).where(sequence.c.key == key)).scalar() or 0
