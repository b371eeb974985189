"""The scheduler's job for approvals: reminders, escalations and automatic decisions that are due.

Each instance is handled in its own transaction with its row locked, and flow_engine's Tick is
idempotent, so however many processes run the job, each reminder or timeout happens once; one
that fell due while every process was down happens at the first run after.
"""
from __future__ import annotations

import logging

from sqlalchemy import Engine, select

from form_engine.errors import FormworkError

from ..access import access_stamp_query
from ..apps import AppRegistry
from ..clock import now_precise
from ..database import read, write
from ..records import Actor, RecordContext
from ..settings import Settings
from . import service

log = logging.getLogger("formwork.flows")
_registries: dict[str, AppRegistry] = {}
SYSTEM = Actor(id=0, username="system", full_name="系统", is_admin=True)


def _registry(engine: Engine, settings: Settings) -> AppRegistry:
    key = str(engine.url)
    registry = _registries.get(key)
    if registry is None:
        registry = _registries[key] = AppRegistry(tz=settings.timezone)
        registry.load(engine)
    with read(engine) as conn:
        stamp = conn.execute(select(access_stamp_query())).scalar() or 0
    registry.sync(engine, stamp)
    return registry


def run_due(engine: Engine, settings: Settings) -> int:
    """Handle every instance with something due now; returns how many were looked at."""
    now = now_precise(settings.timezone)
    with read(engine) as conn:
        due = service.due_instances(conn, now)
    if not due:
        return 0
    registry = _registry(engine, settings)
    for instance_id, app in due:
        try:
            with write(engine) as conn:
                ctx = RecordContext(conn=conn, app=registry.app(app), actor=SYSTEM, now=now,
                                    data_dir=settings.data_dir, via="flow", mail=bool(settings.smtp_url))
                service.tick(ctx, instance_id)
        except FormworkError as exc:
            log.warning("approval %s: timeout not applied: %s", instance_id, exc.detail)
    return len(due)

