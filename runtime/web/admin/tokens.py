"""Every user's API tokens, for administrators: who has which token, when it was last used; revoke."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...auth.tokens import list_tokens, revoke_token
from ...clock import now
from ...database import read, write
from ..deps import State
from ..pages.flash import set_flash
from ..pages.guard import Posted
from ..pages.i18n import translate
from ..pages.nav import parse_id
from ..pages.templating import lang_of, redirect, render
from .chrome import AdminActor, admin_chrome

router = APIRouter()
PAGE = "/admin/tokens"


@router.get("/tokens")
def tokens_page(request: Request, state: State, actor: AdminActor) -> Response:
    with read(state.engine) as conn:
        tokens = list_tokens(conn, now=now(state.settings.timezone))
    return render(request, "admin/tokens.html", {**admin_chrome(lang_of(request), "tokens"), "tokens": tokens})


@router.post("/tokens/{token_id}/revoke")
def token_revoke(token_id: str, request: Request, state: State, actor: AdminActor, posted: Posted) -> Response:
    with write(state.engine) as conn:
        found = revoke_token(conn, parse_id(token_id), now=now(state.settings.timezone), owner=None)
    text = translate("已吊销{user}的令牌“{name}”，使用它的请求将被拒绝", lang_of(request), user=found.full_name, name=found.name)
    return set_flash(redirect(request, PAGE), request, text)
