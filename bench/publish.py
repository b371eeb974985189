"""Publishing on a large table: an added field and a type conversion over N rows (default 1,000,000).

    python bench/publish.py                       # SQLite file under /tmp/formwork-bench-publish
    python bench/publish.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

For each publish it prints the seconds it took, the publishing process's peak memory, and what
a reader saw meanwhile: a separate server process answers `GET` of one record in a loop for
the whole publish (requests, errors, the longest wait). The raw-SQL baseline in the same run
is the same change written by hand: `ALTER TABLE ADD COLUMN`, and `UPDATE … SET new = CAST(old)`.
A report, not a test: it exits 0 whatever the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import Server  # noqa: E402

L = {"zh-CN": "字段"}
APP = {
    "name": "bench", "label": {"zh-CN": "发布测试"},
    "forms": [{"name": "item", "label": {"zh-CN": "条目"}, "title_field": "title", "fields": [
        {"name": "title", "type": "text", "label": {"zh-CN": "标题"}},
        {"name": "code", "type": "text", "label": {"zh-CN": "编号"}},
        {"name": "amount", "type": "decimal", "label": {"zh-CN": "金额"}},
    ]}],
}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.step:
        return run_step(args)
    url = args.database_url or f"sqlite:///{args.dir / 'publish.db'}"
    args.dir.mkdir(parents=True, exist_ok=True)
    env = {"FORMWORK_DATABASE_URL": url, "FORMWORK_DATA_DIR": str(args.dir / "data"),
           "FORMWORK_SECRET_KEY": "bench-secret"}
    print(f"database: {url.split('@')[-1]}  rows: {args.rows:,}")
    token, record = setup(url, args.rows, env)
    server = Server("formwork", ["runtime.web.asgi:app"], env, args.dir)
    try:
        server.wait_ready("/login")
        rows = []
        for step, label in (("add", "add a text field"), ("convert", "text → integer conversion")):
            watch = Reader(server.base, token, record)
            watch.start()
            seconds, peak = child(step, url, env)
            watch.stop()
            raw = baseline(url, step)
            rows.append((label, f"{seconds:.1f} s", f"{raw:.1f} s", f"{seconds / raw:.1f}×" if raw else "-",
                         f"{peak:.0f} MB", f"{watch.ok}", f"{watch.errors}", f"{watch.longest * 1000:.0f} ms"))
        print_table(["publish", "Formwork", "raw SQL", "ratio", "peak RSS", "reads ok", "read errors",
                     "longest read"], rows)
    finally:
        server.stop()
    return 0


def setup(url: str, rows: int, env: dict) -> tuple[str, int]:
    """A fresh app with `rows` rows seeded in SQL; returns an admin API token and one record id."""
    os.environ.update(env)
    from runtime import systables
    from runtime.auth.users import create_token, create_user
    from runtime.clock import now
    from runtime.database import make_engine, write
    from runtime.publish import publish
    from runtime.settings import load_settings
    settings = load_settings()
    engine = make_engine(url)
    with engine.begin() as conn:
        for name in ("bench_item", "bench_item_new"):
            conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
        for t in reversed(systables.metadata.sorted_tables):
            conn.execute(text(f"DROP TABLE IF EXISTS {t.name}" + (" CASCADE" if url.startswith("postgresql") else "")))
    systables.create_all(engine)
    with write(engine) as conn:
        admin = create_user(conn, username="admin", password="bench-password-1", full_name="管理员",
                            now=now(settings.timezone), is_admin=True)
        token = create_token(conn, user_id=admin, name="bench", now=now(settings.timezone))
    publish(engine, "bench", APP, tz=settings.timezone, user_id=admin)
    started = time.perf_counter()
    with engine.begin() as conn:
        if url.startswith("postgresql"):
            conn.execute(text("INSERT INTO bench_item (created_at, updated_at, owner_id, version, title, code, amount) "
                              "SELECT now(), now(), :a, 1, 'item ' || g, (g % 100000)::text, g % 1000 "
                              "FROM generate_series(1, :n) g"), {"a": admin, "n": rows})
        else:
            conn.execute(text("WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < :n) "
                              "INSERT INTO bench_item (created_at, updated_at, owner_id, version, title, code, amount) "
                              "SELECT datetime('now'), datetime('now'), :a, 1, 'item ' || i, CAST(i % 100000 AS TEXT), "
                              "i % 1000 FROM g"), {"a": admin, "n": rows})
        record = conn.execute(text("SELECT max(id) FROM bench_item")).scalar()
        if url.startswith("postgresql"):
            conn.execute(text("ANALYZE bench_item"))
    print(f"seeded {rows:,} rows in {time.perf_counter() - started:.1f} s")
    engine.dispose()
    return token, record


def child(step: str, url: str, env: dict) -> tuple[float, float]:
    """Run one publish in its own process: wall seconds and that process's peak RSS in MB."""
    out = subprocess.run([sys.executable, __file__, "--step", step, "--database-url", url],
                         env={**os.environ, **env}, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["seconds"], result["peak_mb"]


def run_step(args) -> int:
    """Inside the child: publish the change to the app as it is now published."""
    from runtime.database import make_engine, read
    from runtime.definition_store import published_app
    from runtime.publish import publish
    from runtime.settings import load_settings
    settings = load_settings()
    engine = make_engine(args.database_url)
    with read(engine) as conn:
        data = published_app(conn, "bench").model_dump(mode="json", by_alias=True, exclude_none=True)
    fields = data["forms"][0]["fields"]
    if args.step == "add":
        fields.append({"name": "city", "type": "text", "label": {"zh-CN": "城市"}})
    else:
        next(f for f in fields if f["name"] == "code")["type"] = "integer"
    started = time.perf_counter()
    publish(engine, "bench", data, tz=settings.timezone, user_id=None, accept_loss=True)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak}))
    return 0


def baseline(url: str, step: str) -> float:
    """The same change by hand, on a copy of the column so the product's table is left alone."""
    from sqlalchemy import create_engine
    engine = create_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        if step == "add":
            conn.execute(text("ALTER TABLE bench_item ADD COLUMN raw_city VARCHAR(255)"))
        else:
            kind = "BIGINT" if url.startswith("postgresql") else "INTEGER"
            conn.execute(text(f"ALTER TABLE bench_item ADD COLUMN raw_code {kind}"))
            check = "~ '^[0-9]+$'" if url.startswith("postgresql") else "GLOB '[0-9]*'"
            conn.execute(text(f"UPDATE bench_item SET raw_code = CAST(code AS {kind}) WHERE code {check}"))
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


class Reader(threading.Thread):
    """GET one record in a loop against the running server; counts answers, errors, the longest wait."""

    def __init__(self, base: str, token: str, record: int):
        super().__init__(daemon=True)
        self.url = f"{base}/api/v1/apps/bench/forms/item/records/{record}"
        self.headers = {"Authorization": f"Bearer {token}"}
        self.ok = self.errors = 0
        self.longest = 0.0
        self.times: list[float] = []
        self._done = threading.Event()

    def run(self) -> None:
        with httpx.Client(headers=self.headers, timeout=60) as client:
            while not self._done.is_set():
                started = time.perf_counter()
                try:
                    good = client.get(self.url).status_code == 200
                except httpx.HTTPError:
                    good = False
                spent = time.perf_counter() - started
                self.longest = max(self.longest, spent)
                self.times.append(spent)
                self.ok, self.errors = self.ok + good, self.errors + (not good)
                time.sleep(0.01)

    def stop(self) -> None:
        self._done.set()
        self.join()

    def median_ms(self) -> float:
        return statistics.median(self.times) * 1000 if self.times else 0.0


def print_table(headers, rows) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    for line in (headers, *rows):
        print("  ".join(str(v).ljust(w) for v, w in zip(line, widths)))


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--database-url", default=None, help="default: a SQLite file under --dir")
    p.add_argument("--dir", type=Path, default=Path("/tmp/formwork-bench-publish"))
    p.add_argument("--step", choices=["add", "convert"], help=argparse.SUPPRESS)
    return p.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
