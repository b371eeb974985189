"""The API tokens page: create (the secret shown once), list, revoke with confirmation, CSRF."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from runtime import systables
from runtime.auth.users import create_token, create_user
from runtime.database import read, write
from tests.pages.conftest import CSRF, Session

PASSWORD = "sun-password-1"


@pytest.fixture
def sun(app, anon, engine) -> Session:
    """Signed in as 孙七, a user who isn't an administrator."""
    with write(engine) as conn:
        create_user(conn, username="sunqi", password=PASSWORD, full_name="孙七", now=datetime.now())
    anon.post("/login", data={"username": "sunqi", "password": PASSWORD}, follow_redirects=False)
    return Session(anon, CSRF.search(anon.get("/account/tokens").text).group(1))


def today(settings):
    return datetime.now(settings.timezone).date()


def tokens(engine) -> list:
    with read(engine) as conn:
        return conn.execute(select(systables.token).order_by(systables.token.c.id)).all()


def test_create_shows_the_token_once_and_lists_it(sun, html, engine, settings):
    empty = html(sun.client.get("/account/tokens").text)
    assert "还没有 API 令牌" in empty.by_id("token-list").text
    expires = (today(settings) + timedelta(days=30)).isoformat()
    answer = sun.post("/account/tokens", {"name": "报表脚本", "expires_on": expires})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    page = html(answer.text)
    shown = page.by_id("token-created")
    assert "令牌只显示这一次，请立即复制保存" in shown.text
    secret = page.by_id("token-secret").attrs["value"]
    assert secret.startswith("fw_")

    me = sun.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json()["username"] == "sunqi"

    again = sun.client.get("/account/tokens")
    assert secret not in again.text
    row = html(again.text).by_id(f"token-{tokens(engine)[0].id}")
    cells = [td.text for td in row.find_all("td")]
    assert cells[0] == "报表脚本" and cells[1] == f"{secret[:10]}…"
    assert cells[3] == f"{expires} 23:59" and cells[5] == "有效"
    assert cells[4] != "从未使用"  # the API call above used it


def test_bad_input_is_shown_next_to_the_fields(sun, html, engine, settings):
    answer = sun.post("/account/tokens", {"name": " ", "expires_on": (today(settings) - timedelta(days=1)).isoformat()})
    assert answer.status_code == 422
    page = html(answer.text)
    assert "请填写令牌名称" in page.by_id("err-name").text
    assert "到期日不能早于今天" in page.by_id("err-expires_on").text
    assert page.find(id="token-created") is None
    answer = sun.post("/account/tokens", {"name": "x", "expires_on": "2026-02-30"})
    assert "到期日格式不正确" in html(answer.text).by_id("err-expires_on").text
    assert html(answer.text).by_id("name").attrs["value"] == "x"  # what was typed stays
    assert tokens(engine) == []


def test_revoke_asks_first_and_the_token_stops_working(sun, html, engine):
    secret = html(sun.post("/account/tokens", {"name": "临时"}).text).by_id("token-secret").attrs["value"]
    token_id = tokens(engine)[0].id
    button = html(sun.client.get("/account/tokens").text).by_id(f"token-{token_id}").find("button")
    assert "确定吊销令牌“临时”吗" in button.attrs["hx-confirm"]

    answer = sun.htmx(f"/account/tokens/{token_id}/revoke")
    assert answer.status_code == 204 and answer.headers["HX-Redirect"] == "/account/tokens"
    page = html(sun.client.get("/account/tokens").text)
    assert "已吊销令牌“临时”" in page.by_id("flashes").text
    assert "已吊销" in page.by_id(f"token-{token_id}").text
    assert page.by_id(f"token-{token_id}").find("button") is None
    assert sun.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_someone_elses_token_cannot_be_revoked_here(sun, engine):
    with write(engine) as conn:
        admin_token = create_token(conn, user_id=1, name="admin's", now=datetime.now())
    admin_id = tokens(engine)[0].id
    assert sun.post(f"/account/tokens/{admin_id}/revoke").status_code == 404
    assert tokens(engine)[0].revoked_at is None
    assert sun.client.get("/api/v1/me", headers={"Authorization": f"Bearer {admin_token}"}).status_code == 200
    assert "admin's" not in sun.client.get("/account/tokens").text


def test_posts_need_the_csrf_token(sun, engine, html):
    assert sun.client.post("/account/tokens", data={"name": "no csrf"}, follow_redirects=False).status_code == 403
    assert sun.client.post("/account/tokens", data={"name": "stale", "csrf_token": "stale-token"},
                           follow_redirects=False).status_code == 403
    assert tokens(engine) == []
    sun.post("/account/tokens", {"name": "mine"})
    token_id = tokens(engine)[0].id
    assert sun.client.post(f"/account/tokens/{token_id}/revoke", follow_redirects=False).status_code == 403
    assert tokens(engine)[0].revoked_at is None
