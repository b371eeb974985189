"""Drafts (fw_draft): a designer's unpublished work, saved often, guarded by a revision number.

Every save names the revision the browser last saw; a save against an older revision is refused
(DraftConflict, 409) and changes nothing, so two admins never overwrite each other silently.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from form_engine.errors import FormworkError
from runtime import systables

MAX_BODY = 2_000_000  # characters of JSON: far above any real form


@dataclass(frozen=True)
class Draft:
    app: str
    kind: str
    name: str
    body: dict
    revision: int
    base_version: int | None
    updated_by: int | None
    updated_by_name: str | None
    updated_at: datetime


class DraftConflict(FormworkError):
    """Someone saved the draft after this browser loaded it; `current` is what they saved."""

    status = 409
    title = "草稿已被他人修改"

    def __init__(self, current: Draft):
        who = current.updated_by_name or "其他管理员"
        super().__init__(f"草稿已被 {who} 在 {current.updated_at:%H:%M} 修改，请刷新后再改",
                         revision=current.revision, updated_by=who, updated_at=current.updated_at.isoformat())
        self.current = current


class DraftGone(FormworkError):
    """The draft this browser edits was published or discarded meanwhile."""

    status = 409
    title = "草稿已不存在"


class DraftTooLarge(FormworkError):
    status = 413
    title = "草稿过大"


def load_draft(conn: Connection, app: str, kind: str, name: str) -> Draft | None:
    d, u = systables.draft, systables.user
    row = conn.execute(select(d, u.c.full_name).outerjoin(u, u.c.id == d.c.updated_by)
                       .where(d.c.app == app, d.c.kind == kind, d.c.name == name)).first()
    if row is None:
        return None
    return Draft(row.app, row.kind, row.name, json.loads(row.body), row.revision, row.base_version,
                 row.updated_by, row.full_name, row.updated_at)


def list_drafts(conn: Connection, app: str, kind: str = "form") -> dict[str, Draft]:
    d = systables.draft
    names = conn.execute(select(d.c.name).where(d.c.app == app, d.c.kind == kind)).scalars().all()
    return {n: load_draft(conn, app, kind, n) for n in names}


def save_draft(conn: Connection, *, app: str, kind: str, name: str, body: dict, revision: int,
               base_version: int | None, user_id: int | None, now: datetime) -> Draft:
    """Store `body` as the next revision after `revision` (0: no draft yet); DraftConflict otherwise."""
    text = json.dumps(body, ensure_ascii=False)
    if len(text) > MAX_BODY:
        raise DraftTooLarge("草稿内容过大，无法保存")
    d = systables.draft
    if revision == 0:
        try:
            with conn.begin_nested():
                conn.execute(d.insert().values(app=app, kind=kind, name=name, body=text, revision=1,
                                               base_version=base_version, updated_by=user_id, updated_at=now))
        except IntegrityError:
            raise DraftConflict(load_draft(conn, app, kind, name)) from None
    else:
        done = conn.execute(d.update().where(d.c.app == app, d.c.kind == kind, d.c.name == name,
                                             d.c.revision == revision)
                            .values(body=text, revision=revision + 1, updated_by=user_id, updated_at=now))
        if done.rowcount != 1:
            current = load_draft(conn, app, kind, name)
            if current is None:
                raise DraftGone("草稿已被发布或放弃，请刷新后再改")
            raise DraftConflict(current)
    return load_draft(conn, app, kind, name)


def discard_draft(conn: Connection, app: str, kind: str, name: str) -> None:
    d = systables.draft
    conn.execute(d.delete().where(d.c.app == app, d.c.kind == kind, d.c.name == name))
