"""Publishing a flow from the designer: the published app with this flow put in, through runtime.publish.

The plan is shown first (like a form's); a flow with problems is never published: the page lists
them by node and sends the designer back to fix them.
"""
from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import Response

from flow_engine.graph import walk
from flow_engine.metaschema import parse_flow
from form_engine.errors import DefinitionError, NotFound
from runtime.database import read
from runtime.web.deps import State
from runtime.web.pages.flash import set_flash
from runtime.web.pages.guard import Posted
from runtime.web.pages.i18n import translate
from runtime.web.pages.templating import lang_of, redirect, render

from . import publisher
from .chrome import BuilderActor, builder_chrome
from .draft_publish import publish_draft
from .flows import label_of
from .flows_store import KIND, check_flow_draft, current_flow, flow_index, flow_version, place, published_flows, with_flow
from .store import app_json

router = APIRouter()


def node_labels(body: dict) -> dict[str, str]:
    """Node pointer → label, for naming the node a problem is on."""
    try:
        return {p.path: p.label for p in walk(parse_flow(body).nodes)}
    except DefinitionError:
        return {}


def _proposed(conn, app: str, body: dict) -> dict:
    return with_flow(app_json(conn, app), body)


def _plan_page(request: Request, state, app: str, flow: str, *, error: str | None = None, status: int = 200,
               accepted: bool = False) -> Response:
    lang = lang_of(request)
    compiled = state.registry.app(app)
    plan = None
    with read(state.engine) as conn:
        body, draft, version = current_flow(conn, app, flow)
        _parsed, problems = check_flow_draft(conn, app, body)
        if not problems:
            proposed = _proposed(conn, app, body)
            try:
                plan = publisher.plan(conn, state, app, proposed).as_json()
            except DefinitionError as exc:
                prefix = f"/flows/{flow_index(proposed, flow)}"
                problems = [place(p, prefix) for p in exc.problems]
    label = label_of(body, flow, lang)
    base = f"/builder/apps/{app}/flows/{flow}"
    crumbs = [(translate("流程", lang), f"/builder/apps/{app}#flows"), (label, base), (translate("发布", lang), None)]
    context = {**builder_chrome(state.registry, lang, app=compiled, crumbs=crumbs),
               "app": compiled, "flow_name": flow, "label": label, "plan": plan, "problems": problems,
               "labels": node_labels(body), "error": error, "accepted": accepted, "base": base,
               "revision": draft.revision if draft else 0, "has_draft": draft is not None, "version": version}
    return render(request, "builder/flow_publish.html", context, status=status)


@router.get("/apps/{app}/flows/{flow}/publish")
def publish_page(app: str, flow: str, request: Request, state: State, actor: BuilderActor) -> Response:
    return _plan_page(request, state, app, flow)


@router.post("/apps/{app}/flows/{flow}/publish")
def publish(app: str, flow: str, request: Request, state: State, actor: BuilderActor, posted: Posted) -> Response:
    lang = lang_of(request)
    with read(state.engine) as conn:
        body, draft, _version = current_flow(conn, app, flow)
        _parsed, problems = check_flow_draft(conn, app, body)
        proposed = _proposed(conn, app, body)

    def done(result) -> Response:
        if result.empty:
            text = translate("没有需要发布的修改", lang)
            return set_flash(redirect(request, f"/builder/apps/{app}/flows/{flow}"), request, text, "info")
        with read(state.engine) as conn:
            version = flow_version(conn, app, flow)
        text = translate("已发布流程“{label}”第 {version} 版", lang, label=label_of(body, flow, lang), version=version or 1)
        return set_flash(redirect(request, f"/builder/apps/{app}/flows/{flow}/published"), request, text)
    return publish_draft(state, posted, app=app, kind=KIND, name=flow, draft=draft, proposed=proposed,
                         user_id=actor.id, lang=lang, plan_page=partial(_plan_page, request, state, app, flow),
                         published=done, problems=problems)


@router.get("/apps/{app}/flows/{flow}/published")
def published(app: str, flow: str, request: Request, state: State, actor: BuilderActor) -> Response:
    """After a publish: the version, and where to go next."""
    compiled = state.registry.app(app)
    body = published_flows(compiled.definition).get(flow)
    if body is None:
        raise NotFound(f"流程“{flow}”不存在")
    lang = lang_of(request)
    with read(state.engine) as conn:
        version = flow_version(conn, app, flow) or 1
    base = f"/builder/apps/{app}/flows/{flow}"
    label = label_of(body, flow, lang)
    form = compiled.forms.get(body.get("form"))
    context = {**builder_chrome(state.registry, lang, app=compiled,
                                crumbs=[(label, base), (translate("已发布", lang), None)]),
               "label": label, "version": version, "base": base, "app": compiled,
               "form_href": f"/apps/{app}/{form.name}" if form else None,
               "form_label": form.label.text(lang) if form else ""}
    return render(request, "builder/flow_published.html", context)
