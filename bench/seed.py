"""The benchmark database: the CRM installed as `formwork init` does, then a million opportunities.

The install is the product's (init_database); customers go through create_record; users are
inserted directly with one shared password hash, all in one department and all with the CRM's
`sales_manager` role (read and write scope "department": each rep sees the department's records);
opportunities are bulk-inserted with SQLAlchemy Core executemany in one transaction, the form's
indexes rebuilt after the load (the same Index objects the form compiles to, so the schema is the
product's).
"""
from __future__ import annotations

import json
import random
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Index, inspect, select

from runtime import systables
from runtime.access import access_stamp_query, bump_access, with_access
from runtime.apps import AppRegistry
from runtime.auth.passwords import hash_password
from runtime.auth.users import create_token, user_id_by_name
from runtime.clock import now, now_precise
from runtime.database import make_engine, write
from runtime.install import init_database
from runtime.records import Actor, RecordContext, create_record
from runtime.settings import Settings

APP, FORM = "crm", "opportunity"
USERS, CUSTOMERS = 20, 2_000
DEPARTMENT, ROLE = "销售部", "sales_manager"  # every rep: one department, read scope "department"
SEED_VERSION = 2  # bump when what seed() creates changes: databases from an older seed are seeded again
BATCH = 50_000
LIST_INDEX = ("owner_id", "stage", "updated_at")  # what the filtered list needs
BENCH_INDEX = "ix_bench_crm_opportunity_owner_stage_updated"
STAGES = ("initial", "analysis", "proposal", "negotiation", "won", "lost")
WIN = {"initial": 10, "analysis": 25, "proposal": 50, "negotiation": 75, "won": 100, "lost": 0}
OPEN_WEIGHTS = (30, 25, 20, 15, 5, 5)     # records younger than half a year
CLOSED_WEIGHTS = (5, 5, 10, 10, 35, 35)   # older records have mostly been won or lost
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "娜", "强", "洋", "静", "磊", "丽", "杰", "敏", "军", "芳", "勇", "艳", "涛", "霞", "斌", "平", "刚", "婷", "超")
CITIES = ("杭州", "苏州", "上海", "南京", "宁波", "无锡", "合肥", "成都", "武汉", "西安", "广州", "深圳")
WORDS = ("云帆", "恒达", "天成", "华信", "宏远", "瑞丰", "嘉禾", "鼎盛", "汇通", "联创", "博雅", "启明")
KINDS = ("科技有限公司", "机械制造有限公司", "贸易有限公司", "物流有限公司", "医疗器械有限公司", "建设工程有限公司")
PRODUCTS = ("CRM 系统", "ERP 升级", "OA 协同", "数据中台", "财务软件", "运维服务", "硬件采购", "培训服务")
REASONS = ("价格高于竞品", "预算取消", "选择了竞争对手", "需求变更", "决策人变动")
COMPETITORS = ("金蝶", "用友", "销售易", "纷享销客", "Salesforce")


@dataclass(frozen=True)
class BenchDb:
    """A seeded database: where it is, how it was made and who is in it."""

    dir: Path
    rows: int
    max_id: int             # rows above this were written by a benchmark run and are removed
    user_ids: tuple[int, ...]
    customer_ids: tuple[int, ...]
    index_added: bool       # the bench created the (owner_id, stage, updated_at) index itself
    seconds: float          # how long seeding took (0 when the file was reused)

    @property
    def path(self) -> Path:
        return self.dir / "formwork.db"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def settings(self) -> Settings:
        return bench_settings(self.dir)


def bench_settings(data_dir: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{data_dir / 'formwork.db'}", data_dir=data_dir,
                    secret_key="formwork-bench-secret", timezone=ZoneInfo("Asia/Shanghai"))


def open_db(root: Path, rows: int, *, fresh: bool, log=print) -> BenchDb:
    """The seeded database for `rows` opportunities under root, reused unless fresh or unfinished."""
    data_dir = root / f"rows-{rows}"
    meta_path = data_dir / "bench.json"
    if not fresh and meta_path.is_file() and (data_dir / "formwork.db").is_file():
        meta = json.loads(meta_path.read_text())
        db = BenchDb(dir=data_dir, rows=meta["rows"], max_id=meta["max_id"], user_ids=tuple(meta["user_ids"]),
                     customer_ids=tuple(meta["customer_ids"]), index_added=meta["index_added"], seconds=0.0)
        drift = (schema_drift(db) if meta.get("seed_version") == SEED_VERSION
                 else f"seed version {meta.get('seed_version', 1)}, now {SEED_VERSION}")
        if drift is None:
            removed = remove_extra_rows(db)
            log(f"reusing {db.path} ({rows:,} opportunities"
                f"{'; removed %d rows left by an earlier run' % removed if removed else ''})")
            return db
        log(f"{db.path} was seeded with another schema ({drift}); seeding again")
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    db = seed(data_dir, rows, log=log)
    meta_path.write_text(json.dumps({"rows": db.rows, "max_id": db.max_id, "user_ids": db.user_ids,
                                     "customer_ids": db.customer_ids, "index_added": db.index_added,
                                     "seed_version": SEED_VERSION}))
    return db


def schema_drift(db: BenchDb) -> str | None:
    """How the stored opportunity indexes differ from what the current template and code compile to."""
    from form_engine.bundle import parse_app, read_bundle_dir
    from form_engine.compiler import compile_app
    from runtime.install import template_dir

    app = compile_app(parse_app(read_bundle_dir(template_dir(APP))), ZoneInfo("Asia/Shanghai"))
    table = app.forms[FORM].tables.main
    want = {(tuple(c.name for c in ix.columns), ix.dialect_options["sqlite"]["where"] is not None)
            for ix in table.indexes}
    with sqlite3.connect(db.path) as conn:
        stored = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                              "AND sql IS NOT NULL", (table.name,)).fetchall()
        have = {(tuple(r[2] for r in conn.execute(f'PRAGMA index_info("{name}")')), " WHERE " in sql.upper())
                for name, sql in stored if name != BENCH_INDEX}
    if want == have:
        return None
    return f"indexes now {sorted(want - have)}, stored {sorted(have - want)}"


def seed(data_dir: Path, rows: int, *, log=print) -> BenchDb:
    started = time.perf_counter()
    settings = bench_settings(data_dir)
    engine = make_engine(settings.database_url)
    try:
        init_database(engine, settings, template=APP, demo=False)
        user_ids = _users(engine, settings)
        log(f"  CRM installed, {len(user_ids)} users  ({time.perf_counter() - started:.1f} s)")
        registry = AppRegistry(tz=settings.timezone)
        registry.load(engine)
        customer_ids = _customers(engine, settings, registry, user_ids)
        log(f"  {len(customer_ids):,} customers through create_record  ({time.perf_counter() - started:.1f} s)")
        index_added = _opportunities(engine, registry, rows, user_ids, customer_ids, log=log, started=started)
        with engine.connect() as conn:
            max_id = conn.exec_driver_sql("SELECT max(id) FROM crm_opportunity").scalar() or 0
    finally:
        engine.dispose()
    checkpoint(data_dir / "formwork.db")
    seconds = time.perf_counter() - started
    log(f"  seeded {rows:,} opportunities in {seconds:.1f} s")
    return BenchDb(dir=data_dir, rows=rows, max_id=max_id, user_ids=tuple(user_ids),
                   customer_ids=tuple(customer_ids), index_added=index_added, seconds=seconds)


def _users(engine: Engine, settings: Settings) -> list[int]:
    """One sales department and its reps, each with ROLE; one argon2 hash shared by all (each costs ~0.3 s)."""
    tz = settings.timezone
    u, d = systables.user, systables.department
    password_hash = hash_password("bench-password-1234")
    with write(engine) as conn:
        dept = conn.execute(d.insert().values(name=DEPARTMENT, created_at=now(tz)).returning(d.c.id)).scalar_one()
        ids = [conn.execute(u.insert().values(
            username=f"sales{i + 1:02d}", full_name=SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)],
            password_hash=password_hash, is_admin=False, is_active=True, department_id=dept,
            failed_logins=0, created_at=now(tz)).returning(u.c.id)).scalar_one() for i in range(USERS)]
        conn.execute(d.update().where(d.c.id == dept).values(manager_id=ids[0]))
        conn.execute(systables.user_role.insert(), [{"user_id": i, "app": APP, "role": ROLE} for i in ids])
        bump_access(conn)
    return ids


def actors(engine: Engine, user_ids) -> list[Actor]:
    """The reps as a signed-in request sees them: with their roles and their department's members."""
    u = systables.user
    with engine.connect() as conn:
        stamp = conn.execute(select(access_stamp_query())).scalar()
        rows = conn.execute(select(u.c.id, u.c.username, u.c.full_name, u.c.department_id)
                            .where(u.c.id.in_(list(user_ids))).order_by(u.c.id)).all()
        return [with_access(conn, Actor(id=r.id, username=r.username, full_name=r.full_name,
                                        department_id=r.department_id), stamp) for r in rows]


def _customers(engine: Engine, settings: Settings, registry: AppRegistry, user_ids) -> list[int]:
    rng = random.Random(7)
    app = registry.app(APP)
    form = app.forms["customer"]
    people = actors(engine, user_ids)
    ids = []
    with write(engine) as conn:
        for i in range(CUSTOMERS):
            data = {"name": f"{rng.choice(CITIES)}{rng.choice(WORDS)}{rng.choice(KINDS)}{i + 1:04d}",
                    "level": rng.choice(("strategic", "key", "normal", "normal", "minor")),
                    "industry": rng.choice(("manufacturing", "it", "logistics", "healthcare", "finance")),
                    "region_city": rng.choice(CITIES)}
            ctx = RecordContext(conn=conn, app=app, actor=people[i % len(people)], now=now_precise(settings.timezone),
                                data_dir=settings.data_dir)
            ids.append(create_record(ctx, form, data)["id"])
    return ids


class OpportunityRows:
    """Realistic opportunity rows: skewed owners, stages by age, log-normal amounts, later updates."""

    def __init__(self, user_ids, customer_ids, depts: dict[int, int | None], end: datetime, seed: int = 42):
        self.rng = random.Random(seed)
        self.users = list(user_ids)
        self.owner_weights = [1 / (k + 1) ** 0.6 for k in range(len(self.users))]  # top rep ≈ 3× the last
        self.customers = list(customer_ids)
        self.depts = depts
        self.end = end

    def make(self, first: int, n: int, total: int, span_days: int = 3 * 365) -> list[dict]:
        """Rows first..first+n of `total`, created in id order over the last span_days."""
        rng, end = self.rng, self.end
        start = end - timedelta(days=span_days)
        step = span_days * 86400 / max(total, 1)
        owners = rng.choices(self.users, weights=self.owner_weights, k=n)
        out = []
        for i in range(n):
            created = start + timedelta(seconds=(first + i) * step + rng.random() * step)
            updated = created
            version = 1
            if rng.random() < 0.4:
                updated = min(end, created + timedelta(seconds=rng.random() * 90 * 86400))
                version = rng.randint(2, 6)
            age = (end - created).days
            stage = rng.choices(STAGES, weights=CLOSED_WEIGHTS if age > 180 else OPEN_WEIGHTS)[0]
            owner = owners[i]
            n_ = first + i + 1
            out.append({
                "created_at": created, "updated_at": updated,
                "created_by": owner if rng.random() < 0.9 else rng.choice(self.users),
                "owner_id": owner, "department_id": self.depts.get(owner), "version": version,
                "deleted_at": updated if rng.random() < 0.005 else None, "flow_status": None,
                "name": f"{rng.choice(PRODUCTS)}项目-{n_:07d}",
                "customer": rng.choice(self.customers), "contact": None, "stage": stage,
                "amount": Decimal(min(int(rng.lognormvariate(11.3, 1.0) * 100), 10**13)).scaleb(-2),
                "expected_close_date": (created + timedelta(days=rng.randint(30, 180))).date(),
                "win_probability": Decimal(WIN[stage]),
                "competitor": rng.choice(COMPETITORS) if rng.random() < 0.3 else None,
                "lost_reason": rng.choice(REASONS) if stage == "lost" else None,
                "remark": None,
            })
        return out


def departments_of(engine: Engine, user_ids) -> dict[int, int | None]:
    return {a.id: a.department_id for a in actors(engine, user_ids)}


def _opportunities(engine: Engine, registry: AppRegistry, rows: int, user_ids, customer_ids, *, log, started) -> bool:
    table = registry.form(APP, FORM).tables.main
    gen = OpportunityRows(user_ids, customer_ids, departments_of(engine, user_ids), end=datetime.now().replace(microsecond=0))
    names = [c.key for c in table.c if c.key != "id"]
    # Values pre-formatted the way the column types bind them on SQLite, so executemany hands
    # sqlite3 plain tuples (per-value type processing would double the load time); checked below.
    convert = [_to_sqlite(table.c[n].type) for n in names]
    sql = str(table.insert().compile(dialect=engine.dialect, column_keys=names))
    with write(engine) as conn:
        conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MB while loading; the server keeps the default
        have = {tuple(ix["column_names"]) for ix in inspect(conn).get_indexes(table.name)}
        index_added = LIST_INDEX not in have
        indexes = list(table.indexes)
        if index_added:
            indexes.append(Index(BENCH_INDEX, *(table.c[c] for c in LIST_INDEX)))
            log(f"  NOTE: {FORM} has no index on {LIST_INDEX}; the bench adds {BENCH_INDEX}")
        for ix in table.indexes:  # loading without indexes, then building each once, is several times faster
            ix.drop(conn)
        for first in range(0, rows, BATCH):
            batch = gen.make(first, min(BATCH, rows - first), rows)
            tuples = [tuple(f(r[n]) if f else r[n] for n, f in zip(names, convert)) for r in batch]
            if first == 0:
                _check_format(engine, table, names, batch[0], tuples[0])
            conn.exec_driver_sql(sql, tuples)
        log(f"  {rows:,} rows inserted  ({time.perf_counter() - started:.1f} s)")
        for ix in indexes:
            ix.create(conn)
        log(f"  {len(indexes)} indexes built  ({time.perf_counter() - started:.1f} s)")
    return index_added


def _to_sqlite(type_):
    kind = type(type_).__name__
    if kind == "DateTime":
        return lambda v: None if v is None else v.isoformat(" ", "microseconds")
    if kind == "Date":
        return lambda v: None if v is None else v.isoformat()
    if kind == "ExactDecimal":
        return lambda v: None if v is None else str(v)
    return None


def _check_format(engine: Engine, table, names, row: dict, fast: tuple) -> None:
    """The pre-formatted values equal what SQLAlchemy's own bind processors produce."""
    for name, value in zip(names, fast):
        proc = table.c[name].type.dialect_impl(engine.dialect).bind_processor(engine.dialect)
        expected = proc(row[name]) if proc else row[name]
        if expected != value:
            raise AssertionError(f"seed formats {name} as {value!r}, SQLAlchemy as {expected!r}")


def remove_extra_rows(db: BenchDb) -> int:
    """Delete opportunities a write benchmark added, so every run measures the same table."""
    with sqlite3.connect(db.path) as conn:
        removed = conn.execute("DELETE FROM crm_opportunity WHERE id > ?", (db.max_id,)).rowcount
    checkpoint(db.path)
    return removed


def checkpoint(path: Path) -> None:
    """Fold the WAL back into the database file, so servers start from a small WAL."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def new_token(db: BenchDb, username: str = "admin") -> str:
    """A fresh API token (only its hash is stored, so one is made per run)."""
    engine = make_engine(db.url)
    try:
        with write(engine) as conn:
            return create_token(conn, user_id=user_id_by_name(conn, username), name="bench",
                                now=now(db.settings().timezone))
    finally:
        engine.dispose()
