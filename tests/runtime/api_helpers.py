"""Small helpers for API tests: URLs and record factories that go through the HTTP API."""
from __future__ import annotations

BASE = "/api/v1/apps/crm/forms"


def url(form: str, record_id: int | None = None, suffix: str = "") -> str:
    out = f"{BASE}/{form}/records"
    if record_id is not None:
        out += f"/{record_id}"
    return out + suffix


def make(client, form: str, **data) -> dict:
    resp = client.post(url(form), json=data)
    assert resp.status_code == 201, resp.text
    return resp.json()


def customer(client, name: str = "杭州云帆科技有限公司", **extra) -> dict:
    return make(client, "customer", name=name, **extra)


def product(client, code: str = "P-001", name: str = "云服务器标准版", price: str = "1200.00") -> dict:
    return make(client, "product", code=code, name=name, price=price)


def total(client, form: str, **params) -> int:
    resp = client.get(url(form), params=params)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    return body["total"]
