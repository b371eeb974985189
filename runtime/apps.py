"""The compiled apps of this process, built once from the published definitions."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import tzinfo

from sqlalchemy import Engine, func, select

from form_engine.compiler import CompiledApp, CompiledForm, compile_app
from form_engine.errors import NotFound
from form_engine.identifiers import did_you_mean

from . import systables
from .database import read
from .definition_store import load_published


@dataclass
class AppRegistry:
    """Compiled apps by name; each request looks its form up here instead of re-reading JSON."""

    tz: tzinfo
    apps: dict[str, CompiledApp] = field(default_factory=dict)
    stamp: int = -1  # the access stamp last checked against
    loaded_id: int | None = None  # the newest fw_definition row compiled
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def load(self, engine: Engine) -> None:
        with read(engine) as conn:
            defs = load_published(conn)
            self.loaded_id = conn.execute(select(func.max(systables.definition.c.id))).scalar()
        self.apps = {d.name: compile_app(d, self.tz) for d in defs}

    def sync(self, engine: Engine, stamp: int) -> None:
        """Reload when another process published definitions: called with the access stamp each
        request sees, so it costs nothing until something changed and one query when it did."""
        if stamp == self.stamp:
            return
        with self._lock:
            if stamp == self.stamp:
                return
            with read(engine) as conn:
                newest = conn.execute(select(func.max(systables.definition.c.id))).scalar()
            if newest != self.loaded_id:
                self.load(engine)
            self.stamp = stamp

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
