"""Record API benchmark on a million opportunities: `python bench/records.py [--rows N] [--fresh]`.

Seeds (or reuses) a CRM database, serves it with the product and with a hand-written baseline
(bench/raw_app.py), loads both with wrk, times record creation through the service, checks the
SQL behind each request for work that grows with the table, times a rep's department-scoped list
against hand-written SQL (bench/scope.py), and prints every figure next to its target. A report, not a test: it exits 0 whatever the figures. See bench/README.md.
"""
from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

from load import Load, Server  # noqa: E402
from plans import Request, compare, cursor_after, run_requests  # noqa: E402
from scope import bench_scope  # noqa: E402
from seed import BenchDb, new_token, open_db  # noqa: E402
from writes import bench_writes  # noqa: E402

API = "/api/v1/apps/crm/forms/opportunity/records"
STAGE = "proposal"
PAGE = 50
TARGETS = {"list": 0.5, "deep": 2.0, "create": 2000.0, "get": 0.6, "seed": 120.0, "scope": 1.5}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    root = Path(args.data_dir)
    results: dict[str, object] = {"rows": args.rows}
    summary: list[tuple[str, str, str, str]] = []  # figure, value, target, verdict

    busy = os.getloadavg()[0]
    if busy > 1.0:
        print(f"NOTE: load average is {busy:.1f} on {os.cpu_count()} cores before starting; other work competes with "
              "the servers and the load generator, so absolute figures will be low and noisy.")
    section(f"Seeding {args.rows:,} opportunities under {root}")
    db = open_db(root, args.rows, fresh=args.fresh)
    if db.index_added:
        print("  (this database got the (owner_id, stage, updated_at) index from the bench, not the template)")
    if db.seconds:
        summary.append(("seed time (this run)", f"{db.seconds:.1f} s", f"< {TARGETS['seed']:.0f} s",
                        verdict(db.seconds < TARGETS["seed"])))
    small = None
    if args.compare_rows and args.compare_rows != args.rows:
        small = open_db(root, args.compare_rows, fresh=False)

    owner, matching = pick_owner(db)
    token = new_token(db)
    deep_page = max(2, args.rows // 2 // PAGE)
    deep_cursor = cursor_after(db, (deep_page - 1) * PAGE)
    record_id = some_record(db, owner)
    filtered = f"{API}?owner_id={owner}&stage={STAGE}&sort=-updated_at&limit={PAGE}"
    first = f"{API}?sort=-updated_at&limit={PAGE}"
    deep = f"{first}&cursor={deep_cursor}"
    one = f"{API}/{record_id}"
    paths = {"filtered": filtered, "one": one, "first": first, "deep": deep,
             "page2": f"{filtered}&cursor={cursor_after(db, PAGE, *owner_filter(owner))}"}
    print(f"  list filter: owner_id={owner} stage={STAGE} ({matching:,} matching rows); "
          f"deep page: {deep_page:,} of {PAGE} (after row {(deep_page - 1) * PAGE:,}); get: id {record_id}")

    section("Is any query behind a request proportional to the table? (in-process, record service)")
    findings = size_check(db, small, token, owner)
    growing = [f for f in findings if f.grows]
    summary.append(("queries growing with table size", f"{len(growing)} of {len(findings)}", "0",
                    verdict(not growing)))
    results["growing_queries"] = [f.__dict__ for f in growing]

    if args.scope_rounds:
        scope_part(args, db, summary, results)

    http_part(args, db, token, paths, deep_page, summary, results)

    if args.creates:
        section(f"Creating {args.creates:,} opportunities in-process")
        w = bench_writes(db, args.creates)
        print(f"  create_record, 1 transaction per record: {w.per_record:,.0f} records/s")
        print(f"  create_record, 1 transaction per 100:    {w.per_100:,.0f} records/s")
        print(f"  Core executemany, 1 transaction:         {w.raw_bulk:,.0f} records/s")
        summary.append(("create_record, tx per record", f"{w.per_record:,.0f} rec/s", f">= {TARGETS['create']:,.0f}",
                        verdict(w.per_record >= TARGETS["create"])))
        summary.append(("create_record, tx per 100", f"{w.per_100:,.0f} rec/s", f">= {TARGETS['create']:,.0f}",
                        verdict(w.per_100 >= TARGETS["create"])))
        summary.append(("raw Core bulk insert", f"{w.raw_bulk:,.0f} rec/s", "", ""))
        summary.append(("service (tx per 100) / raw bulk", f"{w.per_100 / w.raw_bulk:.3f}", "", ""))
        results["writes"] = w.__dict__

    section(f"Summary ({args.rows:,} opportunities)")
    print_table(["figure", "value", "target", "verdict"], summary)
    for f in growing:
        before = "" if f.small_ms is None else f"{f.small_ms:.1f} ms -> "
        print(f"  grows with the table: {f.scenario} / {f.kind}: {before}{f.big_ms:.1f} ms; {f.plan}")
    load_after = os.getloadavg()[0]
    print(f"  load average at the end: {load_after:.1f} (this benchmark alone keeps it near 2)")
    results["summary"] = summary
    (db.dir / "last-run.json").write_text(json.dumps(results, indent=1, default=str))
    print(f"\nraw results: {db.dir / 'last-run.json'}; server logs: {results['server_logs']}")
    return 0


def scope_part(args, db: BenchDb, summary: list, results: dict) -> None:
    """list_records as a rep whose role reads the department's records, against the same query by hand."""
    section(f"List as a rep with department scope: the service's list query vs raw SQL (in-process, stage={STAGE}, "
            f"{args.scope_rounds} alternating rounds, median)")
    s = bench_scope(db, STAGE, rounds=args.scope_rounds)
    service, sql, raw = (statistics.median(x) for x in (s.service_ms, s.sql_ms, s.raw_ms))
    summary.append((f"scoped list: page query has owner_id IN ({s.owners} owners)", "yes" if s.scoped else "no",
                    "yes", verdict(s.scoped)))
    summary.append(("scoped list: same rows as raw SQL", "yes" if s.same_rows else "no", "yes", verdict(s.same_rows)))
    summary.append(("scoped list p50: service SQL / raw SQL", f"{sql:.2f} ms / {raw:.2f} ms", "", ""))
    summary.append(("scoped list: service SQL / raw SQL", f"{s.ratio:.2f}", f"<= {TARGETS['scope']:g}",
                    verdict(s.ratio <= TARGETS["scope"])))
    summary.append(("scoped list: (ref.) whole list_records call / raw SQL", f"{s.call_ratio:.2f} ({service:.2f} ms)", "", ""))
    summary.append(("scoped list: (ref.) raw, joins before the LIMIT", f"{statistics.median(s.joins_first_ms):.2f} ms "
                    f"({'the service' if s.service_joins_first else 'not the service'}'s shape)", "", ""))
    results["scope"] = {**s.__dict__, "ratio": s.ratio, "call_ratio": s.call_ratio, "joins_first_cost": s.joins_first_cost}


def http_part(args, db: BenchDb, token: str, paths: dict[str, str], deep_page: int, summary: list,
              results: dict) -> None:
    """Load the product and both baselines, interleaved; add the throughput, latency and memory figures."""
    filtered, one, first, deep, page2 = (paths[k] for k in ("filtered", "one", "first", "deep", "page2"))
    section(f"HTTP load ({args.connections} connections, {args.duration:g} s after {args.warmup:g} s warm-up, "
            f"{args.rounds} interleaved rounds, median)")
    style = args.raw_style if args.raw_style != "auto" else product_style(db)
    other = "async" if style == "def" else "def"
    load = Load(duration=args.duration, warmup=args.warmup, connections=args.connections,
                headers={"Authorization": f"Bearer {token}"})
    print(f"  load generator: {load.tool}; servers: uvicorn --workers 1 --loop uvloop --http httptools")
    print(f"  the product's record routes are `{'async def' if style == 'async' else 'def'}`: the baseline compared "
          f"against the targets uses the same; the other baseline (`{'async def' if other == 'async' else 'def'}` "
          "routes) is shown for reference")
    logs = Path(tempfile.mkdtemp(prefix="formwork-bench-logs-"))
    results["server_logs"] = str(logs)
    env = {"FORMWORK_DATA_DIR": str(db.dir), "FORMWORK_DATABASE_URL": db.url,
           "FORMWORK_SECRET_KEY": db.settings().secret_key, "FORMWORK_TIMEZONE": "Asia/Shanghai"}
    servers = {"ours": Server("formwork", ["runtime.web.asgi:app"], env, logs)}
    for kind in (style, other):
        servers[kind] = Server(f"raw-{kind}", ["--app-dir", "bench", "raw_app:app"],
                               {"BENCH_DB": str(db.path), "BENCH_RAW_ASYNC": "1" if kind == "async" else "0"}, logs)
    ours = servers["ours"]
    try:
        for server in servers.values():
            server.wait_ready(API)
        same_answers(ours, servers[style], token,
                     [filtered, one, page2])
        check_deep_page(ours, token, deep, db, deep_page)
        urls = {}
        for name, path in (("list", filtered), ("get", one)):
            urls[f"{name} ours"] = ours.base + path
            urls[f"{name} raw {style}"] = servers[style].base + path
            urls[f"{name} raw {other}"] = servers[other].base + path
        runs = interleaved(load, args.rounds, urls)
        lat = interleaved(load, args.rounds, {"first page": ours.base + first, "deep page": ours.base + deep},
                          connections=1)
        rss = {name: server.peak_rss_mb() for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    print_runs(runs, lat)
    for name in ("list", "get"):
        a, b, c = (med(runs[f"{name} {who}"], "rps") for who in ("ours", f"raw {style}", f"raw {other}"))
        summary.append((f"{name}: formwork req/s", f"{a:,.0f}", "", ""))
        summary.append((f"{name}: hand-written req/s ({style} routes)", f"{b:,.0f}", "", ""))
        summary.append((f"{name}: formwork / hand-written", f"{a / b:.2f}", f">= {TARGETS[name]}",
                        verdict(a / b >= TARGETS[name])))
        summary.append((f"{name}: (ref.) vs hand-written {other} routes", f"{a / c:.2f} ({c:,.0f} req/s)", "", ""))
    p_first, p_deep = med(lat["first page"], "p50_ms"), med(lat["deep page"], "p50_ms")
    summary.append(("list p50, first page (1 conn)", f"{p_first:.1f} ms", "", ""))
    summary.append((f"list p50, page {deep_page:,} by cursor", f"{p_deep:.1f} ms", "", ""))
    summary.append(("deep page / first page latency", f"{p_deep / p_first:.2f}", f"<= {TARGETS['deep']:g}",
                    verdict(p_deep / p_first <= TARGETS["deep"])))
    summary.append(("peak RSS formwork server (VmHWM)", mb(rss["ours"]), "", ""))
    summary.append((f"peak RSS hand-written server ({style})", mb(rss[style]), "", ""))
    results.update(runs={k: [r.__dict__ for r in v] for k, v in {**runs, **lat}.items()}, rss_mb=rss)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000, help="opportunities to seed (default 1,000,000)")
    p.add_argument("--fresh", action="store_true", help="seed again even if a database for --rows exists")
    p.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "formwork-bench"),
                   help="where seeded databases are kept (one per row count)")
    p.add_argument("--compare-rows", type=int, default=None,
                   help="the smaller table the size check compares with (default rows/10, at least 10,000)")
    p.add_argument("--duration", type=float, default=5, help="seconds measured per load run")
    p.add_argument("--warmup", type=float, default=1, help="seconds of unmeasured load before each run")
    p.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    p.add_argument("--rounds", type=int, default=3, help="interleaved A,B rounds per comparison")
    p.add_argument("--creates", type=int, default=10_000, help="records created by the write benchmark (0: skip)")
    p.add_argument("--scope-rounds", type=int, default=5,
                   help="alternating rounds of the department-scope list comparison (0: skip)")
    p.add_argument("--raw-style", choices=("auto", "def", "async"), default="auto",
                   help="route style of the baseline the targets use (auto: the same as the product's list route)")
    args = p.parse_args(argv)
    if args.compare_rows is None:
        args.compare_rows = max(10_000, args.rows // 10) if args.rows > 10_000 else 0
    return args


def product_style(db: BenchDb) -> str:
    """`async` if the product's list route is declared `async def` (runs on the event loop), else `def`."""
    from runtime.web.app import create_app
    app = create_app(db.settings())
    try:
        for route in _walk(app.routes):
            if getattr(route, "path", "").endswith("/forms/{form}/records") and "GET" in getattr(route, "methods", ()):
                return "async" if inspect.iscoroutinefunction(route.endpoint) else "def"
    finally:
        app.state.formwork.engine.dispose()
    return "def"


def _walk(routes):
    for route in routes:
        yield route
        inner = getattr(getattr(route, "original_router", None), "routes", None) or getattr(route, "routes", None)
        if inner:
            yield from _walk(inner)


def section(title: str) -> None:
    print(f"\n== {title}", flush=True)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def mb(value) -> str:
    return "n/a" if value is None else f"{value:.0f} MB"


def med(results, attr: str) -> float:
    return statistics.median(getattr(r, attr) for r in results)


def owner_filter(owner: int) -> tuple[str, tuple]:
    return "AND owner_id = ? AND stage = ?", (owner, STAGE)


def pick_owner(db: BenchDb) -> tuple[int, int]:
    """The sales rep with the median number of live opportunities in STAGE: a typical filtered list."""
    with sqlite3.connect(db.path) as conn:
        counts = conn.execute("SELECT owner_id, count(*) FROM crm_opportunity WHERE deleted_at IS NULL AND stage = ? "
                              "GROUP BY owner_id ORDER BY 2", (STAGE,)).fetchall()
    return counts[len(counts) // 2]


def some_record(db: BenchDb, owner: int) -> int:
    with sqlite3.connect(db.path) as conn:
        return conn.execute("SELECT id FROM crm_opportunity WHERE deleted_at IS NULL AND owner_id = ? AND id >= ? "
                            "ORDER BY id LIMIT 1", (owner, db.max_id // 2)).fetchone()[0]


def size_check(db: BenchDb, small: BenchDb | None, token: str, owner: int):
    def requests(d: BenchDb) -> list[Request]:
        page = max(2, d.rows // 2 // PAGE)
        flt = [("owner_id", str(owner)), ("stage", STAGE), ("sort", "-updated_at"), ("limit", str(PAGE))]
        return [
            Request("list filtered, page 1", flt),
            Request("list filtered, page 2", flt + [("cursor", cursor_after(d, PAGE, *owner_filter(owner)))]),
            Request("list, page 1", [("sort", "-updated_at"), ("limit", str(PAGE))]),
            Request("list, middle page", [("sort", "-updated_at"), ("limit", str(PAGE)),
                                          ("cursor", cursor_after(d, (page - 1) * PAGE))]),
            Request("get one record", record_id=some_record(d, owner)),
        ]

    small_token = new_token(small) if small else None
    big = run_requests(db, token, requests(db))
    little = run_requests(small, small_token, requests(small)) if small else None
    findings = compare(big, little)
    size = lambda d: f"{d.rows // 1000:,}k" if d.rows < 1_000_000 else f"{d.rows / 1e6:g}M"
    print_table(["request", "statement", f"ms @{size(small)}" if small else "-", f"ms @{size(db)}", "verdict"],
                [(f.scenario, f.kind, "" if f.small_ms is None else f"{f.small_ms:.2f}", f"{f.big_ms:.2f}", f.verdict)
                 for f in findings])
    print("\n  SQLite plans (big table):")
    shown = set()
    for f in findings:
        if (f.kind, f.plan) not in shown:
            shown.add((f.kind, f.plan))
            print(f"    {f.scenario} / {f.kind}: {f.plan}")
    rows = []
    little_by = {s.label: s for s in little or []}
    for sc in big:
        other = little_by.get(sc.label)
        rows.append((sc.label, len(sc.statements), f"{other.service_ms:.2f}" if other else "", f"{sc.service_ms:.2f}"))
    print()
    print_table(["whole service call (count cache warm)", "statements",
                 f"ms @{size(small)}" if small else "-", f"ms @{size(db)}"], rows)
    return findings


def same_answers(ours: Server, raw: Server, token: str, paths: list[str]) -> None:
    """The baseline answers what the product answers, or the comparison means nothing."""
    headers = {"Authorization": f"Bearer {token}"}
    for path in paths:
        a = httpx.get(ours.base + path, headers=headers, timeout=60)
        b = httpx.get(raw.base + path, headers=headers, timeout=60)
        if a.status_code != 200 or b.status_code != 200:
            print(f"  WARNING {path}: formwork {a.status_code}, hand-written {b.status_code}: {a.text[:300]} {b.text[:300]}")
            continue
        if a.json() != b.json():
            print(f"  WARNING: answers differ for {path}: {first_difference(a.json(), b.json())}")
        else:
            print(f"  same JSON from both servers: {path[len(API):][:60]}...")


def first_difference(a, b, where="") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a.keys() | b.keys():
            if a.get(k) != b.get(k):
                return first_difference(a.get(k), b.get(k), f"{where}.{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, f"{where}[{i}]")
    return f"{where or 'body'}: {str(a)[:120]!r} vs {str(b)[:120]!r}"


def check_deep_page(ours: Server, token: str, path: str, db: BenchDb, page: int) -> None:
    body = httpx.get(ours.base + path, headers={"Authorization": f"Bearer {token}"}, timeout=120).json()
    with sqlite3.connect(db.path) as conn:
        expected = [r[0] for r in conn.execute(
            "SELECT id FROM crm_opportunity WHERE deleted_at IS NULL ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?",
            (PAGE, (page - 1) * PAGE))]
    got = [item["id"] for item in body.get("items", [])]
    print(f"  deep page by cursor returns rows {(page - 1) * PAGE + 1:,}..{page * PAGE:,}: "
          f"{'yes' if got == expected else 'NO (got ' + str(got[:3]) + ', expected ' + str(expected[:3]) + ')'}")


def interleaved(load: Load, rounds: int, urls: dict[str, str], connections: int | None = None):
    out: dict[str, list] = {k: [] for k in urls}
    for r in range(rounds):
        for name, url in urls.items():
            res = load.run(url, connections=connections)
            out[name].append(res)
            err = f", {res.errors} errors" if res.errors else ""
            print(f"  round {r + 1} {name:14} {res.rps:8,.0f} req/s  p50 {res.p50_ms:8.2f} ms  "
                  f"p99 {res.p99_ms:8.2f} ms{err}", flush=True)
    return out


def print_runs(runs, lat) -> None:
    rows = [(name, f"{med(rs, 'rps'):,.0f}", f"{med(rs, 'p50_ms'):.2f}", f"{med(rs, 'p99_ms'):.2f}",
             ", ".join(f"{r.rps:,.0f}" for r in rs)) for name, rs in {**runs, **lat}.items()]
    print()
    print_table(["run", "req/s (median)", "p50 ms", "p99 ms", "each round req/s"], rows)


def print_table(headers, rows) -> None:
    rows = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    print(line(headers))
    print(line(["-" * w for w in widths]))
    for r in rows:
        print(line(r))


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"\n(total {math.ceil(time.perf_counter() - started)} s)")
    sys.exit(code)
