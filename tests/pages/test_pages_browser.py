"""The pages in a real browser (Chromium via Playwright) against a live uvicorn server."""
from __future__ import annotations

import re

from playwright.sync_api import expect


def sign_in(page, base: str, password: str) -> None:
    page.goto(base + "/apps/crm/customer")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page).to_have_url(base + "/apps/crm/customer")


def pick(page, field_id: str, text: str, choice: str) -> None:
    """Type into a record picker and choose one of the matches."""
    page.fill(f"#pick-{field_id}", text)
    page.locator(f"#menu-{field_id} .picker-option", has_text=choice).click()
    expect(page.locator(f"#menu-{field_id}")).to_be_empty()
    expect(page.locator(f"#pick-{field_id}")).to_have_value(choice)


def test_create_a_customer_find_it_in_the_list_and_open_it(page, live_server, crm):
    sign_in(page, live_server, crm)
    expect(page.locator("#list-results")).to_contain_text("还没有客户，点击“新建”添加第一条")
    page.locator(".page-head").get_by_role("link", name="新建").click()
    page.fill("#f-name", "杭州西湖龙井茶业有限公司")
    page.select_option("#f-level", "key")
    page.locator("label.choice", has_text="高价值").click()
    page.fill("#f-phone", "0571-87654321")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/apps/crm/customer/\d+$"))
    expect(page.locator("#flashes")).to_contain_text("已保存")
    expect(page.locator("h1")).to_have_text("杭州西湖龙井茶业有限公司")

    page.locator(".crumbs").get_by_role("link", name="客户", exact=True).click()
    expect(page.locator("#list-results")).to_contain_text("杭州西湖龙井茶业有限公司")
    expect(page.locator("#list-results .tag").first).to_have_text("重点客户")
    page.fill("#list-q", "没有这家")
    expect(page.locator("#list-results")).to_contain_text("没有符合条件的记录")
    expect(page).to_have_url(re.compile(r"q=%E6%B2%A1"))
    page.fill("#list-q", "龙井")
    expect(page.locator("#list-results tr.row-link")).to_have_count(1)
    page.locator("#list-results tr.row-link td").nth(1).click()  # anywhere on the row opens it
    expect(page).to_have_url(re.compile(r"/apps/crm/customer/\d+$"))
    expect(page.locator(".sys")).to_contain_text("系统管理员")


def test_contract_with_two_line_items_shows_the_total_after_save(page, live_server, crm, records):
    records.create("customer", {"name": "宁波海曙外贸有限公司"})
    records.create("product", {"code": "CRM-STD", "name": "CRM 标准版"})
    records.create("product", {"code": "IMPL-DAY", "name": "实施服务（人天）"})
    sign_in(page, live_server, crm)
    page.goto(live_server + "/apps/crm/contract/new")
    page.fill("#f-title", "CRM 系统采购合同")
    pick(page, "f-customer", "海曙", "宁波海曙外贸有限公司")

    page.get_by_role("button", name="添加一行").click()
    expect(page.locator("#row-f-items-0")).to_be_visible()
    pick(page, "f-items-0-product", "标准", "CRM 标准版")
    page.fill("#f-items-0-quantity", "2")
    page.fill("#f-items-0-unit_price", "1000")

    page.get_by_role("button", name="添加一行").click()
    expect(page.locator("#row-f-items-1")).to_be_visible()
    pick(page, "f-items-1-product", "实施", "实施服务（人天）")
    page.fill("#f-items-1-quantity", "3")
    page.fill("#f-items-1-unit_price", "350.50")

    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/apps/crm/contract/\d+$"))
    expect(page.locator("#flashes")).to_contain_text("已保存")
    total = page.locator(".kv", has=page.locator("dt", has_text="合同金额（元）"))
    expect(total.locator("dd")).to_have_text("3,051.50")
    expect(page.locator("table.subtable tbody tr")).to_have_count(2)


def test_errors_come_back_next_to_the_field_without_leaving_the_page(page, live_server, crm):
    sign_in(page, live_server, crm)
    page.goto(live_server + "/apps/crm/lead/new")
    expect(page.locator("#f-next_follow_up")).to_be_visible()
    page.select_option("#f-status", "invalid")  # visible_when: the server re-renders the fields
    expect(page.locator("#f-next_follow_up")).to_have_count(0)
    page.select_option("#f-status", "following")
    expect(page.locator("#f-next_follow_up")).to_be_visible()
    page.fill("#f-mobile", "123")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#err-f-name")).to_have_text("此项为必填")
    expect(page.locator("#err-f-mobile")).not_to_be_empty()
    expect(page.locator("#f-mobile")).to_have_value("123")
    expect(page).to_have_url(live_server + "/apps/crm/lead/new")


def test_phone_width_folds_the_menu_and_stacks_the_form(browser, live_server, crm):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    phone = context.new_page()
    try:
        sign_in(phone, live_server, crm)
        toggle = phone.locator(".menu-toggle")
        expect(toggle).to_be_visible()
        expect(phone.locator("#sidebar")).to_be_hidden()
        toggle.click()
        expect(phone.locator("#sidebar")).to_be_visible()
        for path in ("/apps/crm/contract/new", "/apps/crm/customer/new", "/apps/crm/customer", "/apps/crm"):
            phone.goto(live_server + path)
            assert phone.evaluate("document.documentElement.scrollWidth") <= 376, path
        phone.goto(live_server + "/apps/crm/contract/new")
        columns = phone.evaluate("""[...document.querySelectorAll('.form-grid')].map(
            g => getComputedStyle(g).gridTemplateColumns.split(' ').length)""")
        assert columns and set(columns) == {1}
        phone.get_by_role("button", name="添加一行").click()
        expect(phone.locator("#row-f-items-0")).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 376
    finally:
        context.close()
