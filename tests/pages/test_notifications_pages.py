"""通知: the list, the unread badge, opening one (marks it read and leads to the task), marking all read."""
from __future__ import annotations

from tests.pages.test_tasks_pages import DIRECTOR, FINANCE, REP, crm_org, org, submit, task_of  # noqa: F401


def test_notifications_list_open_and_mark_read(crm_org, html):
    rep = crm_org.sign_in(REP)
    submit(rep, crm_org.contract("通知测试合同"))
    director = crm_org.sign_in(DIRECTOR)
    assert html(director.client.get("/tasks/_nav").text).by_id("badge-notes").text == "1"
    page = html(director.client.get("/notifications").text)
    notes = page.find_all("li", class_="note")
    assert len(notes) == 1 and "unread" in notes[0].attrs["class"].split()
    assert "待审批：合同审批·销售总监审批" in notes[0].text and notes[0].find("span", class_="tag").text == "待办"
    opened = director.client.get(notes[0].find("a", class_="task-title").attrs["href"], follow_redirects=False)
    task = task_of(director, html, "通知测试合同")
    assert opened.status_code == 303 and opened.headers["location"] == f"/tasks/{task}"
    page = html(director.client.get("/notifications").text)
    assert "unread" not in page.find("li", class_="note").attrs["class"].split()
    assert html(director.client.get("/tasks/_nav").text).find(id="badge-notes") is None

    director.post(f"/tasks/{task}", {"action": "approve"})
    notes = html(rep.client.get("/notifications").text).find_all("li", class_="note")
    assert len(notes) >= 1 and all("unread" in n.attrs["class"].split() for n in notes)
    first = notes[0]
    assert rep.post(f"/notifications/{first.attrs['id'].split('-')[1]}/read").status_code == 303
    assert "unread" not in html(rep.client.get("/notifications").text).find("li", class_="note").attrs["class"].split()

    finance = crm_org.sign_in(FINANCE)
    unread = html(finance.client.get("/notifications?unread=1").text).find_all("li", class_="note")
    assert unread and any("抄送" in n.text for n in unread)
    done = finance.post("/notifications/read-all")
    assert done.status_code == 303
    page = html(finance.client.get("/notifications").text)
    assert f"已将 {len(unread)} 条通知标为已读" in page.by_id("flashes").text
    assert not page.find_all("li", class_="unread")
    assert "没有未读通知" in html(finance.client.get("/notifications?unread=1").text).text


def test_someone_elses_notification_is_not_found(crm_org, html):
    rep = crm_org.sign_in(REP)
    submit(rep, crm_org.contract("别人的通知"))
    director = crm_org.sign_in(DIRECTOR)
    note = html(director.client.get("/notifications").text).find("li", class_="note").attrs["id"].split("-")[1]
    assert rep.client.get(f"/notifications/{note}/open", follow_redirects=False).status_code == 404
    rep.post(f"/notifications/{note}/read")
    assert "unread" in html(director.client.get("/notifications").text).find("li", class_="note").attrs["class"].split()
    assert "还没有通知" in html(crm_org.sign_in("hejing").client.get("/notifications").text).text


def test_more_notifications_load_on_demand(crm_org, html, monkeypatch):
    from runtime.web.pages import notifications
    rep = crm_org.sign_in(REP)
    for n in range(3):
        submit(rep, crm_org.contract(f"第{n}份合同"))
    director = crm_org.sign_in(DIRECTOR)
    monkeypatch.setattr(notifications, "PAGE_SIZE", 2)
    page = html(director.client.get("/notifications").text)
    assert len(page.find_all("li", class_="note")) == 2
    more = page.by_id("note-more").find("a")
    rest = html(director.client.get(more.attrs["hx-get"], headers={"HX-Request": "true"}).text)
    assert len(rest.find_all("li", class_="note")) == 1 and rest.find(id="note-more") is None
