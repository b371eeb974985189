"""Admin pages for departments: the tree, adding one, renaming, moving, its manager, deleting."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from form_engine.errors import NotFound, Problem, RecordInvalid

from ... import directory, systables
from ...access import department_subtree
from ...clock import now
from ...database import read, write
from ..deps import State
from ..pages.flash import set_flash
from ..pages.guard import Posted
from ..pages.i18n import translate
from ..pages.nav import parse_id
from ..pages.templating import lang_of, redirect, render
from .chrome import AdminActor, admin_chrome, errors_by_field, optional_id

router = APIRouter()


def _tree_page(request: Request, state, *, values: dict | None = None, problems: list[Problem] | None = None,
               status: int = 200) -> Response:
    lang = lang_of(request)
    with read(state.engine) as conn:
        tree = directory.department_tree(conn)
    context = {**admin_chrome(lang, "departments"), "tree": tree, "values": values or {},
               "errors": errors_by_field(problems or [], lang)}
    return render(request, "admin/departments.html", context, status=status)


def _edit_page(request: Request, state, department_id: int, *, values: dict | None = None,
               problems: list[Problem] | None = None, status: int = 200) -> Response:
    lang = lang_of(request)
    u = systables.user
    with read(state.engine) as conn:
        tree = directory.department_tree(conn)
        current = next((d for d in tree if d.id == department_id), None)
        if current is None:
            raise NotFound("部门不存在")
        below = set(department_subtree(conn, department_id))
        users = conn.execute(select(u.c.id, u.c.username, u.c.full_name).where(u.c.is_active.is_(True))
                             .order_by(u.c.full_name, u.c.username)).all()
        members = conn.execute(select(u.c.id, u.c.username, u.c.full_name, u.c.is_active)
                               .where(u.c.department_id == department_id).order_by(u.c.full_name)).all()
    values = values or {"name": current.name, "parent_id": current.parent_id, "manager_id": current.manager_id}
    context = {**admin_chrome(lang, "departments", [(current.name, None)]), "department": current,
               "parents": [d for d in tree if d.id not in below], "users": users, "members": members,
               "values": values, "errors": errors_by_field(problems or [], lang),
               "confirm": translate("确定删除部门“{name}”吗？", lang, name=current.name)}
    return render(request, "admin/department.html", context, status=status)


@router.get("/departments")
def departments_page(request: Request, state: State, actor: AdminActor) -> Response:
    return _tree_page(request, state)


@router.post("/departments")
def create_department(request: Request, state: State, actor: AdminActor, posted: Posted) -> Response:
    values = {"name": str(posted.get("name") or ""), "parent_id": optional_id(posted.get("parent_id"))}
    try:
        with write(state.engine) as conn:
            directory.create_department(conn, name=values["name"], parent_id=values["parent_id"],
                                        now=now(state.settings.timezone))
    except RecordInvalid as exc:
        return _tree_page(request, state, values=values, problems=exc.problems, status=422)
    done = translate("已添加部门“{name}”", lang_of(request), name=values["name"].strip())
    return set_flash(redirect(request, "/admin/departments"), request, done)


@router.get("/departments/{department_id}")
def department_page(department_id: str, request: Request, state: State, actor: AdminActor) -> Response:
    return _edit_page(request, state, parse_id(department_id))


@router.post("/departments/{department_id}")
def update_department(department_id: str, request: Request, state: State, actor: AdminActor,
                      posted: Posted) -> Response:
    """Name, parent and manager in one transaction: any problem leaves all three as they were."""
    did = parse_id(department_id)
    values = {"name": str(posted.get("name") or ""), "parent_id": optional_id(posted.get("parent_id")),
              "manager_id": optional_id(posted.get("manager_id"))}
    try:
        with write(state.engine) as conn:
            current = directory.get_department(conn, did)
            if values["parent_id"] != current.parent_id:
                directory.move_department(conn, did, values["parent_id"])
            if values["name"].strip() != current.name:
                directory.rename_department(conn, did, values["name"])
            if values["manager_id"] != current.manager_id:
                directory.set_manager(conn, did, values["manager_id"])
    except RecordInvalid as exc:
        return _edit_page(request, state, did, values=values, problems=exc.problems, status=422)
    return set_flash(redirect(request, "/admin/departments"), request, translate("已保存", lang_of(request)))


@router.post("/departments/{department_id}/delete")
def delete_department(department_id: str, request: Request, state: State, actor: AdminActor,
                      posted: Posted) -> Response:
    did = parse_id(department_id)
    lang = lang_of(request)
    try:
        with write(state.engine) as conn:
            name = directory.get_department(conn, did).name
            directory.delete_department(conn, did)
    except directory.DepartmentNotEmpty as exc:
        return set_flash(redirect(request, f"/admin/departments/{did}"), request, exc.detail, "error")
    return set_flash(redirect(request, "/admin/departments"), request,
                     translate("已删除部门“{name}”", lang, name=name))
