"""Session cookies: HttpOnly, SameSite=Lax, Secure over HTTPS, a new session at every sign-in, and
signing out ends the session on the server, not only in the browser."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from runtime import systables
from runtime.database import read
from runtime.web.deps import SESSION_COOKIE


def sign_in(client, password: str):
    answer = client.post("/login", data={"username": "admin", "password": password}, follow_redirects=False)
    assert answer.status_code == 303
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/account/password").text).group(1)


def session_count(engine) -> int:
    with read(engine) as conn:
        return conn.execute(select(func.count()).select_from(systables.session)).scalar_one()


def test_cookie_flags_over_http_and_https(app, crm):
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        with TestClient(app, base_url=base) as browser:
            answer = browser.post("/login", data={"username": "admin", "password": crm}, follow_redirects=False)
            cookie = answer.headers["set-cookie"]
            assert cookie.startswith(f"{SESSION_COOKIE}=")
            assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
            assert ("Secure" in cookie) is secure, cookie


def test_sign_in_rotates_the_session(app, crm, engine):
    with TestClient(app) as browser:
        sign_in(browser, crm)
        first = browser.cookies.get(SESSION_COOKIE)
        sign_in(browser, crm)
        assert browser.cookies.get(SESSION_COOKIE) != first
        assert session_count(engine) == 1  # the session the browser came with ended
    with TestClient(app, cookies={SESSION_COOKIE: first}) as replay:
        assert replay.get("/api/v1/me").status_code == 401


def test_sign_out_ends_the_session_on_the_server(app, crm, engine):
    with TestClient(app) as browser:
        csrf = sign_in(browser, crm)
        cookie = browser.cookies.get(SESSION_COOKIE)
        assert browser.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
        assert session_count(engine) == 0
    # The old cookie, kept by someone who copied it, no longer signs anyone in.
    with TestClient(app, cookies={SESSION_COOKIE: cookie}) as replay:
        assert replay.get("/api/v1/me").status_code == 401
        answer = replay.get("/account/password", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
