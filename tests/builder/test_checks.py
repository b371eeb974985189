"""What the designer checks as you type: expressions against the draft's fields, and the live preview."""
from __future__ import annotations

from builder_helpers import designer_data, post_json, put_draft


def test_an_expression_is_checked_against_the_drafts_field_names(web):
    ok = post_json(web, "/builder/expression", {"source": "quantity * unit_price - created_at.year",
                                                "names": ["quantity", "unit_price"]})
    assert ok.status_code == 200
    assert ok.json()["ok"] is False  # attribute access is refused
    good = post_json(web, "/builder/expression", {"source": "quantity * unit_price + days_between(created_at, today())",
                                                  "names": ["quantity", "unit_price"]})
    assert good.json() == {"ok": True, "problems": [], "suggestions": [], "names": ["quantity", "unit_price", "created_at"]}
    unknown = post_json(web, "/builder/expression", {"source": "quantiy * 2", "names": ["quantity"]}).json()
    assert unknown["ok"] is False and "quantiy" in unknown["problems"][0]
    assert unknown["suggestions"] and "quantity" in unknown["suggestions"][0]
    syntax = post_json(web, "/builder/expression", {"source": "1 +", "names": []}).json()
    assert syntax["ok"] is False and "语法错误" in syntax["problems"][0]
    empty = post_json(web, "/builder/expression", {"source": "  ", "names": []}).json()
    assert empty["problems"] == ["表达式不能为空"]


def test_bad_expression_requests_get_a_clear_400(web):
    assert post_json(web, "/builder/expression", {"names": []}).status_code == 400
    assert post_json(web, "/builder/expression", {"source": "x" * 20_000}).status_code == 400


def test_the_preview_shows_the_drafts_fields_with_the_real_widgets(web, html):
    body = designer_data(web, "crm", "product")["body"]
    body["fields"].append({"name": "shouji", "type": "phone", "label": {"zh-CN": "联系手机"}, "required": True})
    assert put_draft(web, "/builder/apps/crm/forms/product/draft", 0, body).status_code == 200
    shown = web.htmx("/builder/apps/crm/forms/product/preview")
    assert shown.status_code == 200
    doc = html(shown.text)
    phone = doc.by_id("f-shouji")
    assert phone.attrs["type"] == "tel"
    assert "联系手机" in doc.by_id("wrap-f-shouji").text


def test_validating_a_preview_gives_the_real_forms_errors_and_writes_nothing(web, html, records):
    body = designer_data(web, "crm", "product")["body"]
    body["fields"].append({"name": "shouji", "type": "phone", "label": {"zh-CN": "联系手机"}, "required": True})
    put_draft(web, "/builder/apps/crm/forms/product/draft", 0, body)
    bad = web.htmx("/builder/apps/crm/forms/product/preview?check=1", {"code": "P-1", "name": "样品", "shouji": "123"})
    doc = html(bad.text)
    assert doc.by_id("err-f-shouji").text  # the phone format message, as the real form says it
    assert doc.by_id("f-shouji").attrs["value"] == "123"
    missing = html(web.htmx("/builder/apps/crm/forms/product/preview?check=1", {"code": "P-1"}).text)
    assert missing.by_id("err-f-shouji").text == "此项为必填"
    good = html(web.htmx("/builder/apps/crm/forms/product/preview?check=1",
                         {"code": "P-1", "name": "样品", "shouji": "13812345678", "price": "10"}).text)
    assert good.by_id("preview-passed") is not None
    assert records.count("product") == 0


def test_a_draft_with_problems_previews_the_problems_instead(web):
    body = designer_data(web, "crm", "product")["body"]
    body["fields"].append({"name": "gongshi", "type": "formula", "label": {"zh-CN": "公式"}, "expression": "nope + 1",
                           "result_type": "decimal"})
    put_draft(web, "/builder/apps/crm/forms/product/draft", 0, body)
    shown = web.htmx("/builder/apps/crm/forms/product/preview")
    assert shown.status_code == 200
    assert "草稿还有 1 处问题" in shown.text and "nope" in shown.text


def test_preview_helpers_answer_for_the_draft(web, html):
    body = designer_data(web, "crm", "contract")["body"]
    rows = web.client.get("/builder/apps/crm/forms/contract/preview/_row/items?index=2", headers={"HX-Request": "true"})
    assert rows.status_code == 200 and 'id="row-f-items-2"' in rows.text
    assert "/builder/apps/crm/forms/contract/preview/_row/items?index=3" in rows.text
    assert web.client.get("/builder/apps/crm/forms/contract/preview/_row/title").status_code == 404
    pick = web.client.get("/builder/apps/crm/forms/contract/preview/_pick/owner_id?q=x")
    assert pick.status_code in (200, 404)
    upload = web.htmx("/builder/apps/crm/forms/contract/preview/_upload/attachments")
    assert "预览中不能上传文件" in upload.text
    assert body["name"] == "contract"
