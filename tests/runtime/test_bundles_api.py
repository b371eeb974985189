"""The definitions API: the bundle meta-schema, export, import plan and apply, admins only."""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runtime.auth.users import create_token, create_user
from runtime.clock import now
from runtime.database import write
from tests.runtime.api_helpers import customer, url
from tests.runtime.test_bundles import field_of, form_of, snapshot

DOC = Path(__file__).resolve().parents[2] / "docs" / "definitions.md"
PROBLEM = "application/problem+json"


@pytest.fixture
def lisi(app, engine, settings) -> TestClient:
    """An ordinary user (not an administrator) with an API token."""
    with write(engine) as conn:
        uid = create_user(conn, username="lisi", password="lisi-password-1", full_name="李四", now=now(settings.timezone))
        token = create_token(conn, user_id=uid, name="t", now=now(settings.timezone))
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as c:
        yield c


def doc_example() -> dict:
    """The complete example bundle in docs/definitions.md (the block after the bundle-example marker)."""
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- bundle-example -->\s*```json\n(.*?)```", text, re.S)
    assert block, "docs/definitions.md lost its bundle example"
    return json.loads(block.group(1))


def test_the_meta_schema_is_served_with_its_id(anon):
    resp = anon.get("/api/v1/schema/bundle")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/schema+json")
    schema = resp.json()
    assert schema["$id"].startswith("https://") and "forms" in schema["$defs"]["app"]["properties"]


def test_export_is_for_administrators(client, lisi, anon):
    resp = client.get("/api/v1/apps/crm/bundle")
    assert resp.status_code == 200 and resp.json()["name"] == "crm" and "demo" not in resp.json()
    download = client.get("/api/v1/apps/crm/bundle?download=true")
    assert download.headers["content-disposition"] == 'attachment; filename="crm.json"'
    assert download.text == resp.text
    denied = lisi.get("/api/v1/apps/crm/bundle")
    assert denied.status_code == 403 and denied.headers["content-type"] == PROBLEM
    assert anon.get("/api/v1/apps/crm/bundle").status_code == 401
    assert lisi.post("/api/v1/bundles/plan", json=resp.json()).status_code == 403
    missing = client.get("/api/v1/apps/crmm/bundle")
    assert missing.status_code == 404 and missing.json()["detail"] == "应用“crmm”不存在"


def test_a_new_app_from_a_bundle_is_planned_then_created_and_serves_records(client):
    bundle = doc_example()
    plan = client.post("/api/v1/bundles/plan", json=bundle)
    assert plan.status_code == 200, plan.text
    body = plan.json()
    assert body["app"] == "purchase" and body["plan"]["creating"] is True
    assert [s["summary"] for s in body["plan"]["steps"]][0] == "新建应用“采购管理”"
    assert client.get("/api/v1/apps/purchase/bundle").status_code == 404  # planning changed nothing

    done = client.post("/api/v1/bundles", json=bundle)
    assert done.status_code == 200, done.text
    base = "/api/v1/apps/purchase/forms"
    supplier = client.post(f"{base}/supplier/records", json={"name": "宁波精工五金", "phone": "13812345678"})
    assert supplier.status_code == 201, supplier.text
    order = client.post(f"{base}/purchase_order/records", json={
        "supplier": supplier.json()["id"], "items": [{"item": "螺栓 M8", "quantity": 100, "unit_price": "0.35"},
                                                     {"item": "垫圈", "unit_price": "0.05"}]})
    assert order.status_code == 201, order.text
    assert order.json()["total"] == "35.05" and supplier.json()["grade"] == "b"
    exported = client.get("/api/v1/apps/purchase/bundle").json()
    assert exported["roles"] == bundle["roles"] and form_of(exported, "supplier")["table"] == "purchase_supplier"


def test_an_import_plan_changes_nothing_and_a_lossy_import_needs_accept_loss(client, engine):
    customer(client, "甲公司", region_city="杭州")
    ok = customer(client, "乙公司", region_city="571")
    bundle = client.get("/api/v1/apps/crm/bundle").json()
    city = field_of(form_of(bundle, "customer"), "region_city")
    city["type"] = "integer"
    city.pop("max_length", None)
    city.pop("searchable", None)
    before = snapshot(engine)

    plan = client.post("/api/v1/bundles/plan", json=bundle).json()["plan"]
    assert plan["lossy"] is True and plan["creating"] is False
    step = next(s for s in plan["steps"] if s["lossy"])
    assert step["affected"] == 1 and step["examples"][0]["value"] == "杭州" and step["consequence"]
    assert snapshot(engine) == before

    refused = client.post("/api/v1/bundles", json=bundle)
    assert refused.status_code == 409 and refused.headers["content-type"] == PROBLEM
    assert refused.json()["plan"]["lossy"] is True and refused.json()["title"] == "需要确认数据变化"
    assert snapshot(engine) == before

    done = client.post("/api/v1/bundles?accept_loss=true", json=bundle)
    assert done.status_code == 200, done.text
    assert done.json()["plan"]["versions"] == {"customer": 2}
    assert client.get(url("customer", ok["id"])).json()["region_city"] == 571


def test_a_bad_bundle_lists_every_problem_with_its_pointer_and_changes_nothing(client, engine):
    bundle = client.get("/api/v1/apps/crm/bundle").json()
    before = snapshot(engine)
    bad = copy.deepcopy(bundle)
    field_of(form_of(bad, "customer"), "level")["type"] = "selct"
    bad["forms"][1]["fields"][0]["lable"] = {"zh-CN": "x"}
    for path in ("/api/v1/bundles/plan", "/api/v1/bundles?accept_loss=true"):
        resp = client.post(path, json=bad)
        assert resp.status_code == 422 and resp.headers["content-type"] == PROBLEM
        errors = {(e["path"], e["code"]) for e in resp.json()["errors"]}
        assert ("/forms/0/fields/1/type", "enum") in errors and ("/forms/1/fields/0/lable", "additionalProperties") in errors
    assert client.post("/api/v1/bundles", content=b"{not json", headers={"Content-Type": "application/json"}).status_code == 400
    assert snapshot(engine) == before
