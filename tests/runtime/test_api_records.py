"""The records REST API: CRUD on every CRM form, subforms, formulas, relations, errors."""
from __future__ import annotations

from api_helpers import customer, make, product, total, url


def test_customer_crud_round_trip(client):
    created = customer(client, level="key", tags=["vip"] if False else None, phone="13812345678",
                       website="https://yunfan.example.cn")
    assert created["version"] == 1
    assert created["name"] == "杭州云帆科技有限公司"
    assert created["owner_id"]["display"] == "系统管理员"
    got = client.get(url("customer", created["id"])).json()
    assert got == created
    changed = client.patch(url("customer", created["id"]), json={"version": 1, "level": "strategic"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["level"] == "strategic" and changed.json()["version"] == 2
    gone = client.delete(url("customer", created["id"]))
    assert gone.status_code == 200
    assert client.get(url("customer", created["id"])).status_code == 404
    assert total(client, "customer") == 0


def test_every_form_accepts_a_record(client):
    c = customer(client)
    p = product(client)
    contact = make(client, "contact", name="王丽", customer=c["id"], mobile="13912345678", email="wangli@yunfan.cn")
    assert contact["customer"] == {"id": c["id"], "display": "杭州云帆科技有限公司"}
    make(client, "lead", name="李强", company="宁波海星贸易", mobile="15012345678", status=first_option(client, "lead", "status"))
    opp = make(client, "opportunity", name="云平台采购", customer=c["id"], stage="proposal", amount="250000")
    assert opp["win_probability"] == "50"
    make(client, "follow_up", customer=c["id"], opportunity=opp["id"], method=first_option(client, "follow_up", "method"),
         content="电话沟通需求，约下周拜访")
    contract = make(client, "contract", title="云平台采购合同", customer=c["id"], status="draft",
                    items=[{"product": p["id"], "quantity": 2, "unit_price": "1200.00"},
                           {"product": p["id"], "quantity": 3, "unit_price": "99.90"}])
    assert [r["line_total"] for r in contract["items"]] == ["2400.00", "299.70"]
    assert contract["total_amount"] == "2699.70"
    assert contract["contract_no"].startswith("HT-")
    pay = make(client, "payment", customer=c["id"], contract=contract["id"], planned_date="2026-12-01", planned_amount="1000")
    assert pay["status"] == "待回款"
    ticket = make(client, "service_ticket", title="无法登录", customer=c["id"], ticket_type="fault", priority="urgent",
                  status="new", description="客户反馈账号无法登录")
    assert ticket["sla_due"] is not None and ticket["ticket_no"].startswith("GD-")


def first_option(client, form: str, field: str) -> str:
    schema = client.get(f"/api/v1/apps/crm/forms/{form}/schema").json()
    return [v for v in schema["properties"][field]["enum"] if v is not None][0]


def test_subform_rows_are_replaced_and_keep_ids(client):
    c, p = customer(client), product(client)
    contract = make(client, "contract", title="合同A", customer=c["id"], status="draft",
                    items=[{"product": p["id"], "quantity": 1, "unit_price": "10"},
                           {"product": p["id"], "quantity": 2, "unit_price": "10"}])
    first = contract["items"][0]
    resp = client.patch(url("contract", contract["id"]), json={
        "version": 1, "items": [{"id": first["id"], "product": p["id"], "quantity": 5, "unit_price": "10"}]})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [r["id"] for r in body["items"]] == [first["id"]]
    assert body["total_amount"] == "50.00"


def test_stale_version_conflict_keeps_both_sides(client):
    c = customer(client)
    assert client.patch(url("customer", c["id"]), json={"version": 1, "address": "文一西路 1 号"}).status_code == 200
    stale = client.patch(url("customer", c["id"]), json={"version": 1, "address": "覆盖的地址"})
    assert stale.status_code == 409
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert stale.json()["current"]["address"] == "文一西路 1 号"
    assert client.get(url("customer", c["id"])).json()["address"] == "文一西路 1 号"


def test_update_without_version_is_refused(client):
    c = customer(client)
    resp = client.patch(url("customer", c["id"]), json={"address": "x"})
    assert resp.status_code == 428
    assert client.get(url("customer", c["id"])).json()["address"] is None


def test_if_match_header_carries_the_version(client):
    c = customer(client)
    resp = client.patch(url("customer", c["id"]), json={"address": "x"}, headers={"If-Match": '"1"'})
    assert resp.status_code == 200


def test_recycle_bin_and_restore(client):
    c = customer(client)
    client.delete(url("customer", c["id"]))
    trash = client.get(url("customer"), params={"deleted": "1"}).json()
    assert [r["id"] for r in trash["items"]] == [c["id"]] and trash["items"][0]["deleted_at"]
    restored = client.post(url("customer", c["id"], "/restore"))
    assert restored.status_code == 200 and restored.json()["version"] == 3
    assert total(client, "customer") == 1


def test_restore_refused_when_unique_value_taken(client):
    c = customer(client, name="重名公司")
    client.delete(url("customer", c["id"]))
    customer(client, name="重名公司")
    resp = client.post(url("customer", c["id"], "/restore"))
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["path"] == "name"
    assert total(client, "customer", deleted="1") == 1


def test_deleted_customer_can_no_longer_be_linked(client):
    c = customer(client)
    client.delete(url("customer", c["id"]))
    resp = client.post(url("contact"), json={"name": "张三", "customer": c["id"]})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["code"] == "relation"


def test_schema_endpoint_and_openapi_are_typed(client):
    schema = client.get("/api/v1/apps/crm/forms/customer/schema").json()
    assert schema["properties"]["name"]["type"] == "string"
    assert "phone" in schema["properties"]
    doc = client.get("/openapi.json").json()
    assert "/api/v1/apps/crm/forms/contract/records" in doc["paths"]
    assert "crm.contract" in doc["components"]["schemas"]
    items = doc["components"]["schemas"]["crm.contract.input"]["properties"]["items"]
    assert items["type"] == "array" and "quantity" in items["items"]["properties"]
    assert client.get("/api/v1/schema/app").json()["$schema"].startswith("https://json-schema.org/draft/2020-12")


def test_unknown_app_form_and_record_answer_404(client):
    assert client.get("/api/v1/apps/nope/forms/customer/records").status_code == 404
    missing = client.get("/api/v1/apps/crm/forms/custmer/records")
    assert missing.status_code == 404 and "customer" in missing.json().get("suggestion", "")
    assert client.get(url("customer", 999)).status_code == 404


def test_attachment_upload_and_link(client):
    c, p = customer(client), product(client)
    up = client.post("/api/v1/apps/crm/files", files={"file": ("合同扫描件.pdf", b"%PDF-1.4 test", "application/pdf")})
    assert up.status_code == 201, up.text
    file_id = up.json()["id"]
    contract = make(client, "contract", title="带附件", customer=c["id"], status="draft", scanned_copy=[file_id],
                    items=[{"product": p["id"], "quantity": 1, "unit_price": "1"}])
    assert contract["scanned_copy"][0]["name"] == "合同扫描件.pdf"
    down = client.get(f"/files/{file_id}")
    assert down.status_code == 200 and down.content == b"%PDF-1.4 test"


def test_attachment_of_a_forbidden_type_is_refused(client):
    c, p = customer(client), product(client)
    up = client.post("/api/v1/apps/crm/files", files={"file": ("run.exe", b"MZ", "application/octet-stream")})
    resp = client.post(url("contract"), json={"title": "x", "customer": c["id"], "status": "draft",
                                              "scanned_copy": [up.json()["id"]],
                                              "items": [{"product": p["id"], "quantity": 1, "unit_price": "1"}]})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["code"] == "file_type"
    assert total(client, "contract") == 0


def test_contract_rows_get_field_defaults_through_the_api(client):
    c, p = customer(client), product(client)
    schema = client.get("/api/v1/apps/crm/forms/contract/schema").json()
    resp = client.post(url("contract"), json={"title": "默认数量", "customer": c["id"], "status": "draft",
                                              "items": [{"product": p["id"], "unit_price": "10"}]})
    assert resp.status_code == 201, resp.text
    assert resp.json()["items"][0]["quantity"] == 1
    assert schema["properties"]["items"]["type"] == "array"


def test_service_numbers_are_valid_phones(client):
    created = customer(client, phone="400-800-1234")
    assert created["phone"] == "400-800-1234"


def test_oversized_upload_is_refused_and_nothing_kept(crm, settings, token):
    from dataclasses import replace

    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from runtime import systables
    from runtime.web.app import create_app
    app = create_app(replace(settings, max_upload_mb=0.001))  # about 1 KB
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        resp = client.post("/api/v1/apps/crm/files", files={"file": ("big.pdf", b"x" * 5000, "application/pdf")})
        assert resp.status_code == 413
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert "MB" in resp.json()["detail"]
        with app.state.formwork.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(systables.file)).scalar() == 0
    files = settings.data_dir / "files"
    assert not files.exists() or not any(p.is_file() for p in files.rglob("*"))
    app.state.formwork.engine.dispose()
