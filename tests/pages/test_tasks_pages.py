"""我的审批 and the task page through real HTTP, on the CRM with its demo organisation: a rep submits a
contract, the director approves or rejects it from the inbox, finance is copied, the rep withdraws."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from runtime import systables
from runtime.database import read
from tests.pages.conftest import CSRF, Session

REP, DIRECTOR, FINANCE, GM = "wangqiang", "zhangwei", "maxiaoyan", "wangjianguo"


@pytest.fixture
def org(app, engine, settings) -> str:
    """The CRM's demo organisation (departments, managers, users with roles) without demo records;
    returns the demo users' password."""
    from form_engine.bundle import parse_app, read_bundle_dir
    from runtime.install import load_demo, template_dir
    spec = parse_app(read_bundle_dir(template_dir("crm"))).demo
    products = [f for f in spec["forms"] if f["form"] == "product"]  # the smallest part the generator accepts
    return load_demo(engine, settings, "crm", {**spec, "forms": products}).password


class Crm:
    """Signing in as the demo users and making their records through the record service."""

    def __init__(self, app, password: str):
        self.app, self.password = app, password
        self.state = app.state.formwork
        self.clients: list[TestClient] = []

    def user(self, username: str):
        with read(self.state.engine) as conn:
            return conn.execute(select(systables.user).where(systables.user.c.username == username)).one()

    def sign_in(self, username: str) -> Session:
        client = TestClient(self.app)
        client.__enter__()
        self.clients.append(client)
        done = client.post("/login", data={"username": username, "password": self.password, "next": "/"},
                           follow_redirects=False)
        assert done.status_code == 303, done.text
        return Session(client, CSRF.search(client.get("/tasks").text).group(1))

    def create(self, username: str, form: str, data: dict) -> int:
        from runtime.access import with_access
        from runtime.auth.users import actor_of
        from runtime.clock import now_precise
        from runtime.database import write
        from runtime.records import RecordContext, create_record
        with write(self.state.engine) as conn:
            actor = actor_of(self.user(username))
            stamp = conn.execute(select(systables.sequence.c.value).where(systables.sequence.c.key == "fw.access")).scalar()
            actor = with_access(conn, actor, stamp)
            ctx = RecordContext(conn=conn, app=self.state.registry.app("crm"), actor=actor,
                                now=now_precise(self.state.settings.timezone), data_dir=self.state.settings.data_dir)
            return create_record(ctx, self.state.registry.form("crm", form), data)["id"]

    def contract(self, title: str, amount: str = "30000.00", username: str = REP) -> int:
        customer = self.create(username, "customer", {"name": f"{title}客户"})
        product = self.create("admin", "product", {"code": f"P-{customer}", "name": f"{title}产品"})
        return self.create(username, "contract", {
            "title": title, "customer": customer,
            "items": [{"product": product, "quantity": 1, "unit_price": amount}]})

    def record(self, form: str, record_id: int) -> dict:
        from runtime.auth.users import actor_of
        from runtime.clock import now_precise
        from runtime.records import RecordContext, load_record
        with read(self.state.engine) as conn:
            ctx = RecordContext(conn=conn, app=self.state.registry.app("crm"), actor=actor_of(self.user("admin")),
                                now=now_precise(self.state.settings.timezone), data_dir=self.state.settings.data_dir)
            return load_record(ctx, self.state.registry.form("crm", form), record_id)

    def instance(self, record_id: int):
        i = systables.flow_instance
        with read(self.state.engine) as conn:
            return conn.execute(select(i).where(i.c.record_id == record_id).order_by(i.c.id.desc())).first()

    def close(self):
        for c in self.clients:
            c.__exit__(None, None, None)


@pytest.fixture
def crm_org(app, org):
    made = Crm(app, org)
    yield made
    made.close()


def submit(web: Session, contract: int, flow: str = "contract_approval"):
    return web.post(f"/apps/crm/contract/{contract}/flow/submit", {"flow": flow})


def task_of(web: Session, html, title: str) -> int:
    """The task id behind the inbox line for `title` (None when it is not listed)."""
    page = html(web.client.get("/tasks").text)
    for link in page.find_all("a", class_="task-link"):
        if title in link.text:
            return int(link.attrs["href"].rsplit("/", 1)[1])
    return None


def test_rep_submits_director_approves_and_everyone_sees_it(crm_org, html):
    contract = crm_org.contract("华东物流系统采购合同")
    rep = crm_org.sign_in(REP)
    record_page = html(rep.client.get(f"/apps/crm/contract/{contract}").text)
    panel = record_page.by_id("flow")
    choices = [o.text for o in panel.find("select", name="flow").find_all("option")]
    assert choices == ["合同审批", "特价审批"] and panel.find("button", id="btn-submit-flow").text == "提交审批"

    done = submit(rep, contract)
    assert done.status_code == 303 and done.headers["location"] == f"/apps/crm/contract/{contract}"
    page = html(rep.client.get(f"/apps/crm/contract/{contract}").text)
    assert "已提交审批" in page.by_id("flashes").text
    assert page.by_id("flow-status").text == "审批中"
    states = {n.attrs["data-node"]: n.attrs["data-state"] for n in page.by_id("flow").find_all("li", class_="flow-node")}
    assert states["start"] == "done" and states["director"] == "active"
    assert states["director_large"] == "waiting" and states["end"] == "waiting"
    taken = [b for b in page.find_all("div", class_="flow-branch") if "taken" in b.attrs["class"].split()]
    assert len(taken) == 1 and "金额小于 5 万元" in taken[0].text
    assert "等待审批：张伟" in page.by_id("flow").text
    assert page.find("button", id="btn-withdraw") and page.find("button", id="btn-urge")

    director = crm_org.sign_in(DIRECTOR)
    inbox = html(director.client.get("/tasks").text)
    assert inbox.by_id("badge-tasks").text == "1"
    line = inbox.find("li", class_="task-item")
    assert "华东物流系统采购合同" in line.text and "销售总监审批" in line.text and "王强" in line.text
    task = task_of(director, html, "华东物流系统采购合同")

    badge = html(director.client.get("/tasks/_nav").text)
    assert badge.by_id("badge-tasks").text == "1"

    view = html(director.client.get(f"/tasks/{task}").text)
    assert view.find("h1").text.startswith("华东物流系统采购合同")
    assert view.find("textarea", name="remark") is not None  # editable at this node
    assert view.find("select", name="payment_terms") is not None
    assert view.find("input", name="title") is None and "华东物流系统采购合同客户" in view.by_id("task-form").text
    buttons = {b.attrs.get("value") for b in view.find_all("button", name="action")}
    assert {"approve", "reject", "return", "transfer", "add_signer", "comment"} <= buttons

    done = director.post(f"/tasks/{task}", {"action": "approve", "comment": "同意签约", "remark": "按标准价",
                                            "payment_terms": "prepaid"})
    assert done.status_code == 303, done.text
    after = html(director.client.get(f"/tasks/{task}").text)
    assert after.by_id("task-status").text.startswith("已同意") and after.find("button", id="btn-approve") is None
    assert html(director.client.get("/tasks").text).find("li", class_="task-item") is None
    done_box = html(director.client.get("/tasks?box=done").text)
    assert "华东物流系统采购合同" in done_box.by_id("task-results").text and "已同意" in done_box.by_id("task-results").text

    page = html(rep.client.get(f"/apps/crm/contract/{contract}").text)
    assert page.by_id("flow-status").text == "已通过"
    timeline = page.by_id("flow").find("ol", class_="flow-timeline").text
    assert "张伟 同意" in timeline and "同意签约" in timeline and "王强 提交" in timeline
    assert page.find("button", id="btn-withdraw") is None
    stored = crm_org.record("contract", contract)
    assert stored["status"] == "signed" and stored["remark"] == "按标准价" and stored["payment_terms"] == "prepaid"
    assert "华东物流系统采购合同" in html(rep.client.get("/tasks?box=mine").text).by_id("task-results").text

    finance = crm_org.sign_in(FINANCE)
    cc = html(finance.client.get("/tasks?box=cc").text)
    assert "华东物流系统采购合同" in cc.by_id("task-results").text
    assert "还没有抄送给您的审批" in html(crm_org.sign_in(REP).client.get("/tasks?box=cc").text).text


def test_reject_without_a_comment_shows_the_error_and_changes_nothing(crm_org, html):
    contract = crm_org.contract("缺少意见的合同")
    rep = crm_org.sign_in(REP)
    assert submit(rep, contract).status_code == 303
    director = crm_org.sign_in(DIRECTOR)
    task = task_of(director, html, "缺少意见的合同")
    before = crm_org.instance(contract)

    answer = director.htmx(f"/tasks/{task}", {"action": "reject", "comment": "  "})
    assert answer.status_code == 422
    page = html(answer.text)
    assert page.by_id("err-comment").text == "驳回时请填写驳回意见"
    assert page.find("textarea", id="comment").attrs.get("aria-invalid") == "true"
    assert page.find("button", id="btn-reject") is not None  # still the director's to decide
    after = crm_org.instance(contract)
    assert (after.status, after.revision) == ("running", before.revision)

    done = director.post(f"/tasks/{task}", {"action": "reject", "comment": "价格过低，请重新报价"})
    assert done.status_code == 303
    page = html(rep.client.get(f"/apps/crm/contract/{contract}").text)
    assert page.by_id("flow-status").text == "已驳回"
    assert "价格过低，请重新报价" in page.by_id("flow").text
    rejected = page.by_id("flow").find("li", class_="state-rejected")
    assert rejected is not None and rejected.attrs["data-node"] == "director"
    assert page.find("button", id="btn-submit-flow").text == "重新提交审批"


def test_a_stale_approve_shows_the_message_and_changes_nothing(crm_org, html):
    contract = crm_org.contract("重复点击的合同", amount="50000.00")  # two levels: still running after the first
    rep = crm_org.sign_in(REP)
    submit(rep, contract)
    director = crm_org.sign_in(DIRECTOR)
    task = task_of(director, html, "重复点击的合同")
    assert director.post(f"/tasks/{task}", {"action": "approve"}).status_code == 303
    before = crm_org.instance(contract)

    again = director.htmx(f"/tasks/{task}", {"action": "approve"})
    assert again.status_code == 409
    assert html(again.text).by_id("task-message").text == "这条待办已处理（已同意），不能重复操作"
    assert crm_org.instance(contract).revision == before.revision


def test_withdraw_before_any_decision(crm_org, html):
    contract = crm_org.contract("撤回的合同")
    rep = crm_org.sign_in(REP)
    submit(rep, contract)
    director = crm_org.sign_in(DIRECTOR)
    task = task_of(director, html, "撤回的合同")

    done = rep.post(f"/apps/crm/contract/{contract}/flow/withdraw", {})
    assert done.status_code == 303
    page = html(rep.client.get(f"/apps/crm/contract/{contract}").text)
    assert "已撤回审批" in page.by_id("flashes").text and page.by_id("flow-status").text == "已撤回"
    assert page.find("button", id="btn-submit-flow") is not None  # may go in again
    assert task_of(director, html, "撤回的合同") is None

    stale = director.htmx(f"/tasks/{task}", {"action": "approve"})
    assert stale.status_code == 409
    assert html(stale.text).by_id("task-message").text == "发起人已撤回此审批，无需再处理"
    assert crm_org.instance(contract).status == "withdrawn"


def test_withdraw_after_a_decision_is_refused(crm_org, html):
    contract = crm_org.contract("大额合同", amount="80000.00")
    rep = crm_org.sign_in(REP)
    submit(rep, contract)
    director = crm_org.sign_in(DIRECTOR)
    director.post(f"/tasks/{task_of(director, html, '大额合同')}", {"action": "approve"})
    page = html(rep.client.get(f"/apps/crm/contract/{contract}").text)
    assert page.by_id("flow-status").text == "审批中" and page.find("button", id="btn-withdraw") is None
    assert "等待审批：王建国" in page.by_id("flow").text

    refused = rep.post(f"/apps/crm/contract/{contract}/flow/withdraw", {})
    assert refused.status_code == 303
    page = html(rep.client.get(f"/apps/crm/contract/{contract}").text)
    assert "flash-error" in page.by_id("flashes").find("div").attrs["class"]
    assert crm_org.instance(contract).status == "running"


def test_forms_without_a_flow_show_no_panel(crm_org, html):
    customer = crm_org.create(REP, "customer", {"name": "没有审批的客户"})
    rep = crm_org.sign_in(REP)
    page = html(rep.client.get(f"/apps/crm/customer/{customer}").text)
    assert page.find("h1").text == "没有审批的客户" and page.find(id="flow") is None


def test_an_invalid_edit_at_the_node_shows_the_field_error_and_approves_nothing(crm_org, html):
    contract = crm_org.contract("改错字段的合同")
    rep = crm_org.sign_in(REP)
    submit(rep, contract)
    director = crm_org.sign_in(DIRECTOR)
    task = task_of(director, html, "改错字段的合同")
    before = crm_org.instance(contract)

    answer = director.htmx(f"/tasks/{task}", {"action": "approve", "payment_terms": "bogus", "remark": "新备注",
                                              "title": "不许改的标题"})
    assert answer.status_code == 422
    page = html(answer.text)
    assert page.by_id("err-f-payment_terms").text and page.by_id("f-remark").text == "新备注"
    after = crm_org.instance(contract)
    assert (after.status, after.revision) == ("running", before.revision)
    stored = crm_org.record("contract", contract)
    assert stored["title"] == "改错字段的合同" and stored["remark"] in (None, "")
