"""One-shot messages shown on the next page ("已保存"), carried in a short-lived signed cookie."""
from __future__ import annotations

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeSerializer

from ..deps import state_of

FLASH_COOKIE = "fw_flash"


def _signer(state) -> URLSafeSerializer:
    return URLSafeSerializer(state.settings.secret_key, salt="fw-flash")


def set_flash(response: Response, request: Request, text: str, kind: str = "success") -> Response:
    """Attach a message (already in the user's language) to a redirect response."""
    response.set_cookie(FLASH_COOKIE, _signer(state_of(request)).dumps([kind, text]), max_age=120, path="/",
                        httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response


def take_flash(request: Request, state) -> list[dict]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        kind, text = _signer(state).loads(raw)
    except (BadSignature, ValueError, TypeError):
        return []
    return [{"kind": kind if kind in ("success", "error", "info") else "info", "text": str(text)}]
