"""Bad input through the API: each gets its clear error, and nothing is written."""
from __future__ import annotations

import pytest

from api_helpers import customer, product, total, url


def errors_of(resp) -> dict[str, str]:
    assert resp.headers["content-type"].startswith("application/problem+json"), resp.text
    return {e["path"]: e["code"] for e in resp.json()["errors"]}


@pytest.mark.parametrize("form, data, path, code", [
    ("contact", {"name": "张三", "mobile": "123"}, "mobile", "phone"),
    ("customer", {"name": "某公司", "website": "www.example.com"}, "website", "url"),
    ("contact", {"name": "张三", "email": "wangli.example.com"}, "email", "email"),
    ("customer", {"name": "某公司", "level": "vip"}, "level", "option"),
    ("opportunity", {"name": "商机", "stage": "initial", "amount": "12万"}, "amount", "decimal"),
    ("customer", {"level": "key"}, "name", "required"),
    ("contact", {"name": "张三", "customer": 424242}, "customer", "relation"),
    ("customer", {"name": "某公司", "owner_id": 5}, "owner_id", "system"),
    ("customer", {"name": "某公司", "colour": "red"}, "colour", "unknown_field"),
    ("contract", {"title": "x", "status": "draft", "contract_no": "HT-1"}, "contract_no", "computed"),
])
def test_bad_record_is_refused_and_nothing_written(client, form, data, path, code):
    before = total(client, form)
    resp = client.post(url(form), json=data)
    assert resp.status_code == 422
    assert errors_of(resp).get(path) == code
    assert resp.json()["errors"][0]["message"]
    assert total(client, form) == before


def test_all_errors_come_back_at_once_in_chinese(client):
    resp = client.post(url("contact"), json={"mobile": "123", "email": "x"})
    errs = resp.json()["errors"]
    assert {e["path"] for e in errs} >= {"name", "customer", "mobile", "email"}
    messages = {e["path"]: e["message"] for e in errs}
    assert messages["name"] == "此项为必填"
    assert "手机号" in messages["mobile"]


def test_errors_in_english_when_asked(client):
    resp = client.post(url("contact") + "?lang=en", json={"name": "x", "mobile": "123"})
    msg = {e["path"]: e["message"] for e in resp.json()["errors"]}["mobile"]
    assert "mobile" in msg.lower()


def test_subform_row_errors_point_at_the_cell(client):
    c = customer(client)
    p = product(client)
    resp = client.post(url("contract"), json={"title": "x", "customer": c["id"], "status": "draft", "items": [
        {"product": p["id"], "quantity": 1, "unit_price": "1"}, {"product": p["id"], "quantity": "abc", "unit_price": "1"}]})
    assert errors_of(resp) == {"items.1.quantity": "integer"}
    assert total(client, "contract") == 0


def test_form_rule_message(client):
    c, p = customer(client), product(client)
    resp = client.post(url("contract"), json={"title": "x", "customer": c["id"], "status": "draft",
                                              "start_date": "2026-12-01", "end_date": "2026-01-01",
                                              "items": [{"product": p["id"], "quantity": 1, "unit_price": "1"}]})
    assert resp.status_code == 422
    assert {e["path"]: e["message"] for e in resp.json()["errors"]}["end_date"] == "结束日期不能早于开始日期"


def test_duplicate_unique_value(client):
    customer(client, name="唯一公司")
    resp = client.post(url("customer"), json={"name": "唯一公司"})
    assert errors_of(resp) == {"name": "unique"}
    assert total(client, "customer") == 1


def test_body_that_is_not_an_object(client):
    resp = client.post(url("customer"), content=b"[1,2]", headers={"content-type": "application/json"})
    assert resp.status_code == 400
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert total(client, "customer") == 0


def test_bad_update_leaves_record_unchanged(client):
    c = customer(client, phone="13812345678")
    resp = client.patch(url("customer", c["id"]), json={"version": 1, "phone": "123", "address": "新地址"})
    assert resp.status_code == 422
    again = client.get(url("customer", c["id"])).json()
    assert again["phone"] == "13812345678" and again["address"] is None and again["version"] == 1


@pytest.mark.parametrize("params, fragment", [
    ({"nosuch": "1"}, "nosuch"),
    ({"name__like": "x"}, "like"),
    ({"sort": "nosuch"}, "nosuch"),
    ({"cursor": "garbage!"}, "游标"),
    ({"limit": "100000"}, "limit"),
    ({"created_at__gte": "yesterday"}, "created_at"),
    ({"remark__gt": "a", "sort": "tags"}, "tags"),
])
def test_bad_list_queries(client, params, fragment):
    customer(client)
    resp = client.get(url("customer"), params=params)
    assert resp.status_code == 400, resp.text
    assert fragment in resp.json()["detail"] + resp.json().get("suggestion", "") or fragment in resp.text


def test_unauthenticated_api_requests(anon):
    for method, path in [("get", url("customer")), ("post", url("customer")), ("get", url("customer", 1)),
                         ("patch", url("customer", 1)), ("delete", url("customer", 1)), ("get", "/api/v1/apps")]:
        resp = getattr(anon, method)(path, **({"json": {"name": "x"}} if method in ("post", "patch") else {}))
        assert resp.status_code == 401, (method, path)
        assert resp.headers["content-type"].startswith("application/problem+json")


def test_bad_and_revoked_tokens(anon, client, engine):
    assert anon.get(url("customer"), headers={"Authorization": "Bearer fw_nope"}).status_code == 401
    from sqlalchemy import update
    from runtime import systables
    with engine.begin() as conn:
        conn.execute(update(systables.token).values(revoked_at=systables.token.c.created_at))
    assert client.get(url("customer")).status_code == 401


def test_disabled_user_token_stops_at_once(client, engine):
    from sqlalchemy import update
    from runtime import systables
    assert client.get(url("customer")).status_code == 200
    with engine.begin() as conn:
        conn.execute(update(systables.user).values(is_active=False))
    assert client.get(url("customer")).status_code == 401
