"""What every admin page shares: only system administrators get in, the admin menu, parsed ids."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.responses import Response

from form_engine.errors import Forbidden, Problem

from ...records.context import Actor
from ..pages.guard import PageActor
from ..pages.i18n import translate
from ..pages.nav import MenuGroup, MenuItem

SECTIONS = (("users", "用户管理", "/admin/users"), ("departments", "部门管理", "/admin/departments"),
            ("roles", "角色与权限", "/admin/roles"), ("tokens", "API 令牌", "/admin/tokens"),
            ("audit", "审计日志", "/admin/audit"))
NO_STORE = {"Cache-Control": "no-store"}  # pages that show a one-time password


def admin_actor(actor: PageActor) -> Actor:
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以访问")
    return actor


AdminActor = Annotated[Actor, Depends(admin_actor)]


def admin_chrome(lang: str, section: str, crumbs: list[tuple[str, str | None]] | None = None) -> dict:
    """What base.html needs around an admin page: the admin menu and breadcrumbs."""
    title = translate("系统管理", lang)
    items = [MenuItem(key, translate(label, lang), href) for key, label, href in SECTIONS]
    here = next((translate(label, lang), href) for key, label, href in SECTIONS if key == section)
    trail = [(title, "/admin/users"), here if crumbs else (here[0], None), *(crumbs or [])]
    return {"menu": [MenuGroup(title, items)], "current_form": section, "home_href": "/",
            "home_label": translate("返回应用", lang), "app_label": title, "crumbs": trail}


def optional_id(text: object) -> int | None:
    """An id posted by a select: "" is none; anything but digits is an id that exists nowhere (0)."""
    text = str(text or "").strip()
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) <= 18 else 0


def errors_by_field(problems: list[Problem], lang: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in problems:
        out.setdefault(p.path, []).append(translate(p.message, lang))
    return out


def no_store(response: Response) -> Response:
    response.headers.update(NO_STORE)
    return response
