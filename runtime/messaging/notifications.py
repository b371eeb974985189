"""In-app notifications: what the inbox badge counts. Email copies go through the outbox."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select, update

from .. import systables
from .outbox import enqueue_email

n = systables.notification
u = systables.user


@dataclass(frozen=True)
class Note:
    """One notification to send: to whom, what kind, what it says, where it leads."""

    kind: str  # task, result, urge, cc, mention...
    title: str
    body: str = ""
    link: str | None = None


def notify(conn: Connection, user_ids: list[int], note: Note, *, now: datetime, email: bool) -> None:
    """Notify each user once, in the caller's transaction; with `email`, also queue an email to
    each of them who has an address and is active."""
    users = list(dict.fromkeys(user_ids))
    if not users:
        return
    conn.execute(n.insert(), [{"user_id": uid, "kind": note.kind, "title": note.title[:200], "body": note.body,
                               "link": note.link, "created_at": now} for uid in users])
    if not email:
        return
    rows = conn.execute(select(u.c.email).where(u.c.id.in_(users), u.c.is_active.is_(True), u.c.email.isnot(None)))
    for (address,) in rows:
        body = note.body + (f"\n\n{note.link}" if note.link else "")
        enqueue_email(conn, to=address, subject=note.title, body=body, now=now)


def unread_count(conn: Connection, user_id: int) -> int:
    return conn.execute(select(func.count()).select_from(n).where(n.c.user_id == user_id, n.c.read_at.is_(None))).scalar()


def recent(conn: Connection, user_id: int, limit: int = 50) -> list:
    return conn.execute(select(n).where(n.c.user_id == user_id).order_by(n.c.id.desc()).limit(limit)).all()


def mark_read(conn: Connection, user_id: int, ids: list[int] | None, *, now: datetime) -> int:
    """Mark some (or, with None, all) of a user's notifications read; another user's ids are ignored."""
    query = update(n).where(n.c.user_id == user_id, n.c.read_at.is_(None))
    if ids is not None:
        query = query.where(n.c.id.in_(ids))
    return conn.execute(query.values(read_at=now)).rowcount
