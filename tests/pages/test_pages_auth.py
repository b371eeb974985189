"""Signing in and out, the login redirect of every page, and the language switch."""
from __future__ import annotations

from runtime.web.deps import LANG_COOKIE, SESSION_COOKIE


def test_pages_redirect_to_login_when_signed_out(anon):
    for path, target in [("/", "/login"), ("/apps/crm", "/login?next=/apps/crm"),
                         ("/apps/crm/customer?level=key", "/login?next=/apps/crm/customer%3Flevel%3Dkey")]:
        answer = anon.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == target
    answer = anon.get("/apps/crm/customer", headers={"HX-Request": "true",
                                                      "HX-Current-URL": "http://testserver/apps/crm/customer?q=a"})
    assert answer.status_code == 401
    assert answer.headers["HX-Redirect"] == "/login?next=/apps/crm/customer%3Fq%3Da"


def test_wrong_password_is_refused_next_to_the_form(anon, crm, html):
    answer = anon.post("/login", data={"username": "admin", "password": "not-it", "next": "/apps/crm"})
    assert answer.status_code == 401
    assert SESSION_COOKIE not in answer.cookies
    page = html(answer.text)
    assert "用户名或密码不正确" in page.find("form", class_="login-form").text
    assert page.find("input", name="username").attrs["value"] == "admin"
    assert anon.get("/apps/crm", follow_redirects=False).status_code == 303


def test_sign_in_sets_a_safe_cookie_and_goes_where_the_user_was_going(anon, crm):
    answer = anon.post("/login", data={"username": "admin", "password": crm, "next": "/apps/crm/customer"},
                       follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/apps/crm/customer"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert anon.get("/apps/crm/customer").status_code == 200


def test_sign_in_never_redirects_off_site(anon, crm):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        answer = anon.post("/login", data={"username": "admin", "password": crm, "next": target}, follow_redirects=False)
        assert answer.headers["location"] == "/", target


def test_each_sign_in_starts_a_new_session(anon, crm):
    anon.post("/login", data={"username": "admin", "password": crm}, follow_redirects=False)
    first = anon.cookies.get(SESSION_COOKIE)
    anon.post("/login", data={"username": "admin", "password": crm}, follow_redirects=False)
    second = anon.cookies.get(SESSION_COOKIE)
    assert first != second
    anon.cookies.set(SESSION_COOKIE, first)
    assert anon.get("/apps/crm", follow_redirects=False).status_code == 303  # the old session is gone


def test_sign_out_needs_the_csrf_token_and_ends_the_session(web):
    assert web.client.post("/logout", follow_redirects=False).status_code == 403
    answer = web.post("/logout")
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert web.client.get("/apps/crm", follow_redirects=False).status_code == 303


def test_language_switch_shows_english_labels(web, html):
    answer = web.client.get("/lang/en?next=/apps/crm/customer/new", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/apps/crm/customer/new"
    assert web.client.cookies.get(LANG_COOKIE) == "en"
    page = html(web.client.get("/apps/crm/customer/new").text)
    assert page.find("html").attrs["lang"] == "en"
    assert "Customer name" in page.by_id("wrap-f-name").text
    assert "Save" in page.find("div", class_="form-actions").text
    assert "New Customer" in page.find("h1").text
    listing = html(web.client.get("/apps/crm/customer").text)
    assert "No Customer yet" in listing.by_id("list-results").text
    assert "Customers" in listing.find("nav", class_="sidebar").text
    web.client.get("/lang/zh-CN?next=/apps/crm/customer")
    assert "还没有客户，点击“新建”添加第一条" in web.client.get("/apps/crm/customer").text


def test_language_switch_stays_on_this_site(web):
    answer = web.client.get("/lang/en", headers={"referer": "https://evil.example/x"}, follow_redirects=False)
    assert answer.headers["location"] == "/"
    answer = web.client.get("/lang/en", headers={"referer": "http://testserver/apps/crm/lead"}, follow_redirects=False)
    assert answer.headers["location"] == "/apps/crm/lead"


def test_unknown_pages_are_friendly(web):
    answer = web.client.get("/apps/crm/nope")
    assert answer.status_code == 404
    assert "表单“nope”不存在" in answer.text and "<html" in answer.text
    assert web.client.get("/apps/crm/customer/abc").status_code == 404
    assert web.client.get("/apps/crm/customer/999").status_code == 404
