"""Admin pages for users: the list, creating and editing one, disabling, resetting a password."""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from form_engine.errors import Forbidden, Problem, RecordInvalid

from ... import directory
from ...clock import now
from ...database import read, write
from ..deps import State
from ..pages.flash import set_flash
from ..pages.guard import Posted
from ..pages.i18n import translate
from ..pages.nav import parse_id
from ..pages.templating import lang_of, redirect, render
from .chrome import AdminActor, admin_chrome, errors_by_field, no_store, optional_id

router = APIRouter()
LABELS = {"username": "用户名", "full_name": "姓名", "email": "邮箱", "department_id": "部门", "is_admin": "系统管理员",
          "roles": "角色"}


@dataclass
class UserInput:
    """The user form's values, as posted or as stored."""

    username: str = ""
    full_name: str = ""
    email: str = ""
    department_id: int | None = None
    is_admin: bool = False
    roles: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def from_post(cls, posted) -> "UserInput":
        roles = {tuple(v.split(":", 1)) for v in posted.getlist("role") if isinstance(v, str) and ":" in v}
        return cls(str(posted.get("username") or "").strip(), str(posted.get("full_name") or ""),
                   str(posted.get("email") or ""), optional_id(posted.get("department_id")),
                   posted.get("is_admin") == "1", frozenset(roles))

    @classmethod
    def from_row(cls, row: directory.UserRow) -> "UserInput":
        return cls(row.username, row.full_name, row.email or "", row.department_id, row.is_admin, row.roles)


def _apps(state) -> dict:
    return {name: compiled.definition for name, compiled in state.registry.apps.items()}


def role_names(state, lang: str) -> dict[tuple[str, str], str]:
    """(app, role) → "应用 · 角色", for every role the apps define."""
    return {(app.name, r.name): f"{app.label.text(lang)} · {r.label.text(lang)}"
            for app in _apps(state).values() for r in app.roles}


def _role_choices(state, chosen: frozenset[tuple[str, str]], lang: str) -> list[tuple[str, list[dict]]]:
    return [(app.label.text(lang), [{"value": f"{app.name}:{r.name}", "label": r.label.text(lang),
                                     "help": r.description.text(lang) if r.description else "",
                                     "checked": (app.name, r.name) in chosen} for r in app.roles])
            for app in _apps(state).values()]


def _form_page(request: Request, state, *, values: UserInput, user: directory.UserRow | None = None,
               problems: list[Problem] | None = None, status: int = 200) -> Response:
    lang = lang_of(request)
    with read(state.engine) as conn:
        departments = directory.department_tree(conn)
    heading = translate("新建用户", lang) if user is None else translate("编辑用户：{name}", lang, name=user.full_name)
    crumbs = [(translate("新建用户", lang) if user is None else user.full_name, None)]
    problems = problems or []
    context = {**admin_chrome(lang, "users", crumbs), "heading": heading, "values": values, "account": user,
               "departments": departments, "role_choices": _role_choices(state, values.roles, lang),
               "errors": errors_by_field(problems, lang),
               "summary": [f"{translate(LABELS[p.path], lang)}：{translate(p.message, lang)}" if p.path in LABELS
                           else translate(p.message, lang) for p in problems],
               "action": "/admin/users/new" if user is None else f"/admin/users/{user.id}"}
    return render(request, "admin/user_form.html", context, status=status)


def _password_page(request: Request, new: directory.NewPassword, *, created: bool) -> Response:
    lang = lang_of(request)
    heading = translate("用户已创建", lang) if created else translate("密码已重置", lang)
    context = {**admin_chrome(lang, "users", [(new.username, f"/admin/users/{new.user_id}"), (heading, None)]),
               "heading": heading, "new": new, "created": created}
    return no_store(render(request, "admin/password.html", context))


@router.get("/users")
def users_page(request: Request, state: State, actor: AdminActor, q: str = "") -> Response:
    lang = lang_of(request)
    with read(state.engine) as conn:
        users = directory.list_users(conn, q=q)
    names = role_names(state, lang)
    rows = [(u, [names.get(r, f"{r[0]} · {r[1]}") for r in sorted(u.roles)]) for u in users]
    return render(request, "admin/users.html", {**admin_chrome(lang, "users"), "rows": rows, "q": q.strip()})


@router.get("/users/new")
def new_user_page(request: Request, state: State, actor: AdminActor) -> Response:
    return _form_page(request, state, values=UserInput())


@router.post("/users/new")
def create_user(request: Request, state: State, actor: AdminActor, posted: Posted) -> Response:
    values = UserInput.from_post(posted)
    try:
        with write(state.engine) as conn:
            new = directory.create_user(conn, username=values.username, full_name=values.full_name,
                                        email=values.email, department_id=values.department_id,
                                        is_admin=values.is_admin, roles=values.roles, apps=_apps(state),
                                        now=now(state.settings.timezone))
    except RecordInvalid as exc:
        return _form_page(request, state, values=values, problems=exc.problems, status=422)
    return _password_page(request, new, created=True)


@router.get("/users/{user_id}")
def edit_user_page(user_id: str, request: Request, state: State, actor: AdminActor) -> Response:
    with read(state.engine) as conn:
        user = directory.get_user(conn, parse_id(user_id))
    return _form_page(request, state, values=UserInput.from_row(user), user=user)


@router.post("/users/{user_id}")
def update_user(user_id: str, request: Request, state: State, actor: AdminActor, posted: Posted) -> Response:
    uid = parse_id(user_id)
    values = UserInput.from_post(posted)
    try:
        with write(state.engine) as conn:
            directory.update_user(conn, uid, actor_id=actor.id, full_name=values.full_name, email=values.email,
                                  department_id=values.department_id, is_admin=values.is_admin,
                                  roles=values.roles, apps=_apps(state))
    except RecordInvalid as exc:
        with read(state.engine) as conn:
            user = directory.get_user(conn, uid)
        values.username = user.username
        return _form_page(request, state, values=values, user=user, problems=exc.problems, status=422)
    return set_flash(redirect(request, "/admin/users"), request, translate("已保存", lang_of(request)))


@router.post("/users/{user_id}/disable")
def disable_user(user_id: str, request: Request, state: State, actor: AdminActor, posted: Posted) -> Response:
    return _set_active(request, state, actor, parse_id(user_id), False)


@router.post("/users/{user_id}/enable")
def enable_user(user_id: str, request: Request, state: State, actor: AdminActor, posted: Posted) -> Response:
    return _set_active(request, state, actor, parse_id(user_id), True)


def _set_active(request: Request, state, actor, uid: int, active: bool) -> Response:
    lang = lang_of(request)
    back = redirect(request, f"/admin/users/{uid}")
    try:
        with write(state.engine) as conn:
            directory.set_active(conn, uid, active, actor_id=actor.id)
    except Forbidden as exc:
        return set_flash(back, request, translate(exc.detail, lang), "error")
    done = "已启用，该用户可以重新登录" if active else "已停用，该用户已被退出登录，且不能再登录或使用 API 令牌"
    return set_flash(back, request, translate(done, lang))


@router.post("/users/{user_id}/reset-password")
def reset_password(user_id: str, request: Request, state: State, actor: AdminActor, posted: Posted) -> Response:
    uid = parse_id(user_id)
    try:
        with write(state.engine) as conn:
            new = directory.reset_password(conn, uid, actor_id=actor.id)
    except Forbidden as exc:
        back = redirect(request, f"/admin/users/{uid}")
        return set_flash(back, request, translate(exc.detail, lang_of(request)), "error")
    return _password_page(request, new, created=False)
