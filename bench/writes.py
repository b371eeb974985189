"""Creating opportunities through the record service (validation, formulas, link checks) vs. a raw insert."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from runtime.apps import AppRegistry
from runtime.clock import now_precise
from runtime.database import make_engine, write
from runtime.records import RecordContext, create_record

from seed import APP, FORM, BenchDb, OpportunityRows, actors, departments_of, remove_extra_rows


@dataclass
class WriteResult:
    per_record: float   # records/s, one transaction per record (what POST /records does)
    per_100: float      # records/s, one transaction per 100 records
    raw_bulk: float     # records/s, one Core executemany of n rows in one transaction (median of 3)


def payload(row: dict) -> dict:
    """What a client would POST for this row: JSON values, no system or computed fields."""
    data = {"name": row["name"], "customer": row["customer"], "stage": row["stage"], "amount": str(row["amount"]),
            "expected_close_date": row["expected_close_date"].isoformat()}
    for key in ("competitor", "lost_reason"):
        if row[key] is not None:
            data[key] = row[key]
    return data


def bench_writes(db: BenchDb, n: int, rounds: int = 5, warmup: int = 200) -> WriteResult:
    """n records each way; the two service modes alternate in `rounds` chunks after a warm-up, so
    a machine that gets busier or quieter mid-run affects both alike."""
    settings = db.settings()
    engine = make_engine(db.url)
    try:
        registry = AppRegistry(tz=settings.timezone)
        registry.load(engine)
        app = registry.app(APP)
        form = app.forms[FORM]
        people = actors(engine, db.user_ids)
        gen = OpportunityRows(db.user_ids, db.customer_ids, departments_of(engine, db.user_ids),
                              end=datetime.now(), seed=99)
        payloads = [payload(r) for r in gen.make(0, 2 * n + warmup, 2 * n + warmup, span_days=1)]

        def create(conn, i):
            ctx = RecordContext(conn=conn, app=app, actor=people[i % len(people)], now=now_precise(settings.timezone),
                                data_dir=settings.data_dir)
            create_record(ctx, form, payloads[i])

        def one_per_tx(indexes):
            for i in indexes:
                with write(engine) as conn:
                    create(conn, i)

        def per_100(indexes):
            for first in range(0, len(indexes), 100):
                with write(engine) as conn:
                    for i in indexes[first:first + 100]:
                        create(conn, i)

        one_per_tx(range(2 * n, 2 * n + warmup))  # compiled-statement caches, WAL file growth
        spent = {"one": 0.0, "hundred": 0.0}
        chunk = -(-n // rounds)
        for r in range(rounds):
            for mode, fn, base in (("one", one_per_tx, 0), ("hundred", per_100, n)):
                indexes = list(range(base + r * chunk, base + min(n, (r + 1) * chunk)))
                t0 = time.perf_counter()
                fn(indexes)
                spent[mode] += time.perf_counter() - t0

        table = form.tables.main
        bulk = []
        for _ in range(3):
            rows = gen.make(0, n, n, span_days=1)
            t0 = time.perf_counter()
            with write(engine) as conn:
                conn.execute(table.insert(), rows)
            bulk.append(n / (time.perf_counter() - t0))
    finally:
        engine.dispose()
        remove_extra_rows(db)
    return WriteResult(n / spent["one"], n / spent["hundred"], sorted(bulk)[1])
