"""Users, sessions and API tokens: creating them, signing in, and finding who a request comes from."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from sqlalchemy import Connection, bindparam, select, update

from form_engine.errors import FormworkError, NotFound, Unauthorized

from .. import systables
from ..prepared import Prepared
from ..access import access_stamp_query, with_access
from ..database import write
from ..records.context import Actor
from .passwords import hash_password, new_password, verify_password
from .throttle import AFTER_SUCCESS, LOCKED, Counters, after_failure, refusal

SESSION_DAYS = 14
MIN_PASSWORD = 8
WRONG_LOGIN = "用户名或密码不正确"
TOKEN_TOUCH = timedelta(minutes=1)  # last_used_at is written at most this often per token


class UserExists(FormworkError):
    status = 409
    title = "用户已存在"


class LoginRefused(Unauthorized):
    """A sign-in was refused: wrong name or password, a disabled user, too many attempts, a locked account."""

    title = "登录失败"


class TooManyAttempts(LoginRefused):
    status = 429
    title = "尝试过于频繁"


class PasswordChangeRequired(FormworkError):
    """The user must choose a new password before using any other page."""

    status = 403
    title = "请先修改密码"


class PasswordRejected(FormworkError):
    """A password change was refused; `problems` maps each form field to what is wrong with it."""

    status = 422
    title = "密码未修改"

    def __init__(self, problems: dict[str, str]):
        super().__init__("；".join(problems.values()))
        self.problems = problems


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_user(conn: Connection, *, username: str, password: str, full_name: str, now: datetime,
                is_admin: bool = False, department_id: int | None = None, email: str | None = None,
                must_change_password: bool = False) -> int:
    u = systables.user
    if conn.execute(select(u.c.id).where(u.c.username == username)).first():
        raise UserExists(f"用户名“{username}”已被占用")
    return conn.execute(u.insert().values(
        username=username, full_name=full_name, email=email, password_hash=hash_password(password),
        is_admin=is_admin, is_active=True, department_id=department_id, failed_logins=0, created_at=now,
        must_change_password=must_change_password,
    ).returning(u.c.id)).scalar_one()


def actor_of(row) -> Actor:
    return Actor(id=row.id, username=row.username, full_name=row.full_name,
                 department_id=row.department_id, is_admin=row.is_admin)


# -- signing in ------------------------------------------------------------------------------

class SignIn(NamedTuple):
    actor: Actor
    must_change_password: bool


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def authenticate(conn: Connection, username: str, password: str, now: datetime) -> SignIn:
    """The user for a username and password, under the throttle of `throttle.py`.

    A wrong password is counted on `conn` before LoginRefused is raised: catch it inside the
    transaction, so that the count is committed rather than rolled back with the sign-in.
    """
    u = systables.user
    # FOR UPDATE (PostgreSQL; SQLite's writers are serialized anyway): parallel guesses wait in line.
    row = conn.execute(select(u).where(u.c.username == username).with_for_update()).first()
    if row is None or not row.is_active:
        verify_password(row.password_hash if row else _dummy_hash(), password)  # as slow as a wrong password
        raise LoginRefused(WRONG_LOGIN)
    counters = Counters(row.failed_logins or 0, row.last_failed_at, row.locked_until)
    why = refusal(counters, now)
    if why is not None:
        raise TooManyAttempts(why)
    if not verify_password(row.password_hash, password):
        values = after_failure(counters, now)
        conn.execute(update(u).where(u.c.id == row.id).values(**values))
        if values["locked_until"] is not None:
            raise TooManyAttempts(LOCKED)
        raise LoginRefused(WRONG_LOGIN)
    conn.execute(update(u).where(u.c.id == row.id).values(last_login_at=now, **AFTER_SUCCESS))
    return SignIn(actor_of(row), bool(row.must_change_password))


def password_problems(*, username: str, current: str, current_ok: bool, new: str, confirm: str) -> dict[str, str]:
    """What is wrong with a password change form, per field; empty when it may be saved."""
    problems = {}
    if not current:
        problems["current_password"] = "请输入当前密码"
    elif not current_ok:
        problems["current_password"] = "当前密码不正确"
    if len(new) < MIN_PASSWORD:
        problems["new_password"] = f"新密码至少需要 {MIN_PASSWORD} 个字符"
    elif new.strip().lower() == username.lower():
        problems["new_password"] = "新密码不能与用户名相同"
    elif current_ok and new == current:
        problems["new_password"] = "新密码不能与当前密码相同"
    if not confirm:
        problems["confirm_password"] = "请再次输入新密码"
    elif confirm != new:
        problems["confirm_password"] = "两次输入的新密码不一致"
    return problems


def change_password(conn: Connection, *, user_id: int, current: str, new: str, confirm: str,
                    keep_session: str | None) -> None:
    """Set a new password chosen by the user; every session but `keep_session` (a session key) ends."""
    u = systables.user
    row = conn.execute(select(u.c.username, u.c.password_hash).where(u.c.id == user_id)).first()
    if row is None:
        raise NotFound("用户不存在")
    current_ok = bool(current) and verify_password(row.password_hash, current)
    problems = password_problems(username=row.username, current=current, current_ok=current_ok, new=new,
                                 confirm=confirm)
    if problems:
        raise PasswordRejected(problems)
    conn.execute(update(u).where(u.c.id == user_id).values(password_hash=hash_password(new),
                                                           must_change_password=False))
    end_sessions(conn, user_id, keep=keep_session)


def reset_password(conn: Connection, *, user_id: int) -> str:
    """A new one-time password for an administrator to pass on: it must be changed at the next sign-in.

    The lock and the failure count are cleared, and every session of the user ends.
    """
    password = new_password()
    u = systables.user
    done = conn.execute(update(u).where(u.c.id == user_id).values(
        password_hash=hash_password(password), must_change_password=True, **AFTER_SUCCESS))
    if done.rowcount == 0:
        raise NotFound("用户不存在")
    end_sessions(conn, user_id)
    return password


# -- sessions --------------------------------------------------------------------------------

def start_session(conn: Connection, user_id: int, now: datetime) -> tuple[str, str]:
    """A new session key (goes into the signed cookie) and its CSRF token."""
    key, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    conn.execute(systables.session.insert().values(
        id=digest(key), user_id=user_id, csrf=csrf, created_at=now, expires_at=now + timedelta(days=SESSION_DAYS)))
    return key, csrf


def end_session(conn: Connection, key: str) -> None:
    conn.execute(systables.session.delete().where(systables.session.c.id == digest(key)))


def end_sessions(conn: Connection, user_id: int, *, keep: str | None = None) -> int:
    """End every session of a user, except the one whose key is `keep`; how many ended."""
    s = systables.session
    query = s.delete().where(s.c.user_id == user_id)
    if keep:
        query = query.where(s.c.id != digest(keep))
    return conn.execute(query).rowcount


# Who a request comes from is asked on every request: the statements are built and compiled once.
_u, _s, _t = systables.user, systables.session, systables.token
ACTOR_COLS = (_u.c.id, _u.c.username, _u.c.full_name, _u.c.department_id, _u.c.is_admin,
              access_stamp_query().label("access_stamp"))
SESSION_LOOKUP = Prepared(select(*ACTOR_COLS, _u.c.must_change_password, _s.c.csrf).join(_s, _s.c.user_id == _u.c.id)
                  .where(_s.c.id == bindparam("key"), _s.c.expires_at > bindparam("now"), _u.c.is_active.is_(True)))
TOKEN_LOOKUP = Prepared(select(*ACTOR_COLS, _t.c.id.label("token_id"), _t.c.last_used_at).join(_t, _t.c.user_id == _u.c.id)
                .where(_t.c.token_hash == bindparam("key"), _t.c.revoked_at.is_(None), _u.c.is_active.is_(True),
                       _t.c.expires_at.is_(None) | (_t.c.expires_at > bindparam("now"))))


class SessionUser(NamedTuple):
    actor: Actor
    csrf: str
    must_change_password: bool


def session_actor(conn: Connection, key: str, now: datetime) -> SessionUser | None:
    """The signed-in user of a session with roles and teams loaded, its CSRF token, and whether
    the user must change the password before doing anything else."""
    row = SESSION_LOOKUP.first(conn, {"key": digest(key), "now": now})
    if row is None:
        return None
    return SessionUser(with_access(conn, actor_of(row), row.access_stamp), row.csrf, bool(row.must_change_password))


# -- API tokens (listing and revoking them: tokens.py) ---------------------------------------

def create_token(conn: Connection, *, user_id: int, name: str, now: datetime, expires_at: datetime | None = None) -> str:
    """A new API token; only its hash is stored, so this is the one time it can be shown."""
    return issue_token(conn, user_id=user_id, name=name, now=now, expires_at=expires_at)[1]


def issue_token(conn: Connection, *, user_id: int, name: str, now: datetime,
                expires_at: datetime | None = None) -> tuple[int, str]:
    """Like create_token, with the new token's id."""
    secret = "fw_" + secrets.token_urlsafe(32)
    token_id = conn.execute(systables.token.insert().values(
        user_id=user_id, name=name, token_hash=digest(secret), prefix=secret[:10], created_at=now,
        expires_at=expires_at).returning(systables.token.c.id)).scalar_one()
    return token_id, secret


def token_actor(conn: Connection, secret: str, now: datetime) -> Actor | None:
    row = TOKEN_LOOKUP.first(conn, {"key": digest(secret), "now": now})
    if row is None:
        return None
    if row.last_used_at is None or row.last_used_at <= now - TOKEN_TOUCH:
        _note_use(conn, row.token_id, now)
    return with_access(conn, actor_of(row), row.access_stamp)


def _note_use(conn: Connection, token_id: int, now: datetime) -> None:
    """Record when a token was last used, without making its request wait on anyone."""
    t = systables.token
    # SKIP LOCKED: a request that finds another one already recording the use moves on.
    mine = (select(t.c.id).where(t.c.id == token_id, t.c.last_used_at.is_(None) | (t.c.last_used_at <= now - TOKEN_TOUCH))
            .with_for_update(skip_locked=True).scalar_subquery())
    stamp = update(t).where(t.c.id == mine).values(last_used_at=now)
    if conn.get_execution_options().get("write"):
        conn.execute(stamp)  # the request writes anyway, in this transaction
    else:
        with write(conn.engine) as own:  # a read request stays a reader: the write is a short one of its own
            own.execute(stamp)


def user_id_by_name(conn: Connection, username: str) -> int:
    found = conn.execute(select(systables.user.c.id).where(systables.user.c.username == username)).scalar()
    if found is None:
        raise FormworkError(f"用户“{username}”不存在")
    return found
