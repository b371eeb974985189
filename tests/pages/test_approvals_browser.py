"""Submit → approve through the pages in a real browser (Chromium via Playwright), desktop and phone."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.pages.test_tasks_pages import DIRECTOR, REP, crm_org, org  # noqa: F401 — fixtures

ARTIFACTS = Path(__file__).parent / "artifacts"


def sign_in(page, base: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/tasks")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page).to_have_url(base + "/tasks")


def test_submit_and_approve_through_the_pages(page, live_server, crm_org):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    contract = crm_org.contract("浏览器里审批的合同")
    sign_in(page, live_server, REP, crm_org.password)
    expect(page.locator("#task-results")).to_contain_text("没有待办的审批，都处理完了")
    page.goto(f"{live_server}/apps/crm/contract/{contract}")
    panel = page.locator("#flow")
    panel.locator("#flow-choice").select_option(label="合同审批")
    panel.get_by_role("button", name="提交审批").click()
    expect(page.locator("#flashes")).to_contain_text("已提交审批")
    expect(page.locator("#flow-status")).to_have_text("审批中")
    expect(page.locator('#flow li[data-node="director"]')).to_have_attribute("data-state", "active")

    sign_in(page, live_server, DIRECTOR, crm_org.password)
    expect(page.locator("#badge-tasks")).to_have_text("1")
    page.locator(".task-link", has_text="浏览器里审批的合同").click()
    expect(page).to_have_url(re.compile(r"/tasks/\d+$"))
    page.get_by_role("button", name="驳回").click()  # without a comment: the error, nothing changes
    expect(page.locator("#err-comment")).to_have_text("驳回时请填写驳回意见")
    page.fill("#comment", "同意，请尽快安排签约")
    page.fill("#f-remark", "首单优惠")
    page.screenshot(path=str(ARTIFACTS / "flow-task-page.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "flow-task-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 860})
    approve = page.get_by_role("button", name="同意")
    approve.dblclick()  # a double click acts once
    expect(page.locator("#flashes")).to_contain_text("已同意")
    expect(page.locator("#task-status")).to_contain_text("已同意")
    expect(page.locator("#badge-tasks")).to_have_count(0)

    sign_in(page, live_server, REP, crm_org.password)
    page.goto(f"{live_server}/apps/crm/contract/{contract}")
    expect(page.locator("#flow-status")).to_have_text("已通过")
    expect(page.locator("#flow .flow-timeline")).to_contain_text("同意，请尽快安排签约")
    page.screenshot(path=str(ARTIFACTS / "flow-record-page.png"), full_page=True)
    done = crm_org.instance(contract)
    assert done.status == "approved" and done.state.count('"kind":"approved"') == 1

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/tasks?box=mine")
    expect(page.locator("#task-results")).to_contain_text("浏览器里审批的合同")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # nothing sticks out sideways at phone width
    page.screenshot(path=str(ARTIFACTS / "flow-inbox-phone.png"), full_page=True)
    page.goto(f"{live_server}/apps/crm/contract/{contract}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "flow-record-phone.png"), full_page=True)
