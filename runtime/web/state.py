"""What one running server holds: settings, engine, compiled apps, templates, caches."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from ..apps import AppRegistry
from ..settings import Settings


@dataclass
class ServerState:
    settings: Settings
    engine: Engine
    registry: AppRegistry
    count_cache: dict = field(default_factory=dict)
    openapi_cache: dict | None = None
