"""The flow designer in a real browser (Debian's Chromium via Playwright): edit the CRM's contract flow, publish."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from test_designer_browser import sign_in
from test_flow_preview_publish import org  # noqa: F401  (a fixture: 王强 in 华东一组 under 张伟, GM 王建国, 何静 in finance)

ARTIFACTS = Path(__file__).parent / "artifacts"  # git-ignored; kept for people to look at


def test_design_a_two_level_flow_publish_it_and_approve_a_record_as_two_users(page, live_server, crm, org, app, engine,
                                                                             settings):
    ARTIFACTS.mkdir(exist_ok=True)
    sign_in(page, live_server, crm, "/builder/apps/crm")
    row = page.locator("#flows tr[data-flow=contract_approval]")
    expect(row).to_contain_text("已发布 第 1 版")
    row.locator("a").click()
    expect(page).to_have_url(live_server + "/builder/apps/crm/flows/contract_approval")
    expect(page.locator(".fd-node.type-start")).to_be_visible()
    expect(page.locator(".branch-card")).to_have_count(2)

    # Add an approval right after the start; make a role approve it.
    page.locator(".fd-add .fa-button").first.click()
    page.locator(".fa-menu .fa-item[data-type=approval]").click()
    node = page.locator(".fd-node.type-approval.selected")
    expect(node).to_contain_text("直属主管")
    page.fill("#p-label", "财务预审")
    page.locator("#panel-node .source-kind").first.select_option("role")
    page.locator("#panel-node .source-role").first.select_option("finance")
    expect(node).to_contain_text("财务预审")
    expect(node).to_contain_text("角色“财务”")
    expect(page.locator("#save-status")).to_contain_text("已自动保存")
    expect(page.locator("#draft-problems")).to_be_hidden()
    page.locator("#inspector").screenshot(path=str(ARTIFACTS / "flow-designer-approval.png"))

    # The default branch made a condition: the group has no default any more, and says so on the node.
    page.locator(".branch-card.is-default").click()
    page.locator("#p-default").uncheck()
    group = page.locator(".fd-group.type-condition")
    expect(group.locator(".fg-label.has-problem")).to_be_visible()
    expect(group.locator(":scope > .fn-problem")).to_contain_text("缺少默认分支")
    expect(page.locator("#draft-problem-list")).to_contain_text("缺少默认分支")
    expect(page.locator("#problem-count")).to_contain_text("个问题")
    page.screenshot(path=str(ARTIFACTS / "flow-designer-problem.png"), full_page=True)
    page.click("#publish-link")
    expect(page.locator("#plan-problems")).to_contain_text("缺少默认分支")
    expect(page.locator("#publish-button")).to_have_count(0)
    page.click("#plan-problems a.btn-primary")  # 回到设计器修改
    expect(page).to_have_url(live_server + "/builder/apps/crm/flows/contract_approval")

    # Fixed: make it the default again; the problems go away.
    page.locator(".branch-card").nth(1).click()
    page.locator("#p-default").check()
    expect(page.locator("#save-status")).to_contain_text("已自动保存")
    expect(page.locator(".has-problem")).to_have_count(0)
    expect(page.locator("#draft-problems")).to_be_hidden()

    # Who would approve a 60,000 contract that 王强 submits? Finance first, then his sales director, then the GM.
    page.get_by_role("tab", name="预览审批人").click()
    page.fill("#pv-total_amount", "60000")
    page.select_option("#pv-submitter", str(org["wangqiang"]))  # 王强 · 华东一组
    page.click("#pv-run")
    steps = page.locator("#pv-result .pv-step")
    expect(steps).to_have_count(3)
    expect(steps.nth(0)).to_contain_text("财务预审何静")
    expect(steps.nth(1)).to_contain_text("张伟")
    expect(steps.nth(2)).to_contain_text("王建国")
    page.screenshot(path=str(ARTIFACTS / "flow-designer.png"), full_page=True)
    print(f"\nscreenshot: {ARTIFACTS / 'flow-designer.png'}")

    page.click("#publish-link")
    expect(page).to_have_url(live_server + "/builder/apps/crm/flows/contract_approval/publish")
    expect(page.locator("#plan")).to_contain_text("合同审批")
    page.click("#publish-button")
    expect(page).to_have_url(live_server + "/builder/apps/crm/flows/contract_approval/published")
    expect(page.locator("#published-version")).to_have_text("第 2 版")
    page.goto(live_server + "/builder/apps/crm")
    expect(page.locator("#flows tr[data-flow=contract_approval]")).to_contain_text("已发布 第 2 版")

    # The two-level flow at work: 王强 submits a 30,000 contract; 何静 (finance) and then 张伟 approve
    # it from their inboxes; 王强 sees it approved and signed.
    record = contract_of(app, engine, settings, org["wangqiang"], "30000")
    as_user(page, live_server, "wangqiang", f"/apps/crm/contract/{record}")
    page.locator("#flow #flow-choice").select_option(label="合同审批")
    page.locator("#flow").get_by_role("button", name="提交审批").click()
    expect(page.locator("#flow-status")).to_have_text("审批中")
    for approver in ("hejing", "zhangwei"):
        as_user(page, live_server, approver, "/tasks")
        expect(page.locator("#badge-tasks")).to_have_text("1")
        page.locator(".task-link", has_text="浏览器合同").click()
        page.fill("#comment", "同意")
        page.get_by_role("button", name="同意").click()
        expect(page.locator("#task-status")).to_contain_text("已同意")
    as_user(page, live_server, "wangqiang", f"/apps/crm/contract/{record}")
    expect(page.locator("#flow-status")).to_have_text("已通过")
    expect(page.locator("#flow .flow-timeline")).to_contain_text("财务预审")
    page.screenshot(path=str(ARTIFACTS / "flow-designed-and-approved.png"), full_page=True)


def as_user(page, base: str, username: str, path: str) -> None:
    page.context.clear_cookies()
    page.goto(base + path)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Pass-word-2024!")
    page.click("button[type=submit]")
    expect(page).to_have_url(base + path)


def contract_of(app, engine, settings, owner: int, amount: str) -> int:
    """A contract owned by `owner`, written through the record service as the system would."""
    from runtime.clock import now_precise
    from runtime.database import write
    from runtime.records import Actor, RecordContext, create_record
    compiled = app.state.formwork.registry.app("crm")
    with write(engine) as conn:
        ctx = RecordContext(conn=conn, app=compiled, actor=Actor(id=owner, username="x", full_name="x", is_admin=True),
                            now=now_precise(settings.timezone), data_dir=settings.data_dir, via="system")
        customer = create_record(ctx, compiled.forms["customer"], {"name": "浏览器客户"})["id"]
        product = create_record(ctx, compiled.forms["product"], {"code": "P-B1", "name": "服务", "price": amount})["id"]
        return create_record(ctx, compiled.forms["contract"], {
            "title": "浏览器合同", "customer": customer,
            "items": [{"product": product, "quantity": 1, "unit_price": amount}]})["id"]


def test_at_phone_width_branches_stack_and_nothing_scrolls_sideways(browser, live_server, crm):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    phone = context.new_page()
    try:
        sign_in(phone, live_server, crm, "/builder/apps/crm/flows/contract_approval")
        cards = phone.locator(".branch-card")
        expect(cards).to_have_count(2)
        first, second = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
        assert second["y"] > first["y"] + first["height"]  # one above the other
        assert phone.evaluate("document.documentElement.scrollWidth") <= 376
        phone.screenshot(path=str(ARTIFACTS / "flow-designer-phone.png"), full_page=True)
    finally:
        context.close()


def test_a_second_admins_stale_save_shows_the_conflict_and_stops_saving(page, live_server, crm, browser):
    sign_in(page, live_server, crm, "/builder/apps/crm/flows/contract_approval")
    other = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    tab = other.new_page()
    try:
        sign_in(tab, live_server, crm, "/builder/apps/crm/flows/contract_approval")  # the same flow, loaded twice
        page.locator(".fd-add .fa-button").first.click()
        page.locator(".fa-menu .fa-item[data-type=cc]").click()
        expect(page.locator("#save-status")).to_contain_text("已自动保存")
        tab.locator(".fd-add .fa-button").first.click()
        tab.locator(".fa-menu .fa-item[data-type=approval]").click()
        expect(tab.locator("#conflict-alert")).to_be_visible()
        expect(tab.locator("#conflict-text")).to_contain_text("修改，请刷新后再改")
        expect(tab.locator("#save-status")).to_have_text("未保存")
        tab.fill("#p-label", "冲突之后")  # frozen: the canvas follows, nothing is sent
        expect(tab.locator(".fd-node.selected")).to_contain_text("冲突之后")
        expect(tab.locator("#save-status")).to_have_text("未保存")
    finally:
        other.close()
