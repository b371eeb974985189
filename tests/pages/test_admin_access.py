"""Who gets into /admin (system administrators only, CSRF on every post) and what the menu shows."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from runtime import systables
from runtime.database import read, write

PASSWORD = re.compile(r'id="one-time-password"[^>]*value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def snapshot(app) -> tuple:
    """Everything an admin page could change."""
    with read(app.state.formwork.engine) as conn:
        count = lambda t: conn.execute(select(func.count()).select_from(t)).scalar()  # noqa: E731
        users = conn.execute(select(systables.user.c.username, systables.user.c.full_name, systables.user.c.is_active,
                                    systables.user.c.is_admin, systables.user.c.password_hash)
                             .order_by(systables.user.c.id)).all()
        departments = conn.execute(select(systables.department).order_by(systables.department.c.id)).all()
        return users, departments, count(systables.user_role), count(systables.definition)


@pytest.fixture
def clerk(web, app):
    """A signed-in user without the admin flag (role: sales), its id and CSRF token, with a department around."""
    web.post("/admin/departments", {"name": "销售一部", "parent_id": ""})
    answer = web.post("/admin/users/new", {"username": "clerk", "full_name": "普通员工", "role": "crm:sales"})
    password = PASSWORD.search(answer.text).group(1)
    u = systables.user
    with write(app.state.formwork.engine) as conn:
        conn.execute(update(u).where(u.c.username == "clerk").values(must_change_password=False))
        uid = conn.execute(select(u.c.id).where(u.c.username == "clerk")).scalar()
    with TestClient(app) as client:
        assert client.post("/login", data={"username": "clerk", "password": password},
                           follow_redirects=False).status_code == 303
        csrf = CSRF.search(client.get("/apps/crm").text).group(1)
        yield client, uid, csrf


def admin_posts(app, uid: int) -> list[tuple[str, dict]]:
    with read(app.state.formwork.engine) as conn:
        dept = conn.execute(select(systables.department.c.id)).scalar()
    return [
        ("/admin/users/new", {"username": "intruder", "full_name": "X"}),
        (f"/admin/users/{uid}", {"full_name": "改名", "is_admin": "1", "department_id": ""}),
        (f"/admin/users/{uid}/disable", {}), (f"/admin/users/{uid}/enable", {}),
        (f"/admin/users/{uid}/reset-password", {}),
        ("/admin/departments", {"name": "新部门", "parent_id": ""}),
        (f"/admin/departments/{dept}", {"name": "改名", "parent_id": "", "manager_id": ""}),
        (f"/admin/departments/{dept}/delete", {}),
        ("/admin/roles/crm", {"name": "intruder", "label": "X"}),
        ("/admin/roles/crm/sales", {"label": "销售", "all_forms": "1"}),
        ("/admin/roles/crm/finance/delete", {}),
    ]


def admin_pages(uid: int, dept: int | None = None) -> list[str]:
    return ["/admin", "/admin/users", "/admin/users/new", f"/admin/users/{uid}", "/admin/departments",
            *([f"/admin/departments/{dept}"] if dept else []), "/admin/roles", "/admin/roles/crm/sales"]


def test_someone_who_is_not_an_admin_gets_403_everywhere_and_changes_nothing(clerk, app, html):
    client, uid, csrf = clerk
    before = snapshot(app)
    with read(app.state.formwork.engine) as conn:
        dept = conn.execute(select(systables.department.c.id)).scalar()
    for path in admin_pages(uid, dept):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 403, path
        assert "只有系统管理员可以访问" in html(answer.text).find("main").text
    for path, data in admin_posts(app, uid):
        answer = client.post(path, data={**data, "csrf_token": csrf}, follow_redirects=False)
        assert answer.status_code == 403, path
    assert snapshot(app) == before


def test_an_admin_post_without_the_csrf_token_is_refused_and_changes_nothing(web, app, clerk):
    _client, uid, _csrf = clerk
    before = snapshot(app)
    for path, data in admin_posts(app, uid):
        answer = web.client.post(path, data=data, follow_redirects=False)
        assert answer.status_code == 403, path
        answer = web.client.post(path, data={**data, "csrf_token": "forged"}, follow_redirects=False)
        assert answer.status_code == 403, path
    assert snapshot(app) == before


def test_signed_out_visitors_are_sent_to_the_login_page(anon, crm):
    answer = anon.get("/admin/users", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/admin/users"


def test_only_admins_see_the_administration_entry(web, clerk, html):
    client, _uid, _csrf = clerk
    links = html(web.client.get("/apps/crm").text).find_all("a", class_="admin-link")
    assert [a.attrs["href"] for a in links] == ["/builder", "/admin/users"]
    assert html(client.get("/apps/crm").text).find_all("a", class_="admin-link") == []


def test_the_admin_pages_have_their_own_menu(web, html):
    answer = web.client.get("/admin", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/users"
    page = html(web.client.get("/admin/departments").text)
    side = page.find("nav", class_="sidebar")
    assert [a.text for a in side.find_all("a", class_="side-link")] == ["用户管理", "部门管理", "角色与权限", "API 令牌", "审计日志"]
    assert side.find("a", class_="active").text == "部门管理"
    assert page.find("a", class_="side-home").attrs["href"] == "/"


def test_the_menu_and_home_show_only_readable_forms(clerk, html):
    client, _uid, _csrf = clerk
    home = html(client.get("/apps/crm").text)
    menu = [a.text for a in home.find("nav", class_="sidebar").find_all("a", class_="side-link")]
    assert menu == ["客户", "联系人", "线索", "商机", "跟进记录", "合同", "回款", "产品"]  # no 工单 for sales
    cards = [c.find("span", class_="form-card-title").text for c in home.find_all("a", class_="form-card")]
    assert cards == menu


def test_a_user_without_roles_sees_an_empty_home(web, app, html):
    answer = web.post("/admin/users/new", {"username": "newbie", "full_name": "新人"})
    password = PASSWORD.search(answer.text).group(1)
    with write(app.state.formwork.engine) as conn:
        conn.execute(update(systables.user).where(systables.user.c.username == "newbie").values(must_change_password=False))
    with TestClient(app) as client:
        client.post("/login", data={"username": "newbie", "password": password})
        page = html(client.get("/apps/crm").text)
        assert "您还没有这个应用的任何权限，请联系管理员分配角色" in page.by_id("no-access").text
        assert page.find("a", class_="side-link") is None and page.find("a", class_="form-card") is None


def test_admin_pages_speak_english_too(web, html):
    web.client.get("/lang/en")
    page = html(web.client.get("/admin/users").text)
    assert page.find("h1").text == "Users"
    assert "Administration" in page.find("nav", class_="sidebar").text
    matrix = html(web.client.get("/admin/roles/crm/sales").text)
    assert [th.text for th in matrix.find("table", class_="matrix").find("thead").find_all("th")][1:8] == \
        ["New", "Read", "Update", "Delete", "Export", "Import", "Transfer"]
