"""REST API for records: /api/v1/apps/{app}/forms/{form}/records."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Header, Request
from fastapi.responses import JSONResponse

from form_engine.errors import FormworkError
from form_engine.record_schema import record_schema

from ..records import (ListQuery, create_record, delete_record, get_record, list_records, record_out,
                       restore_record, update_record)
from .deps import CurrentActor, State, record_context

router = APIRouter(prefix="/api/v1/apps/{app}/forms/{form}", tags=["records"])


class VersionRequired(FormworkError):
    status = 428
    title = "缺少版本号"


def _version(body: dict, if_match: str | None) -> int:
    version = body.pop("version", None)
    if version is None and if_match:
        version = if_match.strip('W/"')
    try:
        return int(version)
    except (TypeError, ValueError):
        raise VersionRequired("修改记录时请带上读取时的版本号：请求体中的 \"version\"，或 If-Match 请求头") from None


def page_json(page) -> dict:
    return {"items": page.items, "next": page.next,
            "total": page.total if page.total_exact else {"estimate": page.total, "exact": False}}


@router.get("/records", summary="列出记录")
def list_route(app: str, form: str, request: Request, state: State, actor: CurrentActor) -> dict:
    compiled = state.registry.form(app, form)
    query = ListQuery.from_params(list(request.query_params.multi_items()), compiled)
    with record_context(request, state, actor, app, writing=False) as ctx:
        return page_json(list_records(ctx, compiled, query))


@router.post("/records", status_code=201, summary="新建记录")
def create_route(app: str, form: str, request: Request, state: State, actor: CurrentActor,
                 body: dict[str, Any] = Body(...)) -> JSONResponse:
    compiled = state.registry.form(app, form)
    with record_context(request, state, actor, app, writing=True) as ctx:
        record = create_record(ctx, compiled, body)
        out = record_out(ctx, compiled, record)
    return JSONResponse(out, status_code=201, headers={"Location": f"{request.url.path}/{out['id']}", "ETag": f'"{out["version"]}"'})


@router.get("/records/{record_id}", summary="读取一条记录")
def get_route(app: str, form: str, record_id: int, request: Request, state: State, actor: CurrentActor) -> dict:
    compiled = state.registry.form(app, form)
    with record_context(request, state, actor, app, writing=False) as ctx:
        return get_record(ctx, compiled, record_id)


@router.patch("/records/{record_id}", summary="修改记录（带上读取时的 version）")
@router.put("/records/{record_id}", include_in_schema=False)
def update_route(app: str, form: str, record_id: int, request: Request, state: State, actor: CurrentActor,
                 body: dict[str, Any] = Body(...), if_match: str | None = Header(None)) -> dict:
    compiled = state.registry.form(app, form)
    version = _version(body, if_match)
    with record_context(request, state, actor, app, writing=True) as ctx:
        record = update_record(ctx, compiled, record_id, body, expected_version=version)
        return record_out(ctx, compiled, record)


@router.delete("/records/{record_id}", summary="删除记录（移入回收站）")
def delete_route(app: str, form: str, record_id: int, request: Request, state: State, actor: CurrentActor,
                 version: int | None = None) -> dict:
    compiled = state.registry.form(app, form)
    with record_context(request, state, actor, app, writing=True) as ctx:
        record = delete_record(ctx, compiled, record_id, expected_version=version)
    return {"id": record["id"], "version": record["version"], "deleted_at": record["deleted_at"].isoformat(timespec="seconds")}


@router.post("/records/{record_id}/restore", summary="从回收站恢复")
def restore_route(app: str, form: str, record_id: int, request: Request, state: State, actor: CurrentActor) -> dict:
    compiled = state.registry.form(app, form)
    with record_context(request, state, actor, app, writing=True) as ctx:
        record = restore_record(ctx, compiled, record_id)
        return record_out(ctx, compiled, record)


@router.get("/schema", summary="表单的 JSON Schema")
def schema_route(app: str, form: str, request: Request, state: State, actor: CurrentActor, input: bool = False) -> dict:
    compiled = state.registry.form(app, form)
    return record_schema(compiled, for_input=input)
