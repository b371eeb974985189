"""Form versions over HTTP: list, diff, one version, restore (lossless thanks to archived columns, lossy confirmed)."""
from __future__ import annotations

import pytest

from tests.runtime.api_helpers import customer, url
from tests.runtime.test_bundles import field_of, form_of, snapshot

V = "/api/v1/apps/crm/forms/customer/versions"
PAGE = "/builder/apps/crm/forms/customer/versions"


@pytest.fixture
def two_versions(client) -> dict:
    """Customers with data, then version 2 of the form: 城市 text → integer (lossy, accepted), 备注 removed."""
    made = {"a": customer(client, "甲公司", region_city="杭州", remark="老客户"),
            "b": customer(client, "乙公司", region_city="571")}
    bundle = client.get("/api/v1/apps/crm/bundle").json()
    form = form_of(bundle, "customer")
    city = field_of(form, "region_city")
    city["type"] = "integer"
    city.pop("max_length", None)
    city.pop("searchable", None)
    form["fields"] = [f for f in form["fields"] if f["name"] != "remark"]
    for section in form["layout"]["sections"]:
        section["fields"] = [n for n in section["fields"] if n != "remark"]
    for role in bundle["roles"]:
        for perm in role.get("permissions", []):
            perm.get("fields", {}).pop("remark", None)
    done = client.post("/api/v1/bundles?accept_loss=true", json=bundle)
    assert done.status_code == 200, done.text
    return made


def test_versions_list_diff_and_one_version(client, two_versions):
    items = client.get(V).json()["items"]
    assert [(v["version"], v["current"]) for v in items] == [(2, True), (1, False)]
    assert items[1]["summary"] == "初始版本" and items[1]["created_by"]["display"] == "系统管理员"
    assert items[0]["summary"] == "删除字段：备注（已归档）；修改字段：城市（类型、最多字数、数据列）；修改表单：页面布局"

    diff = client.get(V + "/diff", params={"from": 1, "to": 2}).json()
    kinds = {f["name"]: f for f in diff["fields"]}
    assert kinds["remark"]["kind"] == "removed" and kinds["remark"]["archived"] is True
    city = kinds["region_city"]
    assert city["kind"] == "changed" and city["archived"] is True
    assert {c["prop"]: (c["old"], c["new"]) for c in city["changes"]}["type"] == ("text", "integer")
    back = client.get(V + "/diff", params={"from": 2, "to": 1}).json()
    assert {f["name"]: f["kind"] for f in back["fields"]} == {"region_city": "changed", "remark": "added"}

    one = client.get(V + "/1").json()
    assert one["version"] == 1 and one["definition"]["name"] == "customer"
    assert any(f["name"] == "remark" for f in one["definition"]["fields"])
    assert client.get(V + "/9").status_code == 404
    assert client.get("/api/v1/apps/crm/forms/nothing/versions").status_code == 404


def test_restoring_version_1_brings_the_archived_values_back(client, engine, two_versions):
    assert client.get(url("customer", two_versions["a"]["id"])).json()["region_city"] is None  # lost in v2
    before = snapshot(engine)
    plan = client.post(V + "/1/plan").json()["plan"]
    assert plan["lossy"] is False and plan["versions"] == {"customer": 3}
    summaries = [s["summary"] for s in plan["steps"]]
    assert "恢复已归档的字段“备注”，原有数据随之恢复" in summaries
    assert snapshot(engine) == before  # planning changed nothing

    done = client.post(V + "/1/restore")
    assert done.status_code == 200, done.text
    got = client.get(url("customer", two_versions["a"]["id"])).json()
    assert got["region_city"] == "杭州" and got["remark"] == "老客户"
    assert client.get(url("customer", two_versions["b"]["id"])).json()["region_city"] == "571"
    items = client.get(V).json()["items"]
    assert [v["version"] for v in items] == [3, 2, 1]
    assert client.get(V + "/diff", params={"from": 1, "to": 3}).json()["fields"] == []


def test_a_lossy_restore_needs_accept_loss(client, engine):
    bundle = client.get("/api/v1/apps/crm/bundle").json()
    level = field_of(form_of(bundle, "customer"), "level")
    level["options"].append({"value": "vip", "label": {"zh-CN": "VIP"}})
    assert client.post("/api/v1/bundles", json=bundle).status_code == 200
    vip = customer(client, "丙公司", level="vip")
    before = snapshot(engine)

    refused = client.post(V + "/1/restore")
    assert refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"
    step = next(s for s in refused.json()["plan"]["steps"] if s["lossy"])
    assert step["affected"] == 1 and step["examples"][0]["id"] == vip["id"]
    assert snapshot(engine) == before

    assert client.post(V + "/1/restore?accept_loss=true").status_code == 200
    assert client.get(url("customer", vip["id"])).json()["level"] is None


def test_version_pages_list_diff_and_restore_after_showing_the_plan(web, client, two_versions, html):
    page = web.client.get(PAGE)
    assert page.status_code == 200
    doc = html(page.text)
    assert "初始版本" in doc.by_id("version-1").text and "当前" in doc.by_id("version-2").text
    diff = html(web.client.get(PAGE, params={"from": 1, "to": 2}).text).by_id("diff")
    assert "第 1 版 → 第 2 版" in diff.text
    row = diff.find("tr", data_field="region_city")
    assert "修改" in row.text and "单行文本" not in row.text and "text" in row.text and "integer" in row.text
    assert "已归档" in diff.find("tr", data_field="remark").text

    one = web.client.get(PAGE + "/1")
    assert one.status_code == 200 and '"remark"' in html(one.text).by_id("definition").text

    plan = web.client.get(PAGE + "/1/restore")
    assert plan.status_code == 200
    doc = html(plan.text)
    assert "恢复已归档的字段“备注”" in doc.by_id("plan").text and doc.find(id="restore-form") is not None
    done = web.post(PAGE + "/1/restore")
    assert done.status_code == 303 and done.headers["location"] == PAGE
    assert "已恢复到第 1 版的定义，发布为第 3 版" in web.client.get(PAGE).text
    assert client.get(url("customer", two_versions["a"]["id"])).json()["remark"] == "老客户"


def test_a_lossy_restore_page_asks_for_confirmation(web, client, html):
    bundle = client.get("/api/v1/apps/crm/bundle").json()
    field_of(form_of(bundle, "customer"), "level")["options"].append({"value": "vip", "label": {"zh-CN": "VIP"}})
    assert client.post("/api/v1/bundles", json=bundle).status_code == 200
    vip = customer(client, "丙公司", level="vip")
    doc = html(web.client.get(PAGE + "/1/restore").text)
    assert doc.by_id("accept-loss") is not None and "会改变已有数据" in doc.by_id("plan").text
    refused = web.post(PAGE + "/1/restore")
    assert refused.status_code == 409 and "请先阅读下面的影响并勾选确认" in html(refused.text).by_id("restore-error").text
    assert client.get(url("customer", vip["id"])).json()["level"] == "vip"
    assert web.post(PAGE + "/1/restore", {"accept_loss": "1"}).status_code == 303
    assert client.get(url("customer", vip["id"])).json()["level"] is None


def test_versions_are_for_administrators(app, engine, settings):
    from fastapi.testclient import TestClient

    from runtime.auth.users import create_token, create_user
    from runtime.clock import now
    from runtime.database import write
    with write(engine) as conn:
        uid = create_user(conn, username="lisi", password="lisi-password-1", full_name="李四", now=now(settings.timezone))
        token = create_token(conn, user_id=uid, name="t", now=now(settings.timezone))
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as c:
        assert c.get(V).status_code == 403
        assert c.post(V + "/1/restore").status_code == 403
