"""Who acts, on which app, through which connection: passed explicitly to every record call."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from form_engine.compiler import CompiledApp


@dataclass(frozen=True)
class Actor:
    """A signed-in user with what permissions need: roles per app and the members of its department."""

    id: int
    username: str
    full_name: str
    department_id: int | None = None
    is_admin: bool = False
    roles: frozenset[tuple[str, str]] = frozenset()  # (app, role)
    team: frozenset[int] = frozenset()  # users of the actor's own department
    tree: frozenset[int] = frozenset()  # users of the department and every department below it
    stamp: int = field(default=0, compare=False)  # the access stamp it was loaded at (see runtime.access)

    def roles_in(self, app: str) -> frozenset[str]:
        return frozenset(r for a, r in self.roles if a == app)


@dataclass
class RecordContext:
    conn: Connection
    app: CompiledApp
    actor: Actor
    now: datetime
    data_dir: Path
    lang: str = "zh-CN"
    count_cache: dict | None = field(default=None, repr=False)
    via: str = "api"  # for the audit log: page, api, import, rule, flow, cli, system
    mail: bool = False  # notifications also go out by email (SMTP is configured)
