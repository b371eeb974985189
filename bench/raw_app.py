"""The hand-written baseline: the opportunity list and get endpoints written directly on sqlite3.

Same database file, same SQL as the record service emits for these requests (the token check, the
page query, one display lookup per linked table, the table stamp and a capped, cached count), the
same JSON shape. No metadata, no SQLAlchemy, no dependency injection: what a person would write for
this one form. Run with `uvicorn --app-dir bench raw_app:app`, BENCH_DB=<path to formwork.db>;
BENCH_RAW_ASYNC=1 declares the routes `async def` (run on the event loop) instead of `def`.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import queue
import sqlite3
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

DB = os.environ.get("BENCH_DB", "formwork.db")
TZ = ZoneInfo("Asia/Shanghai")
COUNT_CAP = 10_000
COLUMNS = ("id", "version", "created_at", "updated_at", "created_by", "owner_id", "department_id", "flow_status",
           "deleted_at", "name", "customer", "contact", "stage", "amount", "expected_close_date",
           "win_probability", "competitor", "lost_reason", "remark")
SELECT = "SELECT " + ", ".join(f"crm_opportunity.{c}" for c in COLUMNS) + " FROM crm_opportunity"
TOKEN_SQL = ("SELECT fw_user.id, fw_user.username, fw_user.full_name, fw_user.department_id, fw_user.is_admin "
             "FROM fw_user JOIN fw_token ON fw_token.user_id = fw_user.id "
             "WHERE fw_token.token_hash = ? AND fw_token.revoked_at IS NULL AND fw_user.is_active = 1 "
             "AND (fw_token.expires_at IS NULL OR fw_token.expires_at > ?)")
STAMP_SQL = ("SELECT (SELECT max(crm_opportunity.updated_at) FROM crm_opportunity), "
             "(SELECT max(crm_opportunity.id) FROM crm_opportunity)")

@asynccontextmanager
async def lifespan(_app):
    # The same request thread pool size as the product (FORMWORK_THREADS), so `def` routes compare fairly.
    anyio.to_thread.current_default_thread_limiter().total_tokens = int(os.environ.get("FORMWORK_THREADS") or 4)
    yield


app = FastAPI(title="raw baseline", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
_pool: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
_counts: dict[tuple, int] = {}


def _connect() -> sqlite3.Connection:
    conn = sqlite3.connect(DB, check_same_thread=False, isolation_level=None, timeout=30)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", "busy_timeout=30000"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


@contextmanager
def transaction():
    """A pooled connection inside BEGIN ... COMMIT, like the service's read transaction."""
    try:
        conn = _pool.get_nowait()
    except queue.Empty:
        conn = _connect()
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")
        _pool.put(conn)


def _now_text() -> str:
    return datetime.now(TZ).replace(tzinfo=None, microsecond=0).isoformat(" ", "microseconds")


def _signed_in(conn: sqlite3.Connection, request: Request) -> bool:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return False
    digest = hashlib.sha256(header[7:].strip().encode()).hexdigest()
    return conn.execute(TOKEN_SQL, (digest, _now_text())).fetchone() is not None


def _unauthorized() -> JSONResponse:
    return JSONResponse({"title": "未登录"}, status_code=401)


def _names(conn: sqlite3.Connection, table: str, column: str, ids: set) -> dict:
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    return dict(conn.execute(f"SELECT id, {column} FROM {table} WHERE id IN ({marks})", tuple(ids)))


def _time(text):
    return None if text is None else text[:19].replace(" ", "T")


def _rows_json(conn: sqlite3.Connection, rows: list[tuple]) -> list[dict]:
    customers = _names(conn, "crm_customer", "name", {r[10] for r in rows if r[10] is not None})
    contacts = _names(conn, "crm_contact", "name", {r[11] for r in rows if r[11] is not None})
    users = _names(conn, "fw_user", "full_name", {r[i] for r in rows for i in (4, 5) if r[i] is not None})
    depts = _names(conn, "fw_department", "name", {r[6] for r in rows if r[6] is not None})

    def link(value, names):
        return None if value is None else {"id": value, "display": names.get(value, "")}

    return [{
        "id": r[0], "version": r[1], "created_at": _time(r[2]), "updated_at": _time(r[3]),
        "created_by": link(r[4], users), "owner_id": link(r[5], users), "department_id": link(r[6], depts),
        "flow_status": r[7], "name": r[9], "customer": link(r[10], customers), "contact": link(r[11], contacts),
        "stage": r[12], "amount": None if r[13] is None else f"{r[13]:.2f}", "expected_close_date": r[14],
        "win_probability": None if r[15] is None else f"{r[15]:.0f}", "competitor": r[16],
        "lost_reason": r[17], "remark": r[18],
    } for r in rows]


def _cursor(updated_at: str, record_id: int) -> str:
    raw = json.dumps([{"dt": datetime.fromisoformat(updated_at).isoformat()}, record_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _after(cursor: str) -> tuple[str, int]:
    (stamp, record_id) = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return datetime.fromisoformat(stamp["dt"]).isoformat(" ", "microseconds"), record_id


def list_opportunities(request: Request) -> JSONResponse:
    params = request.query_params
    limit = int(params.get("limit") or 20)
    where, args = ["crm_opportunity.deleted_at IS NULL"], []
    for name in ("owner_id", "stage"):
        if params.get(name):
            where.append(f"crm_opportunity.{name} = ?")
            args.append(int(params[name]) if name == "owner_id" else params[name])
    filters = tuple(args)
    if params.get("cursor"):
        where.append("(crm_opportunity.updated_at, crm_opportunity.id) < (?, ?)")
        args += _after(params["cursor"])
    sql = (f"{SELECT} WHERE {' AND '.join(where)} "
           "ORDER BY crm_opportunity.updated_at DESC, crm_opportunity.id DESC LIMIT ? OFFSET ?")
    with transaction() as conn:
        if not _signed_in(conn, request):
            return _unauthorized()
        rows = conn.execute(sql, (*args, limit + 1, 0)).fetchall()
        more, rows = len(rows) > limit, rows[:limit]
        items = _rows_json(conn, rows)
        stamp = conn.execute(STAMP_SQL).fetchone()
        key = (filters, stamp)
        if key not in _counts:
            count_where = " AND ".join(where[:1 + len(filters)])
            _counts[key] = conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM crm_opportunity WHERE {count_where} "
                                        "LIMIT ? OFFSET 0)", (*filters, COUNT_CAP + 1)).fetchone()[0]
    count = _counts[key]
    total = count if count <= COUNT_CAP else {"estimate": COUNT_CAP, "exact": False}
    return JSONResponse({"items": items, "next": _cursor(rows[-1][3], rows[-1][0]) if more else None, "total": total})


def get_opportunity(record_id: int, request: Request) -> JSONResponse:
    with transaction() as conn:
        if not _signed_in(conn, request):
            return _unauthorized()
        row = conn.execute(f"{SELECT} WHERE crm_opportunity.id = ? AND crm_opportunity.deleted_at IS NULL",
                           (record_id,)).fetchone()
        if row is None:
            return JSONResponse({"title": "记录不存在"}, status_code=404)
        return JSONResponse(_rows_json(conn, [row])[0])


LIST_PATH = "/api/v1/apps/crm/forms/opportunity/records"
if os.environ.get("BENCH_RAW_ASYNC") == "1":
    @app.get(LIST_PATH)
    async def list_async(request: Request) -> JSONResponse:
        return list_opportunities(request)

    @app.get(LIST_PATH + "/{record_id}")
    async def get_async(record_id: int, request: Request) -> JSONResponse:
        return get_opportunity(record_id, request)
else:
    app.get(LIST_PATH)(list_opportunities)
    app.get(LIST_PATH + "/{record_id}")(get_opportunity)
