"""Listing through the API: filters, sort, keyset and offset pagination, search, projection."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from api_helpers import customer, make, url


@pytest.fixture
def opportunities(client):
    c1 = customer(client, name="杭州云帆科技有限公司", level="key")
    c2 = customer(client, name="苏州恒达机械制造有限公司", level="normal")
    stages = ["initial", "analysis", "proposal", "negotiation", "won", "lost"]
    made = []
    for i in range(30):
        data = {"name": f"商机{i:02d}", "customer": (c1 if i % 2 else c2)["id"], "stage": stages[i % 6],
                "amount": str(1000 * (i + 1)), "expected_close_date": f"2026-12-{(i % 28) + 1:02d}"}
        if stages[i % 6] == "lost":
            data["lost_reason"] = "价格"
        made.append(make(client, "opportunity", **data))
    return made


def names(resp) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [r["name"] for r in resp.json()["items"]]


def test_filters(client, opportunities):
    get = lambda **p: names(client.get(url("opportunity"), params={"limit": 100, "sort": "name", **p}))
    assert len(get(stage="won")) == 5
    assert get(stage__in="won,lost")[:2] == ["商机04", "商机05"]
    assert len(get(stage__ne="won")) == 25
    assert get(amount__gte="29000") == ["商机28", "商机29"]
    assert get(amount__between="1000,3000") == ["商机00", "商机01", "商机02"]
    assert get(name__contains="商机1") == [f"商机1{i}" for i in range(10)]
    assert get(name__starts_with="商机2")[0] == "商机20"
    assert len(get(competitor__is_empty="true")) == 30
    assert get(expected_close_date__lt="2026-12-02") == ["商机00", "商机28"]
    assert len(get(stage__not_in="won,lost")) == 20
    assert get(amount__gt="29500") == ["商机29"]
    assert get(amount__lte="1000") == ["商机00"]
    assert get(amount__lt="2000", amount__eq="1000") == ["商机00"]


def test_filter_by_relation_and_owner(client, opportunities):
    cust = opportunities[1]["customer"]["id"]
    assert len(names(client.get(url("opportunity"), params={"customer": cust, "limit": 100}))) == 15
    assert len(names(client.get(url("opportunity"), params={"owner_id": opportunities[0]["owner_id"]["id"], "limit": 100}))) == 30


def test_multi_column_sort(client, opportunities):
    rows = client.get(url("opportunity"), params={"sort": "stage,-amount", "limit": 100}).json()["items"]
    keys = [(r["stage"], -float(r["amount"])) for r in rows]
    assert keys == sorted(keys)


def test_keyset_pages_cover_everything_once(client, opportunities):
    for sort in ("-updated_at", "stage,-amount", "expected_close_date,name", "-competitor"):
        seen, cursor = [], None
        while True:
            params = {"limit": 7, "sort": sort}
            if cursor:
                params["cursor"] = cursor
            body = client.get(url("opportunity"), params=params).json()
            seen += [r["id"] for r in body["items"]]
            cursor = body["next"]
            if not cursor:
                break
        assert sorted(seen) == sorted(o["id"] for o in opportunities), sort
        assert len(seen) == len(set(seen))


def test_offset_pages_and_total(client, opportunities):
    body = client.get(url("opportunity"), params={"limit": 10, "offset": 20, "sort": "name"}).json()
    assert [r["name"] for r in body["items"]][0] == "商机20"
    assert body["total"] == 30 and body["next"] is None


def test_keyword_search(client, opportunities):
    assert names(client.get(url("customer"), params={"q": "恒达"})) == ["苏州恒达机械制造有限公司"]
    assert names(client.get(url("customer"), params={"q": "有限公司 云帆"})) == ["杭州云帆科技有限公司"]
    assert names(client.get(url("customer"), params={"q": "100%_"})) == []


def test_projection(client, opportunities):
    item = client.get(url("opportunity"), params={"fields": "name,stage", "limit": 1}).json()["items"][0]
    assert set(item) - {"id", "version", "created_at", "updated_at", "created_by", "owner_id", "department_id", "flow_status"} == {"name", "stage"}


def test_relation_display_values_without_n_plus_one(client, app, opportunities):
    engine = app.state.formwork.engine
    statements = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)
    event.listen(engine, "before_cursor_execute", count)
    try:
        body = client.get(url("opportunity"), params={"limit": 30}).json()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert all(r["customer"]["display"] for r in body["items"])
    # auth, page, count stamp, count, one per link kind (customer, contact, users, departments) — never per row
    assert len(statements) <= 9, statements


def test_total_is_capped_and_marked(client, app, opportunities, monkeypatch):
    from runtime.records import listing
    monkeypatch.setattr(listing, "COUNT_CAP", 10)
    body = client.get(url("opportunity"), params={"stage__ne": "won"}).json()
    assert body["total"]["exact"] is False and body["total"]["estimate"] >= 10
    assert client.get(url("opportunity"), params={"stage": "won"}).json()["total"] == 5


def test_projection_without_the_sort_field_still_pages(client, opportunities):
    first = client.get(url("opportunity"), params={"fields": "stage", "sort": "name", "limit": 5}).json()
    second = client.get(url("opportunity"), params={"fields": "stage", "sort": "name", "limit": 5, "cursor": first["next"]}).json()
    assert len(second["items"]) == 5 and not {r["id"] for r in first["items"]} & {r["id"] for r in second["items"]}


def test_datetime_filter_with_an_offset_means_that_moment(client, opportunities):
    stamp = opportunities[0]["created_at"]  # wall time in Asia/Shanghai
    from datetime import datetime, timedelta, timezone
    as_utc = (datetime.fromisoformat(stamp) - timedelta(hours=8)).replace(tzinfo=timezone.utc).isoformat()
    body = client.get(url("opportunity"), params={"created_at__gte": as_utc, "limit": 100}).json()
    assert opportunities[0]["id"] in {r["id"] for r in body["items"]}
