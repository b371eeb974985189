"""Who may see a page: the signed-in user (else the login page), and the CSRF check for posted forms."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from starlette.datastructures import FormData

from form_engine.errors import Unauthorized

from ...auth.users import PasswordChangeRequired
from ...records.context import Actor
from ..deps import SAFE_METHODS, State, resolve_actor

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
PASSWORD_PAGE = "/account/password"
PASSWORD_FIRST = (PASSWORD_PAGE, "/logout")  # the only pages open to a user who must change the password


async def posted_form(request: Request) -> FormData | None:
    """The posted form of a non-GET request; its csrf_token counts as the CSRF header."""
    if request.method in SAFE_METHODS:
        return None
    if not request.headers.get("content-type", "").startswith(FORM_TYPES):
        return FormData()
    form = await request.form()
    token = form.get("csrf_token")
    if isinstance(token, str):
        request.state.form_csrf = token
    return form


Posted = Annotated[FormData | None, Depends(posted_form)]


def page_actor(request: Request, state: State, form: Posted) -> Actor:
    actor = resolve_actor(request, state)
    if actor is None:
        raise Unauthorized("请先登录")
    request.state.actor = actor
    if getattr(request.state, "must_change_password", False) and request.url.path not in PASSWORD_FIRST:
        raise PasswordChangeRequired("首次登录请先修改密码")
    return actor


PageActor = Annotated[Actor, Depends(page_actor)]


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site (no scheme, no host, no protocol-relative //) may follow a login."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(c in target for c in "\r\n\\"):
        return default
    return target


def login_url(request: Request) -> str:
    """The login page, remembering where the user was going."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.headers.get("HX-Request") == "true":
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        here = current.path + (f"?{current.query}" if current.query else "") if current.path else "/"
    elif request.method not in SAFE_METHODS:
        here = "/"
    here = safe_next(here)
    return "/login" if here in ("/", "/login") else f"/login?next={quote(here, safe='/')}"
