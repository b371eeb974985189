"""Does any query behind a list or get request take longer as the table grows?

Runs the same requests in-process through the record service on two database sizes, captures
every SQL statement they send (with its parameters), and for each one reports SQLite's query
plan and its time on both databases. A full-table SCAN or a TEMP B-TREE sort of every matching
row shows in the plan; a statement that is much slower on the bigger table shows in the times.
"""
from __future__ import annotations

import base64
import json
import re
import sqlite3
import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import event

from runtime.apps import AppRegistry
from runtime.auth.users import token_actor
from runtime.clock import now, now_precise
from runtime.database import make_engine, read
from runtime.records import ListQuery, RecordContext, get_record, list_records

from seed import APP, FORM, BenchDb

GROWTH = 3.0      # slower by this factor on the bigger table ...
MIN_MS = 0.2      # ... and slower than this, counts as growing with the table


@dataclass
class Request:
    """One API request, as what the service receives: list parameters or a record id."""

    label: str
    params: list[tuple[str, str]] | None = None
    record_id: int | None = None


@dataclass
class Statement:
    scenario: str
    kind: str
    sql: str
    params: tuple
    plan: list[str] = field(default_factory=list)
    ms: float = 0.0


@dataclass
class Scenario:
    label: str
    statements: list[Statement]
    service_ms: float  # the whole service call (list_records / get_record), count cache warm


def encode_cursor(values) -> str:
    """A list cursor built the way runtime/records/listing.py `_encode` builds one."""
    plain = [{"dt": v.isoformat()} if isinstance(v, datetime) else v for v in values]
    raw = json.dumps(plain, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_after(db: BenchDb, position: int, filters: str = "", args: tuple = ()) -> str:
    """The cursor of the row at `position` (1-based) in -updated_at order, looked up with raw SQL."""
    sql = f"SELECT updated_at, id FROM crm_opportunity WHERE deleted_at IS NULL {filters} ORDER BY updated_at DESC, id DESC"
    with sqlite3.connect(db.path) as conn:
        found = conn.execute(f"{sql} LIMIT 1 OFFSET ?", (*args, position - 1)).fetchone()
        if found is None:  # fewer rows than that (a small table): the last one
            found = conn.execute(sql.replace("DESC", "ASC") + " LIMIT 1", args).fetchone()
    updated_at, record_id = found
    return encode_cursor([datetime.fromisoformat(updated_at), record_id])


def _kind(sql: str) -> str:
    s = " ".join(sql.split())
    if "fw_token" in s:
        return "token check"
    if "count(" in s:
        return "capped count"
    if "max(" in s:
        return "table stamp (count cache key)"
    found = re.match(r"SELECT (\w+)\.id, \1\.\w+ FROM (\w+) WHERE \w+\.id IN", s)
    if found:
        return f"display names: {found.group(2)}"
    if s.startswith("SELECT crm_opportunity.") and "ORDER BY" in s:
        return "page query"
    if s.startswith("SELECT crm_opportunity."):
        return "record query"
    return s[:40]


class Capture:
    """Every statement an engine sends while active."""

    def __init__(self, engine):
        self.engine = engine
        self.seen: list[tuple[str, tuple]] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, sql, params, context, many):
        if self.on and not sql.startswith(("BEGIN", "PRAGMA")):
            self.seen.append((sql, tuple(params)))

    def take(self, fn):
        self.seen, self.on = [], True
        try:
            fn()
        finally:
            self.on = False
        return self.seen


def run_requests(db: BenchDb, token: str, requests: list[Request], repeat: int = 15) -> list[Scenario]:
    settings = db.settings()
    engine = make_engine(db.url)
    try:
        registry = AppRegistry(tz=settings.timezone)
        registry.load(engine)
        form = registry.form(APP, FORM)
        with read(engine) as conn:
            actor = token_actor(conn, token, now(settings.timezone))
        cap = Capture(engine)
        out = [Scenario("auth (every request)", _statements("auth (every request)", cap.take(
            lambda: _auth(engine, token, settings))), _median_ms(lambda: _auth(engine, token, settings), repeat))]
        for req in requests:
            cache: dict = {}  # empty: the first request after a write, so the count runs too

            def call():
                with read(engine) as conn:
                    ctx = RecordContext(conn=conn, app=registry.app(APP), actor=actor, now=now_precise(settings.timezone),
                                        data_dir=settings.data_dir, count_cache=cache)
                    if req.record_id is not None:
                        get_record(ctx, form, req.record_id)
                    else:
                        list_records(ctx, form, ListQuery.from_params(req.params, form))
            seen = cap.take(call)
            out.append(Scenario(req.label, _statements(req.label, seen), _median_ms(call, repeat)))
    finally:
        engine.dispose()
    with sqlite3.connect(db.path) as conn:
        for sc in out:
            for st in sc.statements:
                st.plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + st.sql, st.params)]
                st.ms = _median_ms(lambda: conn.execute(st.sql, st.params).fetchall(), repeat)
    return out


def _auth(engine, token, settings):
    with read(engine) as conn:
        token_actor(conn, token, now(settings.timezone))


def _statements(label: str, seen) -> list[Statement]:
    return [Statement(label, _kind(sql), sql, params) for sql, params in seen]


def _median_ms(fn, repeat: int, budget_s: float = 3.0) -> float:
    """Median of up to `repeat` timed calls after one warm-up; at least 3, fewer when slow."""
    fn()
    times: list[float] = []
    stop = time.perf_counter() + budget_s
    while len(times) < repeat and (len(times) < 3 or time.perf_counter() < stop):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def plan_flags(plan: list[str]) -> list[str]:
    """Plan steps whose cost is proportional to the table or to every matching row.

    A SCAN in index order with no sort step is a walk that the query's LIMIT stops (the page
    query sorted by `updated_at`): bounded, and the timing comparison still catches it if not.
    Only the page subquery of a list query is judged: what follows it handles one page.
    """
    inner = next((i for i, step in enumerate(plan) if step.startswith("LIST SUBQUERY")), None)
    if inner is not None:
        # The list query picks its page's ids in a subquery (LIMIT inside), then reads those rows by
        # id with their display names and sorts them again: only the subquery can touch the table.
        end = next((i for i in range(inner + 1, len(plan)) if plan[i].startswith("SEARCH link_")), len(plan))
        plan = plan[inner + 1:end]
    flags = []
    ordered_walk = not any("TEMP B-TREE" in step for step in plan)
    for step in plan:
        if step.startswith("SCAN") and not re.match(r"SCAN (CONSTANT ROW|anon_\d+|\(subquery)", step):
            if not (ordered_walk and ("USING INDEX" in step or "USING COVERING INDEX" in step)):
                flags.append(step)
        if "TEMP B-TREE" in step:
            flags.append(step)
    return flags


@dataclass
class Finding:
    scenario: str
    kind: str
    plan: str
    small_ms: float | None
    big_ms: float
    verdict: str
    grows: bool


def compare(big: list[Scenario], small: list[Scenario] | None) -> list[Finding]:
    """Each statement of each scenario on the big table, against the same statement on the small one."""
    small_by = {}
    for sc in small or []:
        seen: dict[str, int] = {}
        for st in sc.statements:
            seen[st.kind] = seen.get(st.kind, 0) + 1
            small_by[(sc.label, st.kind, seen[st.kind])] = st
    out = []
    for sc in big:
        seen = {}
        for st in sc.statements:
            seen[st.kind] = seen.get(st.kind, 0) + 1
            other = small_by.get((sc.label, st.kind, seen[st.kind]))
            flags = plan_flags(st.plan)
            ratio = st.ms / other.ms if other and other.ms > 0 else None
            slow = ratio is not None and ratio >= GROWTH and st.ms >= MIN_MS
            if st.kind == "capped count":
                verdict = "bounded: reads at most 10,001 rows; cached until the table changes"
                grows = False
            elif flags or slow:
                verdict = "GROWS with the table" + (f": {'; '.join(flags)}" if flags else "")
                grows = True
            else:
                verdict = "index seek, size-independent"
                grows = False
            plan = " / ".join(p for p in st.plan if p not in ("SCAN CONSTANT ROW",))
            out.append(Finding(sc.label, st.kind, plan, other.ms if other else None, st.ms, verdict, grows))
    return out
