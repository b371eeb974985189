"""The FastAPI app factory: one ServerState, the API, the pages and static files."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

import anyio

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from importlib.metadata import entry_points

from .. import systables
from ..apps import AppRegistry
from ..auth.passwords import CHEAP
from ..database import make_engine
from ..settings import Settings, load_settings
from ..scheduler import Scheduler
from . import api_account, api_definitions, api_flows, api_misc, api_records
from .assets import check_assets, node_modules, vendor_router
from .errors import install_error_handlers
from .openapi import build_openapi
from .pages import render_error
from .admin import router as admin_router
from .pages import router as pages_router
from .pages.account import PasswordChangeRequired, password_change_first
from .state import ServerState

STATIC = Path(__file__).resolve().parents[1] / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    if CHEAP:
        logging.getLogger("formwork").warning(
            "FORMWORK_TEST_CHEAP_PASSWORD_HASHES=1：密码哈希用的是测试用的最低强度，切勿用于生产环境")
    vendor = check_assets(node_modules())
    engine = make_engine(settings.database_url)
    systables.metadata.create_all(engine)  # system tables added since the database was made
    registry = AppRegistry(tz=settings.timezone)
    registry.load(engine)
    state = ServerState(settings=settings, engine=engine, registry=registry)
    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        # Sync routes run in anyio's thread pool (40 threads by default); on a small machine
        # that many threads only contend for the GIL, so the pool is sized by a setting.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        scheduler = Scheduler(engine, settings) if settings.scheduler else None
        if scheduler:
            scheduler.start()
        yield
        if scheduler:
            scheduler.stop()

    app = FastAPI(title="Formwork", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.formwork = state
    app.openapi = lambda: build_openapi(app, state)
    install_error_handlers(app, render_error)
    app.add_exception_handler(PasswordChangeRequired, password_change_first)  # pages wait for a new password
    app.include_router(api_records.router)
    app.include_router(api_misc.router)
    app.include_router(api_account.router)
    app.include_router(api_definitions.router)
    app.include_router(api_flows.router)
    app.include_router(vendor_router(vendor))

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:  # Swagger UI from our own npm install, not a CDN
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Formwork API",
                                   swagger_js_url="/static/vendor/swagger-ui-bundle.js",
                                   swagger_css_url="/static/vendor/swagger-ui.css", swagger_favicon_url="/static/favicon.svg")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages_router)
    app.include_router(admin_router)
    for extension in entry_points(group="formwork.pages"):  # the designer (builder/) sits on top of runtime
        extension.load()(app)
    return app
