"""The flow designer over HTTP: the app page's 流程 section, new flows, autosave, conflicts, problems on nodes."""
from __future__ import annotations

import json
import re

from sqlalchemy import select

from runtime import systables
from runtime.database import read

from builder_helpers import put_draft

DATA = re.compile(r'<script type="application/json" id="flow-data">(.*?)</script>', re.S)


def flow_data(session, flow: str, app: str = "crm") -> dict:
    page = session.client.get(f"/builder/apps/{app}/flows/{flow}")
    assert page.status_code == 200, page.text
    return json.loads(DATA.search(page.text).group(1))


def flow_drafts(engine) -> list:
    with read(engine) as conn:
        return conn.execute(select(systables.draft).where(systables.draft.c.kind == "flow")).all()


def create(session, label: str = "合同审批测试", form: str = "contract", **extra):
    return session.post("/builder/apps/crm/flows", {"label": label, "form": form, **extra})


def condition_flow(name: str, *, default: bool = True, role: str = "sales_director") -> dict:
    """contract: start → by amount (≥ 50,000: a role approves; otherwise nobody) → end."""
    otherwise = {"id": "b2", "label": {"zh-CN": "其他情况"}, "nodes": [], **({"default": True} if default else {"when": "total_amount < 0"})}
    return {"schema_version": 1, "name": name, "label": {"zh-CN": "合同审批测试"}, "form": "contract", "nodes": [
        {"id": "start", "type": "start", "label": {"zh-CN": "发起人"}},
        {"id": "by_amount", "type": "condition", "label": {"zh-CN": "按金额"}, "branches": [
            {"id": "b1", "label": {"zh-CN": "大额"}, "when": "total_amount >= 50000", "nodes": [
                {"id": "director", "type": "approval", "label": {"zh-CN": "总监审批"},
                 "approvers": [{"source": "role", "role": role}]}]},
            otherwise]},
        {"id": "end", "type": "end", "label": {"zh-CN": "结束"}}]}


def test_the_app_page_has_a_flows_section_listing_flows_and_drafts(web, html):
    page = web.client.get("/builder/apps/crm")
    doc = html(page.text)
    section = doc.by_id("flows")
    assert "流程" in section.text
    assert doc.by_id("new-flow").attrs["href"] == "/builder/apps/crm/flows/new"
    assert doc.by_id("flow-rows").attrs["hx-get"] == "/builder/apps/crm/flows/_section"
    assert create(web).status_code == 303
    rows = html(web.client.get("/builder/apps/crm/flows/_section").text)
    row = rows.find("tr", data_flow="hetong_shenpi_ceshi")
    assert row is not None
    assert "合同审批测试" in row.text and "合同" in row.text and "未发布" in row.text and "有未发布的草稿" in row.text


def test_a_new_flow_gets_a_pinyin_name_and_a_starter_tree(web, engine):
    page = web.client.get("/builder/apps/crm/flows/new?form=contract")
    assert page.status_code == 200 and 'data-suggest-into="flow-name"' in page.text
    assert web.client.get("/builder/suggest-name", params={"label": "合同审批", "fallback": "flow"}).json() == {"name": "hetong_shenpi"}
    done = create(web)
    assert done.status_code == 303 and done.headers["location"] == "/builder/apps/crm/flows/hetong_shenpi_ceshi"
    data = flow_data(web, "hetong_shenpi_ceshi")
    assert data["revision"] == 1 and data["has_draft"] and data["version"] is None
    assert [n["type"] for n in data["body"]["nodes"]] == ["start", "approval", "end"]
    assert data["problems"] == []  # publishable from the first minute
    assert data["form"]["name"] == "contract"
    fields = {f["name"]: f for f in data["form"]["fields"]}
    assert fields["total_amount"]["writable"] is False and fields["remark"]["writable"] is True
    assert {o["value"] for o in fields["status"]["options"]} >= {"draft", "signed"}
    assert "sales_director" in {r["name"] for r in data["roles"]}
    assert "admin" in {u["username"] for u in data["users"]}
    assert len(flow_drafts(engine)) == 1


def test_bad_new_flow_input_says_what_is_wrong_and_writes_nothing(web, engine, html):
    page = create(web, label="", form="nope")
    assert page.status_code == 422
    doc = html(page.text)
    assert "请填写流程名称" in doc.by_id("err-label").text
    assert "请选择流程绑定的表单" in doc.by_id("err-form").text
    page = create(web, name="Bad Name")
    assert page.status_code == 422 and html(page.text).by_id("err-name").text
    assert create(web, name="new").status_code == 422  # the designer's own page
    assert flow_drafts(engine) == []
    assert create(web).status_code == 303
    again = create(web, name="hetong_shenpi_ceshi")
    assert again.status_code == 422 and "已被使用" in html(again.text).by_id("err-name").text
    assert len(flow_drafts(engine)) == 1


def test_autosave_bumps_the_revision_and_keeps_name_and_form(web, engine):
    create(web)
    body = flow_data(web, "hetong_shenpi_ceshi")["body"]
    body["label"] = {"zh-CN": "合同审批（新）"}
    saved = put_draft(web, "/builder/apps/crm/flows/hetong_shenpi_ceshi/draft", 1, {**body, "name": "x", "form": "customer"})
    assert saved.status_code == 200, saved.text
    assert saved.json()["revision"] == 2 and saved.json()["problems"] == []
    stored = json.loads(flow_drafts(engine)[0].body)
    assert stored["name"] == "hetong_shenpi_ceshi" and stored["form"] == "contract"
    assert stored["label"] == {"zh-CN": "合同审批（新）"}


def test_a_stale_save_is_a_conflict_and_overwrites_nothing(web, second, engine):
    create(web)
    url = "/builder/apps/crm/flows/hetong_shenpi_ceshi/draft"
    body = flow_data(web, "hetong_shenpi_ceshi")["body"]
    assert put_draft(web, url, 1, {**body, "label": {"zh-CN": "我的"}}).status_code == 200
    stale = put_draft(second, url, 1, {**body, "label": {"zh-CN": "他的"}})
    assert stale.status_code == 409
    assert stale.json()["detail"].startswith("草稿已被 系统管理员 在 ") and stale.json()["revision"] == 2
    row = flow_drafts(engine)[0]
    assert row.revision == 2 and '"我的"' in row.body


def test_bad_draft_requests_change_nothing(web, engine):
    create(web)
    url = "/builder/apps/crm/flows/hetong_shenpi_ceshi/draft"
    assert web.client.put(url, content="{nope", headers={"Content-Type": "application/json",
                                                         "X-CSRF-Token": web.csrf}).status_code == 400
    assert put_draft(web, url, -1, {}).status_code == 400
    assert put_draft(web, "/builder/apps/crm/flows/nope/draft", 0, {}).status_code == 404
    assert web.client.put(url, json={"revision": 1, "body": {}}).status_code == 403  # no CSRF token
    assert web.client.get("/builder/apps/crm/flows/nope").status_code == 404
    row = flow_drafts(engine)[0]
    assert row.revision == 1


def test_problems_come_back_on_their_nodes(web):
    create(web)
    url = "/builder/apps/crm/flows/hetong_shenpi_ceshi/draft"
    out = put_draft(web, url, 1, condition_flow("hetong_shenpi_ceshi", default=False, role="dongshizhang")).json()
    by_node = {(p["node"], p["branch"]): p for p in out["problems"]}
    group = by_node[("/nodes/1", None)]
    assert "缺少默认分支" in group["message"] and "按金额" in group["message"] and group["prop"] == "branches"
    role = by_node[("/nodes/1/branches/0/nodes/0", None)]
    assert role["prop"] == "approvers/0/role" and "dongshizhang" in role["message"]
    # Shape problems (the meta-schema) land on their node too, saying what they are about.
    body = condition_flow("hetong_shenpi_ceshi")
    body["nodes"][1]["branches"][0]["nodes"][0]["label"] = {"zh-CN": ""}
    body["nodes"].insert(2, {"id": "mark", "type": "action", "label": {"zh-CN": "改状态"}, "set": {}})
    out = put_draft(web, url, 2, body).json()
    messages = {(p["node"], p["message"]) for p in out["problems"]}
    assert ("/nodes/1/branches/0/nodes/0", "名称不能为空") in messages
    assert ("/nodes/2", "请至少设置一个要更新的字段") in messages
    # A bad condition is placed on its branch.
    body = condition_flow("hetong_shenpi_ceshi")
    body["nodes"][1]["branches"][0]["when"] = "total_amont >= 50000"
    out = put_draft(web, url, 3, body).json()
    (problem,) = out["problems"]
    assert problem["node"] == "/nodes/1" and problem["branch"] == "/nodes/1/branches/0" and problem["prop"] == "when"
    assert "total_amont" in problem["message"]
    # Fixed: no problems, and the designer page says so.
    assert put_draft(web, url, 4, condition_flow("hetong_shenpi_ceshi")).json()["problems"] == []
    assert flow_data(web, "hetong_shenpi_ceshi")["problems"] == []


def test_the_expression_check_serves_branch_conditions(web):
    create(web)
    names = flow_data(web, "hetong_shenpi_ceshi")["form"]["names"]
    check = web.client.post("/builder/expression", content=json.dumps({"source": "total_amount >= 50000", "names": names}),
                            headers={"Content-Type": "application/json", "X-CSRF-Token": web.csrf})
    assert check.json() == {"ok": True, "problems": [], "suggestions": [], "names": ["total_amount"]}


def test_discarding_an_unpublished_flow_removes_it(web, engine):
    create(web)
    done = web.post("/builder/apps/crm/flows/hetong_shenpi_ceshi/draft/discard")
    assert done.status_code == 303 and done.headers["location"] == "/builder/apps/crm#flows"
    assert flow_drafts(engine) == []
    assert web.client.get("/builder/apps/crm/flows/hetong_shenpi_ceshi").status_code == 404


def test_the_designer_is_for_administrators_only(anon, crm, engine, settings):
    from runtime.auth.users import create_user
    from runtime.clock import now
    from runtime.database import write
    from tests.pages.conftest import sign_in
    with write(engine) as conn:
        create_user(conn, username="wangqiang", password="Wang-pass-2024!", full_name="王强", now=now(settings.timezone))
    user = sign_in(anon, "Wang-pass-2024!", username="wangqiang")
    assert user.client.get("/builder/apps/crm/flows/new").status_code == 403
    assert user.post("/builder/apps/crm/flows", {"label": "x", "form": "contract"}).status_code == 403
    assert flow_drafts(engine) == []


def test_the_flow_pages_speak_english(web, html):
    create(web)
    for path in ("/builder/apps/crm/flows/new", "/builder/apps/crm/flows/_section",
                 "/builder/apps/crm/flows/hetong_shenpi_ceshi", "/builder/apps/crm/flows/hetong_shenpi_ceshi/publish"):
        page = web.client.get(path, params={"lang": "en"})
        assert page.status_code == 200, path
    designer = web.client.get("/builder/apps/crm/flows/hetong_shenpi_ceshi", params={"lang": "en"})
    doc = html(designer.text)
    assert doc.by_id("tab-preview").text == "Preview approvers" and doc.by_id("tab-node").text == "Node"
    texts = json.loads(re.search(r'id="flow-text">(.*?)</script>', designer.text, re.S).group(1))
    assert texts["会签（所有人都要同意）"] == "All must approve (countersign)"
    assert html(web.client.get("/builder/apps/crm/flows/new", params={"lang": "en"}).text).find("h1").text == "New flow"
