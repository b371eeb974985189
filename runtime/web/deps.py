"""FastAPI dependencies: the server state, the signed-in actor, the language, record contexts."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Annotated, Iterator

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Connection

from form_engine.compiler import CompiledForm
from form_engine.errors import FormworkError, Unauthorized

from ..auth.users import session_actor, token_actor
from ..clock import now, now_precise
from ..database import read, write
from ..records.context import Actor, RecordContext
from .state import ServerState

SESSION_COOKIE = "fw_session"
LANG_COOKIE = "fw_lang"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class CsrfFailed(FormworkError):
    status = 403
    title = "请求已失效"


def state_of(request: Request) -> ServerState:
    return request.app.state.formwork


async def get_state(request: Request) -> ServerState:  # async: no I/O, so no threadpool hop
    return state_of(request)


State = Annotated[ServerState, Depends(get_state)]


def cookie_signer(state: ServerState) -> URLSafeSerializer:
    return URLSafeSerializer(state.settings.secret_key, salt="fw-session")


def session_key(request: Request, state: ServerState) -> str | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        return cookie_signer(state).loads(raw)
    except BadSignature:
        return None


def resolve_actor(request: Request, state: ServerState) -> Actor | None:
    """Who sent the request, looked up in a short transaction of its own."""
    with read(state.engine) as conn:
        return authenticate(conn, request, state)


def authenticate(conn: Connection, request: Request, state: ServerState) -> Actor | None:
    """Who sent the request: a bearer token, or a session cookie (whose writes need the CSRF token)."""
    header = request.headers.get("authorization", "")
    stamp = now(state.settings.timezone)
    if header.lower().startswith("bearer "):
        actor = token_actor(conn, header[7:].strip(), stamp)
        if actor is not None:
            _sync(state, actor)
        return actor
    key = session_key(request, state)
    if key is None:
        return None
    found = session_actor(conn, key, stamp)
    if found is None:
        return None
    actor, csrf, must_change_password = found
    _sync(state, actor)
    request.state.csrf = csrf
    request.state.must_change_password = must_change_password  # pages send the user to change it first
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER) or getattr(request.state, "form_csrf", None)
        if sent != csrf:
            raise CsrfFailed("页面已过期或请求来源无法确认，请刷新页面后重试")
    return actor


def _sync(state: ServerState, actor: Actor) -> None:
    if actor.stamp != state.registry.stamp:
        state.registry.sync(state.engine, actor.stamp)
        state.openapi_cache = None


def _required(actor: Actor | None) -> Actor:
    if actor is None:
        raise Unauthorized("请先登录，或在请求头中携带 Authorization: Bearer <API 令牌>")
    return actor


def api_actor(request: Request, state: State) -> Actor:
    return _required(resolve_actor(request, state))


CurrentActor = Annotated[Actor, Depends(api_actor)]


def request_lang(request: Request, state: ServerState) -> str:
    lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or state.settings.default_lang
    return "en" if lang == "en" else "zh-CN"


@contextmanager
def record_context(request: Request, state: ServerState, actor: Actor, app: str, *, writing: bool) -> Iterator[RecordContext]:
    """A record context for pages in one transaction: a write transaction commits when the block ends."""
    compiled = state.registry.app(app)
    with (write if writing else read)(state.engine) as conn:
        yield _context(conn, request, state, compiled, actor, "page")


def _context(conn: Connection, request: Request, state: ServerState, compiled, actor: Actor, via: str) -> RecordContext:
    return RecordContext(conn=conn, app=compiled, actor=actor, now=now_precise(state.settings.timezone),
                         data_dir=state.settings.data_dir, lang=request_lang(request, state),
                         count_cache=state.count_cache, via=via, mail=bool(state.settings.smtp_url))


@contextmanager
def api_context(request: Request, *, writing: bool) -> Iterator[tuple[RecordContext, CompiledForm]]:
    """Authenticate and work in one transaction on one connection: the API's per-request path.

    The app and form come from the path (`/apps/{app}/forms/{form}/…`), read as the router
    matched them: these routes skip FastAPI's parameter validation, which costs more than a
    one-record read itself.
    """
    state = state_of(request)
    path = request.path_params
    with (write if writing else read)(state.engine) as conn:
        actor = _required(authenticate(conn, request, state))  # before any lookup: no 404s for strangers
        app = path["app"]
        compiled = state.registry.form(app, path["form"])
        yield _context(conn, request, state, state.registry.app(app), actor, "api"), compiled
