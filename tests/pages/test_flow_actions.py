"""The task page's other actions (退回, 转交, 加签, 评论 with @mention), 催办 from the record page and the
委托 settings page, through real HTTP on the CRM's demo organisation."""
from __future__ import annotations

from datetime import date, timedelta

from tests.pages.test_tasks_pages import DIRECTOR, GM, REP, crm_org, org, submit, task_of  # noqa: F401


def test_return_to_the_submitter_and_to_an_earlier_node(crm_org, html):
    contract = crm_org.contract("两级审批合同", amount="120000.00")
    rep = crm_org.sign_in(REP)
    submit(rep, contract)
    director = crm_org.sign_in(DIRECTOR)
    director.post(f"/tasks/{task_of(director, html, '两级审批合同')}", {"action": "approve"})
    gm = crm_org.sign_in(GM)
    task = task_of(gm, html, "两级审批合同")
    page = html(gm.client.get(f"/tasks/{task}").text)
    options = [(o.attrs["value"], o.text) for o in page.by_id("return-node").find_all("option")]
    assert options == [("", "发起人（重新提交）"), ("director_large", "销售总监审批")]

    assert gm.post(f"/tasks/{task}", {"action": "return", "node": "director_large", "comment": "请总监再看看付款方式"}
                   ).status_code == 303
    again = task_of(director, html, "两级审批合同")
    assert again is not None
    record = html(rep.client.get(f"/apps/crm/contract/{contract}").text).by_id("flow")
    assert "退回" in record.text and "请总监再看看付款方式" in record.text

    director.post(f"/tasks/{again}", {"action": "return", "comment": "请补充合同扫描件"})
    page = html(rep.client.get(f"/apps/crm/contract/{contract}").text)
    assert page.by_id("flow-status").text == "已退回"
    assert page.find("button", id="btn-submit-flow").text == "重新提交审批"
    assert submit(rep, contract).status_code == 303
    assert html(rep.client.get(f"/apps/crm/contract/{contract}").text).by_id("flow-status").text == "审批中"


def test_transfer_and_add_signer_with_the_user_picker(crm_org, html):
    contract = crm_org.contract("转交加签合同")
    rep = crm_org.sign_in(REP)
    submit(rep, contract)
    director = crm_org.sign_in(DIRECTOR)
    task = task_of(director, html, "转交加签合同")
    page = html(director.client.get(f"/tasks/{task}").text)
    picker = page.by_id("pick-f-to")
    assert picker.attrs["hx-get"] == "/tasks/_users?for=to"
    found = html(director.client.get("/tasks/_users?q=李").text)
    options = {b.attrs["data-pick-label"]: b.attrs["data-pick-id"] for b in found.find_all("button", class_="picker-option")}
    assert "李娜（华东一组）" in options
    lina = options["李娜（华东一组）"]

    missing = director.htmx(f"/tasks/{task}", {"action": "transfer", "to": ""})
    assert missing.status_code == 422 and html(missing.text).by_id("err-f-to").text == "请选择转交给谁"
    assert director.post(f"/tasks/{task}", {"action": "transfer", "to": lina, "comment": "出差，请李娜处理"}
                         ).status_code == 303
    assert task_of(director, html, "转交加签合同") is None
    manager = crm_org.sign_in("lina")
    moved = task_of(manager, html, "转交加签合同")
    assert moved is not None

    chen = crm_org.user("hejing").id
    assert manager.post(f"/tasks/{moved}", {"action": "add_signer", "signer": str(chen), "position": "before"}
                        ).status_code == 303
    flow = html(rep.client.get(f"/apps/crm/contract/{contract}").text).by_id("flow")
    assert "等待审批：何静" in flow.text and "转交给李娜" in flow.text
    assert task_of(crm_org.sign_in("hejing"), html, "转交加签合同") is not None


def test_comments_with_a_mention_notify_and_show_in_the_timeline(crm_org, html):
    contract = crm_org.contract("需要讨论的合同")
    rep = crm_org.sign_in(REP)
    submit(rep, contract)
    director = crm_org.sign_in(DIRECTOR)
    task = task_of(director, html, "需要讨论的合同")
    empty = director.htmx(f"/tasks/{task}", {"action": "comment", "comment": ""})
    assert empty.status_code == 422 and html(empty.text).by_id("err-comment").text == "请填写评论内容"
    assert director.post(f"/tasks/{task}", {"action": "comment", "comment": "@maxiaoyan 请确认回款计划"}
                         ).status_code == 303
    page = html(director.client.get(f"/tasks/{task}").text)
    assert "@maxiaoyan 请确认回款计划" in page.find("ol", class_="flow-timeline").text
    assert page.by_id("btn-approve") is not None  # a comment decides nothing

    rep.post(f"/apps/crm/contract/{contract}/flow/comment", {"comment": "客户希望月底前签约"})
    assert "客户希望月底前签约" in html(director.client.get(f"/tasks/{task}").text).text
    finance = crm_org.sign_in("maxiaoyan")
    notes = html(finance.client.get("/notifications").text)
    assert "请确认回款计划" in notes.by_id("note-list").text


def test_urge_reminds_the_approver(crm_org, html):
    contract = crm_org.contract("催办的合同")
    rep = crm_org.sign_in(REP)
    submit(rep, contract)
    director = crm_org.sign_in(DIRECTOR)
    before = len(html(director.client.get("/notifications").text).find_all("li", class_="note"))
    assert rep.post(f"/apps/crm/contract/{contract}/flow/urge", {}).status_code == 303
    page = html(rep.client.get(f"/apps/crm/contract/{contract}").text)
    assert "已催办" in page.by_id("flashes").text and "催办" in page.find("ol", class_="flow-timeline").text
    assert len(html(director.client.get("/notifications").text).find_all("li", class_="note")) == before + 1


def test_delegation_page_sets_and_clears_a_delegate(crm_org, html):
    director = crm_org.sign_in(DIRECTOR)
    page = html(director.client.get("/account/delegation").text)
    assert page.find("h1").text == "审批委托" and page.find(id="delegation-current") is None
    today = date.today()
    bad = director.post("/account/delegation", {"delegate": "", "starts": str(today), "ends": str(today - timedelta(days=1))})
    assert bad.status_code == 422
    bad = html(bad.text)
    assert bad.by_id("err-f-delegate").text == "请选择委托给谁" and "结束日期不能早于开始日期" in bad.text
    lina = crm_org.user("lina").id
    done = director.post("/account/delegation", {"delegate": str(lina), "starts": str(today - timedelta(days=1)),
                                                 "ends": str(today + timedelta(days=3))})
    assert done.status_code == 303
    page = html(director.client.get("/account/delegation").text)
    assert "李娜" in page.by_id("delegation-current").text

    rep = crm_org.sign_in(REP)
    submit(rep, crm_org.contract("委托期间的合同"))
    manager = crm_org.sign_in("lina")
    task = task_of(manager, html, "委托期间的合同")
    view = html(manager.client.get(f"/tasks/{task}").text)
    assert "代张伟处理" in view.by_id("task-status").text
    assert task_of(director, html, "委托期间的合同") is None

    assert director.post("/account/delegation", {"action": "clear"}).status_code == 303
    assert html(director.client.get("/account/delegation").text).find(id="delegation-current") is None
