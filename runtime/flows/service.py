"""Every approval action, each one transaction: load the instance (locked), let flow_engine decide,
save the new state (its revision guards against a lost update), carry out the intents.

Two approvers deciding at the same moment are serialised by the instance row (SQLite's write
lock, PostgreSQL's FOR UPDATE): the second sees the first's result, so a 会签 counts each
approver once and a double-clicked approve acts once — the second answers "already handled".
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import Connection, select, update

from flow_engine.compiled import CompiledFlow
from flow_engine.definitions import ApprovalNodeDef
from flow_engine.errors import FlowError
from flow_engine.events import AddSigner, Approve, Comment, Reject, Return, Submit, Tick, Transfer, Urge, Withdraw
from flow_engine.fields import field_access
from flow_engine.machine import handle, new_instance, next_deadline
from flow_engine.state import FINISHED, FlowInstance
from form_engine.compiler import CompiledApp, CompiledForm
from form_engine.errors import Forbidden, FormworkError, NotFound

from .. import systables
from ..records import RecordContext, load_record, record_out
from ..records.rights import allowed, check_write_scope, read_owners
from .definitions import compiled
from .directory import DbDirectory, active_user
from .intents import execute, set_fields
from .views import InstanceView, TaskView, diagram, people_ids, status_label, task_status_label, timeline

i_, t_, cc_, u_, g_ = (systables.flow_instance, systables.flow_task, systables.flow_cc, systables.user,
                       systables.delegation)
TASK_ACTIONS = ("approve", "reject", "return", "transfer", "add_signer")
MENTION = re.compile(r"@([a-z][a-z0-9_.-]{0,39})")


@dataclass(frozen=True)
class FlowInfo:
    name: str
    label: str
    form: str


def flows_for(app: CompiledApp, form: str, lang: str = "zh-CN") -> list[FlowInfo]:
    """The published flows bound to `form`, in name order."""
    out = []
    for f in app.definition.flows:
        if f["form"] == form:
            label = f["label"].get("en") if lang == "en" and f["label"].get("en") else f["label"]["zh-CN"]
            out.append(FlowInfo(f["name"], label, form))
    return out


# ------------------------------------------------------------------ loading and saving

@dataclass
class Loaded:
    row: Any
    flow: CompiledFlow
    form: CompiledForm
    instance: FlowInstance


def _load(ctx: RecordContext, instance_id: int, *, lock: bool) -> Loaded:
    query = select(i_).where(i_.c.id == instance_id, i_.c.app == ctx.app.name)
    if lock and ctx.conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = ctx.conn.execute(query).first()
    if row is None:
        raise NotFound("审批不存在或已被删除")
    form = ctx.app.forms.get(row.form)
    if form is None:
        raise NotFound(f"审批所属的表单“{row.form}”已不存在")
    return Loaded(row, compiled(ctx.conn, row.app, row.flow, row.version), form,
                  FlowInstance.model_validate_json(row.state))


def _save(ctx: RecordContext, loaded: Loaded, instance: FlowInstance) -> None:
    row = loaded.row
    done = ctx.conn.execute(update(i_).where(i_.c.id == row.id, i_.c.revision == row.revision).values(
        state=instance.model_dump_json(), revision=row.revision + 1, status=instance.status,
        next_deadline=next_deadline(loaded.flow, instance) if instance.status == "running" else None,
        updated_at=ctx.now, finished_at=ctx.now if instance.status in FINISHED else None))
    if done.rowcount != 1:
        raise FlowError("这条审批刚刚被别人处理过，请刷新后再操作", code="stale")


def _run(ctx: RecordContext, loaded: Loaded, event) -> InstanceView:
    record = load_record(ctx, loaded.form, loaded.instance.record_id)
    instance, intents = handle(loaded.flow, loaded.instance, event, record=record,
                               directory=DbDirectory(ctx.conn, ctx.app.name))
    _save(ctx, loaded, instance)
    execute(ctx, loaded.form, loaded.row.id, loaded.instance.record_id, intents)
    return _view(ctx, replace(loaded, instance=instance), loaded.row.id)


# ------------------------------------------------------------------ actions

def submit(ctx: RecordContext, form: CompiledForm, record_id: int, *, flow: str | None = None,
           comment: str = "") -> InstanceView:
    """Start the record's approval (or re-submit it after it was returned)."""
    access = allowed(ctx, form, "update")
    # The record row stays locked to the end (PostgreSQL; SQLite's write transaction already is):
    # two submits of one record at the same moment start one approval.
    record = load_record(ctx, form, record_id, owners=read_owners(ctx, access), for_update=True)
    check_write_scope(ctx, form, access, record)
    choices = flows_for(ctx.app, form.name)
    if not choices:
        raise FormworkError(f"表单“{form.label.zh}”没有审批流程")
    if flow is None and len(choices) > 1:
        raise FormworkError("这个表单有多个审批流程，请选择一个：" + "、".join(c.label for c in choices))
    chosen = flow or choices[0].name
    if chosen not in {c.name for c in choices}:
        raise FormworkError(f"表单“{form.label.zh}”没有名为“{chosen}”的审批流程")
    latest = _latest_row(ctx, form, record_id)
    if latest is not None and latest.status == "running":
        raise FlowError("这条记录已在审批中，不能重复提交", code="already_running", record_id=record_id)
    if latest is not None and latest.status == "returned" and latest.flow == chosen:
        loaded = _load(ctx, latest.id, lock=True)
        return _run(ctx, loaded, Submit(ctx.actor.id, ctx.now))
    target = compiled(ctx.conn, ctx.app.name, chosen)
    instance = new_instance(target, record_id=record_id, submitter=ctx.actor.id)
    instance, intents = handle(target, instance, Submit(ctx.actor.id, ctx.now), record=record,
                               directory=DbDirectory(ctx.conn, ctx.app.name))
    new_id = ctx.conn.execute(i_.insert().values(
        app=ctx.app.name, form=form.name, record_id=record_id, flow=chosen, version=target.version,
        status=instance.status, submitter_id=ctx.actor.id, state=instance.model_dump_json(), revision=1,
        next_deadline=next_deadline(target, instance) if instance.status == "running" else None,
        created_at=ctx.now, updated_at=ctx.now, finished_at=ctx.now if instance.status in FINISHED else None)
        .returning(i_.c.id)).scalar_one()
    execute(ctx, form, new_id, record_id, intents)
    if comment.strip():
        return comment_on(ctx, new_id, comment)
    return _view(ctx, Loaded(None, target, form, instance), new_id)


def act(ctx: RecordContext, task_id: int, action: str, *, comment: str = "", to: int | None = None,
        node: str | None = None, position: str | None = None, values: dict | None = None) -> InstanceView:
    """A decision on one of the actor's tasks. `values`: fields this node lets the approver edit."""
    if action not in TASK_ACTIONS:
        raise FormworkError(f"不认识的审批操作“{action}”；可用：{'、'.join(TASK_ACTIONS)}")
    loaded, task = _own_task(ctx, task_id, lock=True)
    by, at = ctx.actor.id, ctx.now
    if action == "approve":
        event = Approve(task.task_no, by, at, comment)
    elif action == "reject":
        event = Reject(task.task_no, by, at, comment)
    elif action == "return":
        event = Return(task.task_no, by, at, to=node or None, comment=comment)
    elif action == "transfer":
        event = Transfer(task.task_no, by, at, to=active_user(ctx.conn, to, "转交给谁"), comment=comment)
    else:
        if position not in ("before", "after"):
            raise FormworkError("加签请选择“在我之前”（before）或“在我之后”（after）")
        event = AddSigner(task.task_no, by, at, user=active_user(ctx.conn, to, "加签给谁"), position=position, comment=comment)
    if values and action == "approve":
        _edit_fields(ctx, loaded, task, values)
    return _run(ctx, loaded, event)


def withdraw(ctx: RecordContext, instance_id: int, comment: str = "") -> InstanceView:
    return _run(ctx, _load(ctx, instance_id, lock=True), Withdraw(ctx.actor.id, ctx.now, comment))


def urge(ctx: RecordContext, instance_id: int) -> InstanceView:
    return _run(ctx, _load(ctx, instance_id, lock=True), Urge(ctx.actor.id, ctx.now))


def comment_on(ctx: RecordContext, instance_id: int, text: str) -> InstanceView:
    """A comment on the approval; "@username" notifies that user."""
    text = (text or "").strip()
    if not text:
        raise FormworkError("评论内容不能为空")
    if len(text) > 2000:
        raise FormworkError("评论最多 2000 个字")
    loaded = _load(ctx, instance_id, lock=True)
    _require_participant(ctx, loaded)
    names = set(MENTION.findall(text))
    mentioned = tuple(uid for (uid,) in ctx.conn.execute(
        select(u_.c.id).where(u_.c.username.in_(names), u_.c.is_active.is_(True)))) if names else ()
    return _run(ctx, loaded, Comment(ctx.actor.id, ctx.now, text, mentioned))


def tick(ctx: RecordContext, instance_id: int) -> None:
    """The scheduler's turn on one instance: reminders and timeouts due now (idempotent)."""
    loaded = _load(ctx, instance_id, lock=True)
    if loaded.instance.status == "running":
        _run(ctx, loaded, Tick(ctx.now))


def _edit_fields(ctx: RecordContext, loaded: Loaded, task, values: dict) -> None:
    access = field_access(loaded.flow.flow, task.node, loaded.form.form)
    refused = [name for name in values if access.get(name) != "editable"]
    if refused:
        raise Forbidden("这些字段在当前审批节点不能修改：" + "、".join(refused))
    set_fields(ctx, loaded.form, loaded.instance.record_id, values)


def _own_task(ctx: RecordContext, task_id: int, *, lock: bool):
    task = ctx.conn.execute(select(t_).where(t_.c.id == task_id)).first()
    if task is None:
        raise NotFound("待办不存在")
    loaded = _load(ctx, task.instance_id, lock=lock)
    if task.user_id != ctx.actor.id and not ctx.actor.is_admin:
        raise NotFound("待办不存在")
    return loaded, task


def _latest_row(ctx: RecordContext, form: CompiledForm, record_id: int):
    return ctx.conn.execute(select(i_.c.id, i_.c.status, i_.c.flow).where(
        i_.c.app == ctx.app.name, i_.c.form == form.name, i_.c.record_id == record_id)
        .order_by(i_.c.id.desc()).limit(1)).first()


def _participants(ctx: RecordContext, loaded: Loaded) -> set[int]:
    inst = loaded.instance
    ids = {inst.submitter} | {t.user_id for t in inst.tasks} | {t.on_behalf_of for t in inst.tasks if t.on_behalf_of}
    ids |= {u for (u,) in ctx.conn.execute(select(cc_.c.user_id).where(cc_.c.instance_id == loaded.row.id))}
    return ids


def _require_participant(ctx: RecordContext, loaded: Loaded) -> None:
    if ctx.actor.is_admin or ctx.actor.id in _participants(ctx, loaded):
        return
    access = allowed(ctx, loaded.form, "read")
    load_record(ctx, loaded.form, loaded.instance.record_id, owners=read_owners(ctx, access))


# ------------------------------------------------------------------ reading

def _title(form: CompiledForm, record: Mapping[str, Any]) -> str:
    name = form.form.title_field
    value = record.get(name) if name else None
    return str(value) if value not in (None, "") else f"#{record.get('id')}"


def _would(loaded: Loaded, instance: FlowInstance, event, record, directory) -> bool:
    try:
        handle(loaded.flow, copy.deepcopy(instance), event, record=record, directory=directory)
    except FlowError:
        return False
    return True


def _view(ctx: RecordContext, loaded: Loaded, instance_id: int) -> InstanceView:
    inst, flow, form = loaded.instance, loaded.flow, loaded.form
    directory = DbDirectory(ctx.conn, ctx.app.name)
    names = directory.names(people_ids(inst) | {ctx.actor.id})
    record = load_record(ctx, form, inst.record_id)
    label = flow.flow.label
    rows = dict(ctx.conn.execute(select(t_.c.task_no, t_.c.id).where(t_.c.instance_id == instance_id)).all())
    pending = [{"task_id": rows.get(t.id), "node": t.node, "node_label": flow.place(t.node).label,
                "user": {"id": t.user_id, "name": names.get(t.user_id, "")},
                "on_behalf_of": {"id": t.on_behalf_of, "name": names.get(t.on_behalf_of, "")} if t.on_behalf_of else None,
                "since": t.created_at}
               for t in inst.pending()]
    mine = ctx.actor.id == inst.submitter
    return InstanceView(
        id=instance_id, app=ctx.app.name, form=form.name, form_label=form.label.text(ctx.lang),
        record_id=inst.record_id, record_title=_title(form, record), flow=flow.name,
        flow_label=label.en if ctx.lang == "en" and label.en else label.zh, version=flow.version,
        status=inst.status, status_label=status_label(inst.status),
        submitter={"id": inst.submitter, "name": names.get(inst.submitter, "")},
        created_at=inst.timeline[0].at if inst.timeline else ctx.now,
        finished_at=inst.timeline[-1].at if inst.status in FINISHED and inst.timeline else None,
        timeline=timeline(flow, inst, names), diagram=diagram(flow, inst, names), pending=pending,
        can_withdraw=mine and inst.status == "running" and _would(loaded, inst, Withdraw(ctx.actor.id, ctx.now), record,
                                                                    directory),
        can_urge=mine and inst.status == "running" and bool(inst.pending()))


def record_flow(ctx: RecordContext, form: CompiledForm, record_id: int) -> InstanceView | None:
    """The record's latest approval, for whoever may read the record; None if it never was submitted."""
    access = allowed(ctx, form, "read")
    load_record(ctx, form, record_id, owners=read_owners(ctx, access))
    latest = _latest_row(ctx, form, record_id)
    if latest is None:
        return None
    loaded = _load(ctx, latest.id, lock=False)
    return _view(ctx, loaded, latest.id)


def task_view(ctx: RecordContext, task_id: int) -> TaskView:
    """One of the actor's tasks: the record as this node shows it, the flow so far, what the actor may do."""
    loaded, task = _own_task(ctx, task_id, lock=False)
    inst, flow, form = loaded.instance, loaded.flow, loaded.form
    access = field_access(flow.flow, task.node, form.form)
    system = replace(ctx, actor=replace(ctx.actor, is_admin=True))
    full = record_out(system, form, load_record(ctx, form, inst.record_id))
    record = {k: v for k, v in full.items() if access.get(k, "visible") != "hidden"}
    view = _view(ctx, loaded, task.instance_id)
    pending = task.status == "pending" and inst.status == "running" and task.user_id == ctx.actor.id
    names = DbDirectory(ctx.conn, ctx.app.name).names([task.on_behalf_of])
    order = [key for key in inst.visited if isinstance(_node_or_none(flow, key), ApprovalNodeDef)]
    earlier = order[:order.index(task.node)] if task.node in order else []
    return TaskView(
        task={"id": task.id, "node": task.node, "node_label": flow.place(task.node).label, "status": task.status,
              "status_label": task_status_label(task.status), "created_at": task.created_at, "closed_at": task.closed_at,
              "on_behalf_of": {"id": task.on_behalf_of, "name": names.get(task.on_behalf_of, "")} if task.on_behalf_of
              else None},
        instance=view, record=record, fields={k: access.get(k, "visible") for k in form.fields},
        actions=list(TASK_ACTIONS) if pending else [],
        returnable_nodes=[{"id": n, "label": flow.place(n).label} for n in dict.fromkeys(earlier)])


def _node_or_none(flow: CompiledFlow, key: str):
    try:
        return flow.node(key)
    except (KeyError, AttributeError):
        return None


def task_app(conn: Connection, task_id: int) -> str:
    """Which app a task belongs to (pages build their record context from it)."""
    found = conn.execute(select(i_.c.app).join(t_, t_.c.instance_id == i_.c.id).where(t_.c.id == task_id)).scalar()
    if found is None:
        raise NotFound("待办不存在")
    return found


def instance_app(conn: Connection, instance_id: int) -> str:
    found = conn.execute(select(i_.c.app).where(i_.c.id == instance_id)).scalar()
    if found is None:
        raise NotFound("审批不存在或已被删除")
    return found


def due_instances(conn: Connection, now: datetime, limit: int = 100) -> list[tuple[int, str]]:
    """Running instances with a reminder or timeout due: (id, app)."""
    rows = conn.execute(select(i_.c.id, i_.c.app).where(i_.c.status == "running", i_.c.next_deadline <= now)
                        .order_by(i_.c.next_deadline).limit(limit))
    return [(r.id, r.app) for r in rows]


