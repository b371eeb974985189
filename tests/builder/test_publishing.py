"""Publishing from the designer: the plan first, lossy plans need a confirmation, archived fields."""
from __future__ import annotations

from builder_helpers import designer_data, put_draft
from sqlalchemy import select

from runtime import systables
from runtime.database import read

DRAFT = "/builder/apps/crm/forms/product/draft"
PUBLISH = "/builder/apps/crm/forms/product/publish"


def _drafts(engine) -> int:
    with read(engine) as conn:
        return len(conn.execute(select(systables.draft.c.id)).all())


def _versions(engine, form: str) -> list[int]:
    d = systables.definition
    with read(engine) as conn:
        return conn.execute(select(d.c.version).where(d.c.kind == "form", d.c.name == form).order_by(d.c.version)).scalars().all()


def test_adding_a_field_shows_the_plan_then_publishes_and_links_to_the_list(web, html, engine, records):
    body = designer_data(web, "crm", "product")["body"]
    body["fields"].append({"name": "shouji", "type": "phone", "label": {"zh-CN": "联系手机"}})
    body["layout"]["sections"][0]["fields"].append("shouji")
    assert put_draft(web, DRAFT, 0, body).status_code == 200
    plan = web.client.get(PUBLISH)
    assert plan.status_code == 200
    doc = html(plan.text)
    assert "联系手机" in doc.by_id("plan").text
    assert doc.find(id="accept-loss") is None  # nothing lossy: no confirmation asked
    done = web.post(PUBLISH, {"revision": "1"})
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/builder/apps/crm/forms/product/published"
    page = html(web.client.get(done.headers["location"]).text)
    assert page.by_id("open-list").attrs["href"] == "/apps/crm/product"
    assert "已发布" in page.by_id("flashes").text
    assert _drafts(engine) == 0 and _versions(engine, "product") == [1, 2]
    records.create("product", {"code": "P-1", "name": "样品", "shouji": "13812345678"})
    assert records.get("product", 1)["shouji"] == "13812345678"


def test_a_stale_revision_is_not_published(web, engine):
    body = designer_data(web, "crm", "product")["body"]
    put_draft(web, DRAFT, 0, {**body, "label": {"zh-CN": "商品"}})
    stale = web.post(PUBLISH, {"revision": "0"})
    assert stale.status_code == 409 and "草稿在你查看发布计划之后又被修改了" in stale.text
    assert _versions(engine, "product") == [1]


def test_a_bad_draft_lists_its_problems_and_cannot_be_published(web, html, engine):
    body = designer_data(web, "crm", "product")["body"]
    body["fields"].append({"name": "x", "type": "select", "label": {"zh-CN": "等级"}, "options": []})
    put_draft(web, DRAFT, 0, body)
    doc = html(web.client.get(PUBLISH).text)
    assert "/fields/7/options" in doc.by_id("plan-problems").text
    assert doc.find(id="publish-form") is None
    refused = web.post(PUBLISH, {"revision": "1"})
    assert refused.status_code == 422
    assert _versions(engine, "product") == [1]


def test_a_lossy_conversion_needs_the_confirmation_and_keeps_the_old_values(web, html, engine, records):
    records.create("product", {"code": "P-1", "name": "样品", "unit": "12"})
    records.create("product", {"code": "P-2", "name": "样品二", "unit": "箱"})
    body = designer_data(web, "crm", "product")["body"]
    unit = next(f for f in body["fields"] if f["name"] == "unit")
    unit.update(type="integer")
    unit.pop("max_length", None)
    put_draft(web, DRAFT, 0, body)
    doc = html(web.client.get(PUBLISH).text)
    assert doc.by_id("accept-loss") is not None
    assert "箱" in doc.by_id("plan").text  # the example row that would not convert
    refused = web.post(PUBLISH, {"revision": "1"})
    assert refused.status_code == 409 and "请先阅读下面的影响并勾选确认" in refused.text
    assert _versions(engine, "product") == [1]
    done = web.post(PUBLISH, {"revision": "1", "accept_loss": "1"})
    assert done.status_code == 303
    designer = designer_data(web, "crm", "product")
    assert designer["body"]["fields"][3]["type"] == "integer"
    page = html(web.client.get("/builder/apps/crm/forms/product").text)
    archived = page.by_id("archived")
    assert "单位" in archived.text and "类型转换前的旧值" in archived.text


def test_a_removed_field_is_archived_then_restored_with_its_data(web, html, engine, records):
    records.create("product", {"code": "P-1", "name": "样品", "unit": "箱"})
    body = designer_data(web, "crm", "product")["body"]
    body["fields"] = [f for f in body["fields"] if f["name"] != "unit"]
    body["layout"]["sections"][0]["fields"].remove("unit")
    put_draft(web, DRAFT, 0, body)
    assert web.post(PUBLISH, {"revision": "1"}).status_code == 303
    assert "unit" not in records.get("product", 1)
    page = html(web.client.get("/builder/apps/crm/forms/product").text)
    assert "字段被删除" in page.by_id("archived").text
    restored = web.post("/builder/apps/crm/forms/product/archived/restore", {"column": "unit", "subform": ""})
    assert restored.status_code == 303 and restored.headers["location"] == PUBLISH
    draft = designer_data(web, "crm", "product")
    unit = next(f for f in draft["body"]["fields"] if f["name"] == "unit")
    assert unit["column"] == "unit"
    assert web.post(PUBLISH, {"revision": str(draft["revision"])}).status_code == 303
    assert records.get("product", 1)["unit"] == "箱"


def test_purging_an_archived_field_is_a_second_explicit_step(web, html, engine, records):
    records.create("product", {"code": "P-1", "name": "样品", "unit": "箱"})
    body = designer_data(web, "crm", "product")["body"]
    body["fields"] = [f for f in body["fields"] if f["name"] != "unit"]
    body["layout"]["sections"][0]["fields"].remove("unit")
    put_draft(web, DRAFT, 0, body)
    web.post(PUBLISH, {"revision": "1"})
    confirm = web.client.get("/builder/apps/crm/forms/product/archived/purge?column=unit&subform=")
    assert confirm.status_code == 200 and "无法恢复" in confirm.text
    unconfirmed = web.post("/builder/apps/crm/forms/product/archived/purge", {"column": "unit", "subform": ""})
    assert unconfirmed.status_code == 422
    assert "unit" in html(web.client.get("/builder/apps/crm/forms/product").text).by_id("archived").text
    done = web.post("/builder/apps/crm/forms/product/archived/purge", {"column": "unit", "subform": "", "confirm": "1"})
    assert done.status_code == 303
    assert html(web.client.get("/builder/apps/crm/forms/product").text).find(id="archived") is None
    assert web.post("/builder/apps/crm/forms/product/archived/purge",
                    {"column": "unit", "subform": "", "confirm": "1"}).status_code == 404
