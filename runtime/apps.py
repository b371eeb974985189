"""The compiled apps of this process, built once from the published definitions."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo

from sqlalchemy import Engine

from form_engine.compiler import CompiledApp, CompiledForm, compile_app
from form_engine.errors import NotFound
from form_engine.identifiers import did_you_mean

from .database import read
from .definition_store import load_published


@dataclass
class AppRegistry:
    """Compiled apps by name; each request looks its form up here instead of re-reading JSON."""

    tz: tzinfo
    apps: dict[str, CompiledApp] = field(default_factory=dict)

    def load(self, engine: Engine) -> None:
        with read(engine) as conn:
            defs = load_published(conn)
        self.apps = {d.name: compile_app(d, self.tz) for d in defs}

    def add(self, app: CompiledApp) -> None:
        self.apps[app.name] = app

    def app(self, name: str) -> CompiledApp:
        try:
            return self.apps[name]
        except KeyError:
            raise NotFound(f"应用“{name}”不存在", suggestion=did_you_mean(name, self.apps)) from None

    def form(self, app: str, form: str) -> CompiledForm:
        forms = self.app(app).forms
        try:
            return forms[form]
        except KeyError:
            raise NotFound(f"表单“{form}”不存在", suggestion=did_you_mean(form, forms)) from None
