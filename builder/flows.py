"""The flow designer: the app page's 流程 section, new flows, the designer page and its autosaved drafts.

Like the form designer, the page holds the draft as JSON in the browser (flow_designer.js) and saves
it (debounced) with the revision it last saw; a stale revision answers 409 and changes nothing.
Every save answers with the problems publishing would find, placed on their nodes.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from form_engine.compiler import CompiledApp, expression_names
from form_engine.errors import NotFound
from form_engine.fieldtypes import FIELD_TYPES
from form_engine.identifiers import SYSTEM_COLUMNS, name_problem
from runtime import systables
from runtime.clock import now
from runtime.database import read, write
from runtime.web.deps import State
from runtime.web.pages.flash import set_flash
from runtime.web.pages.guard import Posted
from runtime.web.pages.i18n import translate
from runtime.web.pages.templating import lang_of, redirect, render

from .chrome import BuilderActor, builder_chrome, json_error
from .drafts import DraftConflict, DraftGone, DraftTooLarge, discard_draft, list_drafts, save_draft
from .flows_store import KIND, RESERVED, check_flow_draft, current_flow, flow_version, published_flows
from .flows_text import flow_texts
from .forms import conflict_message
from .names import suggest_name

router = APIRouter()

# System columns a flow may take people from (owner_id, created_by) or a department (department_id).
SYSTEM_PEOPLE = ({"name": "owner_id", "label": {"zh-CN": "负责人", "en": "Owner"}, "type": "user"},
                 {"name": "created_by", "label": {"zh-CN": "创建人", "en": "Created by"}, "type": "user"},
                 {"name": "department_id", "label": {"zh-CN": "所属部门", "en": "Department"}, "type": "department"})


class DraftIn(BaseModel):
    revision: int = Field(ge=0)
    body: dict[str, Any]


def label_of(body: dict, fallback: str, lang: str = "zh-CN") -> str:
    label = body.get("label") if isinstance(body.get("label"), dict) else {}
    return (label.get("en") if lang == "en" else None) or label.get("zh-CN") or fallback


# ---------------------------------------------------------------- the app page's 流程 section

def flow_rows(conn, app: CompiledApp, lang: str) -> list[dict]:
    """The app's flows for its page: published ones (with a draft, if any), then unpublished drafts."""
    drafts = list_drafts(conn, app.name, KIND)
    forms = {f.name: f.label.text(lang) for f in app.forms.values()}
    rows = []
    for name, body in published_flows(app.definition).items():
        rows.append({"name": name, "label": label_of(body, name, lang), "form": body.get("form"),
                     "form_label": forms.get(body.get("form"), body.get("form")),
                     "version": flow_version(conn, app.name, name) or 1, "draft": drafts.get(name)})
    for name, draft in drafts.items():
        if name not in {r["name"] for r in rows}:
            rows.append({"name": name, "label": label_of(draft.body, name, lang), "form": draft.body.get("form"),
                         "form_label": forms.get(draft.body.get("form"), draft.body.get("form")),
                         "version": None, "draft": draft})
    return rows


@router.get("/apps/{app}/flows/_section")
def flows_section(app: str, request: Request, state: State, actor: BuilderActor) -> Response:
    """The 流程 section of the app page (loaded into it by htmx)."""
    compiled = state.registry.app(app)
    with read(state.engine) as conn:
        rows = flow_rows(conn, compiled, lang_of(request))
    return render(request, "builder/flows_section.html", {"app": compiled, "flows": rows})


# ---------------------------------------------------------------- new flows

def _taken(conn, app: CompiledApp) -> set[str]:
    return set(published_flows(app.definition)) | set(list_drafts(conn, app.name, KIND)) | set(RESERVED)


def _new_page(request: Request, state, app: str, *, values: dict, errors: dict, status: int = 200) -> Response:
    compiled = state.registry.app(app)
    lang = lang_of(request)
    with read(state.engine) as conn:
        taken = sorted(_taken(conn, compiled))
    forms = [(f.name, f.label.text(lang)) for f in compiled.forms.values()]
    context = {**builder_chrome(state.registry, lang, app=compiled, crumbs=[(translate("新建流程", lang), None)]),
               "app": compiled, "values": values, "errors": errors, "taken": taken, "forms": forms}
    return render(request, "builder/flow_new.html", context, status=status)


@router.get("/apps/{app}/flows/new")
def new_flow_page(app: str, request: Request, state: State, actor: BuilderActor, form: str = "") -> Response:
    return _new_page(request, state, app, values={"form": form}, errors={})


def starter_flow(name: str, label: str, label_en: str, form: str) -> dict:
    """A new flow: the submitter, their manager approves, the end. Publishable as it is."""
    return {"schema_version": 1, "name": name, "label": {"zh-CN": label, **({"en": label_en} if label_en else {})},
            "form": form, "nodes": [
                {"id": "start", "type": "start", "label": {"zh-CN": "发起人", "en": "Submitter"}},
                {"id": "approval_1", "type": "approval", "label": {"zh-CN": "直属主管审批", "en": "Manager approves"},
                 "approvers": [{"source": "manager", "level": 1}], "mode": "all"},
                {"id": "end", "type": "end", "label": {"zh-CN": "结束", "en": "End"}}]}


@router.post("/apps/{app}/flows")
def create_flow(app: str, request: Request, state: State, actor: BuilderActor, posted: Posted) -> Response:
    compiled = state.registry.app(app)
    lang = lang_of(request)
    values = {k: str(posted.get(k) or "").strip() for k in ("label", "label_en", "name", "form")}
    errors: dict[str, list[str]] = {}
    with write(state.engine) as conn:
        taken = _taken(conn, compiled)
        if not values["label"]:
            errors["label"] = [translate("请填写流程名称", lang)]
        if values["form"] not in compiled.forms:
            errors["form"] = [translate("请选择流程绑定的表单（只能选已发布的表单）", lang)]
        name = values["name"] or suggest_name(values["label"], taken, fallback="flow")
        if (why := name_problem(name)):
            errors["name"] = [translate(why, lang)]
        elif name in taken:
            errors["name"] = [translate("流程标识“{name}”已被使用，请换一个", lang, name=name)]
        if not errors:
            body = starter_flow(name, values["label"], values["label_en"], values["form"])
            save_draft(conn, app=app, kind=KIND, name=name, body=body, revision=0, base_version=None,
                       user_id=actor.id, now=now(state.settings.timezone))
    if errors:
        return _new_page(request, state, app, values=values, errors=errors, status=422)
    done = translate("已创建流程草稿，点击“+”添加审批、条件或抄送节点", lang)
    return set_flash(redirect(request, f"/builder/apps/{app}/flows/{name}"), request, done)


# ---------------------------------------------------------------- the designer

def _people(conn) -> list[dict]:
    u = systables.user
    rows = conn.execute(select(u.c.id, u.c.username, u.c.full_name).where(u.c.is_active.is_(True))
                        .order_by(u.c.full_name, u.c.id))
    return [{"id": r.id, "username": r.username, "name": r.full_name} for r in rows]


def form_info(app: CompiledApp, form: str) -> dict | None:
    """The bound form as the designer's panels need it: fields with type, writability and options."""
    compiled = app.forms.get(form)
    if compiled is None:
        return None
    fields = []
    for f in compiled.form.fields:
        item = {"name": f.name, "label": f.label.as_json(), "type": f.type, "writable": FIELD_TYPES[f.type].writable}
        if f.options:
            item["options"] = [{"value": o.value, "label": o.label.as_json()} for o in f.options]
        fields.append(item)
    return {"name": form, "label": compiled.label.as_json(), "fields": fields,
            "names": sorted(expression_names(compiled.form.fields) - set(SYSTEM_COLUMNS)),
            "system": list(SYSTEM_PEOPLE)}


@router.get("/apps/{app}/flows/{flow}")
def designer(app: str, flow: str, request: Request, state: State, actor: BuilderActor) -> Response:
    compiled = state.registry.app(app)
    lang = lang_of(request)
    with read(state.engine) as conn:
        body, draft, version = current_flow(conn, app, flow)
        _parsed, problems = check_flow_draft(conn, app, body)
        people = _people(conn)
    label = label_of(body, flow, lang)
    base = f"/builder/apps/{app}/flows/{flow}"
    data = {
        "app": app, "flow": flow, "lang": lang, "body": body, "revision": draft.revision if draft else 0,
        "has_draft": draft is not None, "version": version, "problems": [p.as_json() for p in problems],
        "form": form_info(compiled, body.get("form")),
        "roles": [{"name": r.name, "label": r.label.as_json()} for r in compiled.definition.roles],
        "users": people,
        "urls": {"draft": f"{base}/draft", "check": "/builder/expression", "preview": f"{base}/preview",
                 "publish": f"{base}/publish"},
    }
    context = {**builder_chrome(state.registry, lang, app=compiled, crumbs=[(translate("流程", lang), f"/builder/apps/{app}#flows"),
                                                                          (label, None)]),
               "app": compiled, "flow_name": flow, "label": label, "data": data, "draft": draft, "version": version,
               "base": base, "texts": flow_texts(lang), "form_label": (data["form"] or {}).get("label", {}).get("zh-CN")}
    # Never from the cache: going back to the designer must load the latest draft and its revision.
    return render(request, "builder/flow_designer.html", context, headers={"Cache-Control": "no-store"})


@router.put("/apps/{app}/flows/{flow}/draft")
def put_draft(app: str, flow: str, sent: DraftIn, request: Request, state: State, actor: BuilderActor) -> Response:
    """Autosave: the body becomes the next revision; 409 when someone else saved in between."""
    lang = lang_of(request)
    state.registry.app(app)
    try:
        with write(state.engine) as conn:
            old, _draft, version = current_flow(conn, app, flow)
            # A flow's name and bound form are fixed when it is created.
            body = {**sent.body, "name": flow, "form": old.get("form")}
            saved = save_draft(conn, app=app, kind=KIND, name=flow, body=body, revision=sent.revision,
                               base_version=version, user_id=actor.id, now=now(state.settings.timezone))
            _parsed, problems = check_flow_draft(conn, app, body)
    except DraftConflict as exc:
        return json_error(exc, lang, detail=conflict_message(exc.current, lang))
    except (DraftGone, DraftTooLarge, NotFound) as exc:
        return json_error(exc, lang)
    return JSONResponse({"revision": saved.revision, "saved_at": saved.updated_at.strftime("%H:%M:%S"),
                         "saved_by": saved.updated_by_name,
                         "problems": [dict(p.as_json(), message=translate(p.message, lang)) for p in problems]})


@router.post("/apps/{app}/flows/{flow}/draft/discard")
def discard(app: str, flow: str, request: Request, state: State, actor: BuilderActor, posted: Posted) -> Response:
    compiled = state.registry.app(app)
    with write(state.engine) as conn:
        discard_draft(conn, app, KIND, flow)
    lang = lang_of(request)
    if flow in published_flows(compiled.definition):
        target, text = f"/builder/apps/{app}/flows/{flow}", translate("已放弃草稿，恢复为已发布的版本", lang)
    else:
        target, text = f"/builder/apps/{app}#flows", translate("已删除未发布的流程草稿", lang)
    return set_flash(redirect(request, target), request, text)

