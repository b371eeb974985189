"""/admin/roles: creating a role, the permission matrix, what a user with the role then sees, deleting."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from runtime import systables
from runtime.database import read, write

PASSWORD = re.compile(r'id="one-time-password"[^>]*value="([^"]+)"')


def app_versions(app) -> int:
    d = systables.definition
    with read(app.state.formwork.engine) as conn:
        return conn.execute(select(func.count()).where(d.c.app == "crm", d.c.kind == "app")).scalar()


def role_def(app, name: str):
    return next((r for r in app.state.formwork.registry.app("crm").definition.roles if r.name == name), None)


def new_user(web, app, username: str, *roles: str) -> tuple[int, str]:
    """A user with `roles` in the CRM who has already chosen their own password; (id, password)."""
    answer = web.post("/admin/users/new", [("username", username), ("full_name", username.title()),
                                           *(("role", f"crm:{r}") for r in roles)])
    assert answer.status_code == 200, answer.text
    u = systables.user
    with write(app.state.formwork.engine) as conn:
        conn.execute(update(u).where(u.c.username == username).values(must_change_password=False))
        uid = conn.execute(select(u.c.id).where(u.c.username == username)).scalar()
    return uid, PASSWORD.search(answer.text).group(1)


def matrix(role_label: str, *pairs: tuple[str, str]) -> list[tuple[str, str]]:
    return [("label", role_label), ("description", ""), *pairs]


def test_a_new_role_with_own_scope_on_customers_shows_a_user_only_their_customers(web, app, records, html):
    before = app_versions(app)
    answer = web.post("/admin/roles/crm", {"name": "viewer", "label": "只读客户"})
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/roles/crm/viewer"
    answer = web.post("/admin/roles/crm/viewer", matrix("只读客户", ("customer:actions", "read"),
                                                        ("customer:read_scope", "own"), ("customer:write_scope", "own")))
    assert answer.status_code == 303
    assert app_versions(app) == before + 2
    role = role_def(app, "viewer")
    assert [(p.form, p.actions, p.read_scope) for p in role.permissions] == [("customer", ("read",), "own")]

    uid, password = new_user(web, app, "xiaowang", "viewer")
    mine = records.create("customer", {"name": "小王的客户"})
    records.create("customer", {"name": "别人的客户"})
    customer = app.state.formwork.registry.form("crm", "customer")
    with write(app.state.formwork.engine) as conn:
        conn.execute(update(customer.tables.main).where(customer.tables.main.c.id == mine).values(owner_id=uid))

    with TestClient(app) as user:
        assert user.post("/login", data={"username": "xiaowang", "password": password},
                         follow_redirects=False).status_code == 303
        listing = html(user.get("/apps/crm/customer").text)
        assert "小王的客户" in listing.by_id("list-results").text
        assert "别人的客户" not in listing.by_id("list-results").text
        assert [a.text for a in listing.find("nav", class_="sidebar").find_all("a", class_="side-link")] == ["客户"]
        api = user.get("/api/v1/apps/crm/forms/customer/records")
        assert [r["name"] for r in api.json()["items"]] == ["小王的客户"]
        assert user.get("/api/v1/apps/crm/forms/contact/records").status_code == 403
        home = html(user.get("/apps/crm").text)
        assert [c.find("span", class_="form-card-title").text for c in home.find_all("a", class_="form-card")] == ["客户"]
        assert "系统管理" not in home.find("header").text


def test_a_role_that_may_update_without_read_is_refused_and_nothing_is_saved(web, app, html):
    before = app_versions(app)
    sales = role_def(app, "sales")
    answer = web.post("/admin/roles/crm/sales", matrix("销售", ("customer:actions", "update"),
                                                       ("customer:actions", "delete"), ("customer:read_scope", "own")))
    assert answer.status_code == 422
    page = html(answer.text)
    assert "勾选了“修改、删除”时，必须同时勾选“查看”" in page.by_id("perm-customer").text
    assert "客户：勾选了“修改、删除”时" in page.by_id("form-summary").text
    kept = [i.attrs["value"] for i in page.by_id("perm-customer").find_all("input", name="customer:actions")
            if "checked" in i.attrs]
    assert kept == ["update", "delete"]  # what was posted is shown again
    assert app_versions(app) == before
    assert role_def(app, "sales") == sales
    stored = html(web.client.get("/admin/roles/crm/sales").text).by_id("perm-customer")
    assert [i.attrs["value"] for i in stored.find_all("input", name="customer:actions") if "checked" in i.attrs] == \
        ["create", "read", "update"]


def test_field_rules_and_all_forms_are_saved_and_shown_again(web, app, html):
    answer = web.post("/admin/roles/crm/service", matrix(
        "客服", ("all_forms", "0"), ("contact:actions", "read"), ("contact:read_scope", "all"),
        ("contact:field:mobile", "masked"), ("contact:field:birthday", "hidden"), ("contact:field:name", "")))
    assert answer.status_code == 303
    contact = next(p for p in role_def(app, "service").permissions if p.form == "contact")
    assert dict(contact.fields) == {"mobile": "masked", "birthday": "hidden"}
    assert [p.form for p in role_def(app, "service").permissions] == ["contact"]
    page = html(web.client.get("/admin/roles/crm/service").text)
    row = page.by_id("perm-contact")
    assert row.find("details").attrs.get("open") is not None and "已限制 2 个字段" in row.text
    chosen = row.find("select", name="contact:field:mobile").find("option", selected="")
    assert chosen.attrs["value"] == "masked"

    answer = web.post("/admin/roles/crm/service", matrix("客服", ("all_forms", "1")))
    assert answer.status_code == 303 and role_def(app, "service").all_forms


def test_a_new_role_needs_a_valid_unique_key_and_a_name(web, app, html):
    before = app_versions(app)
    answer = web.post("/admin/roles/crm", {"name": "Sales Team", "label": ""})
    assert answer.status_code == 422
    page = html(answer.text).by_id("app-crm")
    assert "小写英文字母开头" in page.by_id("err-name").text
    answer = web.post("/admin/roles/crm", {"name": "sales", "label": "销售"})
    assert answer.status_code == 422
    assert "重复" in html(answer.text).by_id("err-name").text
    assert app_versions(app) == before


def test_a_role_still_held_by_users_cannot_be_deleted(web, app):
    uid, _ = new_user(web, app, "laoli", "service")
    answer = web.post("/admin/roles/crm/service/delete")
    assert answer.headers["location"] == "/admin/roles/crm/service"
    assert "还有 1 名用户拥有角色“客服”" in web.client.get(answer.headers["location"]).text
    assert role_def(app, "service") is not None

    web.post(f"/admin/users/{uid}", {"full_name": "Laoli", "department_id": ""})  # no roles ticked
    answer = web.post("/admin/roles/crm/service/delete")
    assert answer.headers["location"] == "/admin/roles"
    assert role_def(app, "service") is None
    assert "已删除角色“客服”" in web.client.get("/admin/roles").text


def test_a_role_an_approval_flow_uses_cannot_be_deleted(web, app):
    answer = web.post("/admin/roles/crm/finance/delete")
    assert answer.headers["location"] == "/admin/roles/crm/finance"
    assert "审批流程还在使用角色“财务”" in web.client.get(answer.headers["location"]).text
    assert role_def(app, "finance") is not None
