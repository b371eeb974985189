"""/admin/users: creating a user (one-time password), editing, disabling and resetting a password."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from runtime import systables
from runtime.database import read, write

PASSWORD = re.compile(r'id="one-time-password"[^>]*value="([^"]+)"')


def new_user(web, username: str, full_name: str, **extra) -> str:
    """Create a user through the page; the one-time password it shows."""
    answer = web.post("/admin/users/new", {"username": username, "full_name": full_name, **extra})
    assert answer.status_code == 200, answer.text
    return PASSWORD.search(answer.text).group(1)


def sign_in(client, password: str, username: str) -> None:
    done = client.post("/login", data={"username": username, "password": password}, follow_redirects=False)
    assert done.status_code == 303, done.text


def user_row(app, username: str):
    with read(app.state.formwork.engine) as conn:
        return conn.execute(select(systables.user).where(systables.user.c.username == username)).first()


def password_changed(app, username: str) -> None:
    """What the forced first password change leaves behind, so the user can open pages."""
    with write(app.state.formwork.engine) as conn:
        conn.execute(update(systables.user).where(systables.user.c.username == username)
                     .values(must_change_password=False))


def user_count(app) -> int:
    with read(app.state.formwork.engine) as conn:
        return conn.execute(select(func.count()).select_from(systables.user)).scalar()


def test_a_new_user_gets_a_one_time_password_shown_once(web, app, html):
    web.post("/admin/departments", {"name": "销售一部", "parent_id": ""})
    form = html(web.client.get("/admin/users/new").text)
    department = next(o.attrs["value"] for o in form.find("select", name="department_id").find_all("option")
                      if o.text == "销售一部")
    answer = web.post("/admin/users/new", [("username", "zhangsan"), ("full_name", "张三"),
                                           ("email", "zhangsan@example.com"), ("department_id", department),
                                           ("role", "crm:sales"), ("role", "crm:service")])
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    page = html(answer.text)
    assert "请把初始密码告诉该用户，首次登录后需修改；此密码只显示这一次" in page.find("main").text
    password = page.by_id("one-time-password").attrs["value"]
    row = user_row(app, "zhangsan")
    assert row.must_change_password and row.is_active and not row.is_admin and row.email == "zhangsan@example.com"
    assert password not in row.password_hash
    listing = html(web.client.get("/admin/users").text).by_id("user-list")
    line = next(tr for tr in listing.find_all("tr") if "zhangsan" in tr.text)
    assert "张三" in line.text and "销售一部" in line.text and "客户管理 · 销售" in line.text and "启用" in line.text
    assert password not in web.client.get(f"/admin/users/{row.id}").text  # shown only that once

    with TestClient(app) as other:
        done = other.post("/login", data={"username": "zhangsan", "password": password}, follow_redirects=False)
        assert done.status_code == 303


def test_mistakes_show_next_to_their_fields_and_nothing_is_written(web, app, html):
    before = user_count(app)
    answer = web.post("/admin/users/new", {"username": "张三", "full_name": " ", "email": "not-an-email",
                                           "department_id": "999", "role": "crm:no_such_role"})
    assert answer.status_code == 422
    page = html(answer.text)
    assert "用户名只能使用英文字母" in page.by_id("err-username").text
    assert "请填写姓名" in page.by_id("err-full_name").text
    assert "邮箱格式不正确" in page.by_id("err-email").text
    assert "所选部门不存在" in page.by_id("err-department_id").text
    assert "没有角色“no_such_role”" in page.by_id("err-roles").text
    assert page.find("input", name="username").attrs["value"] == "张三"  # what was typed stays
    assert user_count(app) == before

    answer = web.post("/admin/users/new", {"username": "ADMIN", "full_name": "另一个管理员"})
    assert answer.status_code == 422
    assert "已被占用" in html(answer.text).by_id("err-username").text
    assert user_count(app) == before


def test_editing_a_user_changes_name_department_roles_and_admin_flag(web, app, html):
    new_user(web, "lisi", "李四", role="crm:sales")
    web.post("/admin/departments", {"name": "客服部", "parent_id": ""})
    uid = user_row(app, "lisi").id
    with read(app.state.formwork.engine) as conn:
        dept = conn.execute(select(systables.department.c.id)).scalar()
    answer = web.post(f"/admin/users/{uid}", [("full_name", "李四（客服）"), ("email", ""), ("department_id", str(dept)),
                                             ("role", "crm:service"), ("is_admin", "1")])
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/users"
    row = user_row(app, "lisi")
    assert (row.full_name, row.department_id, row.is_admin) == ("李四（客服）", dept, True)
    with read(app.state.formwork.engine) as conn:
        roles = conn.execute(select(systables.user_role.c.role).where(systables.user_role.c.user_id == uid)).scalars().all()
    assert roles == ["service"]
    page = html(web.client.get(f"/admin/users/{uid}").text)
    assert page.find("input", value="crm:service").attrs.get("checked") is not None
    assert page.find("input", value="crm:sales").attrs.get("checked") is None


def test_the_list_searches_by_username_name_or_email(web, html):
    new_user(web, "wangwu", "王五", email="ww@example.com")
    new_user(web, "zhaoliu", "赵六")
    found = html(web.client.get("/admin/users?q=王").text).by_id("user-list")
    assert "wangwu" in found.text and "zhaoliu" not in found.text
    assert "wangwu" in web.client.get("/admin/users?q=ww@").text
    empty = html(web.client.get("/admin/users?q=nobody").text).by_id("user-list")
    assert "没有找到匹配“nobody”的用户" in empty.text


def test_disabling_a_user_ends_their_sessions_and_enabling_lets_them_back(web, app):
    password = new_user(web, "zhouqi", "周七")
    password_changed(app, "zhouqi")
    uid = user_row(app, "zhouqi").id
    with TestClient(app) as other:
        sign_in(other, password, "zhouqi")
        assert other.get("/apps/crm", follow_redirects=False).status_code == 200
        answer = web.post(f"/admin/users/{uid}/disable")
        assert answer.status_code == 303
        assert not user_row(app, "zhouqi").is_active
        assert other.get("/apps/crm", follow_redirects=False).headers["location"].startswith("/login")
        refused = other.post("/login", data={"username": "zhouqi", "password": password}, follow_redirects=False)
        assert refused.status_code == 401
        assert "停用" in web.client.get("/admin/users").text
        web.post(f"/admin/users/{uid}/enable")
        assert user_row(app, "zhouqi").is_active
        again = other.post("/login", data={"username": "zhouqi", "password": password}, follow_redirects=False)
        assert again.status_code == 303


def test_resetting_a_password_shows_a_new_one_and_the_old_one_stops_working(web, app, html):
    old = new_user(web, "sunba", "孙八")
    password_changed(app, "sunba")
    uid = user_row(app, "sunba").id
    with TestClient(app) as other:
        sign_in(other, old, "sunba")
        answer = web.post(f"/admin/users/{uid}/reset-password")
        assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
        new = html(answer.text).by_id("one-time-password").attrs["value"]
        assert new != old and user_row(app, "sunba").must_change_password
        assert other.get("/apps/crm", follow_redirects=False).status_code == 303  # signed out
        assert other.post("/login", data={"username": "sunba", "password": old}, follow_redirects=False).status_code == 401
        assert other.post("/login", data={"username": "sunba", "password": new}, follow_redirects=False).status_code == 303


def test_an_admin_cannot_disable_themselves_or_drop_their_own_admin_flag(web, app, html):
    me = user_row(app, "admin").id
    answer = web.post(f"/admin/users/{me}/disable")
    assert answer.status_code == 303
    assert "不能停用自己的账号" in web.client.get(answer.headers["location"]).text
    assert user_row(app, "admin").is_active
    answer = web.post(f"/admin/users/{me}", {"full_name": "系统管理员", "department_id": ""})
    assert answer.status_code == 422
    assert "不能取消自己的系统管理员身份" in html(answer.text).by_id("err-is_admin").text
    assert user_row(app, "admin").is_admin
