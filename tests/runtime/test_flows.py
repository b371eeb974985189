"""Approval flows through the HTTP API, on the CRM's contract approval and its countersigned special
discount, with a small organisation: submit, decide, return, transfer, 加签, withdraw, urge, comments,
delegation, timeouts, notifications and email — each action exact under concurrency and repetition."""
from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from runtime import systables
from runtime.access import bump_access
from runtime.auth.users import create_token, create_user
from runtime.clock import now, now_precise
from runtime.database import read, write
from runtime.flows import service
from runtime.messaging.notifications import recent
from runtime.records import Actor, RecordContext

CONTRACTS = "/api/v1/apps/crm/forms/contract/records"

# department: (parent, manager); user: (department, roles)
DEPARTMENTS = {"总部": (None, "gm"), "华东销售部": ("总部", "director"), "华东一组": ("华东销售部", "lead"),
               "财务部": ("总部", "cashier")}
USERS = {"gm": ("总部", ["general_manager"]), "director": ("华东销售部", ["sales_director"]),
         "lead": ("华东一组", ["sales_manager"]), "rep": ("华东一组", ["sales"]), "rep2": ("华东一组", ["sales"]),
         "cashier": ("财务部", ["finance"]), "deputy": ("华东销售部", ["sales_director"]),
         "clerk": ("财务部", ["sales"])}  # sells, but no sales director above them


@pytest.fixture
def org(crm, engine, settings):
    """The CRM with a sales organisation: who's who (ids), and an API client per person."""
    ids, clients = {}, {}
    d = systables.department
    with write(engine) as conn:
        departments = {}
        for name, (parent, _m) in DEPARTMENTS.items():
            departments[name] = conn.execute(d.insert().values(name=name, parent_id=departments.get(parent),
                                                               created_at=now(settings.timezone)).returning(d.c.id)).scalar_one()
        for username, (dept, roles) in USERS.items():
            ids[username] = create_user(conn, username=username, password="pw-123456-x", full_name=username.title(),
                                        now=now(settings.timezone), department_id=departments[dept],
                                        email=f"{username}@example.com")
            for role in roles:
                conn.execute(systables.user_role.insert().values(user_id=ids[username], app="crm", role=role))
        for name, (_p, manager) in DEPARTMENTS.items():
            conn.execute(d.update().where(d.c.id == departments[name]).values(manager_id=ids[manager]))
        ids["admin"] = conn.execute(select(systables.user.c.id).where(systables.user.c.username == "admin")).scalar()
        tokens = {u: create_token(conn, user_id=uid, name="t", now=now(settings.timezone)) for u, uid in ids.items()}
        bump_access(conn)
    from runtime.web.app import create_app
    application = create_app(settings)
    stack = []
    for username, token in tokens.items():
        client = TestClient(application, headers={"Authorization": f"Bearer {token}"})
        client.__enter__()
        stack.append(client)
        clients[username] = client
    yield ids, clients
    for client in stack:
        client.__exit__(None, None, None)
    application.state.formwork.engine.dispose()


def contract(org, amount: str, who: str = "rep") -> dict:
    ids, clients = org
    admin = clients["admin"]
    code = amount.replace(".", "-")
    customer = admin.post("/api/v1/apps/crm/forms/customer/records", json={"name": f"客户{code}"}).json()
    product = admin.post("/api/v1/apps/crm/forms/product/records",
                         json={"code": f"P{code}", "name": "服务", "price": amount}).json()
    assert "id" in customer and "id" in product, (customer, product)
    moved = admin.post(f"/api/v1/apps/crm/forms/customer/records/{customer['id']}/transfer", json={"owner_id": ids[who]})
    assert moved.status_code == 200, moved.text
    r = clients[who].post(CONTRACTS, json={"title": f"合同{amount}", "customer": customer["id"],
                                           "items": [{"product": product["id"], "quantity": 1, "unit_price": amount}]})
    assert r.status_code == 201, r.text
    return r.json()


def submit(clients, record: dict, who: str = "rep", **body):
    return clients[who].post(f"{CONTRACTS}/{record['id']}/submit", json=body)


def pending(client) -> list[dict]:
    r = client.get("/api/v1/tasks", params={"box": "pending"})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def decide(client, task_id: int, action: str = "approve", **body):
    return client.post(f"/api/v1/tasks/{task_id}/{action}", json=body)


def flow_of(client, record: dict) -> dict:
    r = client.get(f"{CONTRACTS}/{record['id']}/flow")
    assert r.status_code == 200, r.text
    return r.json()


def record(client, rec: dict) -> dict:
    return client.get(f"{CONTRACTS}/{rec['id']}").json()


def test_a_small_contract_goes_to_the_director_and_becomes_signed(org, engine):
    ids, c = org
    rec = contract(org, "30000")
    r = submit(c, rec, flow="contract_approval")
    assert r.status_code == 201, r.text
    view = r.json()
    assert view["status"] == "running" and view["status_label"] == "审批中"
    assert [p["user"]["id"] for p in view["pending"]] == [ids["director"]]
    assert record(c["rep"], rec)["flow_status"] == "running"
    [task] = pending(c["director"])
    assert task["record_title"] == "合同30000" and task["flow_label"] == "合同审批" and task["node_label"] == "销售总监审批"
    assert c["director"].get("/api/v1/tasks").json()["counts"]["pending"] == 1
    assert pending(c["gm"]) == []

    done = decide(c["director"], task["task_id"], comment="同意签约")
    assert done.status_code == 200, done.text
    view = done.json()
    assert view["status"] == "approved" and view["status_label"] == "已通过"
    assert [e["kind"] for e in view["timeline"]][:2] == ["submitted", "branch_taken"]
    assert any(e["kind"] == "approved" and e["comment"] == "同意签约" for e in view["timeline"])
    got = record(c["rep"], rec)
    assert got["status"] == "signed" and got["flow_status"] == "approved"
    cc = c["cashier"].get("/api/v1/tasks", params={"box": "cc"}).json()["items"]
    assert [i["record_id"] for i in cc] == [rec["id"]]
    mine = c["rep"].get("/api/v1/tasks", params={"box": "mine"}).json()["items"]
    assert [(i["record_id"], i["status_label"]) for i in mine] == [(rec["id"], "已通过")]
    done_box = c["director"].get("/api/v1/tasks", params={"box": "done"}).json()["items"]
    assert [i["task_status_label"] for i in done_box] == ["已同意"]
    with read(engine) as conn:
        kinds = [n.kind for n in recent(conn, ids["rep"])]
    assert "result" in kinds


def test_a_large_contract_needs_the_director_then_the_general_manager(org):
    ids, c = org
    rec = contract(org, "50000")
    submit(c, rec, flow="contract_approval")
    [task] = pending(c["director"])
    assert decide(c["director"], task["task_id"]).json()["status"] == "running"
    [task] = pending(c["gm"])
    view = flow_of(c["rep"], rec)
    states = {n["id"]: n["state"] for n in view["diagram"]}
    assert states["start"] == "done" and states["end"] == "waiting"
    branches = next(n for n in view["diagram"] if n["id"] == "by_amount")["branches"]
    assert [b["taken"] for b in branches] == [False, True]
    assert {n["id"]: n["state"] for n in branches[1]["nodes"]} == {"director_large": "done", "general_manager": "active"}
    assert decide(c["gm"], task["task_id"]).json()["status"] == "approved"


def test_reject_needs_a_comment_and_a_stale_task_changes_nothing(org):
    ids, c = org
    rec = contract(org, "1000")
    submit(c, rec, flow="contract_approval")
    [task] = pending(c["director"])
    r = decide(c["director"], task["task_id"], "reject")
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    assert "意见" in r.json()["detail"] or "理由" in r.json()["detail"]
    assert flow_of(c["rep"], rec)["status"] == "running"
    r = decide(c["director"], task["task_id"], "reject", comment="价格太低")
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert record(c["rep"], rec)["flow_status"] == "rejected"
    again = decide(c["director"], task["task_id"], "approve")
    assert again.status_code == 409 and again.json()["detail"]
    assert flow_of(c["rep"], rec)["status"] == "rejected"


def test_a_double_clicked_approve_acts_once(org):
    ids, c = org
    rec = contract(org, "50000")
    submit(c, rec, flow="contract_approval")
    [task] = pending(c["director"])
    first, second = decide(c["director"], task["task_id"]), decide(c["director"], task["task_id"])
    assert first.status_code == 200 and second.status_code == 409
    assert len(pending(c["gm"])) == 1


def test_countersign_counts_two_simultaneous_approvals_once_each(org):
    ids, c = org
    rec = contract(org, "8000")
    assert submit(c, rec, flow="special_discount").status_code == 201
    [a], [b] = pending(c["director"]), pending(c["cashier"])
    answers = {}
    barrier = threading.Barrier(2)

    def approve(who, task):
        barrier.wait()
        answers[who] = decide(c[who], task["task_id"])
    threads = [threading.Thread(target=approve, args=("director", a)), threading.Thread(target=approve, args=("cashier", b))]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert {w: r.status_code for w, r in answers.items()} == {"director": 200, "cashier": 200}
    view = flow_of(c["rep"], rec)
    assert view["status"] == "approved"
    assert sum(1 for e in view["timeline"] if e["kind"] == "approved") == 2


def test_submitting_twice_or_without_choosing_a_flow_is_refused(org):
    ids, c = org
    rec = contract(org, "1000")
    r = submit(c, rec)
    assert r.status_code == 400 and "合同审批" in r.json()["detail"] and "特价审批" in r.json()["detail"]
    assert submit(c, rec, flow="nope").status_code == 400
    assert submit(c, rec, flow="contract_approval").status_code == 201
    again = submit(c, rec, flow="contract_approval")
    assert again.status_code == 409 and "已在审批中" in again.json()["detail"]


def test_someone_who_cannot_edit_the_record_cannot_submit_it(org):
    ids, c = org
    rec = contract(org, "1000")
    assert submit(c, rec, who="rep2").status_code == 404  # another rep's contract is invisible to them
    assert submit(c, rec, who="cashier", flow="contract_approval").status_code in (403, 404)


def test_withdraw_before_a_decision_and_not_after(org):
    ids, c = org
    rec = contract(org, "50000")
    view = submit(c, rec, flow="contract_approval").json()
    assert view["can_withdraw"] and view["can_urge"]
    r = c["rep"].post(f"/api/v1/flow-instances/{view['id']}/withdraw", json={"comment": "金额写错了"})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert pending(c["director"]) == []
    assert record(c["rep"], rec)["flow_status"] == "withdrawn"

    view = submit(c, rec, flow="contract_approval").json()
    [task] = pending(c["director"])
    decide(c["director"], task["task_id"])
    r = c["rep"].post(f"/api/v1/flow-instances/{view['id']}/withdraw")
    assert r.status_code == 409 and "不能撤回" in r.json()["detail"]
    assert c["director"].post(f"/api/v1/flow-instances/{view['id']}/withdraw").status_code == 409


def test_return_to_the_submitter_then_resubmit(org):
    ids, c = org
    rec = contract(org, "1000")
    submit(c, rec, flow="contract_approval")
    [task] = pending(c["director"])
    r = decide(c["director"], task["task_id"], "return", comment="请补充付款方式")
    assert r.status_code == 200 and r.json()["status"] == "returned"
    assert record(c["rep"], rec)["flow_status"] == "returned"
    again = submit(c, rec, flow="contract_approval")
    assert again.status_code == 201 and again.json()["id"] == r.json()["id"]
    assert len(pending(c["director"])) == 1


def test_transfer_and_add_signer(org):
    ids, c = org
    rec = contract(org, "1000")
    submit(c, rec, flow="contract_approval")
    [task] = pending(c["director"])
    assert decide(c["director"], task["task_id"], "transfer").status_code == 400  # to whom?
    r = decide(c["director"], task["task_id"], "transfer", to=ids["deputy"], comment="出差，请代为审批")
    assert r.status_code == 200
    [task] = pending(c["deputy"])
    r = decide(c["deputy"], task["task_id"], "add-signer", to=ids["gm"], position="before")
    assert r.status_code == 200, r.text
    [gm_task] = pending(c["gm"])
    assert pending(c["deputy"]) == []
    decide(c["gm"], gm_task["task_id"])
    [task] = pending(c["deputy"])
    assert decide(c["deputy"], task["task_id"]).json()["status"] == "approved"


def test_task_page_data_follows_the_nodes_field_rules(org):
    ids, c = org
    rec = contract(org, "1000")
    submit(c, rec, flow="contract_approval")
    [task] = pending(c["director"])
    view = c["director"].get(f"/api/v1/tasks/{task['task_id']}").json()
    assert view["fields"]["remark"] == "editable" and view["fields"]["title"] == "visible"
    assert view["actions"] == ["approve", "reject", "return", "transfer", "add_signer"]
    assert view["record"]["title"] == "合同1000"
    assert c["rep"].get(f"/api/v1/tasks/{task['task_id']}").status_code == 404  # not theirs

    r = decide(c["director"], task["task_id"], values={"title": "改标题"})
    assert r.status_code == 403 and "title" in r.json()["detail"]
    r = decide(c["director"], task["task_id"], values={"remark": "已核对价格"})
    assert r.status_code == 200
    assert record(c["rep"], rec)["remark"] == "已核对价格"


def test_the_record_is_locked_while_it_is_being_approved(org):
    ids, c = org
    rec = contract(org, "1000")
    submit(c, rec, flow="contract_approval")
    current = record(c["rep"], rec)
    r = c["rep"].patch(f"{CONTRACTS}/{rec['id']}", json={"title": "偷偷改", "version": current["version"]})
    assert r.status_code == 409 and "审批中" in r.json()["detail"]
    assert record(c["rep"], rec)["title"] == "合同1000"


def test_comments_mention_people_and_urging_notifies_the_approver(org, engine):
    ids, c = org
    rec = contract(org, "1000")
    view = submit(c, rec, flow="contract_approval").json()
    r = c["rep"].post(f"/api/v1/flow-instances/{view['id']}/comments", json={"text": "@cashier 请看一下付款条件"})
    assert r.status_code == 200 and r.json()["timeline"][-1]["kind"] == "commented"
    assert c["rep"].post(f"/api/v1/flow-instances/{view['id']}/comments", json={"text": "  "}).status_code == 400
    assert c["rep"].post(f"/api/v1/flow-instances/{view['id']}/urge").status_code == 200
    with read(engine) as conn:
        assert "mention" in [n.kind for n in recent(conn, ids["cashier"])]
        assert "urge" in [n.kind for n in recent(conn, ids["director"])]
    assert c["rep2"].post(f"/api/v1/flow-instances/{view['id']}/comments", json={"text": "路过"}).status_code == 404


def test_delegation_sends_new_tasks_to_the_delegate(org):
    ids, c = org
    today = date.today()
    r = c["director"].put("/api/v1/me/delegation", json={"delegate": ids["deputy"], "starts": str(today),
                                                         "ends": str(today + timedelta(days=3))})
    assert r.status_code == 200 and r.json()["delegate"]["id"] == ids["deputy"]
    assert c["director"].put("/api/v1/me/delegation", json={"delegate": ids["director"], "starts": str(today),
                                                            "ends": str(today)}).status_code == 400
    rec = contract(org, "1000")
    submit(c, rec, flow="contract_approval")
    assert pending(c["director"]) == []
    [task] = pending(c["deputy"])
    view = c["deputy"].get(f"/api/v1/tasks/{task['task_id']}").json()
    assert view["task"]["on_behalf_of"]["id"] == ids["director"]
    assert c["director"].put("/api/v1/me/delegation", json={"delegate": None}).json() is None


def test_timeouts_remind_once(org, engine, settings):
    ids, c = org
    rec = contract(org, "1000")
    view = submit(c, rec, flow="contract_approval").json()
    later = now_precise(settings.timezone) + timedelta(hours=25)
    app = c["admin"].app.state.formwork.registry.app("crm")
    system = Actor(id=0, username="system", full_name="系统", is_admin=True)
    for _ in range(2):
        with write(engine) as conn:
            service.tick(RecordContext(conn=conn, app=app, actor=system, now=later, data_dir=settings.data_dir,
                                       via="flow"), view["id"])
    with read(engine) as conn:
        reminders = [n for n in recent(conn, ids["director"]) if n.kind == "remind"]
    assert len(reminders) == 1


def test_a_broken_flow_is_refused_at_publish_with_its_path(crm, engine, settings):
    from form_engine.errors import DefinitionError
    from runtime.publish import publish
    with read(engine) as conn:
        from runtime.definition_store import published_app
        data = published_app(conn, "crm").model_dump(mode="json", by_alias=True, exclude_none=True)
    flow = next(f for f in data["flows"] if f["name"] == "special_discount")
    flow["nodes"][1]["approvers"][1]["role"] = "cfo"
    with pytest.raises(DefinitionError) as refused:
        publish(engine, "crm", data, tz=settings.timezone, user_id=None)
    paths = [p.path for p in refused.value.problems]
    index = [f["name"] for f in data["flows"]].index("special_discount")
    assert f"/flows/{index}/nodes/1/approvers/1/role" in paths


def test_a_changed_flow_is_a_new_version_and_running_approvals_keep_theirs(org, engine, settings):
    ids, c = org
    rec = contract(org, "1000")
    submit(c, rec, flow="contract_approval")
    from runtime.definition_store import published_app
    from runtime.publish import publish
    with read(engine) as conn:
        data = published_app(conn, "crm").model_dump(mode="json", by_alias=True, exclude_none=True)
    flow = next(f for f in data["flows"] if f["name"] == "contract_approval")
    flow["label"]["zh-CN"] = "合同审批（新）"
    plan = publish(engine, "crm", data, tz=settings.timezone, user_id=None)
    assert plan.flows == {"contract_approval": 2}
    assert flow_of(c["rep"], rec)["version"] == 1
    [task] = pending(c["director"])
    assert decide(c["director"], task["task_id"]).json()["version"] == 1
    rec2 = contract(org, "2000")
    assert submit(c, rec2, flow="contract_approval").json()["version"] == 2


def test_unknown_actions_and_tasks(org):
    ids, c = org
    assert decide(c["director"], 999999).status_code == 404
    rec = contract(org, "1000")
    submit(c, rec, flow="contract_approval")
    [task] = pending(c["director"])
    assert decide(c["director"], task["task_id"], "explode").status_code == 400
    assert c["director"].get("/api/v1/tasks", params={"box": "nope"}).status_code == 400
    assert Decimal("1") == 1


@pytest.mark.parametrize("amount, path", [("49999.99", ["director"]), ("50000", ["director", "gm"]),
                                          ("50000.01", ["director", "gm"])])
def test_routing_by_amount_at_the_boundary(org, amount, path):
    ids, c = org
    rec = contract(org, amount)
    submit(c, rec, flow="contract_approval")
    for who in path:
        [task] = pending(c[who])
        view = decide(c[who], task["task_id"]).json()
    assert view["status"] == "approved"


def test_return_to_an_earlier_node_runs_it_again(org):
    ids, c = org
    rec = contract(org, "60000")
    submit(c, rec, flow="contract_approval")
    [task] = pending(c["director"])
    decide(c["director"], task["task_id"])
    [task] = pending(c["gm"])
    view = c["gm"].get(f"/api/v1/tasks/{task['task_id']}").json()
    assert [n["id"] for n in view["returnable_nodes"]] == ["director_large"]
    r = decide(c["gm"], task["task_id"], "return", node="director_large", comment="请总监再核一次价格")
    assert r.status_code == 200 and r.json()["status"] == "running"
    [task] = pending(c["director"])
    decide(c["director"], task["task_id"])
    [task] = pending(c["gm"])
    assert decide(c["gm"], task["task_id"]).json()["status"] == "approved"


def test_no_approver_found_blocks_the_submission_with_a_clear_message(org):
    ids, c = org
    rec = contract(org, "1000", who="clerk")
    r = submit(c, rec, who="clerk", flow="contract_approval")
    assert r.status_code == 409 and "销售总监审批" in r.json()["detail"]
    assert record(c["clerk"], rec)["flow_status"] is None
    assert c["clerk"].get("/api/v1/tasks", params={"box": "mine"}).json()["items"] == []


def _race(*calls):
    barrier, answers = threading.Barrier(len(calls)), [None] * len(calls)

    def run(i, call):
        barrier.wait()
        answers[i] = call()
    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return answers


def test_a_double_submit_at_the_same_moment_starts_one_approval(org, engine):
    ids, c = org
    rec = contract(org, "1000")
    answers = _race(lambda: submit(c, rec, flow="contract_approval"), lambda: submit(c, rec, flow="contract_approval"))
    assert sorted(a.status_code for a in answers) == [201, 409]
    with read(engine) as conn:
        assert conn.execute(select(systables.flow_instance.c.id)
                            .where(systables.flow_instance.c.record_id == rec["id"])).all().__len__() == 1
    assert len(pending(c["director"])) == 1


def test_approve_while_withdrawn_one_of_them_wins(org):
    ids, c = org
    rec = contract(org, "1000")
    view = submit(c, rec, flow="contract_approval").json()
    [task] = pending(c["director"])
    approve, withdraw = _race(lambda: decide(c["director"], task["task_id"]),
                              lambda: c["rep"].post(f"/api/v1/flow-instances/{view['id']}/withdraw"))
    assert sorted([approve.status_code, withdraw.status_code]) == [200, 409]
    final = flow_of(c["rep"], rec)["status"]
    assert final == ("approved" if approve.status_code == 200 else "withdrawn")


def _with_timeout(engine, settings, timeout: dict) -> None:
    from runtime.definition_store import published_app
    from runtime.publish import publish
    with read(engine) as conn:
        data = published_app(conn, "crm").model_dump(mode="json", by_alias=True, exclude_none=True)
    flow = next(f for f in data["flows"] if f["name"] == "special_discount")
    flow["nodes"][1]["timeout"] = timeout
    publish(engine, "crm", data, tz=settings.timezone, user_id=None)


def _tick(c, engine, settings, instance_id: int, hours: float) -> None:
    app = c["admin"].app.state.formwork.registry.app("crm")
    system = Actor(id=0, username="system", full_name="系统", is_admin=True)
    with write(engine) as conn:
        service.tick(RecordContext(conn=conn, app=app, actor=system, via="flow", data_dir=settings.data_dir,
                                   now=now_precise(settings.timezone) + timedelta(hours=hours)), instance_id)


def test_timeout_auto_approves_once_with_a_controllable_clock(org, engine, settings):
    ids, c = org
    _with_timeout(engine, settings, {"remind_after_hours": 1, "after_hours": 4, "then": "approve"})
    c["admin"].get("/api/v1/tasks")  # the running app picks the new version up
    rec = contract(org, "1000")
    view = submit(c, rec, flow="special_discount").json()
    _tick(c, engine, settings, view["id"], 2)
    assert flow_of(c["rep"], rec)["status"] == "running"
    _tick(c, engine, settings, view["id"], 5)
    _tick(c, engine, settings, view["id"], 6)
    final = flow_of(c["rep"], rec)
    assert final["status"] == "approved"
    assert sum(1 for e in final["timeline"] if e["kind"] == "auto_approved") == 2  # both seats, once each
    assert sum(1 for e in final["timeline"] if e["kind"] == "reminded") == 2


def test_timeout_escalates_to_a_role(org, engine, settings):
    ids, c = org
    _with_timeout(engine, settings, {"after_hours": 4, "then": "escalate",
                                     "escalate_to": [{"source": "role", "role": "general_manager"}]})
    c["admin"].get("/api/v1/tasks")
    rec = contract(org, "1000")
    view = submit(c, rec, flow="special_discount").json()
    _tick(c, engine, settings, view["id"], 5)
    assert len(pending(c["gm"])) >= 1
    _tick(c, engine, settings, view["id"], 6)
    assert len(pending(c["gm"])) == len({t["task_id"] for t in pending(c["gm"])})


def test_the_scheduler_fires_a_due_reminder_once_across_processes(org, engine, settings):
    """Two schedulers (as two processes would) run at the same moment after downtime: one reminder."""
    import json as _json
    from runtime.flows.timeouts import run_due
    ids, c = org
    rec = contract(org, "1000")
    view = submit(c, rec, flow="contract_approval").json()
    i = systables.flow_instance
    with write(engine) as conn:  # the task has waited two days while nothing ran
        state = _json.loads(conn.execute(select(i.c.state).where(i.c.id == view["id"])).scalar())
        for task in state["tasks"]:
            task["created_at"] = (now_precise(settings.timezone) - timedelta(days=2)).isoformat()
        conn.execute(i.update().where(i.c.id == view["id"]).values(
            state=_json.dumps(state), next_deadline=now_precise(settings.timezone) - timedelta(days=1)))
    _race(lambda: run_due(engine, settings), lambda: run_due(engine, settings))
    with read(engine) as conn:
        assert [n.kind for n in recent(conn, ids["director"])].count("remind") == 1
        assert conn.execute(select(i.c.next_deadline).where(i.c.id == view["id"])).scalar() is None


def test_notifications_go_out_by_email_when_smtp_is_configured(org, engine, settings):
    from dataclasses import replace as _replace
    from runtime.web.app import create_app
    ids, c = org
    application = create_app(_replace(settings, smtp_url="smtp://127.0.0.1:2525?from=crm@example.com"))
    with write(engine) as conn:
        token = create_token(conn, user_id=ids["rep"], name="mail", now=now(settings.timezone))
    with TestClient(application, headers={"Authorization": f"Bearer {token}"}) as rep:
        rec = contract(org, "1000")
        assert rep.post(f"{CONTRACTS}/{rec['id']}/submit", json={"flow": "contract_approval"}).status_code == 201
    application.state.formwork.engine.dispose()
    with read(engine) as conn:
        mails = [r.payload for r in conn.execute(select(systables.outbox))]
    assert len(mails) == 1 and "director@example.com" in mails[0] and "待审批" in mails[0]


def test_an_instance_reloaded_from_the_database_at_every_step_ends_as_one_kept_in_memory(org, engine, settings):
    """Every API action loads the instance from fw_flow_instance and saves it back; replaying the same
    events on one in-memory instance with flow_engine gives the same state."""
    import json as _json
    from flow_engine.events import Approve, Return, Submit
    from flow_engine.machine import handle, new_instance
    from flow_engine.state import FlowInstance
    from runtime.flows.definitions import compiled
    from runtime.flows.directory import DbDirectory
    from runtime.records import load_record
    ids, c = org
    rec = contract(org, "60000")
    view = submit(c, rec, flow="contract_approval").json()
    steps = [("director", "approve", {}), ("gm", "return", {"node": "director_large"}), ("director", "approve", {}),
             ("gm", "approve", {})]
    for who, action, body in steps:
        [task] = pending(c[who])
        assert decide(c[who], task["task_id"], action, **body).status_code == 200
    i = systables.flow_instance
    with read(engine) as conn:
        stored = FlowInstance.model_validate_json(conn.execute(select(i.c.state).where(i.c.id == view["id"])).scalar())
        flow = compiled(conn, "crm", "contract_approval", 1)
        app = c["admin"].app.state.formwork.registry.app("crm")
        ctx = RecordContext(conn=conn, app=app, actor=Actor(id=0, username="s", full_name="s", is_admin=True),
                            now=stored.timeline[0].at, data_dir=settings.data_dir)
        record = load_record(ctx, app.forms["contract"], rec["id"])
        directory = DbDirectory(conn, "crm")
        memory = new_instance(flow, record_id=rec["id"], submitter=ids["rep"])
        memory, _ = handle(flow, memory, Submit(ids["rep"], stored.timeline[0].at), record=record, directory=directory)
        for entry in [e for e in stored.timeline if e.kind in ("approved", "returned")]:
            event = Approve(entry.task, entry.by, entry.at) if entry.kind == "approved" else \
                Return(entry.task, entry.by, entry.at, to="director_large")
            memory, _ = handle(flow, memory, event, record=record, directory=directory)
    strip = lambda inst: _json.loads(inst.model_dump_json(exclude={"timeline"}))  # noqa: E731
    assert strip(memory) == strip(stored) and memory.status == "approved"
    assert [e.kind for e in memory.timeline] == [e.kind for e in stored.timeline if e.kind != "fields_set"] or \
        [e.kind for e in memory.timeline] == [e.kind for e in stored.timeline]
