"""API tokens through the API: who am I, create (shown once), list, revoke (own; admins anyone's),
refusal of revoked, expired and disabled users' tokens, last-use stamps, CSRF for cookie callers."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select, update

from runtime import systables
from runtime.access import bump_access
from runtime.auth.users import create_token, create_user
from runtime.database import read, write

LISI_PASSWORD = "lisi-password-1"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def now(settings) -> datetime:
    return datetime.now(settings.timezone).replace(tzinfo=None)


@pytest.fixture
def lisi(app, engine, settings) -> int:
    """A user who isn't an administrator, a salesperson in the CRM."""
    with write(engine) as conn:
        user_id = create_user(conn, username="lisi", password=LISI_PASSWORD, full_name="李四", now=now(settings))
        conn.execute(insert(systables.user_role).values(user_id=user_id, app="crm", role="sales"))
        bump_access(conn)
    return user_id


@pytest.fixture
def lisi_token(lisi, engine, settings) -> str:
    with write(engine) as conn:
        return create_token(conn, user_id=lisi, name="lisi-script", now=now(settings))


def token_row(engine, token_id: int):
    with read(engine) as conn:
        return conn.execute(select(systables.token).where(systables.token.c.id == token_id)).one()


def token_count(engine) -> int:
    with read(engine) as conn:
        return conn.execute(select(func.count()).select_from(systables.token)).scalar_one()


def test_me(anon, lisi, lisi_token):
    me = anon.get("/api/v1/me", headers=bearer(lisi_token))
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == "lisi" and body["full_name"] == "李四" and body["is_admin"] is False
    assert body["roles"] == [{"app": "crm", "role": "sales", "label": {"zh-CN": "销售", "en": "Sales rep"}}]
    assert anon.get("/api/v1/me").status_code == 401


def test_create_list_and_revoke_own_tokens(anon, lisi_token, engine):
    created = anon.post("/api/v1/tokens", headers=bearer(lisi_token), json={"name": "ERP 同步", "expires_on": "2099-12-31"})
    assert created.status_code == 201, created.text
    body = created.json()
    secret = body["token"]
    assert secret.startswith("fw_") and body["prefix"] == secret[:10]
    assert body["name"] == "ERP 同步" and body["status"] == "active" and body["expires_at"] == "2099-12-31T23:59:59"
    assert created.headers["cache-control"] == "no-store"

    assert anon.get("/api/v1/me", headers=bearer(secret)).json()["username"] == "lisi"
    listed = anon.get("/api/v1/tokens", headers=bearer(lisi_token))
    assert [t["name"] for t in listed.json()] == ["ERP 同步", "lisi-script"]
    # The secret is shown once: never again, and never its hash.
    assert secret not in listed.text and hashlib.sha256(secret.encode()).hexdigest() not in listed.text
    assert all("token" not in t and "token_hash" not in t for t in listed.json())

    assert anon.delete(f"/api/v1/tokens/{body['id']}", headers=bearer(lisi_token)).status_code == 204
    assert anon.get("/api/v1/me", headers=bearer(secret)).status_code == 401  # at once
    again = anon.get("/api/v1/tokens", headers=bearer(lisi_token)).json()
    assert again[0]["status"] == "revoked" and again[0]["revoked_at"]


def test_token_input_is_checked(anon, lisi_token, engine, settings):
    before = token_count(engine)
    for body, message in [({"name": "  "}, "请填写令牌名称"), ({"name": "x" * 101}, "不能超过 100 个字符"),
                          ({"name": "old", "expires_on": (now(settings).date() - timedelta(days=1)).isoformat()}, "到期日不能早于今天")]:
        answer = anon.post("/api/v1/tokens", headers=bearer(lisi_token), json=body)
        assert answer.status_code == 422 and message in answer.json()["detail"], answer.text
    assert anon.post("/api/v1/tokens", headers=bearer(lisi_token), json={}).status_code == 400
    assert token_count(engine) == before


def test_expired_token_is_refused(anon, lisi_token, engine, settings):
    created = anon.post("/api/v1/tokens", headers=bearer(lisi_token), json={"name": "short", "expires_on": now(settings).date().isoformat()})
    secret, token_id = created.json()["token"], created.json()["id"]
    assert anon.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    with write(engine) as conn:
        conn.execute(update(systables.token).where(systables.token.c.id == token_id)
                     .values(expires_at=now(settings) - timedelta(seconds=1)))
    assert anon.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    listed = anon.get("/api/v1/tokens", headers=bearer(lisi_token)).json()
    assert next(t for t in listed if t["id"] == token_id)["status"] == "expired"


def test_someone_elses_token_is_not_found_for_a_user_but_an_admin_may_revoke_it(client, anon, lisi_token, token, engine):
    admin_tokens = client.get("/api/v1/tokens").json()
    admin_token_id = admin_tokens[0]["id"]
    lisi_token_id = anon.get("/api/v1/tokens", headers=bearer(lisi_token)).json()[0]["id"]

    answer = anon.delete(f"/api/v1/tokens/{admin_token_id}", headers=bearer(lisi_token))
    assert answer.status_code == 404
    assert token_row(engine, admin_token_id).revoked_at is None
    assert client.get("/api/v1/me").status_code == 200
    assert anon.delete("/api/v1/tokens/99999", headers=bearer(lisi_token)).status_code == 404

    assert anon.get("/api/v1/admin/tokens", headers=bearer(lisi_token)).status_code == 403
    everyone = client.get("/api/v1/admin/tokens").json()
    assert {(t["user"]["username"], t["name"]) for t in everyone} == {("admin", "tests"), ("lisi", "lisi-script")}
    assert [t["name"] for t in client.get("/api/v1/admin/tokens", params={"user": "lisi"}).json()] == ["lisi-script"]

    assert client.delete(f"/api/v1/tokens/{lisi_token_id}").status_code == 204
    assert token_row(engine, lisi_token_id).revoked_at is not None
    assert anon.get("/api/v1/me", headers=bearer(lisi_token)).status_code == 401


def test_a_disabled_users_token_and_session_are_refused_at_once(anon, app, lisi, lisi_token, engine):
    with TestClient(app) as browser:
        assert browser.post("/login", data={"username": "lisi", "password": LISI_PASSWORD}, follow_redirects=False).status_code == 303
        assert browser.get("/api/v1/me").status_code == 200
        assert anon.get("/api/v1/me", headers=bearer(lisi_token)).status_code == 200
        with write(engine) as conn:
            conn.execute(update(systables.user).where(systables.user.c.id == lisi).values(is_active=False))
        assert anon.get("/api/v1/me", headers=bearer(lisi_token)).status_code == 401
        assert browser.get("/api/v1/me").status_code == 401
        assert browser.get("/account/tokens", follow_redirects=False).status_code == 303  # to the login page


def test_last_use_is_stamped_at_most_once_a_minute(anon, lisi_token, engine, settings):
    token_id = anon.get("/api/v1/tokens", headers=bearer(lisi_token)).json()[0]["id"]
    first = token_row(engine, token_id).last_used_at
    assert first is not None  # the request above used it

    recent = now(settings) - timedelta(seconds=30)
    with write(engine) as conn:
        conn.execute(update(systables.token).where(systables.token.c.id == token_id).values(last_used_at=recent))
    anon.get("/api/v1/me", headers=bearer(lisi_token))
    assert token_row(engine, token_id).last_used_at == recent  # used a moment ago: not written again

    stale = now(settings) - timedelta(minutes=2)
    with write(engine) as conn:
        conn.execute(update(systables.token).where(systables.token.c.id == token_id).values(last_used_at=stale))
    anon.post("/api/v1/tokens", headers=bearer(lisi_token), json={"name": "from a write request"})
    assert token_row(engine, token_id).last_used_at > stale


def test_cookie_callers_need_the_csrf_token_to_write(app, lisi, engine):
    with TestClient(app) as browser:
        browser.post("/login", data={"username": "lisi", "password": LISI_PASSWORD}, follow_redirects=False)
        page = browser.get("/account/tokens")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        before = token_count(engine)
        assert browser.post("/api/v1/tokens", json={"name": "no csrf"}).status_code == 403
        assert browser.post("/api/v1/tokens", json={"name": "stale"}, headers={"X-CSRF-Token": "stale-token"}).status_code == 403
        assert token_count(engine) == before
        done = browser.post("/api/v1/tokens", json={"name": "with csrf"}, headers={"X-CSRF-Token": csrf})
        assert done.status_code == 201
        assert browser.delete(f"/api/v1/tokens/{done.json()['id']}").status_code == 403
        assert token_row(engine, done.json()["id"]).revoked_at is None


def test_last_use_is_stamped_by_a_record_write_too(client, token, engine, settings):
    t = systables.token
    stale = now(settings) - timedelta(minutes=5)
    with write(engine) as conn:
        conn.execute(update(t).where(t.c.prefix == token[:10]).values(last_used_at=stale))
    created = client.post("/api/v1/apps/crm/forms/customer/records", json={"name": "杭州令牌测试有限公司"})
    assert created.status_code == 201, created.text
    with read(engine) as conn:
        assert conn.execute(select(t.c.last_used_at).where(t.c.prefix == token[:10])).scalar_one() > stale
