"""Publishing a form from the designer: the plan first, a confirmation for lossy plans, then publish.

Also the archived fields of a published form: restoring one (back into the draft, then a publish)
and purging one for good (a second, explicit step).
"""
from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import Response

from form_engine.errors import DefinitionError, NotFound
from runtime.clock import now
from runtime.database import read, write
from runtime.web.deps import State
from runtime.web.pages.flash import set_flash
from runtime.web.pages.guard import Posted
from runtime.web.pages.i18n import translate
from runtime.web.pages.templating import lang_of, redirect, render

from . import publisher
from .chrome import BuilderActor, builder_chrome
from .draft_publish import publish_draft
from .drafts import save_draft
from .forms import current_body
from .names import suggest_name
from .store import dump, form_version, place

router = APIRouter()


def _label(body: dict, form: str) -> str:
    return (body.get("label") or {}).get("zh-CN") or form


def _plan_page(request: Request, state, app: str, form: str, *, error: str | None = None, status: int = 200,
               accepted: bool = False) -> Response:
    lang = lang_of(request)
    compiled = state.registry.app(app)
    plan, problems = None, []
    with read(state.engine) as conn:
        body, draft, version = current_body(conn, state, app, form)
        proposed = publisher.app_with_form(conn, app, body)
        try:
            plan = publisher.plan(conn, state, app, proposed).as_json()
        except DefinitionError as exc:
            index = next(i for i, f in enumerate(proposed["forms"]) if f.get("name") == form)
            problems = [place(p, index) for p in exc.problems]
    label = _label(body, form)
    base = f"/builder/apps/{app}/forms/{form}"
    crumbs = [(label, base), (translate("发布", lang), None)]
    context = {**builder_chrome(state.registry, lang, app=compiled, current=f"form:{form}", crumbs=crumbs),
               "app": compiled, "form_name": form, "label": label, "plan": plan, "problems": problems,
               "fields": body.get("fields") or [], "error": error, "accepted": accepted, "base": base,
               "revision": draft.revision if draft else 0, "has_draft": draft is not None, "version": version}
    return render(request, "builder/publish.html", context, status=status)


@router.get("/apps/{app}/forms/{form}/publish")
def publish_page(app: str, form: str, request: Request, state: State, actor: BuilderActor) -> Response:
    return _plan_page(request, state, app, form)


@router.post("/apps/{app}/forms/{form}/publish")
def publish(app: str, form: str, request: Request, state: State, actor: BuilderActor, posted: Posted) -> Response:
    lang = lang_of(request)
    with read(state.engine) as conn:
        body, draft, _version = current_body(conn, state, app, form)
        proposed = publisher.app_with_form(conn, app, body)

    def done(result) -> Response:
        if result.empty:
            text = translate("没有需要发布的修改", lang)
            return set_flash(redirect(request, f"/builder/apps/{app}/forms/{form}"), request, text, "info")
        version = result.versions.get(form)
        text = translate("已发布“{label}”第 {version} 版", lang, label=_label(body, form), version=version or "")
        return set_flash(redirect(request, f"/builder/apps/{app}/forms/{form}/published"), request, text)
    return publish_draft(state, posted, app=app, kind="form", name=form, draft=draft, proposed=proposed,
                         user_id=actor.id, lang=lang, plan_page=partial(_plan_page, request, state, app, form),
                         published=done)


@router.get("/apps/{app}/forms/{form}/published")
def published(app: str, form: str, request: Request, state: State, actor: BuilderActor) -> Response:
    """After a publish: where to go next (the generated list page, the new-record page, the designer)."""
    compiled = state.registry.app(app)
    found = compiled.forms.get(form)
    if found is None:
        raise NotFound(f"表单“{form}”不存在")
    lang = lang_of(request)
    with read(state.engine) as conn:
        version = form_version(conn, app, form)
    base = f"/builder/apps/{app}/forms/{form}"
    label = found.label.text(lang)
    context = {**builder_chrome(state.registry, lang, app=compiled, current=f"form:{form}",
                                crumbs=[(label, base), (translate("已发布", lang), None)]),
               "label": label, "version": version, "base": base, "list_href": f"/apps/{app}/{form}",
               "new_href": f"/apps/{app}/{form}/new"}
    return render(request, "builder/published.html", context)


def _archived(state, app: str, form: str, column: str, subform: str | None):
    compiled = state.registry.app(app).forms.get(form)
    entry = None if compiled is None else next(
        (a for a in compiled.form.archived if a.field.col == column and (a.subform or None) == (subform or None)), None)
    if entry is None:
        raise NotFound("没有找到这个已归档的字段")
    return compiled, entry


def restore_into(body: dict, field: dict, subform_col: str | None) -> dict:
    """`body` with an archived field back among its fields (same column), renamed if its name is taken."""
    body = {**body, "fields": [dict(f) for f in body.get("fields") or []]}
    fields = body["fields"]
    if subform_col:
        holder = next((f for f in fields if f.get("type") == "subform" and (f.get("column") or f.get("name")) == subform_col),
                      None)
        if holder is None:
            raise NotFound("这个字段所在的子表单已不存在，请先恢复子表单")
        holder["fields"] = [*holder.get("fields", [])]
        fields = holder["fields"]
    taken = {f.get("name") for f in fields}
    if field["name"] in taken:
        field = {**field, "name": suggest_name(field["label"].get("zh-CN", ""), taken | {field["name"]})}
    fields.append(field)
    layout = body.get("layout") or {}
    sections = [dict(s) for s in layout.get("sections") or []]
    if not subform_col and sections:
        sections[-1]["fields"] = [*sections[-1].get("fields", []), field["name"]]
        body["layout"] = {**layout, "sections": sections}
    return body


@router.post("/apps/{app}/forms/{form}/archived/restore")
def restore(app: str, form: str, request: Request, state: State, actor: BuilderActor, posted: Posted) -> Response:
    column = str(posted.get("column") or "")
    subform = str(posted.get("subform") or "") or None
    _compiled, entry = _archived(state, app, form, column, subform)
    lang = lang_of(request)
    with write(state.engine) as conn:
        body, draft, version = current_body(conn, state, app, form)
        body = restore_into(body, dump(entry.field), subform)
        save_draft(conn, app=app, kind="form", name=form, body=body, revision=draft.revision if draft else 0,
                   base_version=version, user_id=actor.id, now=now(state.settings.timezone))
    text = translate("已把“{label}”放回草稿，确认下面的计划并发布后即可恢复", lang, label=entry.field.label.text(lang))
    return set_flash(redirect(request, f"/builder/apps/{app}/forms/{form}/publish"), request, text)


@router.get("/apps/{app}/forms/{form}/archived/purge")
def purge_page(app: str, form: str, request: Request, state: State, actor: BuilderActor,
               column: str = "", subform: str = "") -> Response:
    compiled, entry = _archived(state, app, form, column, subform or None)
    lang = lang_of(request)
    base = f"/builder/apps/{app}/forms/{form}"
    label = compiled.label.text(lang)
    context = {**builder_chrome(state.registry, lang, app=state.registry.app(app), current=f"form:{form}",
                                crumbs=[(label, base), (translate("彻底删除归档字段", lang), None)]),
               "entry": entry, "base": base, "column": column, "subform": subform, "error": None}
    return render(request, "builder/purge.html", context)


@router.post("/apps/{app}/forms/{form}/archived/purge")
def purge(app: str, form: str, request: Request, state: State, actor: BuilderActor, posted: Posted) -> Response:
    column = str(posted.get("column") or "")
    subform = str(posted.get("subform") or "") or None
    compiled, entry = _archived(state, app, form, column, subform)
    lang = lang_of(request)
    base = f"/builder/apps/{app}/forms/{form}"
    if posted.get("confirm") != "1":
        context = {**builder_chrome(state.registry, lang, app=state.registry.app(app), current=f"form:{form}",
                                    crumbs=[(compiled.label.text(lang), base), (translate("彻底删除归档字段", lang), None)]),
                   "entry": entry, "base": base, "column": column, "subform": subform or "",
                   "error": translate("请勾选确认：数据将被永久删除，无法恢复", lang)}
        return render(request, "builder/purge.html", context, status=422)
    publisher.purge(state, app, form, column, subform=subform, user_id=actor.id)
    text = translate("已彻底删除“{label}”及其数据", lang, label=entry.field.label.text(lang))
    return set_flash(redirect(request, base), request, text)
