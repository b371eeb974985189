"""Designer pages for apps: the app list, creating an app, its properties and its menu (groups, order).

Creating an app and changing its properties or menu are publishes (runtime.publish), like any
other change to a published app.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from form_engine.compiler import CompiledApp
from form_engine.errors import DefinitionError, Problem
from form_engine.identifiers import name_problem
from runtime.database import read
from runtime.web.deps import State
from runtime.web.pages.flash import set_flash
from runtime.web.pages.guard import Posted
from runtime.web.pages.i18n import translate
from runtime.web.pages.templating import lang_of, redirect, render

from . import publisher
from .chrome import BuilderActor, builder_chrome
from .drafts import list_drafts
from .store import app_json, form_version

router = APIRouter()
COLORS = ("#1677ff", "#13c2c2", "#2e9d5b", "#faad14", "#fa541c", "#eb2f96", "#722ed1", "#595959")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass
class AppCard:
    name: str
    label: str
    icon: str
    color: str
    forms: int
    drafts: int


def _cards(state, lang: str) -> list[AppCard]:
    cards = []
    with read(state.engine) as conn:
        for app in state.registry.apps.values():
            d = app.definition
            cards.append(AppCard(app.name, d.label.text(lang), d.icon or d.label.text(lang)[:1],
                                 d.color or COLORS[0], len(d.forms), len(list_drafts(conn, app.name))))
    return cards


def _list_page(request: Request, state, *, values: dict | None = None, errors: dict | None = None,
               status: int = 200) -> Response:
    lang = lang_of(request)
    context = {**builder_chrome(state.registry, lang), "cards": _cards(state, lang), "colors": COLORS,
               "values": values or {"color": COLORS[0]}, "errors": errors or {}, "open_create": bool(errors)}
    return render(request, "builder/apps.html", context, status=status)


@router.get("")
def app_list(request: Request, state: State, actor: BuilderActor) -> Response:
    return _list_page(request, state)


def _props(posted) -> dict:
    get = lambda key: str(posted.get(key) or "").strip()  # noqa: E731
    return {k: get(k) for k in ("name", "label", "label_en", "icon", "color", "description", "description_en")}


def _prop_problems(values: dict, lang: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not values["label"]:
        errors["label"] = [translate("请填写应用名称", lang)]
    if values["color"] and not _HEX.match(values["color"]):
        errors["color"] = [translate("颜色应写成 #1677ff 这样的 6 位十六进制", lang)]
    if len(values["icon"]) > 8:
        errors["icon"] = [translate("图标最多 8 个字符（一个字或一个 emoji）", lang)]
    return errors


def _apply_props(body: dict, values: dict) -> dict:
    label = {"zh-CN": values["label"], **({"en": values["label_en"]} if values["label_en"] else {})}
    out = {**body, "label": label, "icon": values["icon"] or None, "color": values["color"] or None}
    if values["description"]:
        out["description"] = {"zh-CN": values["description"],
                              **({"en": values["description_en"]} if values["description_en"] else {})}
    else:
        out.pop("description", None)
    return {k: v for k, v in out.items() if v is not None}


_PROP_PATHS = {"/name": "name", "/label": "label", "/label/zh-CN": "label", "/label/en": "label_en",
               "/icon": "icon", "/color": "color", "/description": "description"}


def _place(problems: list[Problem], lang: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for p in problems:
        errors.setdefault(_PROP_PATHS.get(p.path, "_"), []).append(translate(p.message, lang))
    return errors


@router.post("/apps")
def create_app(request: Request, state: State, actor: BuilderActor, posted: Posted) -> Response:
    lang = lang_of(request)
    values = _props(posted)
    errors = _prop_problems(values, lang)
    if (why := name_problem(values["name"])):
        errors["name"] = [translate(why, lang)]
    elif values["name"] in state.registry.apps:
        errors["name"] = [translate("应用标识“{name}”已被使用，请换一个", lang, name=values["name"])]
    if errors:
        return _list_page(request, state, values=values, errors=errors, status=422)
    proposed = _apply_props({"name": values["name"], "forms": [], "menu": []}, values)
    try:
        publisher.publish(state, values["name"], proposed, user_id=actor.id)
    except DefinitionError as exc:
        return _list_page(request, state, values=values, errors=_place(exc.problems, lang), status=422)
    done = translate("已创建应用“{label}”，现在可以新建表单了", lang, label=values["label"])
    return set_flash(redirect(request, f"/builder/apps/{values['name']}"), request, done)


@dataclass
class FormRow:
    name: str
    label: str
    fields: int
    version: int | None
    draft: object | None  # Draft


def _menu_groups(app: CompiledApp, lang: str) -> list[dict]:
    """The menu as groups of forms (the designer's model); forms the menu leaves out come last, ungrouped."""
    groups: list[dict] = []
    seen: set[str] = set()
    for item in app.definition.menu:
        if item.form not in app.forms or item.form in seen:
            continue
        label = item.group.as_json() if item.group else None
        if not groups or groups[-1]["label"] != label:
            groups.append({"label": label, "forms": []})
        groups[-1]["forms"].append(item.form)
        seen.add(item.form)
    rest = [n for n in app.forms if n not in seen]
    if rest:
        if groups and groups[-1]["label"] is None:
            groups[-1]["forms"] += rest
        else:
            groups.append({"label": None, "forms": rest})
    return groups


def _app_page(request: Request, state, app: CompiledApp, *, values: dict | None = None, errors: dict | None = None,
              menu_errors: list[str] | None = None, status: int = 200) -> Response:
    lang = lang_of(request)
    d = app.definition
    with read(state.engine) as conn:
        drafts = list_drafts(conn, app.name)
        rows = [FormRow(f.name, f.label.text(lang), len(f.form.fields), form_version(conn, app.name, f.name),
                        drafts.get(f.name)) for f in app.forms.values()]
    rows += [FormRow(n, (dr.body.get("label") or {}).get("zh-CN") or n, len(dr.body.get("fields") or []), None, dr)
             for n, dr in drafts.items() if n not in app.forms]
    values = values or {"label": d.label.zh, "label_en": d.label.en or "", "icon": d.icon or "", "color": d.color or "",
                        "description": d.description.zh if d.description else "",
                        "description_en": (d.description.en or "") if d.description else ""}
    labels = {f.name: f.label.text(lang) for f in app.forms.values()}
    context = {**builder_chrome(state.registry, lang, app=app), "app": app, "label": d.label.text(lang),
               "rows": rows, "values": values, "errors": errors or {}, "colors": COLORS,
               "menu_groups": _menu_groups(app, lang), "form_labels": labels, "menu_errors": menu_errors or []}
    return render(request, "builder/app.html", context, status=status)


@router.get("/apps/{app}")
def app_page(app: str, request: Request, state: State, actor: BuilderActor) -> Response:
    return _app_page(request, state, state.registry.app(app))


@router.post("/apps/{app}")
def save_app(app: str, request: Request, state: State, actor: BuilderActor, posted: Posted) -> Response:
    compiled = state.registry.app(app)
    lang = lang_of(request)
    values = _props(posted)
    errors = _prop_problems(values, lang)
    if errors:
        return _app_page(request, state, compiled, values=values, errors=errors, status=422)
    with read(state.engine) as conn:
        proposed = _apply_props(app_json(conn, app), values)
    try:
        publisher.publish(state, app, proposed, user_id=actor.id)
    except DefinitionError as exc:
        return _app_page(request, state, compiled, values=values, errors=_place(exc.problems, lang), status=422)
    return set_flash(redirect(request, f"/builder/apps/{app}"), request, translate("已保存", lang))


def menu_from_post(raw: str, forms: set[str], lang: str) -> tuple[list[dict], list[str]]:
    """The app's `menu` from the designer's groups ([{label: {zh-CN, en}, forms: [...]}]), or problems."""
    try:
        groups = json.loads(raw)
    except ValueError:
        return [], [translate("菜单数据格式不正确，请刷新页面后重试", lang)]
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        return [], [translate("菜单数据格式不正确，请刷新页面后重试", lang)]
    menu, problems, seen = [], [], set()
    for g in groups:
        label = g.get("label") if isinstance(g.get("label"), dict) else {}
        zh = str(label.get("zh-CN") or "").strip()
        en = str(label.get("en") or "").strip()
        if en and not zh:
            problems.append(translate("分组“{name}”缺少中文名称", lang, name=en))
        group = {"zh-CN": zh, **({"en": en} if en else {})} if zh else None
        for name in g.get("forms") or []:
            if not isinstance(name, str) or name not in forms:
                problems.append(translate("菜单中的表单“{name}”不存在", lang, name=str(name)))
            elif name in seen:
                problems.append(translate("表单“{name}”在菜单中出现了两次", lang, name=name))
            else:
                seen.add(name)
                menu.append({"form": name, **({"group": group} if group else {})})
    return menu, problems


@router.post("/apps/{app}/menu")
def save_menu(app: str, request: Request, state: State, actor: BuilderActor, posted: Posted) -> Response:
    compiled = state.registry.app(app)
    lang = lang_of(request)
    menu, problems = menu_from_post(str(posted.get("menu") or ""), set(compiled.forms), lang)
    if problems:
        return _app_page(request, state, compiled, menu_errors=problems, status=422)
    with read(state.engine) as conn:
        proposed = {**app_json(conn, app), "menu": menu}
    try:
        publisher.publish(state, app, proposed, user_id=actor.id)
    except DefinitionError as exc:
        return _app_page(request, state, compiled, menu_errors=[translate(p.message, lang) for p in exc.problems],
                         status=422)
    return set_flash(redirect(request, f"/builder/apps/{app}#menu"), request, translate("菜单已保存", lang))
