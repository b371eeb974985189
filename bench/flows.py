"""Approvals at volume: 10,000 open instances with 30,000 tasks, then "my tasks" and approve latency.

    python bench/flows.py                 # SQLite file under /tmp/formwork-bench-flows
    python bench/flows.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

A request form with three user fields; its flow asks all three to approve (会签), so every
submission opens three tasks for three of 100 approvers. Records are seeded in SQL; every
submission goes through the flow service, as the API would. Then, side by side:
- "my tasks" (the first page of one approver's pending list, the service's inbox query) against
  the same query written by hand in SQL — p50 and p99, target p50 < 20 ms on SQLite;
- approving one task (one transaction: lock, decide, save, tasks and notifications), p50 and p99.
A report, not a test: it exits 0 whatever the figures.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

L = lambda zh: {"zh-CN": zh}  # noqa: E731
APP = {
    "name": "approvals", "label": L("审批压测"),
    "forms": [{"name": "request", "label": L("申请"), "title_field": "title", "fields": [
        {"name": "title", "type": "text", "label": L("标题")},
        {"name": "a1", "type": "user", "label": L("审批人一")},
        {"name": "a2", "type": "user", "label": L("审批人二")},
        {"name": "a3", "type": "user", "label": L("审批人三")},
    ]}],
    "flows": [{"name": "countersign", "label": L("会签"), "form": "request", "nodes": [
        {"id": "start", "type": "start", "label": L("提交")},
        {"id": "all3", "type": "approval", "label": L("三人会签"), "mode": "all",
         "approvers": [{"source": "user_field", "field": "a1"}, {"source": "user_field", "field": "a2"},
                       {"source": "user_field", "field": "a3"}]},
        {"id": "end", "type": "end", "label": L("结束")},
    ]}],
}


def main(argv=None) -> int:
    args = parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{args.dir / 'flows.db'}"
    import os
    os.environ.setdefault("FORMWORK_SECRET_KEY", "bench")
    from runtime import systables
    from runtime.apps import AppRegistry
    from runtime.auth.users import create_user
    from runtime.clock import now, now_precise
    from runtime.database import make_engine, read, write
    from runtime.flows import inbox, service
    from runtime.publish import publish
    from runtime.records import Actor, RecordContext
    from runtime.settings import Settings
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).unlink(missing_ok=True)
    engine = make_engine(url)
    if not url.startswith("sqlite"):
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS approvals_request CASCADE"))
            for t in reversed(systables.metadata.sorted_tables):
                conn.execute(text(f"DROP TABLE IF EXISTS {t.name} CASCADE"))
    systables.create_all(engine)
    settings = Settings(database_url=url, data_dir=args.dir / "data", secret_key="bench", timezone=tz)
    print(f"database: {url.split('@')[-1]}  instances: {args.instances:,}")
    with write(engine) as conn:
        users = [create_user(conn, username=f"u{i:03d}", password="bench-password-1", full_name=f"审批人{i}",
                             now=now(tz), is_admin=(i == 0)) for i in range(args.users)]
    publish(engine, "approvals", APP, tz=tz, user_id=users[0])
    registry = AppRegistry(tz=tz)
    registry.load(engine)
    app = registry.app("approvals")
    form = app.forms["request"]
    rnd = random.Random(7)
    started = time.perf_counter()
    with write(engine) as conn:
        stamp = now(tz)
        conn.execute(form.tables.main.insert(), [
            {"created_at": stamp, "updated_at": stamp, "owner_id": users[0], "created_by": users[0], "version": 1,
             "title": f"申请 {i}", **dict(zip(form.tables.main.c.keys()[-3:], rnd.sample(users[1:], 3)))}
            for i in range(args.instances)])
        ids = [r for (r,) in conn.execute(select(form.tables.main.c.id).order_by(form.tables.main.c.id))]
    print(f"seeded {len(ids):,} records in {time.perf_counter() - started:.1f} s")
    admin = Actor(id=users[0], username="u000", full_name="审批人0", is_admin=True)
    started = time.perf_counter()
    for chunk in range(0, len(ids), 500):
        with write(engine) as conn:
            for rid in ids[chunk:chunk + 500]:
                ctx = RecordContext(conn=conn, app=app, actor=admin, now=now_precise(tz), data_dir=settings.data_dir)
                service.submit(ctx, form, rid, flow="countersign")
    with read(engine) as conn:
        tasks = conn.execute(text("SELECT count(*) FROM fw_flow_task WHERE status = 'pending'")).scalar()
    print(f"submitted {len(ids):,} instances ({tasks:,} open tasks) in {time.perf_counter() - started:.1f} s")
    if not url.startswith("sqlite"):
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))

    approvers = users[1:]
    raw_sql = text("SELECT t.id, t.node, t.created_at, i.record_id, i.form, i.status FROM fw_flow_task t "
                   "JOIN fw_flow_instance i ON i.id = t.instance_id WHERE t.user_id = :u AND t.status = 'pending' "
                   "ORDER BY t.id DESC LIMIT 51")
    ours, raw = [], []
    for _ in range(args.queries):
        who = rnd.choice(approvers)
        with read(engine) as conn:
            t0 = time.perf_counter()
            inbox.inbox(conn, who, registry.apps, "pending")
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            conn.execute(raw_sql, {"u": who}).all()
            raw.append(time.perf_counter() - t0)

    approve = []
    with read(engine) as conn:
        picks = conn.execute(text("SELECT id, user_id FROM fw_flow_task WHERE status = 'pending' ORDER BY id")).all()
    for task_id, user_id in rnd.sample(picks, args.approvals):
        actor = Actor(id=user_id, username="x", full_name="x")
        t0 = time.perf_counter()
        with write(engine) as conn:
            ctx = RecordContext(conn=conn, app=app, actor=actor, now=now_precise(tz), data_dir=settings.data_dir)
            service.act(ctx, task_id, "approve")
        approve.append(time.perf_counter() - t0)

    def pct(values, p):
        return sorted(values)[min(len(values) - 1, int(len(values) * p))] * 1000
    rows = [("my tasks (first page)", f"{pct(ours, .5):.2f} ms", f"{pct(ours, .99):.2f} ms",
             f"{pct(raw, .5):.2f} ms", f"{statistics.median(ours) / statistics.median(raw):.1f}×",
             "p50 < 20 ms: " + ("PASS" if pct(ours, .5) < 20 else "FAIL")),
            ("approve one task", f"{pct(approve, .5):.2f} ms", f"{pct(approve, .99):.2f} ms", "-", "-", "")]
    headers = ("measure", "p50", "p99", "raw SQL p50", "ratio", "target")
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    for line in (headers, *rows):
        print("  ".join(str(v).ljust(w) for v, w in zip(line, widths)))
    engine.dispose()
    return 0


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--instances", type=int, default=10_000)
    p.add_argument("--users", type=int, default=101)
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--approvals", type=int, default=300)
    p.add_argument("--database-url", default=None)
    p.add_argument("--dir", type=Path, default=Path("/tmp/formwork-bench-flows"))
    return p.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
