"""Admin pages for roles: each app's roles, creating and deleting one, and its permission matrix.

Roles live in the app definition: every save publishes a new version of it (`save_roles`), then
this process recompiles its apps.
"""
from __future__ import annotations

from typing import Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from form_engine.compiler import CompiledApp
from form_engine.definitions import RoleDef
from form_engine.errors import DefinitionError, FormworkError, NotFound

from ... import directory
from ...database import read, write
from ...definition_store import published_app, save_roles
from ..deps import State
from ..pages.flash import set_flash
from ..pages.guard import Posted
from ..pages.i18n import translate
from ..pages.templating import lang_of, redirect, render
from . import matrix as mx
from .chrome import AdminActor, admin_chrome

router = APIRouter()


class RoleInUse(FormworkError):
    status = 409
    title = "角色不能删除"


def _publish(state, actor, app: str, change: Callable[[Connection, list[dict]], list[dict]]) -> None:
    """Apply `change` to the app's roles as published now, publish them, recompile this process's apps."""
    with write(state.engine) as conn:
        current = published_app(conn, app)
        save_roles(conn, app, change(conn, [mx.role_json(r) for r in current.roles]),
                   tz=state.settings.timezone, user_id=actor.id)
    state.registry.load(state.engine)
    state.openapi_cache = None


def _role(app: CompiledApp, name: str) -> RoleDef:
    found = next((r for r in app.definition.roles if r.name == name), None)
    if found is None:
        raise NotFound("角色不存在")
    return found


def _roles_page(request: Request, state, *, failed: str | None = None, values: dict | None = None,
                errors: dict | None = None, summary: list[str] | None = None, status: int = 200) -> Response:
    lang = lang_of(request)
    apps = []
    with read(state.engine) as conn:
        for app in state.registry.apps.values():
            counts = directory.role_counts(conn, app.name)
            apps.append({"app": app, "label": app.definition.label.text(lang),
                         "roles": [(r, counts.get(r.name, 0)) for r in app.definition.roles],
                         "values": values if app.name == failed else {}, "errors": errors if app.name == failed else {},
                         "summary": summary if app.name == failed else []})
    return render(request, "admin/roles.html", {**admin_chrome(lang, "roles"), "apps": apps}, status=status)


@router.get("/roles")
def roles_page(request: Request, state: State, actor: AdminActor) -> Response:
    return _roles_page(request, state)


@router.post("/roles/{app}")
def create_role(app: str, request: Request, state: State, actor: AdminActor, posted: Posted) -> Response:
    state.registry.app(app)
    values = {"name": str(posted.get("name") or "").strip(), "label": str(posted.get("label") or "").strip()}
    role = {"name": values["name"], "label": {"zh-CN": values["label"]}}
    index = 0

    def add(_conn, roles: list[dict]) -> list[dict]:
        nonlocal index
        index = len(roles)
        return [*roles, role]
    try:
        _publish(state, actor, app, add)
    except DefinitionError as exc:
        errors, lines = mx.place_problems(state.registry.app(app), role, index, exc.problems, lang_of(request))
        return _roles_page(request, state, failed=app, values=values, errors=errors, summary=lines, status=422)
    done = translate("已创建角色“{name}”，请勾选它的权限", lang_of(request), name=values["label"])
    return set_flash(redirect(request, f"/admin/roles/{app}/{values['name']}"), request, done)


def _role_page(request: Request, state, app: CompiledApp, role: dict, *, errors: dict | None = None,
               summary: list[str] | None = None, status: int = 200) -> Response:
    lang = lang_of(request)
    errors = errors or {}
    with read(state.engine) as conn:
        members = directory.role_counts(conn, app.name).get(role["name"], 0)
    names = role.get("label", {})
    label = names.get("zh-CN") or role["name"]
    title = names.get("en") or label if lang == "en" else label
    context = {**admin_chrome(lang, "roles", [(app.definition.label.text(lang), "/admin/roles"), (title, None)]),
               "app": app, "role": role, "title": title, "members": members,
               "rows": mx.matrix(app, role, errors, lang), "errors": errors, "summary": summary or [],
               "action_labels": [(a, translate(mx.ACTION_LABELS[a], lang)) for a in mx.ACTIONS],
               "scopes": [(s, translate(t, lang)) for s, t in mx.SCOPE_LABELS.items()],
               "field_rules": [(v, translate(t, lang)) for v, t in mx.FIELD_RULES.items()],
               "confirm": translate("确定删除角色“{name}”吗？", lang, name=title)}
    return render(request, "admin/role.html", context, status=status)


@router.get("/roles/{app}/{role}")
def role_page(app: str, role: str, request: Request, state: State, actor: AdminActor) -> Response:
    compiled = state.registry.app(app)
    return _role_page(request, state, compiled, mx.role_json(_role(compiled, role)))


@router.post("/roles/{app}/{role}")
def save_role(app: str, role: str, request: Request, state: State, actor: AdminActor, posted: Posted) -> Response:
    compiled = state.registry.app(app)
    wanted = mx.role_from_post(compiled, mx.role_json(_role(compiled, role)), posted)
    index = 0

    def replace(_conn, roles: list[dict]) -> list[dict]:
        nonlocal index
        index = next((i for i, r in enumerate(roles) if r["name"] == role), len(roles))
        return [*roles[:index], wanted, *roles[index + 1:]]
    try:
        _publish(state, actor, app, replace)
    except DefinitionError as exc:
        errors, lines = mx.place_problems(compiled, wanted, index, exc.problems, lang_of(request))
        return _role_page(request, state, compiled, wanted, errors=errors, summary=lines, status=422)
    return set_flash(redirect(request, f"/admin/roles/{app}/{role}"), request, translate("已保存", lang_of(request)))


@router.post("/roles/{app}/{role}/delete")
def delete_role(app: str, role: str, request: Request, state: State, actor: AdminActor, posted: Posted) -> Response:
    compiled = state.registry.app(app)
    label = _role(compiled, role).label.text(lang_of(request))

    def remove(conn, roles: list[dict]) -> list[dict]:
        count = directory.role_counts(conn, app).get(role, 0)
        if count:
            raise RoleInUse(translate("还有 {n} 名用户拥有角色“{name}”，请先在用户管理中取消后再删除", lang_of(request),
                                      n=count, name=label))
        return [r for r in roles if r["name"] != role]
    try:
        _publish(state, actor, app, remove)
    except RoleInUse as exc:
        return set_flash(redirect(request, f"/admin/roles/{app}/{role}"), request, exc.detail, "error")
    except DefinitionError as exc:  # an approval flow names the role
        used = "；".join(dict.fromkeys(p.message for p in exc.problems[:3]))
        detail = translate("审批流程还在使用角色“{name}”，请先在流程设计器中修改：{why}", lang_of(request), name=label, why=used)
        return set_flash(redirect(request, f"/admin/roles/{app}/{role}"), request, detail, "error")
    done = translate("已删除角色“{name}”", lang_of(request), name=label)
    return set_flash(redirect(request, "/admin/roles"), request, done)
