"""The form designer: the page, new forms, autosaved drafts, and the checks it asks for as you type.

The page holds the draft as JSON in the browser (designer.js); every change is saved (debounced)
with the revision the browser last saw. A stale revision answers 409 and changes nothing.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from form_engine.errors import DefinitionError, NotFound
from form_engine.expressions import compile_expression
from form_engine.identifiers import SYSTEM_COLUMNS, name_problem
from runtime.clock import now
from runtime.database import read, write
from runtime.web.deps import State
from runtime.web.pages.flash import set_flash
from runtime.web.pages.guard import Posted
from runtime.web.pages.i18n import translate
from runtime.web.pages.templating import lang_of, redirect, render

from .chrome import BuilderActor, builder_chrome, json_error
from .i18n import designer_texts
from .drafts import Draft, DraftConflict, DraftGone, DraftTooLarge, discard_draft, list_drafts, load_draft, save_draft
from .names import suggest_name
from .palette import GROUPS, palette
from .store import check_draft, dump, form_draft_body, form_version

router = APIRouter()


class DraftIn(BaseModel):
    revision: int = Field(ge=0)
    body: dict[str, Any]


class ExpressionIn(BaseModel):
    source: str = Field(max_length=10_000)
    names: list[str] = Field(default_factory=list, max_length=1000)


def conflict_message(current: Draft, lang: str) -> str:
    who = current.updated_by_name or translate("其他管理员", lang)
    return translate("草稿已被 {who} 在 {time} 修改，请刷新后再改", lang, who=who,
                     time=current.updated_at.strftime("%H:%M"))


def current_body(conn, state, app: str, form: str) -> tuple[dict, Draft | None, int | None]:
    """What the designer edits: the draft, else the published form; NotFound when neither exists."""
    draft = load_draft(conn, app, "form", form)
    version = form_version(conn, app, form)
    if draft is not None:
        return draft.body, draft, version
    compiled = state.registry.app(app).forms.get(form)
    if compiled is None:
        raise NotFound(f"表单“{form}”不存在")
    return form_draft_body(compiled.form), None, version


def _targets(state, app: str, form: str, body: dict, lang: str) -> list[dict]:
    """Forms a relation may point at, with their fields (for the display field), this draft included."""
    out = []
    for f in state.registry.app(app).forms.values():
        if f.name == form:
            continue
        out.append({"name": f.name, "label": f.label.text(lang),
                    "fields": [{"name": x.name, "label": x.label.text(lang), "type": x.type} for x in f.form.fields]})
    label = (body.get("label") or {}).get("zh-CN") or form
    out.append({"name": form, "label": label, "self": True, "fields": []})
    return out


@router.get("/apps/{app}/forms/new")
def new_form_page(app: str, request: Request, state: State, actor: BuilderActor) -> Response:
    return _new_page(request, state, app, values={}, errors={})


def _taken_forms(conn, state, app: str) -> set[str]:
    return set(state.registry.app(app).forms) | set(list_drafts(conn, app))


def _new_page(request: Request, state, app: str, *, values: dict, errors: dict, status: int = 200) -> Response:
    compiled = state.registry.app(app)
    lang = lang_of(request)
    with read(state.engine) as conn:
        taken = sorted(_taken_forms(conn, state, app))
    context = {**builder_chrome(state.registry, lang, app=compiled, crumbs=[(translate("新建表单", lang), None)]),
               "app": compiled, "values": values, "errors": errors, "taken": taken}
    return render(request, "builder/new_form.html", context, status=status)


def starter_form(name: str, label: str, label_en: str) -> dict:
    """A new form starts with one required title field, so it is publishable from the first minute."""
    first = {"name": "mingcheng", "type": "text", "label": {"zh-CN": "名称", "en": "Name"}, "required": True,
             "in_list": True, "searchable": True, "max_length": 100}
    return {"name": name, "label": {"zh-CN": label, **({"en": label_en} if label_en else {})},
            "title_field": "mingcheng", "fields": [first],
            "layout": {"sections": [{"title": {"zh-CN": "基本信息", "en": "Details"}, "columns": 2,
                                     "fields": ["mingcheng"]}]}}


@router.post("/apps/{app}/forms")
def create_form(app: str, request: Request, state: State, actor: BuilderActor, posted: Posted) -> Response:
    state.registry.app(app)
    lang = lang_of(request)
    values = {k: str(posted.get(k) or "").strip() for k in ("label", "label_en", "name")}
    errors: dict[str, list[str]] = {}
    with write(state.engine) as conn:
        taken = _taken_forms(conn, state, app)
        if not values["label"]:
            errors["label"] = [translate("请填写表单名称", lang)]
        name = values["name"] or suggest_name(values["label"], taken, fallback="form")
        if (why := name_problem(name)):
            errors["name"] = [translate(why, lang)]
        elif name in taken:
            errors["name"] = [translate("表单标识“{name}”已被使用，请换一个", lang, name=name)]
        if not errors:
            save_draft(conn, app=app, kind="form", name=name, body=starter_form(name, values["label"], values["label_en"]),
                       revision=0, base_version=None, user_id=actor.id, now=now(state.settings.timezone))
    if errors:
        return _new_page(request, state, app, values=values, errors=errors, status=422)
    done = translate("已创建表单草稿，从左侧拖入字段开始设计", lang)
    return set_flash(redirect(request, f"/builder/apps/{app}/forms/{name}"), request, done)


@router.get("/apps/{app}/forms/{form}")
def designer(app: str, form: str, request: Request, state: State, actor: BuilderActor) -> Response:
    compiled = state.registry.app(app)
    lang = lang_of(request)
    with read(state.engine) as conn:
        body, draft, version = current_body(conn, state, app, form)
        _parsed, problems = check_draft(conn, app, body)
    published = compiled.forms.get(form)
    archived = [dump(a) for a in (published.form.archived if published else ())]
    label = (body.get("label") or {}).get("zh-CN") or form
    base = f"/builder/apps/{app}/forms/{form}"
    data = {
        "app": app, "form": form, "lang": lang, "body": body, "revision": draft.revision if draft else 0,
        "has_draft": draft is not None, "version": version,
        "saved_by": draft.updated_by_name if draft else None,
        "saved_at": draft.updated_at.strftime("%H:%M") if draft else None,
        "problems": [p.as_json() for p in problems],
        "palette": [i.as_json() for i in palette()], "groups": list(GROUPS),
        "targets": _targets(state, app, form, body, lang), "system_names": list(SYSTEM_COLUMNS),
        "urls": {"draft": f"{base}/draft", "check": "/builder/expression", "suggest": "/builder/suggest-name",
                 "preview": f"{base}/preview", "publish": f"{base}/publish", "discard": f"{base}/draft/discard"},
    }
    context = {**builder_chrome(state.registry, lang, app=compiled, current=f"form:{form}", crumbs=[(label, None)]),
               "app": compiled, "form_name": form, "label": label, "data": data, "draft": draft, "version": version,
               "archived": archived, "base": base, "texts": designer_texts(lang)}
    return render(request, "builder/designer.html", context)


@router.put("/apps/{app}/forms/{form}/draft")
def put_draft(app: str, form: str, sent: DraftIn, request: Request, state: State, actor: BuilderActor) -> Response:
    """Autosave: the body becomes the next revision; 409 when someone else saved in between."""
    lang = lang_of(request)
    body = {**sent.body, "name": form}  # a form's name is fixed when it is created
    body.pop("archived", None)
    try:
        with write(state.engine) as conn:
            _old, _draft, version = current_body(conn, state, app, form)
            saved = save_draft(conn, app=app, kind="form", name=form, body=body, revision=sent.revision,
                               base_version=version, user_id=actor.id, now=now(state.settings.timezone))
            _parsed, problems = check_draft(conn, app, body)
    except DraftConflict as exc:
        return json_error(exc, lang, detail=conflict_message(exc.current, lang))
    except (DraftGone, DraftTooLarge, NotFound) as exc:
        return json_error(exc, lang)
    return JSONResponse({"revision": saved.revision, "saved_at": saved.updated_at.strftime("%H:%M:%S"),
                         "saved_by": saved.updated_by_name, "problems": [p.as_json() for p in problems]})


@router.post("/apps/{app}/forms/{form}/draft/discard")
def discard(app: str, form: str, request: Request, state: State, actor: BuilderActor, posted: Posted) -> Response:
    compiled = state.registry.app(app)
    with write(state.engine) as conn:
        discard_draft(conn, app, "form", form)
    lang = lang_of(request)
    if form in compiled.forms:
        target, text = f"/builder/apps/{app}/forms/{form}", translate("已放弃草稿，恢复为已发布的版本", lang)
    else:
        target, text = f"/builder/apps/{app}", translate("已删除未发布的表单草稿", lang)
    return set_flash(redirect(request, target), request, text)


@router.post("/expression")
def check_expression(sent: ExpressionIn, request: Request, actor: BuilderActor) -> JSONResponse:
    """Compile an expression against the draft's field names: the problems, and the fields it reads."""
    lang = lang_of(request)
    names = set(sent.names) | set(SYSTEM_COLUMNS)
    try:
        expr = compile_expression(sent.source, names=names)
    except DefinitionError as exc:
        return JSONResponse({"ok": False, "problems": [translate(p.message, lang) for p in exc.problems],
                             "suggestions": [p.suggestion for p in exc.problems if p.suggestion], "names": []})
    used = sorted(n for n in expr.names if n not in SYSTEM_COLUMNS) + sorted(n for n in expr.names if n in SYSTEM_COLUMNS)
    return JSONResponse({"ok": True, "problems": [], "suggestions": [], "names": used})


@router.get("/suggest-name")
def suggest(request: Request, actor: BuilderActor, label: str = Query("", max_length=200),
            taken: list[str] = Query(default_factory=list), fallback: str = Query("field", pattern=r"^[a-z]{1,10}$")) -> JSONResponse:
    """An API name for a label: pinyin for Chinese, unique among `taken`, always a valid identifier."""
    return JSONResponse({"name": suggest_name(label, taken[:2000], fallback=fallback)})
