"""Draft autosave: revisions, the conflict between two admins, problems shown without blocking."""
from __future__ import annotations

from sqlalchemy import select

from runtime import systables
from runtime.database import read

from builder_helpers import designer_data, put_draft

URL = "/builder/apps/crm/forms/product/draft"


def _draft_rows(engine):
    with read(engine) as conn:
        return conn.execute(select(systables.draft)).all()


def _product(web) -> dict:
    return designer_data(web, "crm", "product")


def test_the_designer_opens_with_the_published_form_and_every_field_type(web):
    from form_engine.fieldtypes import FIELD_TYPES
    data = _product(web)
    assert data["revision"] == 0 and data["has_draft"] is False
    assert data["body"]["name"] == "product"
    assert all(f.get("column") for f in data["body"]["fields"])  # existing fields carry their column
    assert {p["type"] for p in data["palette"]} == set(FIELD_TYPES)
    assert data["problems"] == []


def test_saving_a_draft_bumps_the_revision_and_returns_problems_without_blocking(web, engine):
    body = _product(web)["body"]
    body["fields"].append({"name": "shouji", "type": "phone", "label": {"zh-CN": "手机"}})
    first = put_draft(web, URL, 0, body)
    assert first.status_code == 200, first.text
    assert first.json()["revision"] == 1 and first.json()["problems"] == []
    body["fields"].append({"name": "Bad Name", "type": "text", "label": {"zh-CN": ""}})
    second = put_draft(web, URL, 1, body)
    assert second.status_code == 200
    problems = second.json()["problems"]
    index = len(body["fields"]) - 1
    assert {p["prop"] for p in problems if p["field"] == index} >= {"name", "label"}
    assert all(p["in_form"] for p in problems)
    rows = _draft_rows(engine)
    assert len(rows) == 1 and rows[0].revision == 2  # saved anyway
    data = _product(web)
    assert data["has_draft"] and data["revision"] == 2 and data["problems"]


def test_two_admins_editing_the_same_draft_get_a_conflict_not_an_overwrite(web, second, engine):
    body = _product(web)["body"]
    mine = {**body, "label": {"zh-CN": "商品"}}
    assert put_draft(web, URL, 0, mine).status_code == 200
    theirs = {**body, "label": {"zh-CN": "产品目录"}}
    stale = put_draft(second, URL, 0, theirs)  # they loaded the page before my save
    assert stale.status_code == 409
    problem = stale.json()
    assert problem["detail"].startswith("草稿已被 系统管理员 在 ")
    assert problem["detail"].endswith("修改，请刷新后再改")
    assert problem["revision"] == 1
    rows = _draft_rows(engine)
    assert len(rows) == 1 and '"商品"' in rows[0].body and rows[0].revision == 1  # nothing overwritten
    # After reloading they see revision 1 and may save on top of it; now my stale save conflicts.
    assert put_draft(second, URL, 1, theirs).status_code == 200
    mine_again = put_draft(web, URL, 1, mine)
    assert mine_again.status_code == 409 and "李四" in mine_again.json()["detail"]
    assert '"产品目录"' in _draft_rows(engine)[0].body


def test_bad_draft_requests_change_nothing(web, engine):
    assert web.client.put(URL, content="{not json", headers={"Content-Type": "application/json",
                                                              "X-CSRF-Token": web.csrf}).status_code == 400
    assert put_draft(web, URL, -1, {"name": "product"}).status_code == 400
    assert put_draft(web, "/builder/apps/crm/forms/nope/draft", 0, {"name": "nope"}).status_code == 404
    assert put_draft(web, "/builder/apps/nope/forms/nope/draft", 0, {"name": "nope"}).status_code == 404
    no_csrf = web.client.put(URL, json={"revision": 0, "body": {}})
    assert no_csrf.status_code == 403
    assert _draft_rows(engine) == []


def test_discarding_a_draft_goes_back_to_the_published_form(web, engine):
    body = _product(web)["body"]
    assert put_draft(web, URL, 0, {**body, "label": {"zh-CN": "商品"}}).status_code == 200
    done = web.post("/builder/apps/crm/forms/product/draft/discard")
    assert done.status_code == 303 and done.headers["location"] == "/builder/apps/crm/forms/product"
    assert _draft_rows(engine) == []
    assert _product(web)["body"]["label"]["zh-CN"] == "产品"


def test_only_admins_may_use_the_designer(anon, crm, engine, settings):
    from runtime.auth.users import create_user
    from runtime.clock import now
    from runtime.database import write

    from tests.pages.conftest import sign_in
    with write(engine) as conn:
        create_user(conn, username="wang", password="Wang-pass-2024!", full_name="王五", now=now(settings.timezone))
    session = sign_in(anon, "Wang-pass-2024!", username="wang")
    assert anon.get("/builder").status_code == 403
    assert anon.get("/builder/apps/crm/forms/product").status_code == 403
    assert put_draft(session, URL, 0, {"name": "product"}).status_code == 403
    assert _draft_rows(engine) == []
