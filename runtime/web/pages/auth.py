"""Signing in and out, and switching the interface language."""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ...auth.users import LoginRefused, authenticate, end_session, start_session
from ...clock import now_precise
from ...database import write
from ..deps import LANG_COOKIE, SESSION_COOKIE, State, cookie_signer, resolve_actor, session_key
from .flash import set_flash
from .guard import PASSWORD_PAGE, PageActor, Posted, safe_next
from .i18n import translate
from .templating import lang_of, render

router = APIRouter(include_in_schema=False)
SESSION_SECONDS = 14 * 24 * 3600


def _login_page(request: Request, *, next_url: str, username: str = "", error: str | None = None,
                status: int = 200) -> Response:
    return render(request, "login.html", {"next": next_url, "username": username, "error": error}, status=status)


@router.get("/login")
def login_form(request: Request, state: State, next: str | None = None) -> Response:
    target = safe_next(next)
    if resolve_actor(request, state) is not None:
        return RedirectResponse(target, status_code=303)
    return _login_page(request, next_url=target)


@router.post("/login")
def login(request: Request, state: State, form: Posted) -> Response:
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    target = safe_next(str(form.get("next") or ""))
    stamp = now_precise(state.settings.timezone)  # to the microsecond: the throttle waits whole seconds
    old_key = session_key(request, state)
    refused: LoginRefused | None = None
    with write(state.engine) as conn:
        try:
            if not username or not password:
                raise LoginRefused("请输入用户名和密码")
            signed_in = authenticate(conn, username, password, stamp)
        except LoginRefused as exc:
            refused = exc  # caught inside the transaction: the failure it counted is committed
        else:
            if old_key:
                end_session(conn, old_key)  # a new session on every sign-in: nothing fixed in advance survives
            key, _csrf = start_session(conn, signed_in.actor.id, stamp)
    if refused is not None:
        return _login_page(request, next_url=target, username=username,
                           error=translate(refused.detail, lang_of(request)), status=refused.status)
    if signed_in.must_change_password:
        target = PASSWORD_PAGE + ("" if target == "/" else f"?next={quote(target, safe='/')}")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie_signer(state).dumps(key), max_age=SESSION_SECONDS, path="/",
                        httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response


@router.post("/logout")
def logout(request: Request, state: State, actor: PageActor) -> Response:
    key = session_key(request, state)
    if key:
        with write(state.engine) as conn:
            end_session(conn, key)
    response = RedirectResponse("/login", status_code=303)
    if request.headers.get("HX-Request") == "true":
        response = Response(status_code=204, headers={"HX-Redirect": "/login"})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return set_flash(response, request, translate("已退出登录", lang_of(request)), "info")


@router.get("/lang/{code}")
def switch_language(code: str, request: Request, next: str | None = None) -> Response:
    lang = "en" if code == "en" else "zh-CN"
    back = next
    if not back:
        referer = request.headers.get("referer", "")
        host = f"{request.url.scheme}://{request.url.netloc}"
        back = referer[len(host):] if referer.startswith(host + "/") else "/"
    response = RedirectResponse(safe_next(back), status_code=303)
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, path="/", samesite="lax",
                        secure=request.url.scheme == "https")
    return response
