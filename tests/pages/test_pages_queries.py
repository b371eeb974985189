"""List and detail pages run a fixed number of queries, however many rows they show (no N+1)."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def counting(engine):
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append(statement)
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _queries(web, app, url: str) -> int:
    app.state.formwork.count_cache.clear()  # the same work each time: no totals from an earlier page
    with counting(app.state.formwork.engine) as seen:
        assert web.client.get(url).status_code == 200
    return len(seen)


def test_list_and_detail_pages_do_not_query_per_row(web, app, records):
    customers = [records.create("customer", {"name": f"客户{i}"}) for i in range(3)]
    for i in range(3):
        records.create("contact", {"name": f"联系人{i}", "customer": customers[i % 3]})
    few_list = _queries(web, app, "/apps/crm/contact")
    few_detail = _queries(web, app, f"/apps/crm/customer/{customers[0]}")
    for i in range(17):
        records.create("contact", {"name": f"更多联系人{i}", "customer": customers[i % 3]})
    assert _queries(web, app, "/apps/crm/contact") == few_list
    assert _queries(web, app, f"/apps/crm/customer/{customers[0]}") == few_detail
