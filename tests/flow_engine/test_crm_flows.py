"""The CRM's flows, checked against the real CRM form and roles and run on its organisation."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from flow_helpers import HEJING, MAXIAOYAN, WANGJIANGUO, WANGQIANG, ZHANGWEI, Runner

from flow_engine.definitions import FlowDef
from flow_engine.events import CarbonCopy, SetFields, Submit
from flow_engine.fields import field_access
from flow_engine.metaschema import check_flow_json, parse_flow
from flow_engine.validate import check_flow
from form_engine.bundle import parse_app, read_bundle_dir

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "app_templates" / "crm" / "flows"
CRM = ROOT / "app_templates" / "crm"


@pytest.fixture(scope="module")
def crm():
    return parse_app(read_bundle_dir(CRM))


@pytest.fixture(scope="module")
def crm_users() -> set[str]:
    demo = json.loads((CRM / "demo.json").read_text(encoding="utf-8"))
    return {u["username"] for u in demo["users"]} | {"admin"}  # `formwork init` always creates "admin"


def load(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["contract_approval", "special_discount"])
def test_examples_pass_the_meta_schema_and_the_model(name):
    data = load(name)
    assert check_flow_json(data) == []
    assert parse_flow(data).model_dump(by_alias=True, exclude_defaults=True) == FlowDef.model_validate(data).model_dump(
        by_alias=True, exclude_defaults=True)


def test_contract_approval_on_the_crm(crm, crm_users):
    flow = parse_flow(load("contract_approval"))
    roles = {r.name for r in crm.roles}
    found = check_flow(flow, crm.form("contract"), roles=roles, users=crm_users)
    if "general_manager" not in roles:  # the CRM template has no 总经理 role yet
        assert [(p.path, p.code) for p in found] == [("/nodes/1/branches/1/nodes/1/approvers/0/role", "unknown_role")]
    else:
        assert found == []
    assert check_flow(flow, crm.form("contract"), roles=roles | {"general_manager"}, users=crm_users) == []


def test_special_discount_on_the_crm(crm, crm_users):
    flow = parse_flow(load("special_discount"))
    assert check_flow(flow, crm.form("contract"), roles={r.name for r in crm.roles}, users=crm_users) == []


@pytest.mark.parametrize("amount, approvers", [
    ("49999.99", [ZHANGWEI]), ("50000", [ZHANGWEI, WANGJIANGUO]), ("50000.01", [ZHANGWEI, WANGJIANGUO]),
])
def test_contract_routing_by_amount_at_the_boundary(crm, directory, amount, approvers):
    run = Runner(load("contract_approval"), directory=directory, form=crm.form("contract"),
                 record={"total_amount": Decimal(amount), "status": "draft"})
    run(Submit(WANGQIANG, run.later()))
    decided = []
    while run.status == "running":
        [user] = run.pending()
        decided.append(user)
        intents = run.approve(user)
    assert decided == approvers and run.status == "approved"
    assert CarbonCopy("cc_finance", (WANGJIANGUO, MAXIAOYAN, HEJING)) in intents
    assert SetFields({"status": "signed"}) in intents and run.record["status"] == "signed"


def test_special_discount_needs_the_director_and_finance(crm, directory):
    run = Runner(load("special_discount"), directory=directory, form=crm.form("contract"), record={})
    run(Submit(WANGQIANG, run.later()))
    assert set(run.pending()) == {ZHANGWEI, WANGJIANGUO, MAXIAOYAN, HEJING}
    run.approve(MAXIAOYAN)  # speaks for finance; the other finance tasks close
    assert set(run.pending()) == {ZHANGWEI} and run.status == "running"
    run.approve(ZHANGWEI)
    assert run.status == "approved"


def test_field_permissions_per_node(crm):
    flow = parse_flow(load("contract_approval"))
    contract = crm.form("contract")
    at_start = field_access(flow, "start", contract)
    assert at_start["status"] == "visible" and at_start["title"] == "editable" and at_start["total_amount"] == "visible"
    at_director = field_access(flow, "director", contract)
    assert at_director["remark"] == "editable" and at_director["title"] == "visible"


def test_preview_who_would_approve(crm, directory):
    from datetime import datetime

    from flow_engine.compiled import compile_flow
    from flow_engine.preview import preview
    flow = compile_flow(parse_flow(load("contract_approval")), crm.form("contract"))
    at = datetime(2026, 11, 23, 9)
    assert preview(flow, record={"total_amount": Decimal("80000")}, submitter=WANGQIANG, directory=directory, at=at) == [
        ("director_large", [ZHANGWEI]), ("general_manager", [WANGJIANGUO])]
    assert preview(flow, record={"total_amount": Decimal("800")}, submitter=WANGQIANG, directory=directory, at=at) == [
        ("director", [ZHANGWEI])]
