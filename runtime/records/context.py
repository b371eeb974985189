"""Who acts, on which app, through which connection: passed explicitly to every record call."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from form_engine.compiler import CompiledApp


@dataclass(frozen=True)
class Actor:
    id: int
    username: str
    full_name: str
    department_id: int | None = None
    is_admin: bool = False


@dataclass
class RecordContext:
    conn: Connection
    app: CompiledApp
    actor: Actor
    now: datetime
    data_dir: Path
    lang: str = "zh-CN"
    count_cache: dict | None = field(default=None, repr=False)
