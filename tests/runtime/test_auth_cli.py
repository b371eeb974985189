"""The account commands, run as an administrator runs them: list-tokens, revoke-token, reset-password."""
from __future__ import annotations

import hashlib
import os
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from runtime import systables
from runtime.auth.users import create_token, create_user, user_id_by_name
from runtime.database import read, write
from tests.runtime.test_cli import run



@pytest.fixture
def env(crm, settings, database_url) -> dict:
    """The commands pointed at the test database, the CRM installed."""
    return {**os.environ, "FORMWORK_DATA_DIR": str(settings.data_dir), "FORMWORK_DATABASE_URL": database_url}


@pytest.fixture
def issued(app, engine) -> dict[str, str]:
    """A token for admin and one for 李四 (an ordinary user)."""
    with write(engine) as conn:
        lisi = create_user(conn, username="lisi", password="lisi-password-1", full_name="李四", now=datetime.now())
        return {"admin": create_token(conn, user_id=user_id_by_name(conn, "admin"), name="ERP 同步", now=datetime.now()),
                "lisi": create_token(conn, user_id=lisi, name="报表", now=datetime.now())}


def token_id(engine, secret: str) -> int:
    t = systables.token
    with read(engine) as conn:
        return conn.execute(select(t.c.id).where(t.c.prefix == secret[:10])).scalar_one()


def test_list_tokens(env, issued):
    everyone = run(["list-tokens"], env).stdout
    assert "ERP 同步" in everyone and "报表" in everyone and "编号" in everyone and "有效" in everyone
    assert issued["admin"][:10] in everyone
    for secret in issued.values():  # neither the token nor its hash
        assert secret not in everyone and hashlib.sha256(secret.encode()).hexdigest() not in everyone
    lisi = run(["list-tokens", "lisi"], env).stdout
    assert "报表" in lisi and "ERP 同步" not in lisi
    missing = run(["list-tokens", "nobody"], env, ok=False)
    assert missing.returncode == 1 and "用户“nobody”不存在" in missing.stderr


def test_revoke_token(env, issued, client, anon, engine):
    lisi_id = token_id(engine, issued["lisi"])
    assert anon.get("/api/v1/me", headers={"Authorization": f"Bearer {issued['lisi']}"}).status_code == 200
    done = run(["revoke-token", str(lisi_id)], env)
    assert f"已吊销令牌 #{lisi_id}（lisi：报表）" in done.stdout
    assert anon.get("/api/v1/me", headers={"Authorization": f"Bearer {issued['lisi']}"}).status_code == 401
    assert "此前已吊销" in run(["revoke-token", str(lisi_id)], env).stdout
    missing = run(["revoke-token", "99999"], env, ok=False)
    assert missing.returncode == 1 and "不存在" in missing.stderr
    assert client.get("/api/v1/me").status_code == 200  # other tokens keep working


def test_reset_password(env, issued, app, anon, engine, settings):
    from fastapi.testclient import TestClient
    u = systables.user
    with TestClient(app) as browser:
        assert browser.post("/login", data={"username": "lisi", "password": "lisi-password-1"},
                            follow_redirects=False).status_code == 303
        tz_now = datetime.now(settings.timezone).replace(tzinfo=None)
        with write(engine) as conn:  # locked out, too
            conn.execute(update(u).where(u.c.username == "lisi").values(
                failed_logins=10, last_failed_at=tz_now, locked_until=tz_now + timedelta(minutes=15)))
        out = run(["reset-password", "lisi"], env).stdout
        password = re.search(r"密码：(\S+?)（", out).group(1)
        assert "须先修改密码" in out
        assert browser.get("/api/v1/me").status_code == 401  # its sessions ended
    with read(engine) as conn:
        row = conn.execute(select(u).where(u.c.username == "lisi")).one()
    assert row.must_change_password is True and row.failed_logins == 0 and row.locked_until is None
    answer = anon.post("/login", data={"username": "lisi", "password": password}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/account/password"
    refused = anon.post("/login", data={"username": "lisi", "password": "lisi-password-1"}, follow_redirects=False)
    assert refused.status_code == 401
    assert anon.get("/api/v1/me", headers={"Authorization": f"Bearer {issued['lisi']}"}).status_code == 200
    missing = run(["reset-password", "nobody"], env, ok=False)
    assert missing.returncode == 1 and "不存在" in missing.stderr
