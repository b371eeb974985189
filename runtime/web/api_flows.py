"""REST API for approvals: submit a record, act on tasks, the inboxes, withdraw, urge, comment, delegate.

Each route authenticates and works in one transaction (`flow_context`); refusals are
problem+json: 409 for an action the flow can't take now (stale task, withdrawn, …), 404 for a
task or record the caller can't see.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from typing import Any, Callable, Iterator

from fastapi import APIRouter, Body, Query, Request
from sqlalchemy import Connection

from form_engine.errors import FormworkError

from ..clock import now_precise
from ..database import read, write
from ..flows import delegation, inbox, service
from ..records import RecordContext
from .deps import _context, _required, authenticate, state_of
from .responses import JSONResponse

router = APIRouter(prefix="/api/v1", tags=["approvals"])


@contextmanager
def flow_context(request: Request, app: str | Callable[[Connection], str], *, writing: bool) -> Iterator[RecordContext]:
    state = state_of(request)
    with (write if writing else read)(state.engine) as conn:
        actor = _required(authenticate(conn, request, state))
        name = app(conn) if callable(app) else app
        yield _context(conn, request, state, state.registry.app(name), actor, "api")


def _text(body: dict, key: str) -> str:
    value = body.get(key) or ""
    if not isinstance(value, str):
        raise FormworkError(f"“{key}”应为文字")
    return value


def _int(body: dict, key: str) -> int | None:
    value = body.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FormworkError(f"“{key}”应为用户 ID（整数）")
    return value


@router.post("/apps/{app}/forms/{form}/records/{record_id}/submit", summary="提交审批")
def submit(request: Request, app: str, form: str, record_id: int, body: dict[str, Any] = Body(default={})) -> JSONResponse:
    with flow_context(request, app, writing=True) as ctx:
        view = service.submit(ctx, state_of(request).registry.form(app, form), record_id,
                              flow=body.get("flow") or None, comment=_text(body, "comment"))
    return JSONResponse(view.as_json(), status_code=201)


@router.get("/apps/{app}/forms/{form}/records/{record_id}/flow", summary="记录的审批进度")
def record_flow(request: Request, app: str, form: str, record_id: int) -> JSONResponse:
    with flow_context(request, app, writing=False) as ctx:
        view = service.record_flow(ctx, state_of(request).registry.form(app, form), record_id)
    return JSONResponse(view.as_json() if view else None)


@router.get("/tasks", summary="我的审批列表")
def tasks(request: Request, box: str = "pending", form: str | None = None, since: date | None = None,
          until: date | None = None, before: int | None = None, limit: int = Query(50, ge=1, le=200)) -> JSONResponse:
    state = state_of(request)
    with read(state.engine) as conn:
        actor = _required(authenticate(conn, request, state))
        page = inbox.inbox(conn, actor.id, state.registry.apps, box, form=form, since=since, until=until,
                             before=before, limit=limit)
        counts = inbox.counts(conn, actor.id)
    return JSONResponse({**page.as_json(), "counts": counts})


@router.get("/tasks/{task_id}", summary="一条待办：记录、审批进度、可做的操作")
def task(request: Request, task_id: int) -> JSONResponse:
    with flow_context(request, lambda conn: service.task_app(conn, task_id), writing=False) as ctx:
        return JSONResponse(service.task_view(ctx, task_id).as_json())


@router.post("/tasks/{task_id}/{action}", summary="处理待办：approve / reject / return / transfer / add-signer")
def act(request: Request, task_id: int, action: str, body: dict[str, Any] = Body(default={})) -> JSONResponse:
    values = body.get("values")
    if values is not None and not isinstance(values, dict):
        raise FormworkError("“values”应为对象：{字段名: 值}")
    with flow_context(request, lambda conn: service.task_app(conn, task_id), writing=True) as ctx:
        view = service.act(ctx, task_id, action.replace("-", "_"), comment=_text(body, "comment"), to=_int(body, "to"),
                           node=body.get("node") or None, position=body.get("position"), values=values)
    return JSONResponse(view.as_json())


@router.post("/flow-instances/{instance_id}/{action}", summary="撤回（withdraw）、催办（urge）、评论（comments）")
def instance_action(request: Request, instance_id: int, action: str,
                    body: dict[str, Any] = Body(default={})) -> JSONResponse:
    with flow_context(request, lambda conn: service.instance_app(conn, instance_id), writing=True) as ctx:
        if action == "withdraw":
            view = service.withdraw(ctx, instance_id, _text(body, "comment"))
        elif action == "urge":
            view = service.urge(ctx, instance_id)
        elif action == "comments":
            view = service.comment_on(ctx, instance_id, _text(body, "text"))
        else:
            raise FormworkError(f"不认识的操作“{action}”；可用：withdraw、urge、comments")
    return JSONResponse(view.as_json())


@router.get("/me/delegation", summary="我的委托（请假时把新待办交给别人）")
def get_delegation(request: Request) -> JSONResponse:
    state = state_of(request)
    with read(state.engine) as conn:
        actor = _required(authenticate(conn, request, state))
        return JSONResponse(delegation.delegation(conn, actor.id))


@router.put("/me/delegation", summary="设置或清除委托")
def put_delegation(request: Request, body: dict[str, Any] = Body(default={})) -> JSONResponse:
    state = state_of(request)
    try:
        starts = date.fromisoformat(body["starts"]) if body.get("starts") else None
        ends = date.fromisoformat(body["ends"]) if body.get("ends") else None
    except (TypeError, ValueError):
        raise FormworkError("日期格式应为 YYYY-MM-DD") from None
    with write(state.engine) as conn:
        actor = _required(authenticate(conn, request, state))
        return JSONResponse(delegation.set_delegation(conn, actor.id, _int(body, "delegate"), starts, ends,
                                                      now=now_precise(state.settings.timezone)))
