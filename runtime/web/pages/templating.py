"""The page template environment (autoescaped) and the helpers every page route answers with."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2_fragments.fastapi import Jinja2Blocks

from ..deps import state_of, request_lang
from .flash import FLASH_COOKIE, take_flash
from .i18n import translate

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}")


@pass_context
def _gettext(context, text: str, **params) -> str:
    return translate(text, context.get("lang", "zh-CN"), **params)


def safe_color(value: str | None) -> str:
    """An option colour usable in a style attribute; anything but a hex colour falls back to grey."""
    return value if value and _COLOR.fullmatch(value) else "#8c8c8c"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["_"] = _gettext
    env.filters["color"] = safe_color
    return env


templates = Jinja2Blocks(env=_environment())


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def htmx_target(request: Request) -> str | None:
    return request.headers.get("HX-Target") if is_htmx(request) else None


def lang_of(request: Request) -> str:
    return request_lang(request, state_of(request))


def render(request: Request, name: str, context: dict, *, status: int = 200, block: str | None = None,
           headers: dict | None = None) -> Response:
    """A full page, or only `block` of it (what an htmx request swaps in)."""
    state = state_of(request)
    lang = request_lang(request, state)
    actor = getattr(request.state, "actor", None)
    flashes = [] if block else take_flash(request, state)
    full = {"lang": lang, "user": actor, "csrf": getattr(request.state, "csrf", None), "flashes": flashes,
            "path": request.url.path, "full_path": full_path(request), **context}
    response = templates.TemplateResponse(request, name, full, status_code=status, headers=headers, block_name=block)
    if flashes:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def full_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def redirect(request: Request, url: str) -> Response:
    """Go to `url`: an HX-Redirect for htmx requests, a 303 otherwise (so a POST becomes a GET)."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def with_query(path: str, params: list[tuple[str, str]] | dict) -> str:
    items = list(params.items()) if isinstance(params, dict) else list(params)
    items = [(k, v) for k, v in items if v not in (None, "")]
    return f"{path}?{urlencode(items)}" if items else path
