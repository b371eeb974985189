"""Permissions on every path of the record service: actions, record scope, hidden/read-only/masked
fields, system columns, the audit log and attachments — through the HTTP API and the pages."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from form_engine.bundle import parse_app
from runtime import systables
from runtime.access import bump_access
from runtime.directory import grant_roles
from runtime.auth.users import create_token, create_user
from runtime.clock import now
from runtime.database import read, write
from runtime.definition_store import install_app

L = lambda zh: {"zh-CN": zh}  # noqa: E731

SHOP = {
    "name": "shop", "label": L("小店"),
    "forms": [
        {"name": "client", "label": L("客户"), "title_field": "name", "fields": [
            {"name": "name", "type": "text", "label": L("名称"), "required": True},
            {"name": "mobile", "type": "phone", "label": L("手机")},
            {"name": "id_no", "type": "id_card", "label": L("身份证号")},
            {"name": "credit", "type": "decimal", "label": L("信用额度"), "precision": 12, "scale": 2},
            {"name": "note", "type": "textarea", "label": L("备注")},
            {"name": "files", "type": "attachment", "label": L("附件"), "multiple": True},
        ]},
        {"name": "deal", "label": L("订单"), "title_field": "title", "fields": [
            {"name": "title", "type": "text", "label": L("标题"), "required": True},
            {"name": "client", "type": "relation", "target": "client", "label": L("客户")},
            {"name": "amount", "type": "decimal", "label": L("金额"), "precision": 12, "scale": 2},
        ]},
    ],
    "roles": [
        {"name": "rep", "label": L("销售"), "permissions": [
            {"form": "client", "actions": ["create", "read", "update", "delete"], "fields": {"credit": "readonly"}},
            {"form": "deal", "actions": ["create", "read", "update"]},
        ]},
        {"name": "viewer", "label": L("客服"), "permissions": [
            {"form": "client", "actions": ["read"], "read_scope": "all",
             "fields": {"mobile": "masked", "id_no": "hidden", "credit": "hidden"}},
        ]},
        {"name": "director", "label": L("总监"), "permissions": [
            {"form": "client", "actions": ["read", "update", "transfer"], "read_scope": "department_tree",
             "write_scope": "department_tree"},
            {"form": "deal", "actions": ["read"], "read_scope": "department_tree"},
        ]},
        {"name": "editor", "label": L("编辑"), "permissions": [
            {"form": "client", "actions": ["read", "update"], "read_scope": "all", "write_scope": "all",
             "fields": {"mobile": "masked", "id_no": "hidden"}},
        ]},
        {"name": "lead", "label": L("组长"), "permissions": [
            {"form": "client", "actions": ["read"], "read_scope": "department"},
        ]},
    ],
}
BASE = "/api/v1/apps/shop/forms"
MOBILE, ID_NO = "13812345678", "11010519491231002X"


@pytest.fixture
def shop(crm, engine, settings, app):
    """The shop app, a department tree (区域 → 一组 / 二组) and one user per part, each with an API client."""
    tz = settings.timezone
    d = systables.department
    with write(engine) as conn:
        install_app(conn, parse_app(SHOP), tz=tz)
        region = conn.execute(d.insert().values(name="区域", created_at=now(tz)).returning(d.c.id)).scalar_one()
        team1 = conn.execute(d.insert().values(name="一组", parent_id=region, created_at=now(tz)).returning(d.c.id)).scalar_one()
        team2 = conn.execute(d.insert().values(name="二组", parent_id=region, created_at=now(tz)).returning(d.c.id)).scalar_one()
        people = {"a": (team1, "rep"), "b": (team1, "rep"), "c": (team2, "rep"), "viewer": (None, "viewer"),
                  "director": (region, "director"), "lead": (team1, "lead"), "nobody": (team1, None),
                  "editor": (None, "editor")}
        tokens = {}
        for name, (dept, role) in people.items():
            uid = create_user(conn, username=name, password="secret-pass-1", full_name=f"用户{name}", now=now(tz),
                              department_id=dept)
            tokens[name] = create_token(conn, user_id=uid, name="t", now=now(tz))
        bump_access(conn)
    app.state.formwork.registry.load(engine)
    with write(engine) as conn:
        for name, (_dept, role) in people.items():
            if role:
                uid = conn.execute(select(systables.user.c.id).where(systables.user.c.username == name)).scalar_one()
                grant_roles(conn, uid, [("shop", role)])
    clients = {}
    for name, tok in tokens.items():
        clients[name] = TestClient(app, headers={"Authorization": f"Bearer {tok}"})
    yield clients
    for c in clients.values():
        c.close()


def url(form: str, rid: int | None = None, suffix: str = "") -> str:
    return f"{BASE}/{form}/records" + (f"/{rid}" if rid is not None else "") + suffix


def client_record(c, **data) -> dict:
    resp = c.post(url("client"), json={"name": "杭州云帆", "mobile": MOBILE, "id_no": ID_NO, **data})
    assert resp.status_code == 201, resp.text
    return resp.json()


def stored(engine, rid: int) -> dict:
    with read(engine) as conn:
        return dict(conn.execute(text("select * from shop_client where id = :id"), {"id": rid}).mappings().one())


def audit_rows(engine, rid: int) -> list:
    a = systables.audit
    with read(engine) as conn:
        return conn.execute(select(a).where(a.c.app == "shop", a.c.record_id == rid).order_by(a.c.id)).all()


# -- actions ---------------------------------------------------------------------------------

def test_a_user_without_a_role_is_refused_everything_with_a_clear_message(shop, engine):
    nobody = shop["nobody"]
    resp = nobody.get(url("client"))
    assert resp.status_code == 403
    assert "没有查看“客户”的权限" in resp.json()["detail"]
    resp = nobody.post(url("client"), json={"name": "x"})
    assert resp.status_code == 403
    with read(engine) as conn:
        assert conn.execute(text("select count(*) from shop_client")).scalar() == 0


def test_actions_follow_the_role(shop):
    mine = client_record(shop["a"])
    assert shop["viewer"].post(url("client"), json={"name": "x"}).status_code == 403
    assert shop["viewer"].get(url("client", mine["id"])).status_code == 200
    assert shop["viewer"].delete(url("client", mine["id"])).status_code == 403
    assert shop["director"].delete(url("client", mine["id"])).status_code == 403  # no delete right
    assert shop["a"].post(url("client", mine["id"], "/transfer"), json={"owner_id": 1}).status_code == 403
    assert shop["viewer"].get(url("deal")).status_code == 403


# -- record scope -----------------------------------------------------------------------------

def test_another_reps_record_is_not_found_on_every_path(shop, engine):
    rec = client_record(shop["a"])
    b = shop["b"]
    before = stored(engine, rec["id"])
    for resp in (b.get(url("client", rec["id"])),
                 b.patch(url("client", rec["id"]), json={"version": 1, "name": "改名"}),
                 b.delete(url("client", rec["id"])),
                 b.get(url("client", rec["id"], "/history"))):
        assert resp.status_code == 404, resp.text
        assert resp.json()["detail"] == f"客户记录不存在（ID {rec['id']}）"
    assert b.get(url("client", 999999)).json()["detail"] == "客户记录不存在（ID 999999）"  # the same answer
    assert stored(engine, rec["id"]) == before
    assert b.get(url("client")).json()["items"] == []
    assert b.get(url("client"), params={"id": rec["id"]}).json()["items"] == []
    # a link to a record outside the scope is refused like a link to nothing
    resp = b.post(url("deal"), json={"title": "单子", "client": rec["id"]})
    assert resp.status_code == 422 and resp.json()["errors"][0]["path"] == "client"


def test_department_and_tree_scopes(shop):
    a, b, c = (client_record(shop[n], name=f"客户{n}") for n in "abc")
    lead_sees = {r["name"] for r in shop["lead"].get(url("client")).json()["items"]}
    assert lead_sees == {"客户a", "客户b"}  # 一组 members only
    director = shop["director"]
    assert {r["name"] for r in director.get(url("client")).json()["items"]} == {"客户a", "客户b", "客户c"}
    assert director.get(url("client")).json()["total"] == 3
    resp = director.patch(url("client", c["id"]), json={"version": 1, "note": "总监已跟进"})
    assert resp.status_code == 200
    assert shop["viewer"].get(url("client")).json()["total"] == 3  # scope all


def test_readable_but_outside_the_write_scope_is_forbidden(shop, engine):
    rec = client_record(shop["a"])
    resp = shop["lead"].patch(url("client", rec["id"]), json={"version": 1, "note": "x"})
    assert resp.status_code == 403  # the lead may read 一组's clients but not change them
    assert stored(engine, rec["id"])["note"] is None


def test_transfer_moves_the_record_into_another_scope_and_is_audited(shop, engine):
    rec = client_record(shop["a"])
    with read(engine) as conn:
        c_id = conn.execute(select(systables.user.c.id).where(systables.user.c.username == "c")).scalar_one()
    resp = shop["director"].post(url("client", rec["id"], "/transfer"), json={"owner_id": c_id})
    assert resp.status_code == 200, resp.text
    assert resp.json()["owner_id"]["id"] == c_id
    assert shop["a"].get(url("client", rec["id"])).status_code == 404
    assert shop["c"].get(url("client", rec["id"])).status_code == 200
    assert audit_rows(engine, rec["id"])[-1].action == "transfer"
    bad = shop["director"].post(url("client", rec["id"], "/transfer"), json={"owner_id": 999999})
    assert bad.status_code == 422


# -- fields -----------------------------------------------------------------------------------

def test_hidden_and_masked_fields_never_leak_through_the_api(shop, client):
    rec = client_record(shop["a"], note="老客户")
    assert client.patch(url("client", rec["id"]), json={"version": 1, "credit": "5000.00"}).status_code == 200
    viewer = shop["viewer"]
    one = viewer.get(url("client", rec["id"])).json()
    assert "id_no" not in one and "credit" not in one
    assert one["mobile"] == "138****5678"
    listed = viewer.get(url("client")).json()["items"][0]
    assert "id_no" not in listed and "credit" not in listed and listed["mobile"] == "138****5678"
    raw = viewer.get(url("client")).text + viewer.get(url("client", rec["id"])).text
    assert MOBILE not in raw and ID_NO not in raw and "5000" not in raw
    for params, word in (({"mobile": MOBILE}, "mobile"), ({"id_no": ID_NO}, "id_no"), ({"credit__gt": "1"}, "credit"),
                         ({"sort": "-credit"}, "credit"), ({"sort": "mobile"}, "mobile"), ({"fields": "name,id_no"}, "id_no")):
        resp = viewer.get(url("client"), params=params)
        assert resp.status_code == 400, params
        assert f"没有查看字段“{word}”的权限" in resp.json()["detail"]
    assert viewer.get(url("client"), params={"q": MOBILE}).json()["items"] == []  # masked fields are not searched
    assert viewer.get(url("client"), params={"q": "杭州"}).json()["total"] == 1
    history = viewer.get(url("client", rec["id"], "/history")).json()["items"]
    assert [h["action"] for h in history] == ["update", "create"]
    changes = history[1]["changes"]
    assert "id_no" not in changes and "credit" not in changes
    assert changes["mobile"] == {"old": None, "new": "138****5678"}
    assert MOBILE not in viewer.get(url("client", rec["id"], "/history")).text


def test_a_read_only_field_is_refused_per_field_and_left_unchanged(shop, engine):
    rec = client_record(shop["a"])
    resp = shop["a"].patch(url("client", rec["id"]), json={"version": 1, "credit": "9999", "note": "新备注"})
    assert resp.status_code == 422
    errors = {e["path"]: e for e in resp.json()["errors"]}
    assert errors["credit"]["code"] == "forbidden_field" and errors["credit"]["message"] == "您没有修改此项的权限"
    row = stored(engine, rec["id"])
    assert row["credit"] is None and row["note"] is None and row["version"] == 1
    # sending the value unchanged is fine; creating with a value is not
    ok = shop["a"].patch(url("client", rec["id"]), json={"version": 1, "credit": None, "note": "新备注"})
    assert ok.status_code == 200, ok.text
    resp = shop["a"].post(url("client"), json={"name": "新客户", "credit": "100"})
    assert resp.status_code == 422 and resp.json()["errors"][0]["path"] == "credit"


def test_hidden_fields_are_refused_on_update_whatever_the_value(shop, engine):
    rec = client_record(shop["a"])
    editor = shop["editor"]
    for value in (ID_NO, "110105194912310021", None):  # right, wrong or empty: the same answer
        resp = editor.patch(url("client", rec["id"]), json={"version": 1, "id_no": value})
        assert resp.status_code == 422
        assert resp.json()["errors"] == [{"path": "id_no", "code": "forbidden_field", "message": "您没有修改此项的权限"}]
    # a masked field sent back as shown is unchanged; a new value is refused
    ok = editor.patch(url("client", rec["id"]), json={"version": 1, "mobile": "138****5678", "note": "已回访"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["mobile"] == "138****5678"
    resp = editor.patch(url("client", rec["id"]), json={"version": 2, "mobile": "13900001111"})
    assert resp.status_code == 422 and resp.json()["errors"][0]["path"] == "mobile"
    row = stored(engine, rec["id"])
    assert row["mobile"] == MOBILE and row["id_no"] == ID_NO and row["note"] == "已回访"
    assert shop["viewer"].patch(url("client", rec["id"]), json={"version": 2, "note": "x"}).status_code == 403


@pytest.mark.parametrize("column", ["id", "owner_id", "created_by", "created_at", "updated_at", "department_id",
                                    "deleted_at", "flow_status"])
def test_system_columns_cannot_be_mass_assigned(shop, engine, column):
    rec = client_record(shop["a"])
    before = stored(engine, rec["id"])
    resp = shop["a"].patch(url("client", rec["id"]), json={"version": 1, column: 1})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["path"] == column and resp.json()["errors"][0]["code"] == "system"
    assert stored(engine, rec["id"]) == before
    resp = shop["a"].post(url("client"), json={"name": "另一个", column: 1})
    assert resp.status_code == 422
    with read(engine) as conn:
        assert conn.execute(text("select count(*) from shop_client")).scalar() == 1


def test_relation_display_values_respect_the_targets_scope(shop):
    mine = client_record(shop["a"], name="甲公司")
    deal = shop["a"].post(url("deal"), json={"title": "首单", "client": mine["id"], "amount": "100"}).json()
    assert deal["client"]["display"] == "甲公司"
    seen = shop["director"].get(url("deal", deal["id"])).json()
    assert seen["client"] == {"id": mine["id"], "display": "甲公司"}


# -- audit ------------------------------------------------------------------------------------

def test_every_change_is_audited_with_its_path_and_diff(shop, engine):
    a = shop["a"]
    rec = client_record(a)
    a.patch(url("client", rec["id"]), json={"version": 1, "note": "第一次拜访"})
    a.delete(url("client", rec["id"]))
    a.post(url("client", rec["id"], "/restore"))
    rows = audit_rows(engine, rec["id"])
    assert [r.action for r in rows] == ["create", "update", "delete", "restore"]
    assert all(r.via == "api" and r.user_name == "用户a" for r in rows)
    assert '"note":[null,"第一次拜访"]' in rows[1].changes
    with pytest.raises(Exception):
        with write(engine) as conn:
            conn.execute(text("update fw_audit set user_name = 'x'"))
    with pytest.raises(Exception):
        with write(engine) as conn:
            conn.execute(text("delete from fw_audit"))
    assert len(audit_rows(engine, rec["id"])) == 4


def test_history_page_shows_masked_values_to_a_masked_viewer(shop, app, engine):
    from tests.pages.conftest import sign_in
    rec = client_record(shop["a"])
    with TestClient(app) as browser:
        sign_in(browser, "secret-pass-1", username="viewer")
        page = browser.get(f"/apps/shop/client/{rec['id']}")
        assert page.status_code == 200
        assert "138****5678" in page.text
        assert MOBILE not in page.text and ID_NO not in page.text
        assert "身份证号" not in page.text and "信用额度" not in page.text
        assert "变更记录" in page.text
        assert ">编辑<" not in page.text and ">删除<" not in page.text
        listing = browser.get("/apps/shop/client")
        assert "138****5678" in listing.text and MOBILE not in listing.text
        assert browser.get(f"/apps/shop/client/{rec['id']}/edit").status_code == 403


def test_a_rep_page_cannot_open_another_reps_record(shop, app):
    from tests.pages.conftest import sign_in
    rec = client_record(shop["a"])
    with TestClient(app) as browser:
        session = sign_in(browser, "secret-pass-1", username="b")
        assert browser.get(f"/apps/shop/client/{rec['id']}").status_code == 404
        assert browser.get(f"/apps/shop/client/{rec['id']}/edit").status_code == 404
        resp = session.post(f"/apps/shop/client/{rec['id']}/delete", {"version": "1"})
        assert resp.status_code == 404


# -- attachments ------------------------------------------------------------------------------

def test_an_attachment_is_downloadable_only_by_who_may_see_its_record(shop):
    a, b = shop["a"], shop["b"]
    up = a.post("/api/v1/apps/shop/files", files={"file": ("合同.pdf", io.BytesIO(b"%PDF-1.4 demo"), "application/pdf")})
    assert up.status_code == 201
    file_id = up.json()["id"]
    assert b.get(f"/files/{file_id}").status_code == 404  # not attached yet: only its uploader
    stolen = b.post(url("client"), json={"name": "借用", "files": [file_id]})
    assert stolen.status_code == 422  # nobody attaches someone else's upload
    rec = client_record(a, files=[file_id])
    assert a.get(f"/files/{file_id}").content == b"%PDF-1.4 demo"
    assert b.get(f"/files/{file_id}").status_code == 404
    assert shop["viewer"].get(f"/files/{file_id}").status_code == 200  # reads every client
    assert rec["files"][0]["id"] == file_id


def test_admin_audit_search_filters_by_user_form_record_and_date(shop, app, crm, settings):
    from tests.pages.conftest import sign_in
    rec = client_record(shop["a"], name="审计客户")
    shop["a"].patch(url("client", rec["id"]), json={"version": 1, "note": "改了备注"})
    client_record(shop["c"], name="别人的客户")
    with TestClient(app) as browser:
        sign_in(browser, crm)
        page = browser.get("/admin/audit")
        assert page.status_code == 200
        assert page.text.count(f'href="/apps/shop/client/') >= 3
        only = browser.get("/admin/audit", params={"form": "shop.client", "record": rec["id"]})
        assert only.text.count(f'/apps/shop/client/{rec["id"]}"') == 2 and "备注" in only.text
        today = now(settings.timezone).date()
        assert "没有符合条件" in browser.get("/admin/audit", params={"until": "2000-01-01"}).text
        assert "审计客户" in browser.get("/admin/audit", params={"since": today.isoformat()}).text
        later = (today + timedelta(days=1)).isoformat()
        assert "没有符合条件" in browser.get("/admin/audit", params={"since": later}).text
    with TestClient(app) as browser:
        sign_in(browser, "secret-pass-1", username="a")
        assert browser.get("/admin/audit").status_code == 403


def test_roles_saved_by_another_process_apply_on_the_next_request(shop, engine, settings):
    """Another process (here: a plain connection) adds a role and grants it; no restart needed."""
    from runtime.definition_store import published_app, save_roles
    nobody = shop["nobody"]
    assert nobody.get(url("client")).status_code == 403
    with write(engine) as conn:
        current = published_app(conn, "shop")
        roles = [r.model_dump(mode="json", by_alias=True, exclude_none=True) for r in current.roles]
        roles.append({"name": "reader", "label": L("只读"), "permissions": [
            {"form": "client", "actions": ["read"], "read_scope": "all"}]})
        save_roles(conn, "shop", roles, tz=settings.timezone, user_id=None)
        uid = conn.execute(select(systables.user.c.id).where(systables.user.c.username == "nobody")).scalar_one()
        grant_roles(conn, uid, [("shop", "reader")])
    client_record(shop["a"])
    resp = nobody.get(url("client"))
    assert resp.status_code == 200 and resp.json()["total"] == 1


def test_changed_field_rights_apply_to_the_next_read_of_one_record(shop, engine, settings):
    """A record read is planned once per user and form version; a role change must not be served from that plan."""
    from runtime.definition_store import published_app, save_roles
    rec = client_record(shop["a"])
    viewer = shop["viewer"]
    assert viewer.get(url("client", rec["id"])).json()["mobile"] == "138****5678"

    def viewer_fields(fields: dict) -> None:
        with write(engine) as conn:
            roles = [r.model_dump(mode="json", by_alias=True, exclude_none=True) for r in published_app(conn, "shop").roles]
            for role in roles:
                if role["name"] == "viewer":
                    role["permissions"][0]["fields"] = fields
            save_roles(conn, "shop", roles, tz=settings.timezone, user_id=None)

    viewer_fields({"id_no": "hidden", "credit": "hidden"})
    one = viewer.get(url("client", rec["id"])).json()
    assert one["mobile"] == MOBILE and "id_no" not in one
    viewer_fields({"mobile": "hidden", "id_no": "masked", "credit": "hidden"})
    one = viewer.get(url("client", rec["id"])).json()
    assert "mobile" not in one and one["id_no"] != ID_NO and one["id_no"].startswith("1101")


def test_a_record_id_that_is_not_a_number_is_not_found(shop):
    resp = shop["a"].get(url("client") + "/abc")
    assert resp.status_code == 404 and resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["detail"] == "没有这个地址：/api/v1/apps/shop/forms/client/records/abc"


def test_a_page_edit_is_audited_as_a_page_change(shop, app, engine):
    from tests.pages.conftest import sign_in
    rec = client_record(shop["a"])
    with TestClient(app) as browser:
        session = sign_in(browser, "secret-pass-1", username="a")
        done = session.post(f"/apps/shop/client/{rec['id']}/edit", {"version": "1", "name": "杭州云帆", "note": "页面上改的"})
        assert done.status_code == 303, done.text
    last = audit_rows(engine, rec["id"])[-1]
    assert (last.action, last.via, last.user_name) == ("update", "page", "用户a")
    assert "页面上改的" in last.changes


def test_admins_see_and_revoke_every_users_token(shop, app, crm):
    from tests.pages.conftest import sign_in
    assert shop["b"].get(url("client")).status_code == 200
    with TestClient(app) as browser:
        session = sign_in(browser, crm)
        page = browser.get("/admin/tokens")
        assert page.status_code == 200 and "用户b（b）" in page.text
        with read(shop["b"].app.state.formwork.engine) as conn:
            b_token = conn.execute(text("select t.id from fw_token t join fw_user u on u.id = t.user_id "
                                        "where u.username = 'b'")).scalar_one()
        assert session.client.post(f"/admin/tokens/{b_token}/revoke", data={}, follow_redirects=False).status_code == 403
        done = session.post(f"/admin/tokens/{b_token}/revoke")
        assert done.status_code == 303
    assert shop["b"].get(url("client")).status_code == 401
    with TestClient(app) as browser:
        sign_in(browser, "secret-pass-1", username="a")
        assert browser.get("/admin/tokens").status_code == 403


def test_an_app_installed_by_another_process_is_served_without_a_restart(shop, client, engine, settings):
    repair = {"name": "repair", "label": L("报修"), "forms": [
        {"name": "ticket", "label": L("报修单"), "fields": [{"name": "title", "type": "text", "label": L("标题")}]}]}
    assert client.get("/api/v1/apps/repair/forms/ticket/records").status_code == 404
    with write(engine) as conn:
        install_app(conn, parse_app(repair), tz=settings.timezone)
    assert client.get("/api/v1/apps/repair/forms/ticket/records").status_code == 200


def test_list_pages_offer_only_the_actions_the_role_grants(shop, app, client):
    from tests.pages.conftest import sign_in
    client_record(shop["a"])
    with TestClient(app) as browser:
        sign_in(browser, "secret-pass-1", username="viewer")
        page = browser.get("/apps/shop/client").text
        assert "/apps/shop/client/new" not in page and "/apps/shop/client/trash" not in page
        assert browser.get("/apps/shop/client/new").status_code == 403
    with TestClient(app) as browser:
        sign_in(browser, "secret-pass-1", username="a")
        page = browser.get("/apps/shop/client").text
        assert "/apps/shop/client/new" in page and "/apps/shop/client/trash" in page
