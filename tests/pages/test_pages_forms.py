"""The record form: line items, errors next to fields, CSRF, conflicts, visible_when, pickers, uploads."""
from __future__ import annotations

import io


def _products(records) -> tuple[int, int]:
    return (records.create("product", {"code": "CRM-STD", "name": "CRM 标准版", "price": "1000"}),
            records.create("product", {"code": "IMPL-DAY", "name": "实施服务（人天）", "price": "350"}))


def test_contract_with_two_line_items_shows_its_computed_total(web, html, records):
    customer = records.create("customer", {"name": "宁波海曙外贸有限公司"})
    crm_std, impl = _products(records)
    answer = web.post("/apps/crm/contract/new", [
        ("title", "CRM 系统采购合同"), ("customer", str(customer)), ("status", "draft"), ("sign_date", "2026-11-20"),
        ("items", ""),
        ("items.0.product", str(crm_std)), ("items.0.quantity", "2"), ("items.0.unit_price", "1000"),
        ("items.1.product", str(impl)), ("items.1.quantity", "3"), ("items.1.unit_price", "350.5"),
    ])
    assert answer.status_code == 303, answer.text
    detail = html(web.client.get(answer.headers["location"]).text)
    items = detail.find("table", class_="subtable")
    rows = items.find("tbody").find_all("tr")
    assert [r.find_all("td")[1].text for r in rows] == ["CRM 标准版", "实施服务（人天）"]
    assert rows[0].find("a").attrs["href"] == f"/apps/crm/product/{crm_std}"
    assert [r.find_all("td")[-1].text for r in rows] == ["2,000.00", "1,051.50"]
    total = next(kv for kv in detail.find_all("div", class_="kv") if kv.find("dt").text == "合同金额（元）")
    assert total.find("dd").text == "3,051.50"
    assert detail.find("dd").text.startswith("HT-")
    assert "宁波海曙外贸有限公司" in detail.text

    record_id = int(answer.headers["location"].rsplit("/", 1)[1])
    edit = html(web.client.get(f"/apps/crm/contract/{record_id}/edit").text)
    assert edit.find("input", name="items.1.quantity").attrs["value"] == "3"
    assert edit.by_id("pick-f-items-0-product").attrs["value"] == "CRM 标准版"
    row_id = edit.find("input", name="items.0.id").attrs["value"]
    assert "HT-" in edit.by_id("f-contract_no").text and "3,051.50" in edit.by_id("f-total_amount").text
    # Remove the second row, keep the first (its id is kept).
    web.post(f"/apps/crm/contract/{record_id}/edit", [
        ("version", "1"), ("title", "CRM 系统采购合同"), ("customer", str(customer)), ("status", "active"), ("items", ""),
        ("items.0.id", row_id), ("items.0.product", str(crm_std)), ("items.0.quantity", "1"), ("items.0.unit_price", "1000")])
    saved = records.get("contract", record_id)
    assert [r["id"] for r in saved["items"]] == [int(row_id)] and str(saved["total_amount"]) == "1000.00"


def test_errors_show_next_to_their_fields_and_nothing_is_written(web, html, records):
    customer = records.create("customer", {"name": "厦门鹭岛贸易有限公司"})
    answer = web.post("/apps/crm/contact/new", {"name": "", "customer": str(customer), "mobile": "123",
                                                "key_decision_maker": ["0"]})
    assert answer.status_code == 422
    page = html(answer.text)
    assert "手机号" in page.by_id("err-f-mobile").text  # the engine's message for a bad mobile number
    assert "此项为必填" in page.by_id("wrap-f-name").text
    assert page.by_id("f-mobile").attrs["value"] == "123"  # the user's input stays
    assert page.by_id("f-mobile").attrs["aria-invalid"] == "true"
    assert page.by_id("pick-f-customer").attrs["value"] == "厦门鹭岛贸易有限公司"
    summary = page.by_id("form-summary").text
    assert "姓名：此项为必填" in summary and "手机：" in summary
    assert "此项为必填" not in page.by_id("wrap-f-customer").text
    assert records.count("contact") == 0
    assert web.client.get("/api/v1/apps/crm/forms/contact/records").json()["total"] == 0


def test_htmx_save_errors_re_render_only_the_form(web, html, records):
    answer = web.htmx("/apps/crm/customer/new", {"name": "", "csrf_token": web.csrf})
    assert answer.status_code == 422
    assert answer.text.lstrip().startswith('<form id="record-form"') and "<html" not in answer.text
    assert "此项为必填" in html(answer.text).by_id("wrap-f-name").text
    ok = web.htmx("/apps/crm/customer/new", {"name": "青岛海风食品有限公司"})
    assert ok.status_code == 204 and ok.headers["HX-Redirect"].startswith("/apps/crm/customer/")
    assert "fw_flash" in ok.headers["set-cookie"]


def test_line_item_errors_appear_in_their_cell(web, html, records):
    customer = records.create("customer", {"name": "合肥科大电气有限公司"})
    product, _ = _products(records)
    head = [("title", "配电柜采购"), ("customer", str(customer)), ("status", "draft"), ("items", "")]
    missing = web.post("/apps/crm/contract/new", head + [
        ("items.0.product", str(product)), ("items.0.quantity", "1"), ("items.0.unit_price", "12"),
        ("items.1.product", ""), ("items.1.quantity", "2"), ("items.1.unit_price", "12")])
    assert missing.status_code == 422
    page = html(missing.text)
    assert "此项为必填" in page.by_id("err-f-items-1-product").text
    assert page.by_id("err-f-items-0-product").text == ""
    assert page.find("input", name="items.1.unit_price").attrs["value"] == "12"
    too_few = html(web.post("/apps/crm/contract/new", head + [
        ("items.0.product", str(product)), ("items.0.quantity", "0"), ("items.0.unit_price", "12")]).text)
    assert "不能小于 1" in too_few.by_id("err-f-items-0-quantity").text
    assert "合同明细 第 1 行 · 数量：不能小于 1" in too_few.by_id("form-summary").text
    empty = web.post("/apps/crm/contract/new", [("title", "空合同"), ("customer", str(customer)), ("items", "")])
    assert "请至少添加一条合同明细" in html(empty.text).by_id("wrap-f-items").text
    assert records.count("contract") == 0


def test_a_post_without_the_csrf_token_is_refused_and_writes_nothing(web, records):
    answer = web.client.post("/apps/crm/customer/new", data={"name": "无令牌公司"}, follow_redirects=False)
    assert answer.status_code == 403
    assert "请求已失效" in answer.text
    wrong = web.client.post("/apps/crm/customer/new", data={"name": "无令牌公司", "csrf_token": "forged"})
    assert wrong.status_code == 403
    assert records.count("customer") == 0


def test_a_stale_version_shows_the_conflict_and_keeps_the_input(web, html, records):
    record_id = records.create("customer", {"name": "武汉光谷生物有限公司"})
    web.post(f"/apps/crm/customer/{record_id}/edit", {"version": "1", "name": "武汉光谷生物股份有限公司"})
    answer = web.post(f"/apps/crm/customer/{record_id}/edit", {"version": "1", "name": "我的修改", "region_city": "武汉"})
    assert answer.status_code == 409
    page = html(answer.text)
    alert = page.find("div", class_="alert-warning")
    assert "该记录已被他人修改" in alert.text and "武汉光谷生物股份有限公司" in alert.text
    assert alert.find("a").attrs["href"] == f"/apps/crm/customer/{record_id}/edit"
    assert page.by_id("f-name").attrs["value"] == "我的修改"
    assert page.find("input", name="version").attrs["value"] == "2"
    assert records.get("customer", record_id)["name"] == "武汉光谷生物股份有限公司"


def test_visible_when_is_decided_by_the_server(web, html):
    new = html(web.client.get("/apps/crm/lead/new").text)
    status = new.by_id("f-status")
    assert status.attrs["hx-post"] == "/apps/crm/lead/_form" and status.attrs["hx-trigger"] == "change"
    assert new.find("input", name="next_follow_up") is not None  # status defaults to "new"
    hidden = web.htmx("/apps/crm/lead/_form", {"name": "王先生", "status": "invalid"})
    assert hidden.status_code == 200 and hidden.text.lstrip().startswith('<div id="form-fields"')
    fields = html(hidden.text)
    assert fields.find("input", name="next_follow_up") is None
    assert fields.by_id("f-name").attrs["value"] == "王先生"
    shown = html(web.htmx("/apps/crm/lead/_form", {"status": "following"}).text)
    assert shown.find("input", name="next_follow_up") is not None


def test_prefill_from_the_query_and_the_picker(web, html, records):
    customer = records.create("customer", {"name": "长沙岳麓文化传媒有限公司"})
    records.create("customer", {"name": "长春一汽配套有限公司"})
    page = html(web.client.get(f"/apps/crm/contact/new?customer={customer}").text)
    assert page.by_id("f-customer").attrs["value"] == str(customer)
    assert page.by_id("pick-f-customer").attrs["value"] == "长沙岳麓文化传媒有限公司"
    picked = html(web.client.get("/apps/crm/contact/_pick/customer?q=岳麓").text)
    options = picked.find_all("button", class_="picker-option")
    assert [(o.attrs["data-pick-id"], o.text) for o in options] == [(str(customer), "长沙岳麓文化传媒有限公司")]
    assert len(html(web.client.get("/apps/crm/contact/_pick/customer?q=").text).find_all("button")) == 2
    assert "没有找到匹配的记录" in web.client.get("/apps/crm/contact/_pick/customer?q=zzz").text
    product = records.create("product", {"code": "SMS", "name": "短信包"})
    rows = html(web.client.get("/apps/crm/contract/_pick/items.3.product?q=短信").text)
    assert rows.find("button").attrs["data-pick-id"] == str(product)
    assert web.client.get("/apps/crm/contract/_pick/title").status_code == 404


def test_add_row_returns_the_row_and_the_next_button(web, html):
    answer = web.client.get("/apps/crm/contract/_row/items?index=2")
    page = html(answer.text)
    assert page.find("tr", class_="sub-row").attrs["id"] == "row-f-items-2"
    assert page.find("input", name="items.2.quantity").attrs["value"] == "1"  # the row default
    assert page.find("input", name="items.2.product") is not None
    button = page.by_id("add-f-items")
    assert button.attrs["hx-swap-oob"] == "true" and button.attrs["hx-get"].endswith("index=3")


def test_attachments_upload_through_the_page_and_link_on_the_detail(web, html, records):
    customer = records.create("customer", {"name": "深圳南山智能有限公司"})
    product, _ = _products(records)
    headers = {"HX-Request": "true", "X-CSRF-Token": web.csrf}
    refused = web.client.post("/apps/crm/contract/_upload/scanned_copy", headers=headers,
                              files={"upload": ("病毒.exe", io.BytesIO(b"MZ"), "application/octet-stream")})
    assert refused.headers["HX-Retarget"] == "#err-f-scanned_copy" and "不支持" in refused.text
    answer = web.client.post("/apps/crm/contract/_upload/scanned_copy", headers=headers,
                             files={"upload": ("合同扫描件.pdf", io.BytesIO(b"%PDF-1.4 test"), "application/pdf")})
    assert answer.status_code == 200
    chip = html(answer.text).find("span", class_="file-chip")
    file_id = chip.find("input").attrs["value"]
    assert chip.find("input").attrs["name"] == "scanned_copy" and "合同扫描件.pdf" in chip.text
    saved = web.post("/apps/crm/contract/new", [
        ("title", "带附件的合同"), ("customer", str(customer)), ("status", "draft"), ("scanned_copy", ""),
        ("scanned_copy", file_id), ("items", ""), ("items.0.product", str(product)), ("items.0.quantity", "1"),
        ("items.0.unit_price", "5")])
    assert saved.status_code == 303, saved.text
    detail = html(web.client.get(saved.headers["location"]).text)
    link = detail.find("a", class_="file-link")
    assert link.attrs["href"] == f"/files/{file_id}" and link.text == "合同扫描件.pdf"
    assert web.client.get(link.attrs["href"]).content == b"%PDF-1.4 test"
    no_token = web.client.post("/apps/crm/contract/_upload/scanned_copy",
                               files={"upload": ("a.pdf", io.BytesIO(b"x"), "application/pdf")})
    assert no_token.status_code == 403


def test_a_field_shown_again_keeps_its_saved_value(web, html, records):
    lead = records.create("lead", {"name": "陈女士", "status": "following", "next_follow_up": "2026-12-01"})
    hidden = html(web.htmx(f"/apps/crm/lead/_form?id={lead}", {"name": "陈女士", "status": "invalid"}).text)
    assert hidden.find("input", name="next_follow_up") is None
    shown = html(web.htmx(f"/apps/crm/lead/_form?id={lead}", {"name": "陈女士", "status": "new"}).text)
    assert shown.find("input", name="next_follow_up").attrs["value"] == "2026-12-01"
