"""Browser libraries installed by npm (package.json) and served by the app."""
from __future__ import annotations

import os
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

VENDOR = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "echarts.min.js": "echarts/dist/echarts.min.js",
    "Sortable.min.js": "sortablejs/Sortable.min.js",
    "swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
}


class AssetsMissing(RuntimeError):
    pass


def node_modules() -> Path:
    configured = os.environ.get("FORMWORK_NODE_MODULES")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "node_modules"


def check_assets(root: Path) -> dict[str, Path]:
    """Paths of the vendored files, or a clear error telling how to install them."""
    paths = {name: root / rel for name, rel in VENDOR.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise AssetsMissing(
            "前端依赖缺失，无法启动：找不到 " + "、".join(missing) + "。\n"
            "请在项目目录运行 `npm ci`（`make run` 会自动执行），或设置 FORMWORK_NODE_MODULES 指向 node_modules 目录。\n"
            "Front-end libraries are missing: run `npm ci` in the project folder.")
    return paths


def vendor_router(paths: dict[str, Path]) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/static/vendor/{name}")
    def vendor(name: str) -> FileResponse:
        path = paths.get(name)
        if path is None:
            raise HTTPException(404, "文件不存在")
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        return FileResponse(path, media_type=kind, headers={"Cache-Control": "public, max-age=86400"})
    return router
