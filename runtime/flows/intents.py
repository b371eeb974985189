"""Carrying out what flow_engine asks for, in the action's own transaction: task rows, cc rows,
notifications (in the app, and by email through the outbox), record fields, the flow status."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select, update

from flow_engine.events import (CarbonCopy, CloseTask, CreateTask, FlowFinished, Intent, Notify, SetFields,
                                WriteFlowStatus)
from form_engine.compiler import CompiledForm

from .. import systables
from ..messaging.notifications import Note, notify
from ..records import RecordContext, update_record

t, cc = systables.flow_task, systables.flow_cc
SUBSCRIBERS: list = []  # callables(conn, FlowFinished): the rule engine subscribes here


def record_link(app: str, form: str, record_id: int) -> str:
    return f"/apps/{app}/{form}/{record_id}"


def task_link(task_row: int) -> str:
    return f"/tasks/{task_row}"


def execute(ctx: RecordContext, form: CompiledForm, instance_id: int, record_id: int, intents: list[Intent]) -> None:
    conn = ctx.conn
    for i in intents:  # tasks first: notifications link to their rows
        if isinstance(i, CreateTask):
            conn.execute(t.insert().values(instance_id=instance_id, task_no=i.task, node=i.node, user_id=i.user_id,
                                           on_behalf_of=i.on_behalf_of, status="pending", created_at=i.created_at))
        elif isinstance(i, CloseTask):
            conn.execute(update(t).where(t.c.instance_id == instance_id, t.c.task_no == i.task)
                         .values(status=i.status, closed_at=ctx.now))
    rows = dict(conn.execute(select(t.c.task_no, t.c.id).where(t.c.instance_id == instance_id)).all())
    title = None
    for i in intents:
        if isinstance(i, Notify):
            link = task_link(rows[i.task]) if i.task and i.kind in ("task", "urge", "remind") and i.task in rows \
                else record_link(form.app, form.name, record_id)
            title = title or record_title(ctx, form, record_id)
            notify(conn, [i.user_id], Note(i.kind, f"{i.message}（{title}）", link=link), now=ctx.now, email=ctx.mail)
        elif isinstance(i, CarbonCopy):
            conn.execute(cc.insert(), [{"instance_id": instance_id, "user_id": u, "node": i.node, "created_at": ctx.now}
                                       for u in dict.fromkeys(i.user_ids)])
        elif isinstance(i, SetFields):
            set_fields(ctx, form, record_id, i.values)
        elif isinstance(i, WriteFlowStatus):
            table = form.tables.main
            conn.execute(update(table).where(table.c.id == record_id).values(flow_status=i.status))
        elif isinstance(i, FlowFinished):
            for subscriber in SUBSCRIBERS:
                subscriber(conn, i)


def record_title(ctx: RecordContext, form: CompiledForm, record_id: int) -> str:
    """What people call the record in a notification: its title field, else its form and id."""
    field = form.fields.get(form.form.title_field) if form.form.title_field else None
    value = None
    if field is not None:
        table = form.tables.main
        value = ctx.conn.execute(select(table.c[field.col]).where(table.c.id == record_id)).scalar()
    return str(value) if value not in (None, "") else f"{form.label.zh} #{record_id}"


def set_fields(ctx: RecordContext, form: CompiledForm, record_id: int, values: dict) -> None:
    """A flow's own change to the record (an action node, an approver's allowed edits): validated like any
    change, written and audited as done by the flow; the actor's roles don't limit it."""
    system = replace(ctx, actor=replace(ctx.actor, is_admin=True), via="flow")
    update_record(system, form, record_id, values, expected_version=None)
