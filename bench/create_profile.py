"""Where one create_record in its own transaction spends its time: `python bench/create_profile.py`.

Reuses (or seeds) the bench database (bench/seed.py), then creates opportunities through the
record service, one transaction per record as `POST /records` does, and prints creates/s and CPU
time per create for each round (CPU time is steadier than wall time on a busy machine).
`--sql` lists the statements one create sends; `--profile` prints the cProfile of one more round
and its own time per module; `--floor` replays the SQL of n creates on a bare sqlite3 connection
(what SQLite alone costs); `--pragma X` tries a connection setting. The opportunities it adds are
deleted afterwards (audit rows stay: fw_audit is append-only).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event  # noqa: E402

from runtime.apps import AppRegistry  # noqa: E402
from runtime.clock import now_precise  # noqa: E402
from runtime.database import make_engine, write  # noqa: E402
from runtime.records import RecordContext, create_record  # noqa: E402
from seed import APP, FORM, OpportunityRows, actors, departments_of, open_db, remove_extra_rows  # noqa: E402
from writes import payload  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000, help="opportunities in the bench database (as records.py)")
    p.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "formwork-bench"),
                   help="where seeded databases are kept (shared with records.py)")
    p.add_argument("--n", type=int, default=2_000, help="records per round")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--profile", action="store_true", help="cProfile one extra round")
    p.add_argument("--sql", action="store_true", help="print the statements one create sends")
    p.add_argument("--floor", action="store_true", help="also replay the same SQL on bare sqlite3")
    p.add_argument("--pragma", action="append", default=[],
                   help="an experiment: a PRAGMA run on each new connection after the product's own, "
                        "e.g. --pragma wal_autocheckpoint=10000 (repeatable)")
    args = p.parse_args(argv)

    db = open_db(Path(args.data_dir), args.rows, fresh=False)
    settings = db.settings()
    engine = make_engine(db.url)
    if args.pragma:
        @event.listens_for(engine, "connect")
        def extra_pragmas(dbapi_conn, _record):
            for pragma in args.pragma:
                dbapi_conn.execute(f"PRAGMA {pragma}")
        print(f"  extra pragmas: {', '.join(args.pragma)}")
    try:
        registry = AppRegistry(tz=settings.timezone)
        registry.load(engine)
        app = registry.app(APP)
        form = app.forms[FORM]
        people = actors(engine, db.user_ids)
        total = args.n * (args.rounds + 3) + 200
        gen = OpportunityRows(db.user_ids, db.customer_ids, departments_of(engine, db.user_ids),
                              end=datetime.now(), seed=99)
        payloads = [payload(r) for r in gen.make(0, total, total, span_days=1)]
        counter = iter(range(total))

        def create_one(trace=None):
            i = next(counter)
            if trace is not None:  # one thread: the pool hands out the same single connection again
                with engine.connect() as conn:
                    conn.connection.dbapi_connection.set_trace_callback(trace)
            with write(engine) as conn:
                ctx = RecordContext(conn=conn, app=app, actor=people[i % len(people)],
                                    now=now_precise(settings.timezone), data_dir=settings.data_dir)
                create_record(ctx, form, payloads[i])
            if trace is not None:
                with engine.connect() as conn:
                    conn.connection.dbapi_connection.set_trace_callback(None)

        for _ in range(200):  # caches, WAL growth
            create_one()
        if args.sql:
            show_statements(create_one)
        rates, cpu = [], []
        for r in range(args.rounds):
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(args.n):
                create_one()
            rates.append(args.n / (time.perf_counter() - t0))
            cpu.append((time.process_time() - c0) / args.n * 1e6)
            print(f"  round {r + 1}: {rates[-1]:8,.0f} creates/s (one transaction each), "
                  f"{cpu[-1]:5.0f} µs CPU per create", flush=True)
        print(f"median {statistics.median(rates):,.0f} creates/s; best {max(rates):,.0f}; "
              f"CPU per create: median {statistics.median(cpu):.0f} µs, least {min(cpu):.0f} µs")
        if args.floor:
            floor(engine, create_one, args.n)
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(args.n):
                create_one()
            prof.disable()
            stats = pstats.Stats(prof, stream=sys.stdout)
            stats.sort_stats("tottime").print_stats(30)
            stats.sort_stats("cumulative").print_stats(45)
            by_module(stats, args.n)
    finally:
        engine.dispose()
        remove_extra_rows(db)
    return 0


def by_module(stats: pstats.Stats, n: int) -> None:
    """Own time per module (C calls by name), per create: where the time goes, profiler overhead included."""
    spent: dict[str, float] = {}
    for (path, _line, name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        if path == "~":
            key = name
        elif "site-packages/" in path:
            key = path.split("site-packages/")[1].split("/")[0]
        else:
            key = "/".join(Path(path).parts[-2:])
        spent[key] = spent.get(key, 0.0) + own
    total = sum(spent.values())
    print(f"own time by module, µs per create (profiled, so inflated; {total / n * 1e6:.0f} µs in all):")
    for key, own in sorted(spent.items(), key=lambda kv: -kv[1])[:25]:
        print(f"  {own / n * 1e6:7.1f}  {100 * own / total:5.1f}%  {key}")


def show_statements(create_one) -> None:
    """Every statement sqlite3 runs for one create, BEGIN and COMMIT included."""
    traced: list[str] = []
    create_one(trace=traced.append)
    print(f"statements sqlite3 ran for one create ({len(traced)}):")
    for s in traced:
        print("   ", " ".join(s.split())[:200])


def floor(engine, create_one, n: int) -> None:
    """What SQLite alone costs for the same work: the statements n creates ran (traced, values
    inline), replayed on a bare sqlite3 connection; and n empty write transactions through `write`."""
    traced: list[str] = []
    for _ in range(n):
        create_one(trace=traced.append)
    dbapi = engine.raw_connection()
    try:
        raw = dbapi.driver_connection
        t0 = time.perf_counter()
        for sql in traced:
            raw.execute(sql)
        replay = n / (time.perf_counter() - t0)
    finally:
        dbapi.close()
    t0 = time.perf_counter()
    for _ in range(n):
        with write(engine):
            pass
    empty = n / (time.perf_counter() - t0)
    print(f"floor: the same SQL replayed on bare sqlite3 {replay:,.0f} creates/s; "
          f"empty write transactions {empty:,.0f}/s")


if __name__ == "__main__":
    sys.exit(main())
