"""/admin/departments: the tree, adding, renaming, moving (never into itself), managers, deleting."""
from __future__ import annotations

from sqlalchemy import select

from runtime import systables
from runtime.database import read


def departments(app) -> dict[str, tuple[int, int | None, int | None]]:
    """name → (id, parent_id, manager_id)"""
    d = systables.department
    with read(app.state.formwork.engine) as conn:
        return {n: (i, p, m) for i, n, p, m in conn.execute(select(d.c.id, d.c.name, d.c.parent_id, d.c.manager_id))}


def add(web, name: str, parent: int | None = None) -> None:
    answer = web.post("/admin/departments", {"name": name, "parent_id": "" if parent is None else str(parent)})
    assert answer.status_code == 303, answer.text


def chain(web, app) -> tuple[int, int, int]:
    """总部 > 销售中心 > 销售一部"""
    add(web, "总部")
    add(web, "销售中心", departments(app)["总部"][0])
    add(web, "销售一部", departments(app)["销售中心"][0])
    found = departments(app)
    return found["总部"][0], found["销售中心"][0], found["销售一部"][0]


def test_the_tree_shows_departments_under_their_parents(web, app, html):
    top, middle, bottom = chain(web, app)
    add(web, "财务部")
    web.post("/admin/users/new", {"username": "zhangsan", "full_name": "张三", "department_id": str(bottom)})
    page = html(web.client.get("/admin/departments").text)
    rows = [tr for tr in page.by_id("department-tree").find_all("tr") if tr.find("td")]
    assert [r.find("a").text for r in rows] == ["总部", "销售中心", "销售一部", "财务部"]
    depths = [r.find("span", class_="tree-indent").attrs["style"] for r in rows]
    assert depths == ["--depth: 0", "--depth: 1", "--depth: 2", "--depth: 0"]
    assert [c.text for c in rows[2].find_all("td")][2:] == ["1", "0"]  # one member, no sub-departments


def test_an_empty_name_or_a_sibling_with_the_same_name_is_refused(web, app, html):
    add(web, "总部")
    answer = web.post("/admin/departments", {"name": " ", "parent_id": ""})
    assert answer.status_code == 422 and "请填写部门名称" in html(answer.text).by_id("err-name").text
    answer = web.post("/admin/departments", {"name": "总部", "parent_id": ""})
    assert answer.status_code == 422 and "已经有“总部”" in html(answer.text).by_id("err-name").text
    assert list(departments(app)) == ["总部"]


def test_rename_move_and_manager_are_saved_together(web, app):
    top, middle, bottom = chain(web, app)
    web.post("/admin/users/new", {"username": "lisi", "full_name": "李四"})
    with read(app.state.formwork.engine) as conn:
        lisi = conn.execute(select(systables.user.c.id).where(systables.user.c.username == "lisi")).scalar()
    answer = web.post(f"/admin/departments/{bottom}", {"name": "华东销售部", "parent_id": str(top),
                                                       "manager_id": str(lisi)})
    assert answer.status_code == 303
    assert departments(app)["华东销售部"] == (bottom, top, lisi)


def test_moving_a_department_under_itself_or_below_itself_is_refused(web, app, html):
    top, middle, bottom = chain(web, app)
    before = departments(app)
    page = html(web.client.get(f"/admin/departments/{top}").text)
    offered = [o.attrs["value"] for o in page.find("select", name="parent_id").find_all("option")]
    assert offered == [""]  # neither itself nor anything below it is offered
    for target in (bottom, top):
        answer = web.post(f"/admin/departments/{top}", {"name": "新总部", "parent_id": str(target), "manager_id": ""})
        assert answer.status_code == 422
        assert "不能把“总部”移到它自己或它的下级部门之下" in html(answer.text).by_id("err-parent_id").text
        assert departments(app) == before  # not renamed either


def test_only_an_empty_department_can_be_deleted(web, app):
    top, middle, bottom = chain(web, app)
    web.post("/admin/users/new", {"username": "wangwu", "full_name": "王五", "department_id": str(bottom)})
    answer = web.post(f"/admin/departments/{middle}/delete")
    assert answer.status_code == 303 and answer.headers["location"] == f"/admin/departments/{middle}"
    assert "“销售中心”下还有 1 个下级部门" in web.client.get(answer.headers["location"]).text
    answer = web.post(f"/admin/departments/{bottom}/delete")
    assert "“销售一部”下还有 1 名成员，请先移走后再删除" in web.client.get(answer.headers["location"]).text
    assert set(departments(app)) == {"总部", "销售中心", "销售一部"}

    with read(app.state.formwork.engine) as conn:
        uid = conn.execute(select(systables.user.c.id).where(systables.user.c.username == "wangwu")).scalar()
    web.post(f"/admin/users/{uid}", {"full_name": "王五", "department_id": ""})
    answer = web.post(f"/admin/departments/{bottom}/delete")
    assert answer.headers["location"] == "/admin/departments"
    assert "已删除部门“销售一部”" in web.client.get("/admin/departments").text
    assert set(departments(app)) == {"总部", "销售中心"}
