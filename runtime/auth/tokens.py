"""Listing and revoking API tokens, for their owners and for administrators.

Issuing a token and finding whose it is are in users.py, next to sessions. A token's hash never
leaves this module: what callers get is a `TokenInfo`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import Connection, select, update

from form_engine.errors import FormworkError, NotFound

from .. import systables
from ..records.context import Actor

ACTIVE, EXPIRED, REVOKED = "active", "expired", "revoked"
STATUS_LABELS = {ACTIVE: "有效", EXPIRED: "已过期", REVOKED: "已吊销"}
MAX_NAME = 100


class TokenInvalid(FormworkError):
    status = 422
    title = "令牌信息有误"


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown of a token: everything but its hash."""

    id: int
    user_id: int
    username: str
    full_name: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    status: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def as_json(self) -> dict:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None
        return {"id": self.id, "name": self.name, "prefix": self.prefix, "status": self.status,
                "created_at": iso(self.created_at), "expires_at": iso(self.expires_at),
                "last_used_at": iso(self.last_used_at), "revoked_at": iso(self.revoked_at),
                "user": {"id": self.user_id, "username": self.username, "full_name": self.full_name}}


_t, _u = systables.token, systables.user
_COLS = (_t.c.id, _t.c.user_id, _u.c.username, _u.c.full_name, _t.c.name, _t.c.prefix, _t.c.created_at,
         _t.c.expires_at, _t.c.last_used_at, _t.c.revoked_at)


def _info(row, now: datetime) -> TokenInfo:
    if row.revoked_at is not None:
        status = REVOKED
    elif row.expires_at is not None and row.expires_at <= now:
        status = EXPIRED
    else:
        status = ACTIVE
    return TokenInfo(**row._mapping, status=status)


def list_tokens(conn: Connection, *, now: datetime, user_id: int | None = None) -> list[TokenInfo]:
    """Tokens of one user (or of everyone), newest first."""
    query = select(*_COLS).join(_u, _u.c.id == _t.c.user_id).order_by(_t.c.id.desc())
    if user_id is not None:
        query = query.where(_t.c.user_id == user_id)
    return [_info(row, now) for row in conn.execute(query)]


def get_token(conn: Connection, token_id: int, *, now: datetime, owner: int | None) -> TokenInfo:
    """A token of user `owner` (None: of anyone); NotFound otherwise, so others' tokens stay unseen."""
    query = select(*_COLS).join(_u, _u.c.id == _t.c.user_id).where(_t.c.id == token_id)
    if owner is not None:
        query = query.where(_t.c.user_id == owner)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"令牌 #{token_id} 不存在")
    return _info(row, now)


def managed_by(actor: Actor) -> int | None:
    """Whose tokens an actor may manage: its own, or anyone's (None) for an administrator."""
    return None if actor.is_admin else actor.id


def revoke_token(conn: Connection, token_id: int, *, now: datetime, owner: int | None) -> TokenInfo:
    """Revoke a token (at once: the next request with it gets 401); `owner` as for get_token."""
    found = get_token(conn, token_id, now=now, owner=owner)
    if found.revoked_at is None:
        conn.execute(update(_t).where(_t.c.id == token_id, _t.c.revoked_at.is_(None)).values(revoked_at=now))
    return get_token(conn, token_id, now=now, owner=owner)


def token_name(raw: str | None) -> str:
    """A token's name as entered, or TokenInvalid."""
    name = (raw or "").strip()
    if not name:
        raise TokenInvalid("请填写令牌名称，写明用途，如“ERP 同步”")
    if len(name) > MAX_NAME:
        raise TokenInvalid(f"令牌名称不能超过 {MAX_NAME} 个字符")
    return name


def expiry(day: date | None, *, today: date) -> datetime | None:
    """A token valid through `day` expires when that day ends; no day means it never expires."""
    if day is None:
        return None
    if day < today:
        raise TokenInvalid("到期日不能早于今天")
    return datetime.combine(day, time(23, 59, 59))
