"""Who acts, on which app, through which connection: passed explicitly to every record call."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

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
    plans: dict = field(default_factory=dict, compare=False, hash=False, repr=False)  # see plan_for

    def roles_in(self, app: str) -> frozenset[str]:
        return frozenset(r for a, r in self.roles if a == app)

    def plan_for(self, form: object, kind: tuple, build: Callable[[], Any]) -> Any:
        """A plan for reading `form` as this actor, built once per actor and form version.

        What an actor may see depends only on its roles, its department and the app version, and
        an Actor is loaded again whenever any of those change (the access stamp), so a plan kept
        here never outlives the rights it was built for.
        """
        key = (id(form), kind)
        found = self.plans.get(key)
        if found is not None and found[0] is form:  # an id can be reused once its form is gone
            return found[1]
        plan = build()
        if len(self.plans) >= 256:
            self.plans.clear()
        self.plans[key] = (form, plan)
        return plan


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
