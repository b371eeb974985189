"""API beyond records: the app list, the definition meta-schema, file upload and download."""
from __future__ import annotations

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import FileResponse

from form_engine.errors import FormworkError, NotFound
from form_engine.metaschema import app_schema

from ..database import read
from ..records import read_record
from ..records.files import file_meta, file_path, save_upload
from .deps import CurrentActor, State, record_context

router = APIRouter(tags=["apps"])


@router.get("/api/v1/apps", summary="已安装的应用及其表单")
def apps_route(state: State, actor: CurrentActor) -> list[dict]:
    return [{"name": a.name, "label": a.definition.label.as_json(),
             "forms": [{"name": f.name, "label": f.label.as_json(),
                        "records": f"/api/v1/apps/{a.name}/forms/{f.name}/records"} for f in a.forms.values()]}
            for a in state.registry.apps.values()]


@router.get("/api/v1/schema/app", summary="应用定义的 JSON 元模式（Draft 2020-12）")
def meta_schema_route() -> dict:
    return app_schema()


@router.post("/api/v1/apps/{app}/files", status_code=201, summary="上传附件，返回文件 ID 供附件字段引用")
def upload_route(app: str, file: UploadFile, request: Request, state: State, actor: CurrentActor) -> dict:
    with record_context(request, state, actor, app, writing=True) as ctx:
        return save_upload(ctx, file.file, name=file.filename or "file", content_type=file.content_type or "",
                           max_mb=state.settings.max_upload_mb)


@router.get("/files/{file_id}", summary="下载附件")
def download_route(file_id: str, request: Request, state: State, actor: CurrentActor) -> FileResponse:
    """Whoever may see the record field a file is attached to; before that, only its uploader."""
    with read(state.engine) as conn:
        meta = file_meta(conn, file_id)
    if meta is not None and not _may_download(request, state, actor, meta):
        meta = None
    path = file_path(state.settings.data_dir, file_id) if meta else None
    if meta is None or not path.exists():
        raise NotFound("文件不存在或已被删除")
    return FileResponse(path, media_type=meta["type"], filename=meta["name"])


def _may_download(request: Request, state, actor, meta: dict) -> bool:
    if meta["record_id"] is None:
        return actor.is_admin or meta["created_by"] == actor.id
    try:
        form = state.registry.form(meta["app"], meta["form"])
        with record_context(request, state, actor, meta["app"], writing=False) as ctx:
            values = read_record(ctx, form, meta["record_id"])
    except FormworkError:
        return False
    return any(isinstance(x, dict) and x.get("id") == meta["id"] for x in values.get(meta["field"]) or [])
