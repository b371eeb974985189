"""REST API for records: /api/v1/apps/{app}/forms/{form}/records.

Each route authenticates and works in one transaction on one connection (`api_context`) and
answers a ready JSONResponse: the hot path makes one threadpool hop and no re-validation.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Header, Request

from form_engine.errors import FormworkError, Problem, RecordInvalid
from form_engine.record_schema import record_schema

from ..records import (ListQuery, create_record, delete_record, get_record, list_records, record_history, record_out,
                       restore_record, transfer_record, update_record)
from .deps import api_context
from .responses import JSONResponse

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


def record_id(request: Request) -> int:
    """The record id of a `/records/{record_id:int}` path (the route converted it)."""
    return request.path_params["record_id"]


def page_json(page) -> dict:
    return {"items": page.items, "next": page.next,
            "total": page.total if page.total_exact else {"estimate": page.total, "exact": False}}


def _record(out: dict, status: int = 200, **headers) -> JSONResponse:
    return JSONResponse(out, status_code=status, headers={"ETag": f'"{out["version"]}"', **headers})


@router.get("/records", summary="列出记录", response_model=None)
def list_route(request: Request) -> JSONResponse:
    with api_context(request, writing=False) as (ctx, compiled):
        query = ListQuery.from_params(list(request.query_params.multi_items()), compiled)
        return JSONResponse(page_json(list_records(ctx, compiled, query)))


@router.post("/records", status_code=201, summary="新建记录", response_model=None)
def create_route(request: Request, body: dict[str, Any] = Body(...)) -> JSONResponse:
    with api_context(request, writing=True) as (ctx, compiled):
        out = record_out(ctx, compiled, create_record(ctx, compiled, body))
    return _record(out, 201, Location=f"{request.url.path}/{out['id']}")


@router.get("/records/{record_id:int}", summary="读取一条记录", response_model=None)
def get_route(request: Request) -> JSONResponse:
    with api_context(request, writing=False) as (ctx, compiled):
        return _record(get_record(ctx, compiled, record_id(request)))


@router.patch("/records/{record_id:int}", summary="修改记录（带上读取时的 version）", response_model=None)
@router.put("/records/{record_id:int}", include_in_schema=False, response_model=None)
def update_route(request: Request, body: dict[str, Any] = Body(...),
                 if_match: str | None = Header(None)) -> JSONResponse:
    with api_context(request, writing=True) as (ctx, compiled):
        version = _version(body, if_match)
        out = record_out(ctx, compiled, update_record(ctx, compiled, record_id(request), body, expected_version=version))
    return _record(out)


@router.delete("/records/{record_id:int}", summary="删除记录（移入回收站）", response_model=None)
def delete_route(request: Request, version: int | None = None) -> JSONResponse:
    with api_context(request, writing=True) as (ctx, compiled):
        record = delete_record(ctx, compiled, record_id(request), expected_version=version)
    return JSONResponse({"id": record["id"], "version": record["version"],
                         "deleted_at": record["deleted_at"].isoformat(timespec="seconds")})


@router.post("/records/{record_id:int}/restore", summary="从回收站恢复", response_model=None)
def restore_route(request: Request) -> JSONResponse:
    with api_context(request, writing=True) as (ctx, compiled):
        out = record_out(ctx, compiled, restore_record(ctx, compiled, record_id(request)))
    return _record(out)


@router.post("/records/{record_id:int}/transfer", summary="转交负责人", response_model=None)
def transfer_route(request: Request, body: dict[str, Any] = Body(...)) -> JSONResponse:
    """Body: {"owner_id": user id, "version": optional}; needs the role's transfer right."""
    with api_context(request, writing=True) as (ctx, compiled):
        owner = body.get("owner_id")
        if isinstance(owner, dict):
            owner = owner.get("id")
        if not isinstance(owner, int) or isinstance(owner, bool):
            raise RecordInvalid([Problem("owner_id", "请给出新负责人的用户 ID（整数）", "owner")])
        version = body.get("version")
        record = transfer_record(ctx, compiled, record_id(request), owner, expected_version=version if isinstance(version, int) else None)
        out = record_out(ctx, compiled, record)
    return _record(out)


@router.get("/records/{record_id:int}/history", summary="记录的变更历史（新的在前）", response_model=None)
def history_route(request: Request) -> JSONResponse:
    with api_context(request, writing=False) as (ctx, compiled):
        items = record_history(ctx, compiled, record_id(request))
        return JSONResponse({"items": [
            {"id": h.entry.id, "at": h.entry.at.isoformat(timespec="seconds"), "action": h.entry.action,
             "user": {"id": h.entry.user_id, "display": h.entry.user_name}, "via": h.entry.via,
             "changes": {c.field: {"old": c.old, "new": c.new} for c in h.changes}} for h in items]})


@router.get("/schema", summary="表单的 JSON Schema", response_model=None)
def schema_route(request: Request, input: bool = False) -> JSONResponse:
    with api_context(request, writing=False) as (ctx, compiled):
        return JSONResponse(record_schema(compiled, for_input=input, lang=ctx.lang))
