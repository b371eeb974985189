"""Signing in under the throttle: waits after three failures, a lock after ten, the same answer for
unknown and disabled users, and failure counts that outlive the refused request."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from runtime import systables
from runtime.auth.throttle import wait_seconds
from runtime.auth.users import create_user
from runtime.database import read, write
from runtime.web.deps import SESSION_COOKIE

PASSWORD = "right-horse-battery"
WRONG = "用户名或密码不正确"
LOCKED = "登录失败次数过多，账号已锁定，请 15 分钟后再试或联系管理员重置密码"


@pytest.fixture
def zhang(app, engine, settings) -> str:
    with write(engine) as conn:
        create_user(conn, username="zhangsan", password=PASSWORD, full_name="张三", now=datetime.now())
    return "zhangsan"


def counters(engine, username: str):
    u = systables.user
    with read(engine) as conn:
        return conn.execute(select(u.c.failed_logins, u.c.last_failed_at, u.c.locked_until)
                            .where(u.c.username == username)).one()


def set_user(engine, username: str, **values) -> None:
    with write(engine) as conn:
        conn.execute(update(systables.user).where(systables.user.c.username == username).values(**values))


def now(settings) -> datetime:
    return datetime.now(settings.timezone).replace(tzinfo=None)


def login(anon, username: str, password: str):
    return anon.post("/login", data={"username": username, "password": password, "next": "/"}, follow_redirects=False)


def refused(answer, status: int, message: str) -> None:
    assert answer.status_code == status, answer.text
    assert message in answer.text
    assert SESSION_COOKIE not in answer.cookies


def test_waits_grow_from_the_third_failure_and_lock_after_the_tenth(anon, zhang, engine, settings):
    for n in (1, 2, 3):
        refused(login(anon, zhang, "nope"), 401, WRONG)
        assert counters(engine, zhang).failed_logins == n  # counted though the request failed
    # As if the third failure had just happened (the test machine may be slow): one second to wait,
    # and the right password isn't even checked.
    set_user(engine, zhang, last_failed_at=now(settings))
    refused(login(anon, zhang, PASSWORD), 429, "尝试过于频繁，请 1 秒后再试")
    assert counters(engine, zhang).failed_logins == 3

    for n in range(4, 10):
        set_user(engine, zhang, last_failed_at=now(settings) - timedelta(minutes=2))
        refused(login(anon, zhang, "nope"), 401, WRONG)
        assert counters(engine, zhang).failed_logins == n
    set_user(engine, zhang, last_failed_at=now(settings))
    refused(login(anon, zhang, "nope"), 429, "尝试过于频繁，请 60 秒后再试")  # 2^(9-3), at most a minute

    set_user(engine, zhang, last_failed_at=now(settings) - timedelta(minutes=2))
    refused(login(anon, zhang, "nope"), 429, LOCKED)  # the tenth failure locks
    state = counters(engine, zhang)
    assert state.failed_logins == 10
    assert timedelta(minutes=14) < state.locked_until - now(settings) <= timedelta(minutes=15)

    set_user(engine, zhang, last_failed_at=now(settings) - timedelta(minutes=5))
    refused(login(anon, zhang, PASSWORD), 429, LOCKED)  # even the right password, while locked

    set_user(engine, zhang, locked_until=now(settings) - timedelta(seconds=1))
    answer = login(anon, zhang, PASSWORD)
    assert answer.status_code == 303 and SESSION_COOKIE in answer.cookies
    assert tuple(counters(engine, zhang)) == (0, None, None)


def test_an_expired_lock_starts_the_count_afresh(anon, zhang, engine, settings):
    set_user(engine, zhang, failed_logins=10, last_failed_at=now(settings) - timedelta(minutes=16),
             locked_until=now(settings) - timedelta(minutes=1))
    refused(login(anon, zhang, "nope"), 401, WRONG)
    assert counters(engine, zhang).failed_logins == 1 and counters(engine, zhang).locked_until is None


def test_success_resets_the_count(anon, zhang, engine):
    for _ in range(2):
        login(anon, zhang, "nope")
    assert counters(engine, zhang).failed_logins == 2
    assert login(anon, zhang, PASSWORD).status_code == 303
    assert tuple(counters(engine, zhang)) == (0, None, None)


def test_waits_double_up_to_a_minute():
    assert [wait_seconds(n) for n in range(0, 11)] == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]


@pytest.fixture
def real_hashes(monkeypatch):
    """The production argon2 parameters, not the suite's cheapest ones: timing needs a real hash cost."""
    from argon2 import PasswordHasher
    from runtime.auth import passwords, users
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher())
    users._dummy_hash.cache_clear()
    yield
    users._dummy_hash.cache_clear()


def test_unknown_users_get_the_same_answer_as_a_wrong_password_as_slowly(real_hashes, anon, zhang, engine):
    from runtime.auth.passwords import hash_password
    with write(engine) as conn:  # zhang's hash made with the real parameters, like the dummy one
        conn.execute(update(systables.user).where(systables.user.c.username == zhang)
                     .values(password_hash=hash_password(PASSWORD)))

    def timed(username: str) -> float:
        start = time.perf_counter()
        refused(login(anon, username, "nope"), 401, WRONG)
        return time.perf_counter() - start

    wrong = min(timed(zhang) for _ in range(2))  # two: a third failure would start the wait
    unknown = min(timed("nobody") for _ in range(3))
    assert unknown > wrong * 0.5, (unknown, wrong)  # a password hash was checked for the unknown name too
    assert counters(engine, zhang).failed_logins == 2


def test_disabled_users_get_the_generic_answer(anon, zhang, engine):
    set_user(engine, zhang, is_active=False)
    refused(login(anon, zhang, PASSWORD), 401, WRONG)
    set_user(engine, zhang, is_active=True)
    assert login(anon, zhang, PASSWORD).status_code == 303


def test_empty_fields_are_refused_without_counting(anon, zhang, engine):
    refused(login(anon, zhang, ""), 401, "请输入用户名和密码")
    assert counters(engine, zhang).failed_logins == 0


def test_passwords_are_hashed_with_argon2id_at_full_strength_outside_the_test_suite():
    """The suite's cheap switch is read at import: a process without it (here a fresh interpreter) hashes for real."""
    import os
    import subprocess
    import sys
    env = {k: v for k, v in os.environ.items() if k != "FORMWORK_TEST_CHEAP_PASSWORD_HASHES"}
    out = subprocess.run([sys.executable, "-c", "from runtime.auth.passwords import hash_password; print(hash_password('x'))"],
                         env=env, capture_output=True, text=True, check=True).stdout
    assert out.startswith("$argon2id$v=19$m=65536,t=3,p=4$"), out
