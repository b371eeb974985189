"""API for definitions (administrators): the bundle meta-schema, app export and import, form versions.

Every change goes through `runtime.publish`: a plan first (changes nothing), then one transaction.
A lossy plan is applied only with `accept_loss=true`; otherwise 409 with the plan in the problem.
"""
from __future__ import annotations

from typing import Annotated, Any, Callable

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import Response

from form_engine.errors import Forbidden
from form_engine.metaschema import app_schema

from .. import versions
from ..bundles import bundle_text, check_bundle, export_app, import_app, plan_import
from ..database import read
from ..publish import PublishPlan
from ..records.context import Actor
from .deps import CurrentActor, State
from .responses import JSONResponse

router = APIRouter(prefix="/api/v1", tags=["definitions"])
SCHEMA_TYPE = "application/schema+json"
BundleBody = Annotated[dict[str, Any], Body(description="应用包：与 GET /api/v1/apps/{app}/bundle 导出的格式相同")]
AcceptLoss = Annotated[bool, Query(description="计划会丢失数据（旧值归档保留）时仍然执行")]


def admin_api_actor(actor: CurrentActor) -> Actor:
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以导出、导入应用和管理表单版本")
    return actor


AdminActor = Annotated[Actor, Depends(admin_api_actor)]


@router.get("/schema/bundle", summary="应用包的 JSON 元模式（Draft 2020-12）", response_class=Response)
def bundle_schema_route() -> Response:
    return JSONResponse(app_schema(), media_type=SCHEMA_TYPE)


@router.get("/apps/{app}/bundle", summary="导出应用包（不含演示数据）", response_class=Response)
def export_route(app: str, state: State, actor: AdminActor, download: bool = False) -> Response:
    with read(state.engine) as conn:
        bundle = export_app(conn, app)
    headers = {"Content-Disposition": f'attachment; filename="{app}.json"'} if download else None
    return Response(bundle_text(bundle), media_type="application/json; charset=utf-8", headers=headers)


@router.post("/bundles/plan", summary="导入应用包的发布计划（不做任何修改）", response_model=None)
def plan_import_route(bundle: BundleBody, state: State, actor: AdminActor) -> JSONResponse:
    with read(state.engine) as conn:
        plan = plan_import(conn, bundle, tz=state.settings.timezone)
    return JSONResponse({"app": bundle["name"], "plan": plan.as_json()})


@router.post("/bundles", summary="导入应用包：新建应用或升级已有应用", response_model=None)
def import_route(bundle: BundleBody, state: State, actor: AdminActor, accept_loss: AcceptLoss = False) -> Response:
    name = check_bundle(bundle).name
    return _applied(state, lambda: import_app(state.engine, bundle, tz=state.settings.timezone, user_id=actor.id,
                                               accept_loss=accept_loss), {"app": name})


VERSIONS = "/apps/{app}/forms/{form}/versions"


@router.get(VERSIONS, summary="表单的已发布版本（新的在前）", response_model=None)
def versions_route(app: str, form: str, state: State, actor: AdminActor) -> JSONResponse:
    state.registry.app(app)
    with read(state.engine) as conn:
        items = versions.list_versions(conn, app, form)
    return JSONResponse({"items": [v.as_json() for v in items]})


@router.get(VERSIONS + "/diff", summary="比较表单的两个版本", response_model=None)
def diff_route(app: str, form: str, state: State, actor: AdminActor,
               old: Annotated[int, Query(alias="from", description="旧版本号")],
               new: Annotated[int, Query(alias="to", description="新版本号")]) -> JSONResponse:
    with read(state.engine) as conn:
        return JSONResponse(versions.diff_versions(conn, app, form, old, new).as_json())


@router.get(VERSIONS + "/{version}", summary="表单某个版本的定义", response_model=None)
def version_route(app: str, form: str, version: int, state: State, actor: AdminActor) -> JSONResponse:
    with read(state.engine) as conn:
        found = next((v for v in versions.list_versions(conn, app, form) if v.version == version), None)
        if found is None:
            versions.version_body(conn, app, form, version)  # raises NotFound
    return JSONResponse({**found.as_json(), "changes": found.diff.as_json(), "definition": found.body})


@router.post(VERSIONS + "/{version}/plan", summary="恢复到某个版本的发布计划（不做任何修改）", response_model=None)
def restore_plan_route(app: str, form: str, version: int, state: State, actor: AdminActor) -> JSONResponse:
    with read(state.engine) as conn:
        plan = versions.plan_restore(conn, app, form, version, tz=state.settings.timezone)
    return JSONResponse({"app": app, "form": form, "version": version, "plan": plan.as_json()})


@router.post(VERSIONS + "/{version}/restore", summary="恢复到某个版本（作为一个新版本发布）", response_model=None)
def restore_route(app: str, form: str, version: int, state: State, actor: AdminActor,
                  accept_loss: AcceptLoss = False) -> Response:
    return _applied(state, lambda: versions.restore_version(state.engine, app, form, version,
                                                             tz=state.settings.timezone, user_id=actor.id,
                                                             accept_loss=accept_loss),
                    {"app": app, "form": form, "restored": version})


def _applied(state, run: Callable[[], PublishPlan], out: dict) -> Response:
    """Run a publish. LossNotAccepted and PublishBlocked become 409 problems that carry the plan."""
    plan = run()
    reload_apps(state)
    return JSONResponse({**out, "plan": plan.as_json()})


def reload_apps(state) -> None:
    """After a publish: this process recompiles its apps now; the others on their next request."""
    state.registry.load(state.engine)
    state.openapi_cache = None
