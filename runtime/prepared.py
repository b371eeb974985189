"""Statements compiled once per dialect and column set, run on the DBAPI cursor directly.

For the few fixed statements that run on every record write (the row insert, the audit row, a
link check), SQLAlchemy's per-execution work — execution context, events, result set-up —
costs more than SQLite takes to run them. Here the SQL string and its bind processors are
built once by SQLAlchemy's own compiler, so values are converted exactly as `conn.execute`
would convert them (datetimes and decimals on SQLite included); only the per-call machinery
is skipped. Use it for statements without expanding (IN) parameters.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection


class Prepared:
    def __init__(self, statement):
        self.statement = statement
        self._compiled: dict[tuple, tuple] = {}
        self._columns: dict[tuple, list] = {}

    def _plan(self, conn: Connection, keys: tuple[str, ...]):
        dialect = conn.dialect
        key = (dialect.name, keys)
        plan = self._compiled.get(key)
        if plan is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=list(keys))
            processors = compiled._bind_processors
            order = list(compiled.positiontup) if compiled.positional else None
            fixed = {name: bind.value for name, bind in compiled.binds.items() if name not in keys}
            plan = self._compiled[key] = (str(compiled), order, processors, fixed, compiled._result_columns)
        return plan

    def _result(self, conn: Connection, keys: tuple[str, ...], cursor) -> list:
        """(name, result processor) per column. A processor may depend on the type the driver
        reports (PostgreSQL numerics do), so they are made from the first cursor's description."""
        key = (conn.dialect.name, keys)
        columns = self._columns.get(key)
        if columns is None:
            dialect = conn.dialect
            described = cursor.description
            columns = self._columns[key] = [(c[0], c[3]._cached_result_processor(dialect, d[1]))
                                            for c, d in zip(self._plan(conn, keys)[4], described)]
        return columns

    def first(self, conn: Connection, params: dict[str, Any]) -> SimpleNamespace | None:
        """The first row, its columns as attributes, values converted as SQLAlchemy would."""
        row = self.one(conn, params)
        if row is None:
            return None
        columns = self._columns[(conn.dialect.name, tuple(params))]  # made by one()
        return SimpleNamespace(**{name: v for (name, _proc), v in zip(columns, row)})

    def one(self, conn: Connection, params: dict[str, Any]) -> tuple | None:
        """The first row as a tuple in select order, values converted as SQLAlchemy would."""
        keys = tuple(params)
        cursor = self.execute(conn, params)
        row = cursor.fetchone()
        if row is None:
            return None
        return tuple(proc(v) if proc is not None and v is not None else v
                     for (_name, proc), v in zip(self._result(conn, keys, cursor), row))

    def execute(self, conn: Connection, params: dict[str, Any]):
        """Run with `params`; returns the DBAPI cursor (fetchone() for RETURNING)."""
        sql, order, processors, fixed, _columns = self._plan(conn, tuple(params))
        values = {**fixed, **params} if fixed else params
        if processors:
            values = {k: (processors[k](v) if k in processors and v is not None else v) for k, v in values.items()}
        args = [values[k] for k in order] if order is not None else values
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute(sql, args)
        return cursor
