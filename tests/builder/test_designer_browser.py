"""The designer in a real browser (Debian's Chromium via Playwright): drag a field in, publish, use it."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

ARTIFACTS = Path(__file__).parent / "artifacts"  # git-ignored; kept for people to look at


def sign_in(page, base: str, password: str, path: str) -> None:
    page.goto(base + path)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page).to_have_url(base + path)


def drag(page, source, target) -> None:
    """A pointer drag as a person does it: press, move in steps, release (SortableJS's fallback mode)."""
    a, b = source.bounding_box(), target.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(a["x"] + a["width"] / 2 + 10, a["y"] + a["height"] / 2 + 10, steps=5)
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] - 8, steps=20)
    page.mouse.up()


def test_drag_a_phone_field_in_publish_and_use_it(page, live_server, crm):
    ARTIFACTS.mkdir(exist_ok=True)
    sign_in(page, live_server, crm, "/builder/apps/crm/forms/product")
    expect(page.locator(".field-card")).to_have_count(7)
    phone = page.locator(".palette-item[data-type=phone]")
    expect(phone).to_contain_text("手机")
    drag(page, phone, page.locator(".canvas-fields").first)
    expect(page.locator(".field-card")).to_have_count(8)
    expect(page.locator("#p-name")).to_have_value("shouji")  # suggested from the label 手机
    page.fill("#p-label", "联系手机")
    expect(page.locator("#p-name")).to_have_value("lianxi_shouji")
    page.locator(".prop-check", has_text="在列表中显示").locator("input").check()
    expect(page.locator(".field-card.selected")).to_contain_text("联系手机")
    expect(page.locator("#save-status")).to_contain_text("已自动保存")
    page.get_by_role("tab", name="预览").click()
    expect(page.locator("#preview #f-lianxi_shouji")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "designer.png"), full_page=True)
    print(f"\nscreenshot: {ARTIFACTS / 'designer.png'}")

    page.click("#publish-link")
    expect(page).to_have_url(live_server + "/builder/apps/crm/forms/product/publish")
    expect(page.locator("#plan")).to_contain_text("联系手机")
    page.screenshot(path=str(ARTIFACTS / "publish-plan.png"), full_page=True)
    page.click("#publish-button")
    expect(page).to_have_url(live_server + "/builder/apps/crm/forms/product/published")
    page.click("#open-list")
    expect(page).to_have_url(live_server + "/apps/crm/product")

    page.goto(live_server + "/apps/crm/product/new")
    page.fill("#f-code", "P-0001")
    page.fill("#f-name", "智能门锁")
    page.fill("#f-lianxi_shouji", "1381234")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#err-f-lianxi_shouji")).not_to_be_empty()
    page.fill("#f-lianxi_shouji", "13812345678")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/apps/crm/product/\d+$"))
    page.goto(live_server + "/apps/crm/product")
    row = page.locator("#list-results tr.row-link", has_text="智能门锁")
    expect(row).to_contain_text("13812345678")
    page.screenshot(path=str(ARTIFACTS / "list.png"), full_page=True)
    page.goto(live_server + "/builder/apps/crm")
    expect(page.locator("#forms")).to_contain_text("已发布 第 2 版")
    page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=True)


def test_at_phone_width_the_panels_stack_and_clicking_the_palette_adds_a_field(browser, live_server, crm):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    phone = context.new_page()
    try:
        sign_in(phone, live_server, crm, "/builder/apps/crm/forms/contract")
        expect(phone.locator(".field-card").first).to_be_visible()
        for path in ("/builder", "/builder/apps/crm", "/builder/apps/crm/forms/new", "/builder/apps/crm/forms/contract"):
            phone.goto(live_server + path)
            assert phone.evaluate("document.documentElement.scrollWidth") <= 376, path
        phone.locator(".palette-item[data-type=email]").click()
        expect(phone.locator("#p-name")).to_have_value("youxiang")
        expect(phone.locator("#save-status")).to_contain_text("已自动保存")
        expect(phone.locator("#draft-problems")).to_be_hidden()  # the layout follows the suggested name
        assert phone.evaluate("document.documentElement.scrollWidth") <= 376
        phone.screenshot(path=str(ARTIFACTS / "designer-phone.png"), full_page=True)
    finally:
        context.close()


def test_a_second_admins_stale_save_shows_the_conflict(page, live_server, crm, browser):
    sign_in(page, live_server, crm, "/builder/apps/crm/forms/product")
    other = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    tab = other.new_page()
    try:
        sign_in(tab, live_server, crm, "/builder/apps/crm/forms/product")  # the same draft, loaded twice
        page.locator(".palette-item[data-type=email]").click()
        expect(page.locator("#save-status")).to_contain_text("已自动保存")
        tab.locator(".palette-item[data-type=url]").click()
        expect(tab.locator("#conflict-alert")).to_be_visible()
        expect(tab.locator("#conflict-text")).to_contain_text("草稿已被 系统管理员 在")
        expect(tab.locator("#conflict-text")).to_contain_text("修改，请刷新后再改")
    finally:
        other.close()
