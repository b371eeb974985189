"""我的审批's lists: the four tabs, filters by form and date, "load more" paging, empty states, English."""
from __future__ import annotations

from datetime import date, timedelta

from runtime.web.pages import tasks
from tests.pages.test_tasks_pages import DIRECTOR, REP, crm_org, org, submit  # noqa: F401 — fixtures


def titles(page) -> list[str]:
    return [a.find("span", class_="task-title").text for a in page.find_all("a", class_="task-link")]


def test_empty_states_in_every_tab(crm_org, html):
    rep = crm_org.sign_in(REP)
    texts = {box: html(rep.client.get(f"/tasks?box={box}").text).by_id("task-results").text
             for box in ("pending", "done", "cc", "mine")}
    assert texts == {"pending": "✓ 没有待办的审批，都处理完了", "done": "✓ 还没有处理过的审批",
                     "cc": "✓ 还没有抄送给您的审批", "mine": "✓ 您还没有发起过审批"}
    page = html(rep.client.get("/tasks?box=done").text)
    current = page.find("nav", class_="task-tabs").find("a", class_="active")
    assert current.attrs["data-box"] == "done" and current.attrs["aria-current"] == "page"
    assert page.find(id="badge-tasks") is None


def test_filters_paging_and_the_badge(crm_org, html, monkeypatch):
    for n in range(5):
        rep = crm_org.sign_in(REP)
        assert submit(rep, crm_org.contract(f"分页合同{n}")).status_code == 303
    director = crm_org.sign_in(DIRECTOR)
    page = html(director.client.get("/tasks").text)
    assert page.by_id("badge-tasks").text == "5"
    assert page.find("a", data_box="pending").find("span", class_="count").text == "5"
    assert titles(page) == [f"分页合同{n}" for n in (4, 3, 2, 1, 0)]  # newest first

    monkeypatch.setattr(tasks, "PAGE_SIZE", 2)
    first = html(director.client.get("/tasks").text)
    assert titles(first) == ["分页合同4", "分页合同3"]
    more = first.by_id("task-more").find("a")
    assert more.text == "加载更多" and more.attrs["hx-target"] == "#task-more"
    second = html(director.client.get(more.attrs["hx-get"], headers={"HX-Request": "true"}).text)
    assert titles(second) == ["分页合同2", "分页合同1"] and second.find(id="task-more") is not None
    assert second.find("h1") is None  # only the rows and the next "more" come back
    last = html(director.client.get(second.by_id("task-more").find("a").attrs["hx-get"],
                                    headers={"HX-Request": "true"}).text)
    assert titles(last) == ["分页合同0"] and last.find(id="task-more") is None

    monkeypatch.setattr(tasks, "PAGE_SIZE", 20)
    today = date.today()
    assert len(titles(html(director.client.get(f"/tasks?form=contract&since={today - timedelta(days=1)}").text))) == 5
    future = html(director.client.get(f"/tasks?since={today + timedelta(days=2)}").text)
    assert titles(future) == [] and "没有符合条件的审批" in future.by_id("task-results").text
    assert future.find("input", name="since").attrs["value"] == str(today + timedelta(days=2))
    assert titles(html(director.client.get("/tasks?form=customer").text)) == []
    options = [o.attrs["value"] for o in page.find("select", name="form").find_all("option")]
    assert options == ["", "contract"]

    fragment = director.client.get("/tasks?box=pending&form=contract", headers={"HX-Request": "true",
                                                                                 "HX-Target": "task-results"})
    assert fragment.text.lstrip().startswith('<div id="task-results"') and len(titles(html(fragment.text))) == 5


def test_the_badge_loads_on_other_pages_and_english(crm_org, html):
    rep = crm_org.sign_in(REP)
    submit(rep, crm_org.contract("英文界面的合同"))
    director = crm_org.sign_in(DIRECTOR)
    home = html(director.client.get("/apps/crm").text)
    nav = home.by_id("flow-nav")
    assert nav.attrs["hx-get"] == "/tasks/_nav" and nav.attrs["hx-trigger"] == "load"
    assert html(director.client.get("/tasks/_nav").text).by_id("badge-tasks").text == "1"

    page = html(director.client.get("/tasks?lang=en").text)
    assert page.find("h1").text == "My approvals"
    assert [a.text.split(" ")[0] for a in page.find("nav", class_="task-tabs").find_all("a")] == \
        ["To", "Done", "Copied", "Submitted"]
    task = page.find("a", class_="task-link").attrs["href"]
    view = html(director.client.get(task + "?lang=en").text)
    assert view.by_id("btn-approve").text == "Approve"  # 驳回: builder/flows_text.py registers "Rejected" for every page
    assert "Progress" in view.text and "In approval" in view.by_id("flow-status").text
