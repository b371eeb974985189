"""The signed-in user's own account: changing the password (forced after a reset) and API tokens."""
from __future__ import annotations

from datetime import date
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ...auth.tokens import TokenInvalid, expiry, list_tokens, revoke_token, token_name
from ...auth.users import PasswordChangeRequired, PasswordRejected, change_password, issue_token
from ...clock import now
from ...database import read, write
from ...records.context import Actor
from ..deps import SAFE_METHODS, State, session_key
from .flash import set_flash
from .guard import PASSWORD_PAGE, PageActor, Posted, safe_next
from .i18n import translate
from .nav import parse_id
from .templating import full_path, is_htmx, lang_of, redirect, render

router = APIRouter(include_in_schema=False)
TOKENS_PAGE = "/account/tokens"
PASSWORD_FIELDS = ("current_password", "new_password", "confirm_password")


def password_change_first(request: Request, exc: PasswordChangeRequired) -> Response:
    """Where every other page sends a user who must change the password: the password page."""
    target = PASSWORD_PAGE
    if request.method in SAFE_METHODS and not is_htmx(request):
        back = safe_next(full_path(request))
        if back != "/":
            target = f"{PASSWORD_PAGE}?next={quote(back, safe='/')}"
    return redirect(request, target)


@router.get("/account")
def account_home(actor: PageActor) -> Response:
    return RedirectResponse(PASSWORD_PAGE, status_code=303)


def _password_page(request: Request, *, next_url: str, errors: dict[str, str] | None = None,
                   status: int = 200) -> Response:
    forced = getattr(request.state, "must_change_password", False)
    return render(request, "account_password.html", {
        "page_title": translate("修改密码", lang_of(request)), "tab": "password", "forced": forced,
        "next": next_url, "errors": errors or {}}, status=status)


@router.get(PASSWORD_PAGE)
def password_form(request: Request, actor: PageActor, next: str | None = None) -> Response:
    return _password_page(request, next_url=safe_next(next, ""))


@router.post(PASSWORD_PAGE)
def password_change(request: Request, state: State, actor: PageActor, form: Posted) -> Response:
    values = {name: str(form.get(name) or "") for name in PASSWORD_FIELDS}
    next_url = safe_next(str(form.get("next") or ""), "")
    forced = getattr(request.state, "must_change_password", False)
    try:
        with write(state.engine) as conn:
            change_password(conn, user_id=actor.id, current=values["current_password"], new=values["new_password"],
                            confirm=values["confirm_password"], keep_session=session_key(request, state))
    except PasswordRejected as exc:
        lang = lang_of(request)
        errors = {k: translate(v, lang) for k, v in exc.problems.items()}
        return _password_page(request, next_url=next_url, errors=errors, status=422)
    target = next_url or ("/" if forced else PASSWORD_PAGE)
    text = translate("密码已修改，其他设备上的登录已全部退出", lang_of(request))
    return set_flash(RedirectResponse(target, status_code=303), request, text)


# -- API tokens ------------------------------------------------------------------------------

def _tokens_page(request: Request, state: State, actor: Actor, *, created: dict | None = None, errors: dict | None = None,
                 values: dict | None = None, status: int = 200) -> Response:
    stamp = now(state.settings.timezone)
    with read(state.engine) as conn:
        tokens = list_tokens(conn, now=stamp, user_id=actor.id)
    context = {"page_title": translate("API 令牌", lang_of(request)), "tab": "tokens", "tokens": tokens,
               "created": created, "errors": errors or {}, "values": values or {}, "today": stamp.date().isoformat()}
    # A new token's secret is in this page: no cache may keep it.
    return render(request, "account_tokens.html", context, status=status,
                  headers={"Cache-Control": "no-store"} if created else None)


@router.get(TOKENS_PAGE)
def tokens_page(request: Request, state: State, actor: PageActor) -> Response:
    return _tokens_page(request, state, actor)


@router.post(TOKENS_PAGE)
def token_create(request: Request, state: State, actor: PageActor, form: Posted) -> Response:
    values = {"name": str(form.get("name") or ""), "expires_on": str(form.get("expires_on") or "").strip()}
    stamp = now(state.settings.timezone)
    errors: dict[str, str] = {}
    name = expires_at = None
    try:
        name = token_name(values["name"])
    except TokenInvalid as exc:
        errors["name"] = exc.detail
    try:
        day = date.fromisoformat(values["expires_on"]) if values["expires_on"] else None
        expires_at = expiry(day, today=stamp.date())
    except ValueError:
        errors["expires_on"] = "到期日格式不正确，请选择日期"
    except TokenInvalid as exc:
        errors["expires_on"] = exc.detail
    if errors:
        lang = lang_of(request)
        return _tokens_page(request, state, actor, errors={k: translate(v, lang) for k, v in errors.items()},
                            values=values, status=422)
    with write(state.engine) as conn:
        token_id, secret = issue_token(conn, user_id=actor.id, name=name, now=stamp, expires_at=expires_at)
    return _tokens_page(request, state, actor, created={"id": token_id, "name": name, "secret": secret})


@router.post(TOKENS_PAGE + "/{token_id}/revoke")
def token_revoke(token_id: str, request: Request, state: State, actor: PageActor) -> Response:
    with write(state.engine) as conn:
        # Only the user's own tokens here, administrator or not: this page lists no others.
        found = revoke_token(conn, parse_id(token_id), now=now(state.settings.timezone), owner=actor.id)
    text = translate("已吊销令牌“{name}”，使用它的请求将被拒绝", lang_of(request), name=found.name)
    return set_flash(redirect(request, TOKENS_PAGE), request, text)
