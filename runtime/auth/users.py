"""Users, sessions and API tokens: creating them and finding who a request comes from."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, select, update

from form_engine.errors import FormworkError, Unauthorized

from .. import systables
from ..access import access_stamp_query, with_access
from ..records.context import Actor
from .passwords import hash_password, verify_password

SESSION_DAYS = 14


class UserExists(FormworkError):
    status = 409
    title = "用户已存在"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_user(conn: Connection, *, username: str, password: str, full_name: str, now: datetime,
                is_admin: bool = False, department_id: int | None = None, email: str | None = None) -> int:
    u = systables.user
    if conn.execute(select(u.c.id).where(u.c.username == username)).first():
        raise UserExists(f"用户名“{username}”已被占用")
    return conn.execute(u.insert().values(
        username=username, full_name=full_name, email=email, password_hash=hash_password(password),
        is_admin=is_admin, is_active=True, department_id=department_id, failed_logins=0, created_at=now,
    ).returning(u.c.id)).scalar_one()


def actor_of(row) -> Actor:
    return Actor(id=row.id, username=row.username, full_name=row.full_name,
                 department_id=row.department_id, is_admin=row.is_admin)


def authenticate(conn: Connection, username: str, password: str, now: datetime) -> Actor:
    """The user for a username and password; the same message whichever of the two is wrong."""
    u = systables.user
    row = conn.execute(select(u).where(u.c.username == username)).first()
    if row is None or not row.is_active or not verify_password(row.password_hash, password):
        raise Unauthorized("用户名或密码不正确")
    conn.execute(update(u).where(u.c.id == row.id).values(last_login_at=now, failed_logins=0))
    return actor_of(row)


def start_session(conn: Connection, user_id: int, now: datetime) -> tuple[str, str]:
    """A new session key (goes into the signed cookie) and its CSRF token."""
    key, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    conn.execute(systables.session.insert().values(
        id=_digest(key), user_id=user_id, csrf=csrf, created_at=now, expires_at=now + timedelta(days=SESSION_DAYS)))
    return key, csrf


def end_session(conn: Connection, key: str) -> None:
    conn.execute(systables.session.delete().where(systables.session.c.id == _digest(key)))


# Who a request comes from is asked on every request: the statements are built once.
_u, _s, _t = systables.user, systables.session, systables.token
_ACTOR_COLS = (_u.c.id, _u.c.username, _u.c.full_name, _u.c.department_id, _u.c.is_admin,
               access_stamp_query().label("access_stamp"))
SESSION_LOOKUP = (select(*_ACTOR_COLS, _s.c.csrf).join(_s, _s.c.user_id == _u.c.id)
                  .where(_s.c.id == bindparam("key"), _s.c.expires_at > bindparam("now"), _u.c.is_active.is_(True)))
TOKEN_LOOKUP = (select(*_ACTOR_COLS).join(_t, _t.c.user_id == _u.c.id)
                .where(_t.c.token_hash == bindparam("key"), _t.c.revoked_at.is_(None), _u.c.is_active.is_(True),
                       _t.c.expires_at.is_(None) | (_t.c.expires_at > bindparam("now"))))


def session_actor(conn: Connection, key: str, now: datetime) -> tuple[Actor, str] | None:
    """The signed-in user of a session with roles and teams loaded, and the session's CSRF token."""
    row = conn.execute(SESSION_LOOKUP, {"key": _digest(key), "now": now}).first()
    return (with_access(conn, actor_of(row), row.access_stamp), row.csrf) if row else None


def create_token(conn: Connection, *, user_id: int, name: str, now: datetime, expires_at: datetime | None = None) -> str:
    """A new API token; only its hash is stored, so this is the one time it can be shown."""
    secret = "fw_" + secrets.token_urlsafe(32)
    conn.execute(systables.token.insert().values(
        user_id=user_id, name=name, token_hash=_digest(secret), prefix=secret[:10], created_at=now, expires_at=expires_at))
    return secret


def token_actor(conn: Connection, secret: str, now: datetime) -> Actor | None:
    row = conn.execute(TOKEN_LOOKUP, {"key": _digest(secret), "now": now}).first()
    return with_access(conn, actor_of(row), row.access_stamp) if row else None


def user_id_by_name(conn: Connection, username: str) -> int:
    found = conn.execute(select(systables.user.c.id).where(systables.user.c.username == username)).scalar()
    if found is None:
        raise FormworkError(f"用户“{username}”不存在")
    return found
