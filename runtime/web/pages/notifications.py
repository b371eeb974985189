"""通知: the signed-in user's in-app notifications, newest first; opening one marks it read."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from form_engine.errors import NotFound

from ... import systables
from ...clock import now
from ...database import read, write
from ...messaging.notifications import mark_read
from .flash import set_flash
from .flowviews import when
from .guard import PageActor, Posted, safe_next
from .i18n import translate
from .nav import parse_id
from .tasks import nav_counts
from .templating import is_htmx, lang_of, redirect, render, with_query
from ..deps import State

router = APIRouter(include_in_schema=False)
PAGE = "/notifications"
PAGE_SIZE = 30
KINDS = {"task": "待办", "result": "结果", "urge": "催办", "cc": "抄送", "mention": "提及", "returned": "退回",
         "remind": "提醒", "escalated": "超时"}


@dataclass
class NoteLine:
    id: int
    kind: str
    title: str
    body: str
    at: str
    unread: bool
    href: str | None


def site_path(link: str | None) -> str | None:
    """A notification's link as a path on this site (emails carry the full address)."""
    if not link:
        return None
    if link.startswith(("http://", "https://")):
        parts = urlsplit(link)
        link = parts.path + (f"?{parts.query}" if parts.query else "")
    path = safe_next(link, "")
    return path or None


def _lines(rows, lang: str) -> list[NoteLine]:
    return [NoteLine(r.id, translate(KINDS.get(r.kind, "通知"), lang), r.title, r.body or "", when(r.created_at),
                     r.read_at is None, f"{PAGE}/{r.id}/open" if site_path(r.link) else None) for r in rows]


@router.get(PAGE)
def notifications(request: Request, state: State, actor: PageActor, before: str = "", unread: str = "") -> Response:
    lang = lang_of(request)
    n = systables.notification
    query = select(n).where(n.c.user_id == actor.id)
    if before.isdigit():
        query = query.where(n.c.id < int(before))
    if unread:
        query = query.where(n.c.read_at.is_(None))
    with read(state.engine) as conn:
        rows = conn.execute(query.order_by(n.c.id.desc()).limit(PAGE_SIZE + 1)).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    context = {"page_title": translate("通知", lang), "notes": _lines(rows, lang), "only_unread": bool(unread),
               "next_href": with_query(PAGE, {"before": str(rows[-1].id), "unread": unread}) if more else None,
               "crumbs": [(translate("通知", lang), None)]}
    if is_htmx(request) and before:
        return render(request, "notifications.html", context, block="more")
    context["flow_counts"] = nav_counts(state, actor)
    return render(request, "notifications.html", context)


@router.get(PAGE + "/{note_id}/open")
def open_note(note_id: str, request: Request, state: State, actor: PageActor) -> Response:
    """Go where the notification leads, marking it read on the way."""
    n = systables.notification
    nid = parse_id(note_id)
    with write(state.engine) as conn:
        link = conn.execute(select(n.c.link).where(n.c.id == nid, n.c.user_id == actor.id)).first()
        if link is None:
            raise NotFound("通知不存在")
        mark_read(conn, actor.id, [nid], now=now(state.settings.timezone))
    return RedirectResponse(site_path(link.link) or PAGE, status_code=303)


@router.post(PAGE + "/{note_id}/read")
def read_note(note_id: str, request: Request, state: State, actor: PageActor) -> Response:
    with write(state.engine) as conn:
        mark_read(conn, actor.id, [parse_id(note_id)], now=now(state.settings.timezone))
    return redirect(request, PAGE)


@router.post(PAGE + "/read-all")
def read_all(request: Request, state: State, actor: PageActor, posted: Posted) -> Response:
    with write(state.engine) as conn:
        count = mark_read(conn, actor.id, None, now=now(state.settings.timezone))
    text = translate("已将 {n} 条通知标为已读", lang_of(request), n=count) if count else translate("没有未读通知", lang_of(request))
    return set_flash(redirect(request, PAGE), request, text)
