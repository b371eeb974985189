"""The bundles page: download an app, paste or upload a bundle → errors or plan → confirm (lossy: the checkbox)."""
from __future__ import annotations

import json

from runtime.bundles import bundle_text
from tests.runtime.api_helpers import customer, url
from tests.runtime.test_bundles import bundle_of, field_of, form_of, snapshot
from tests.runtime.test_bundles_api import doc_example

PAGE = "/builder/bundles"


def test_download_an_app_as_json(web, engine):
    resp = web.client.get("/builder/apps/crm/bundle")
    assert resp.status_code == 200 and resp.headers["content-disposition"] == 'attachment; filename="crm.json"'
    assert resp.text == bundle_text(bundle_of(engine))
    page = web.client.get(PAGE)
    assert page.status_code == 200 and 'href="/builder/apps/crm/bundle"' in page.text


def test_a_pasted_bad_bundle_lists_every_problem_and_changes_nothing(web, engine, html):
    before = snapshot(engine)
    bad = bundle_of(engine)
    field_of(form_of(bad, "customer"), "level")["type"] = "selct"
    bad["menu"][0]["form"] = "customers"
    resp = web.post(PAGE + "/plan", {"text": json.dumps(bad, ensure_ascii=False)})
    assert resp.status_code == 422
    problems = html(resp.text).by_id("problems")
    assert "/forms/0/fields/1/type" in problems.text and "未知的字段类型“selct”" in problems.text
    broken = web.post(PAGE + "/plan", {"text": '{"name": "crm",'})
    assert broken.status_code == 422 and "不是有效的 JSON" in html(broken.text).by_id("problems").text
    # the pasted text is kept, so it can be fixed in place
    assert html(broken.text).by_id("bundle-text").text == '{"name": "crm",'
    assert snapshot(engine) == before


def test_upload_a_new_app_see_the_plan_then_confirm(web, engine, html):
    text = json.dumps(doc_example(), ensure_ascii=False)
    resp = web.client.post(PAGE + "/plan", files={"file": ("purchase.json", text.encode(), "application/json")},
                           data={"csrf_token": web.csrf})
    assert resp.status_code == 200, resp.text
    doc = html(resp.text)
    assert "将新建应用“purchase”" in doc.by_id("plan-for").text and "新建表单“供应商”" in doc.by_id("plan").text
    assert doc.find(id="accept-loss") is None
    done = web.post(PAGE + "/import", {"text": text})
    assert done.status_code == 303 and done.headers["location"] == "/builder/apps/purchase"
    assert "已创建应用“采购管理”" in web.client.get("/builder/apps/purchase").text
    assert web.client.get("/apps/purchase/supplier").status_code == 200


def test_a_lossy_upgrade_needs_the_checkbox(web, client, engine, html):
    kept = customer(client, "甲公司", region_city="杭州")
    bundle = bundle_of(engine)
    city = field_of(form_of(bundle, "customer"), "region_city")
    city["type"] = "integer"
    city.pop("max_length", None)
    text = json.dumps(bundle, ensure_ascii=False)
    before = snapshot(engine)
    plan = web.post(PAGE + "/plan", {"text": text})
    doc = html(plan.text)
    assert plan.status_code == 200 and "将升级已安装的应用“crm”" in doc.by_id("plan-for").text
    assert "杭州" in doc.by_id("plan").text and doc.by_id("accept-loss") is not None
    refused = web.post(PAGE + "/import", {"text": text})
    assert refused.status_code == 409 and "勾选确认" in html(refused.text).by_id("bundle-error").text
    assert snapshot(engine) == before
    done = web.post(PAGE + "/import", {"text": text, "accept_loss": "1"})
    assert done.status_code == 303
    assert client.get(url("customer", kept["id"])).json()["region_city"] is None
