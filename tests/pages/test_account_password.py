"""The password page: a forced change after a reset, the checks on a new password, other sessions
ending, and CSRF."""
from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from runtime import systables
from runtime.auth.users import create_token, create_user, user_id_by_name
from runtime.database import read, write
from runtime.web.deps import SESSION_COOKIE
from tests.pages.conftest import CSRF, Session

PASSWORD = "old-password-1"


@pytest.fixture
def wang(app, engine) -> str:
    with write(engine) as conn:
        create_user(conn, username="wangwu", password=PASSWORD, full_name="王五", now=datetime.now())
    return "wangwu"


def sign_in(client, username: str, password: str) -> tuple[Session, object]:
    """Sign in through the form; the session's CSRF token comes from the account page."""
    done = client.post("/login", data={"username": username, "password": password, "next": "/"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    page = client.get("/account/password")
    return Session(client, CSRF.search(page.text).group(1)), done


def user_row(engine, username: str):
    with read(engine) as conn:
        return conn.execute(select(systables.user).where(systables.user.c.username == username)).one()


def sessions_of(engine, username: str) -> int:
    s, u = systables.session, systables.user
    with read(engine) as conn:
        return conn.execute(select(func.count()).select_from(s.join(u, u.c.id == s.c.user_id))
                            .where(u.c.username == username)).scalar_one()


def change(web: Session, current: str, new: str, confirm: str | None = None, **extra):
    return web.post("/account/password", {"current_password": current, "new_password": new,
                                          "confirm_password": new if confirm is None else confirm, **extra})


def test_a_user_who_must_change_the_password_is_sent_to_do_so_first(anon, crm, engine, records, html):
    with write(engine) as conn:
        conn.execute(update(systables.user).where(systables.user.c.username == "admin").values(must_change_password=True))
        token = create_token(conn, user_id=user_id_by_name(conn, "admin"), name="sync", now=datetime.now())

    done = anon.post("/login", data={"username": "admin", "password": crm, "next": "/apps/crm/customer"},
                     follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/account/password?next=/apps/crm/customer"
    page = anon.get(done.headers["location"])
    assert page.status_code == 200
    notice = html(page.text).find("div", class_="alert-warning")
    assert "首次登录请先修改密码" in notice.text
    web = Session(anon, CSRF.search(page.text).group(1))

    for path, target in [("/", "/account/password"), ("/apps/crm", "/account/password?next=/apps/crm"),
                         ("/account/tokens", "/account/password?next=/account/tokens")]:
        answer = anon.get(path, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, target), path
    answer = anon.get("/apps/crm/customer", headers={"HX-Request": "true"}, follow_redirects=False)
    assert answer.headers["HX-Redirect"] == "/account/password"
    answer = web.post("/apps/crm/customer/new", {"name": "不该保存的客户"})
    assert answer.status_code == 303 and answer.headers["location"] == "/account/password"
    assert records.count("customer") == 0
    assert anon.get("/static/app.css").status_code == 200
    assert anon.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200  # tokens unaffected

    answer = change(web, crm, "brand-new-pass", next="/apps/crm/customer")
    assert answer.status_code == 303 and answer.headers["location"] == "/apps/crm/customer"
    assert user_row(engine, "admin").must_change_password is False
    page = anon.get("/apps/crm/customer")
    assert page.status_code == 200 and "密码已修改" in html(page.text).by_id("flashes").text


def test_after_a_forced_change_the_user_lands_on_the_start_page(anon, wang, engine):
    with write(engine) as conn:
        conn.execute(update(systables.user).where(systables.user.c.username == wang).values(must_change_password=True))
    web, done = sign_in(anon, wang, PASSWORD)
    assert done.headers["location"] == "/account/password"
    answer = change(web, PASSWORD, "brand-new-pass")
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert anon.get("/account/tokens", follow_redirects=False).status_code == 200


@pytest.mark.parametrize("current, new, confirm, field, message", [
    ("", "brand-new-pass", None, "current_password", "请输入当前密码"),
    ("not-my-password", "brand-new-pass", None, "current_password", "当前密码不正确"),
    (PASSWORD, "short", None, "new_password", "新密码至少需要 8 个字符"),
    (PASSWORD, PASSWORD, None, "new_password", "新密码不能与当前密码相同"),
    (PASSWORD, "brand-new-pass", "brand-new-pas", "confirm_password", "两次输入的新密码不一致"),
    (PASSWORD, "brand-new-pass", "", "confirm_password", "请再次输入新密码"),
])
def test_a_bad_change_is_refused_next_to_the_field_and_changes_nothing(anon, wang, engine, html, current, new, confirm,
                                                                       field, message):
    web, _ = sign_in(anon, wang, PASSWORD)
    before = user_row(engine, wang).password_hash
    answer = change(web, current, new, confirm)
    assert answer.status_code == 422, answer.text
    page = html(answer.text)
    assert message in page.by_id(f"err-{field}").text
    assert "has-error" in page.by_id(f"wrap-{field}").attrs["class"]
    assert page.by_id("new_password").attrs["value"] == ""  # passwords are never sent back
    assert user_row(engine, wang).password_hash == before


def test_the_username_is_not_a_password(anon, engine, app):
    with write(engine) as conn:
        create_user(conn, username="zhaoliu8", password=PASSWORD, full_name="赵六", now=datetime.now())
    web, _ = sign_in(anon, "zhaoliu8", PASSWORD)
    answer = change(web, PASSWORD, "ZhaoLiu8")
    assert answer.status_code == 422 and "新密码不能与用户名相同" in answer.text


def test_a_change_ends_every_other_session(app, anon, wang, engine, html):
    with TestClient(app) as other:
        sign_in(other, wang, PASSWORD)
        web, _ = sign_in(anon, wang, PASSWORD)
        assert sessions_of(engine, wang) == 2
        answer = change(web, PASSWORD, "brand-new-pass")
        assert answer.status_code == 303 and answer.headers["location"] == "/account/password"
        page = anon.get("/account/password")
        assert page.status_code == 200 and "密码已修改，其他设备上的登录已全部退出" in html(page.text).by_id("flashes").text
        assert other.get("/account/password", follow_redirects=False).headers["location"].startswith("/login")
        assert sessions_of(engine, wang) == 1
    with TestClient(app) as fresh:
        refused = fresh.post("/login", data={"username": wang, "password": PASSWORD}, follow_redirects=False)
        assert refused.status_code == 401
        sign_in(fresh, wang, "brand-new-pass")


def test_a_change_needs_the_csrf_token_of_this_session(app, anon, wang, engine):
    with TestClient(app) as earlier:
        stale, _ = sign_in(earlier, wang, PASSWORD)
        earlier.post("/logout", data={"csrf_token": stale.csrf})
    web, _ = sign_in(anon, wang, PASSWORD)
    before = user_row(engine, wang).password_hash
    body = {"current_password": PASSWORD, "new_password": "brand-new-pass", "confirm_password": "brand-new-pass"}
    assert anon.post("/account/password", data=body, follow_redirects=False).status_code == 403
    assert anon.post("/account/password", data={**body, "csrf_token": stale.csrf}, follow_redirects=False).status_code == 403
    assert user_row(engine, wang).password_hash == before
    assert SESSION_COOKIE in anon.cookies
