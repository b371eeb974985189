"""The 审批 panel of a record's detail page: progress diagram, timeline, and the submitter's actions
(提交审批, 撤回, 催办, 评论). A form without a flow gets no panel."""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from flow_engine.errors import FlowError
from form_engine.compiler import CompiledForm
from form_engine.errors import FormworkError, NotFound, RecordInvalid, Unauthorized

from ...flows import service
from ...records.context import RecordContext
from ..deps import State, record_context
from .flash import set_flash
from .flowviews import FlowView, flow_view, get
from .guard import PageActor, Posted
from .i18n import translate
from .nav import form_href, parse_id
from .templating import lang_of, redirect

router = APIRouter(include_in_schema=False)
RESUBMIT = ("returned", "rejected", "withdrawn")  # a record whose last flow ended so may go in again


@dataclass
class FlowPanel:
    flows: list[tuple[str, str]]  # (name, label) the record may be submitted into
    view: FlowView | None
    can_submit: bool
    base: str  # the record's URL; actions post to base + "/flow/…"


def flow_panel(ctx: RecordContext, form: CompiledForm, record_id: int, *, may_edit: bool) -> FlowPanel | None:
    """What the detail page shows about approval; None when the form has no flow."""
    flows = [(get(f, "name"), get(f, "label") or get(f, "name")) for f in service.flows_for(ctx.app, form.name, ctx.lang)]
    if not flows:
        return None
    inst = service.record_flow(ctx, form, record_id)
    view = flow_view(inst, ctx.lang) if inst is not None else None
    can_submit = may_edit and (view is None or view.status in RESUBMIT)
    return FlowPanel(flows, view, can_submit, form_href(ctx.app.name, form.name, record_id))


def _done(request: Request, app: str, form: str, rid: int, text: str, kind: str = "success") -> Response:
    return set_flash(redirect(request, form_href(app, form, rid)), request, text, kind)


def _run(request: Request, state, actor, app: str, form: str, record_id: str, done: str, work) -> Response:
    compiled = state.registry.form(app, form)
    rid = parse_id(record_id)
    try:
        with record_context(request, state, actor, app, writing=True) as ctx:
            work(ctx, compiled, rid)
    except RecordInvalid as exc:
        first = exc.problems[0] if exc.problems else None
        field = compiled.fields.get(first.path.split(".")[0]) if first else None
        text = f"{field.label.text(lang_of(request))}：{first.message}" if field else (first.message if first else exc.detail)
        return _done(request, app, form, rid, translate("提交前请先完善记录：", lang_of(request)) + text, "error")
    except (NotFound, Unauthorized):
        raise
    except FormworkError as exc:  # refused: already running, not the submitter, nothing to withdraw...
        return _done(request, app, form, rid, exc.detail, "error")
    return _done(request, app, form, rid, translate(done, lang_of(request)))


def _instance(ctx: RecordContext, form: CompiledForm, rid: int) -> int:
    inst = service.record_flow(ctx, form, rid)
    if inst is None:
        raise FlowError("这条记录还没有提交审批", code="not_submitted", record_id=rid)
    return get(inst, "id")


@router.post("/apps/{app}/{form}/{record_id}/flow/submit")
def submit(app: str, form: str, record_id: str, request: Request, state: State, actor: PageActor,
           posted: Posted) -> Response:
    flow = str(posted.get("flow") or "") if posted else ""
    comment = str(posted.get("comment") or "").strip() if posted else ""
    return _run(request, state, actor, app, form, record_id, "已提交审批",
                lambda ctx, f, rid: service.submit(ctx, f, rid, flow=flow or None, comment=comment))


@router.post("/apps/{app}/{form}/{record_id}/flow/withdraw")
def withdraw(app: str, form: str, record_id: str, request: Request, state: State, actor: PageActor,
             posted: Posted) -> Response:
    comment = str(posted.get("comment") or "").strip() if posted else ""
    return _run(request, state, actor, app, form, record_id, "已撤回审批",
                lambda ctx, f, rid: service.withdraw(ctx, _instance(ctx, f, rid), comment))


@router.post("/apps/{app}/{form}/{record_id}/flow/urge")
def urge(app: str, form: str, record_id: str, request: Request, state: State, actor: PageActor) -> Response:
    return _run(request, state, actor, app, form, record_id, "已催办，审批人会收到提醒",
                lambda ctx, f, rid: service.urge(ctx, _instance(ctx, f, rid)))


@router.post("/apps/{app}/{form}/{record_id}/flow/comment")
def comment(app: str, form: str, record_id: str, request: Request, state: State, actor: PageActor,
            posted: Posted) -> Response:
    text = str(posted.get("comment") or "").strip() if posted else ""
    return _run(request, state, actor, app, form, record_id, "已发表评论",
                lambda ctx, f, rid: service.comment_on(ctx, _instance(ctx, f, rid), text))
