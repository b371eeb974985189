"""Wiring the designer into the web app: its router under /builder, its templates, its English."""
from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

from fastapi import APIRouter, FastAPI
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader

from runtime.web.pages.i18n import register
from runtime.web.pages.templating import templates

from .flows_text import FLOW_EN
from .i18n import BUILDER_EN

TEMPLATES = Path(__file__).resolve().parent / "templates"
OWN = ("apps", "forms", "preview", "publishing", "flows", "flows_preview", "flows_publish")
OPTIONAL = ("versions", "bundles")  # pages of the versions/bundles work, when present


def routers() -> list[APIRouter]:
    names = [*OWN, *(n for n in OPTIONAL if importlib.util.find_spec(f"{__package__}.{n}"))]
    return [importlib.import_module(f"{__package__}.{name}").router for name in names]


def _extend_templates() -> None:
    """One environment for every page: builder templates are found as "builder/x.html" (and "x.html")."""
    env = templates.env
    if getattr(env.loader, "formwork_builder", False):
        return
    own = FileSystemLoader(TEMPLATES)
    loader = ChoiceLoader([env.loader, PrefixLoader({"builder": own}), own])
    loader.formwork_builder = True
    env.loader = loader


def mount(app: FastAPI) -> None:
    _extend_templates()
    register(BUILDER_EN)  # the one translate(): runtime's table plus the designer's strings
    register(FLOW_EN)  # ... and the flow designer's
    for router in routers():
        app.include_router(router, prefix="/builder", include_in_schema=False)
