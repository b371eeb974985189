"""The flow designer's preview ("who would approve this record") and publishing through runtime.publish."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, update

from runtime import systables
from runtime.database import read, write

from builder_helpers import put_draft
from test_flow_designer import condition_flow, create, flow_data, flow_drafts

NAME = "hetong_shenpi_ceshi"
BASE = f"/builder/apps/crm/flows/{NAME}"


def contract_flow() -> dict:
    """The CRM's contract approval in short: under 50,000 the submitter's sales director; from 50,000 the
    director, then the general manager."""
    director = {"type": "approval", "label": {"zh-CN": "销售总监审批"},
                "approvers": [{"source": "manager", "level": 1, "role": "sales_director"}]}
    return {"schema_version": 1, "name": NAME, "label": {"zh-CN": "合同审批测试"}, "form": "contract", "nodes": [
        {"id": "start", "type": "start", "label": {"zh-CN": "发起人"}},
        {"id": "by_amount", "type": "condition", "label": {"zh-CN": "按金额"}, "branches": [
            {"id": "small", "label": {"zh-CN": "小于 5 万"}, "when": "total_amount < 50000",
             "nodes": [{**director, "id": "director"}]},
            {"id": "large", "label": {"zh-CN": "5 万及以上"}, "default": True, "nodes": [
                {**director, "id": "director_large"},
                {"id": "gm", "type": "approval", "label": {"zh-CN": "总经理审批"},
                 "approvers": [{"source": "role", "role": "general_manager"}]}]}]},
        {"id": "cc_finance", "type": "cc", "label": {"zh-CN": "抄送财务"}, "recipients": [{"source": "role", "role": "finance"}]},
        {"id": "end", "type": "end", "label": {"zh-CN": "结束"}}]}


@pytest.fixture
def org(engine, settings) -> dict[str, int]:
    """华东销售部 (manager 张伟, sales director) ⊃ 华东一组 (manager 李娜); 王强 sells in 华东一组; 王建国 is GM."""
    from runtime.auth.users import create_user
    from runtime.clock import now
    stamp = now(settings.timezone)
    d, u, r = systables.department, systables.user, systables.user_role
    ids = {}
    with write(engine) as conn:
        for username, name, roles in (("zhangwei", "张伟", ["sales_director"]), ("lina", "李娜", ["sales_manager"]),
                                      ("wangqiang", "王强", ["sales"]), ("wangjianguo", "王建国", ["general_manager"]),
                                      ("hejing", "何静", ["finance"])):
            ids[username] = create_user(conn, username=username, password="Pass-word-2024!", full_name=name, now=stamp)
            for role in roles:
                conn.execute(r.insert().values(user_id=ids[username], app="crm", role=role))
        east = conn.execute(d.insert().values(name="华东销售部", manager_id=ids["zhangwei"], created_at=stamp)).inserted_primary_key[0]
        team = conn.execute(d.insert().values(name="华东一组", parent_id=east, manager_id=ids["lina"],
                                              created_at=stamp)).inserted_primary_key[0]
        conn.execute(update(u).where(u.c.id.in_([ids["lina"], ids["wangqiang"]])).values(department_id=team))
        conn.execute(update(u).where(u.c.id == ids["zhangwei"]).values(department_id=east))
    return ids


def designed(web) -> None:
    assert create(web).status_code == 303
    saved = put_draft(web, f"{BASE}/draft", 1, contract_flow())
    assert saved.status_code == 200 and saved.json()["problems"] == [], saved.text


def steps(html, page) -> list[tuple[str, str]]:
    doc = html(page.text)
    return [(s.find(class_="pv-node").text, s.find(class_="pv-people").text) for s in doc.find_all("li", class_="pv-step")]


def test_the_preview_asks_for_the_values_the_conditions_read_and_a_submitter(web, org, html):
    designed(web)
    page = web.htmx(f"{BASE}/preview")
    assert page.status_code == 200
    doc = html(page.text)
    assert doc.find("input", name="v_total_amount") is not None  # the condition reads total_amount
    assert doc.find("input", name="v_remark") is None
    submitters = {o.text.split(" · ")[0] for o in doc.find("select", name="submitter").find_all("option")}
    assert {"王强", "张伟", "系统管理员"} <= submitters
    assert doc.find(id="pv-result") is None  # nothing run yet


@pytest.mark.parametrize("amount, expected", [
    ("49999.99", [("销售总监审批", "张伟")]),
    ("50000", [("销售总监审批", "张伟"), ("总经理审批", "王建国")]),
])
def test_who_would_approve_sample_values(web, org, html, amount, expected):
    designed(web)
    page = web.htmx(f"{BASE}/preview", {"run": "1", "record": "", "v_total_amount": amount, "submitter": org["wangqiang"]})
    assert page.status_code == 200, page.text
    assert steps(html, page) == expected


def test_who_would_approve_a_stored_record_as_it_is_or_with_a_value_changed(web, org, html, records):
    designed(web)
    customer = records.create("customer", {"name": "华为"})
    product = records.create("product", {"code": "P-1", "name": "门锁"})
    contract = records.create("contract", {"title": "大单", "customer": customer, "status": "draft",
                                           "items": [{"product": product, "quantity": 10, "unit_price": "8000"}]})
    page = web.htmx(f"{BASE}/preview")
    assert f"#{contract} 大单" in html(page.text).find("select", name="record").text
    ask = {"run": "1", "record": contract, "v_total_amount": "", "submitter": org["wangqiang"]}
    assert steps(html, web.htmx(f"{BASE}/preview", ask)) == [("销售总监审批", "张伟"), ("总经理审批", "王建国")]
    small = web.htmx(f"{BASE}/preview", {**ask, "v_total_amount": "100"})
    assert steps(html, small) == [("销售总监审批", "张伟")]


def test_preview_problems_are_explained_not_raised(web, org, html):
    designed(web)
    bad = web.htmx(f"{BASE}/preview", {"run": "1", "v_total_amount": "很多", "submitter": org["wangqiang"]})
    assert bad.status_code == 422 and html(bad.text).by_id("pv-problems").text == "合同金额（元）：请输入数字"
    # Nobody to approve: the admin (no department) submits; the node blocks, as submitting would.
    blocked = web.htmx(f"{BASE}/preview", {"run": "1", "v_total_amount": "10"})
    assert blocked.status_code == 200 and "找不到审批人" in html(blocked.text).by_id("pv-error").text
    gone = web.htmx(f"{BASE}/preview", {"run": "1", "record": "999", "submitter": org["wangqiang"]})
    assert gone.status_code == 404 and "不存在" in html(gone.text).by_id("pv-error").text
    # A draft with problems is not previewed; the page says why.
    put_draft(web, f"{BASE}/draft", 2, condition_flow(NAME, default=False))
    page = web.htmx(f"{BASE}/preview", {"run": "1", "v_total_amount": "10", "submitter": org["wangqiang"]})
    assert "缺少默认分支" in html(page.text).by_id("flow-preview-blocked").text


def _definitions(engine) -> int:
    with read(engine) as conn:
        return conn.execute(select(func.count()).select_from(systables.definition)).scalar()


def test_publish_shows_the_plan_then_publishes_and_says_the_version(web, org, engine, app, html):
    designed(web)
    plan = web.client.get(f"{BASE}/publish")
    assert plan.status_code == 200
    doc = html(plan.text)
    assert doc.by_id("plan").find_all("li") and doc.by_id("publish-form") is not None
    revision = doc.find("input", name="revision").attrs["value"]
    done = web.post(f"{BASE}/publish", {"revision": revision})
    assert done.status_code == 303 and done.headers["location"] == f"{BASE}/published"
    page = web.client.get(done.headers["location"])
    assert "已发布" in page.text and "第 " in html(page.text).by_id("published-version").text
    flows = {f["name"]: f for f in app.state.formwork.registry.app("crm").definition.flows}
    assert flows[NAME]["nodes"][1]["branches"][0]["when"] == "total_amount < 50000"
    assert flow_drafts(engine) == []  # the draft became the published flow
    data = flow_data(web, NAME)
    assert data["has_draft"] is False and data["body"]["name"] == NAME
    rows = html(web.client.get("/builder/apps/crm/flows/_section").text)
    assert "已发布 第" in rows.find("tr", data_flow=NAME).text


def test_a_flow_with_problems_is_not_published(web, org, engine, html):
    designed(web)
    put_draft(web, f"{BASE}/draft", 2, condition_flow(NAME, default=False))
    before = _definitions(engine)
    page = web.client.get(f"{BASE}/publish")
    doc = html(page.text)
    assert "缺少默认分支" in doc.by_id("plan-problems").text and "按金额" in doc.by_id("plan-problems").text
    assert doc.find(id="publish-form") is None
    refused = web.post(f"{BASE}/publish", {"revision": "3"})
    assert refused.status_code == 422 and "改好后才能发布" in refused.text
    assert _definitions(engine) == before and len(flow_drafts(engine)) == 1


def test_a_publish_of_a_changed_draft_is_refused(web, org, engine, html):
    designed(web)
    stale = web.post(f"{BASE}/publish", {"revision": "1"})  # the plan was read at revision 1; the draft is at 2
    assert stale.status_code == 409 and "又被修改了" in html(stale.text).by_id("publish-error").text
    assert len(flow_drafts(engine)) == 1


def test_publishing_again_after_a_change_makes_a_new_version(web, org, engine, app, html):
    designed(web)
    assert web.post(f"{BASE}/publish", {"revision": "2"}).status_code == 303
    body = flow_data(web, NAME)["body"]
    body["nodes"][2]["label"] = {"zh-CN": "抄送财务部"}
    assert put_draft(web, f"{BASE}/draft", 0, body).status_code == 200
    assert web.post(f"{BASE}/publish", {"revision": "1"}).status_code == 303
    flows = {f["name"]: f for f in app.state.formwork.registry.app("crm").definition.flows}
    assert flows[NAME]["nodes"][2]["label"] == {"zh-CN": "抄送财务部"}
    with read(engine) as conn:
        from builder.flows_store import flow_version
        version = flow_version(conn, "crm", NAME)
    if version is not None:  # once flows are stored as their own definitions (kind "flow")
        assert version == 2
        page = web.client.get(f"{BASE}/published")
        assert html(page.text).by_id("published-version").text == "第 2 版"
    assert json.loads(json.dumps(flows[NAME]))["form"] == "contract"
