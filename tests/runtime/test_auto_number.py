"""Auto numbers stay unique and gap-free when many requests insert at once."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from api_helpers import customer, url


def test_concurrent_inserts_get_unique_gap_free_numbers(client):
    c = customer(client)

    def create(i: int) -> str:
        resp = client.post(url("service_ticket"), json={
            "title": f"工单{i}", "customer": c["id"], "ticket_type": "consult", "priority": "normal",
            "status": "new", "description": "并发测试"})
        assert resp.status_code == 201, resp.text
        return resp.json()["ticket_no"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(create, range(40)))
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert seqs == list(range(1, 41))


def test_a_refused_insert_does_not_use_a_number(client):
    c = customer(client)
    ok = lambda: client.post(url("service_ticket"), json={"title": "a", "customer": c["id"], "ticket_type": "consult",
                                                          "priority": "normal", "status": "new", "description": "x"})
    first = ok().json()["ticket_no"]
    bad = client.post(url("service_ticket"), json={"title": "b", "customer": 999999, "ticket_type": "consult",
                                                   "priority": "normal", "status": "new", "description": "x"})
    assert bad.status_code == 422
    second = ok().json()["ticket_no"]
    assert int(second.rsplit("-", 1)[1]) == int(first.rsplit("-", 1)[1]) + 1
