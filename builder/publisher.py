"""The designer's way to runtime.publish: plan, publish, purge, then this process reloads its apps.

Everything that changes a published app goes through runtime.publish (one transaction, a plan
shown first, lossy changes refused unless accepted); nothing here writes definitions itself.
"""
from __future__ import annotations

from sqlalchemy import Connection

from runtime import publish as api
from runtime.web.state import ServerState


def errors() -> tuple[type, type]:
    """(LossNotAccepted, PublishFailed)."""
    return api.LossNotAccepted, api.PublishFailed


def app_with_form(conn: Connection, app: str, form: dict) -> dict:
    return api.app_with_form(conn, app, form)


def plan(conn: Connection, state: ServerState, app: str, proposed: dict):
    return api.plan_publish(conn, app, proposed, tz=state.settings.timezone)


def publish(state: ServerState, app: str, proposed: dict, *, user_id: int | None, accept_loss: bool = False):
    result = api.publish(state.engine, app, proposed, tz=state.settings.timezone, user_id=user_id,
                         accept_loss=accept_loss)
    _reload(state)
    return result


def purge(state: ServerState, app: str, form: str, column: str, *, subform: str | None, user_id: int | None):
    result = api.purge_archived(state.engine, app, form, column, subform=subform, tz=state.settings.timezone,
                                   user_id=user_id)
    _reload(state)
    return result


def _reload(state: ServerState) -> None:
    # Other processes reload on their next request (publish bumps the access stamp); this one now.
    state.registry.load(state.engine)
    state.openapi_cache = None
