"""The instance state machine: `handle(flow, instance, event) → (new instance, intents)`, pure.

The runtime loads the instance, calls `handle` with the record and a directory, saves the new
instance and executes the intents in one transaction. A refused event raises FlowError and the
instance passed in is unchanged.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import networkx as nx

from .compiled import CompiledFlow
from .directory import Directory
from .events import (AddSigner, Approve, Comment, Event, Intent, Reject, Return, Submit, Tick, Transfer, Urge,
                     Withdraw)
from .resolve import resolve_users
from .state import FINISHED, FLOW_STATUS_LABELS, Assigned, FlowInstance, Seat, Task
from .step import Step

# Timeline entries that mean someone decided: after one of these, the submitter can't withdraw.
DECISIONS = frozenset({"approved", "rejected", "returned", "auto_approved", "auto_rejected"})
TASK_STATUS_LABELS = {"approved": "已同意", "rejected": "已驳回", "returned": "已退回", "transferred": "已转交",
                      "signer_added": "已加签", "escalated": "已超时转交", "cancelled": "已取消", "withdrawn": "已撤回"}


def new_instance(flow: CompiledFlow, *, record_id: int, submitter: int) -> FlowInstance:
    """A draft instance of `flow` for one record; a Submit event starts it."""
    return FlowInstance(flow=flow.name, version=flow.version, record_id=record_id, submitter=submitter)


def handle(flow: CompiledFlow, instance: FlowInstance, event: Event, *, record: Mapping[str, Any],
           directory: Directory) -> tuple[FlowInstance, list[Intent]]:
    """Apply one event. `record` holds the record's current values (system columns included)."""
    step = Step(flow, instance, record=record, directory=directory, at=event.at)
    _HANDLERS[type(event)](step, event)
    return step.instance, step.intents


def next_deadline(flow: CompiledFlow, instance: FlowInstance) -> datetime | None:
    """When a Tick next has something to do (a reminder or a timeout action), for the scheduler."""
    due = []
    for task in instance.pending():
        timeout = flow.node(task.node).timeout
        if timeout is None:
            continue
        if timeout.remind_after_hours and task.reminded_at is None:
            due.append(task.created_at + timedelta(hours=timeout.remind_after_hours))
        if timeout.then and timeout.after_hours and not (task.timed_out or task.escalated):
            due.append(task.created_at + timedelta(hours=timeout.after_hours))
    return min(due, default=None)


# --- the submitter -----------------------------------------------------------------------------

def _submit(step: Step, e: Submit) -> None:
    inst = step.instance
    if inst.status == "running":
        step.fail("该记录已提交审批，正在审批中，不能重复提交", "already_running")
    if inst.status in FINISHED:
        step.fail(f"该审批已结束（{FLOW_STATUS_LABELS[inst.status]}），不能再次提交；请重新发起", "finished")
    if e.by != inst.submitter:
        step.fail("只有发起人可以提交这条审批", "not_submitter")
    inst.round += 1
    inst.visited = []
    step.write_status("running")
    step.log("submitted", by=e.by)
    step.advance(step.flow.start)


def _withdraw(step: Step, e: Withdraw) -> None:
    inst = step.instance
    if e.by != inst.submitter:
        step.fail("只有发起人可以撤回", "not_submitter")
    if inst.status != "running":
        step.fail("只有审批中的流程可以撤回", "not_running")
    if any(x.round == inst.round and x.kind in DECISIONS for x in inst.timeline):
        step.fail("已有审批人处理过，不能撤回；如需修改，请联系当前审批人退回", "already_decided")
    for task in inst.pending():
        step.notify(task.user_id, "withdrawn", f"发起人已撤回：{step.title(task.node)}", task.id)
    step.log("withdrawn", by=e.by, comment=e.comment)
    step.finish("withdrawn", task_status="withdrawn")


def _urge(step: Step, e: Urge) -> None:
    if e.by != step.instance.submitter:
        step.fail("只有发起人可以催办", "not_submitter")
    _require_running(step)
    for task in step.instance.pending():
        step.notify(task.user_id, "urge", f"发起人催办：{step.title(task.node)}，请尽快处理", task.id)
    step.log("urged", by=e.by)


def _comment(step: Step, e: Comment) -> None:
    if step.instance.status == "draft":
        step.fail("流程尚未提交，不能评论", "not_submitted")
    if not e.text.strip():
        step.fail("评论内容不能为空", "comment_required")
    step.log("commented", by=e.by, comment=e.text, mentions=list(e.mentions))
    for uid in dict.fromkeys(e.mentions):
        step.notify(uid, "mention", f"有人在{step.title()}中提到了您：{e.text[:100]}")


# --- an approver's task --------------------------------------------------------------------------

def _require_running(step: Step) -> None:
    status = step.instance.status
    if status == "withdrawn":
        step.fail("发起人已撤回此审批，无需再处理", "withdrawn")
    if status in FINISHED:
        step.fail(f"此审批已结束（{FLOW_STATUS_LABELS[status]}），无需再处理", "finished")
    if status == "returned":
        step.fail("此审批已退回发起人，等待重新提交", "returned")
    if status != "running":
        step.fail("此审批尚未提交", "not_submitted")


def _my_task(step: Step, task_id: int, by: int) -> Task:
    _require_running(step)
    task = step.instance.task(task_id)
    if task is None:
        step.fail("找不到这条待办", "no_task")
    if task.status != "pending":
        step.fail(f"这条待办已处理（{TASK_STATUS_LABELS[task.status]}），不能重复操作", "task_closed")
    if task.user_id != by:
        step.fail("这条待办不是分配给您的，不能处理", "not_assignee")
    return task


def _approve(step: Step, e: Approve) -> None:
    task = _my_task(step, e.task, e.by)
    step.decide(task, True, by=e.by, comment=e.comment, kind="approved")


def _reject(step: Step, e: Reject) -> None:
    task = _my_task(step, e.task, e.by)
    if not e.comment.strip():
        step.fail("驳回时请填写驳回意见", "comment_required")
    step.decide(task, False, by=e.by, comment=e.comment, kind="rejected")


def _return(step: Step, e: Return) -> None:
    task = _my_task(step, e.task, e.by)
    inst, graph = step.instance, step.flow.graph
    if e.to is None:
        step.log("returned", node=task.node, by=e.by, task=task.id, comment=e.comment, to=None)
        step.close_task(task, "returned", e.comment)
        for other in inst.pending():
            step.close_task(other, "cancelled")
        inst.runs, inst.arrivals = [], {}
        step.write_status("returned")
        step.notify(inst.submitter, "returned", f"您提交的{step.title()}被退回，请修改后重新提交")
        return
    if (e.to not in graph or step.flow.place(e.to).kind != "approval" or e.to not in nx.ancestors(graph, task.node)
            or e.to not in inst.visited):
        step.fail("只能退回到本次审批已经过的、在当前节点之前的审批节点", "bad_return_target")
    redo = nx.descendants(graph, e.to) | {e.to}
    step.log("returned", node=task.node, by=e.by, task=task.id, comment=e.comment, to=e.to)
    step.close_task(task, "returned", e.comment)
    for run in [r for r in inst.runs if r.node in redo]:
        for other in inst.pending():
            if other.run == run.run:
                step.close_task(other, "cancelled")
        inst.runs.remove(run)
    # Branches outside the part that re-runs keep their arrival at a parallel join.
    inst.arrivals = {j: kept for j, got in inst.arrivals.items() if (kept := [a for a in got if a not in redo])}
    inst.visited = [k for k in inst.visited if k not in redo]
    step.advance(e.to)


def _transfer(step: Step, e: Transfer) -> None:
    task = _my_task(step, e.task, e.by)
    run, seat = step.seat_of(task)
    _check_newcomer(step, e.to, run)
    step.log("transferred", node=task.node, by=e.by, task=task.id, comment=e.comment, to=e.to)
    step.close_task(task, "transferred", e.comment)
    seat.assignees = [a if a.user_id != task.user_id else Assigned(user_id=e.to) for a in seat.assignees]
    step.new_task(run, seat, Assigned(user_id=e.to))


def _add_signer(step: Step, e: AddSigner) -> None:
    task = _my_task(step, e.task, e.by)
    run, seat = step.seat_of(task)
    _check_newcomer(step, e.user, run)
    at = run.seats.index(seat)
    added = Seat(no=max(s.no for s in run.seats) + 1, kind=e.position, assignees=[Assigned(user_id=e.user)])
    step.log("signer_added", node=task.node, by=e.by, task=task.id, comment=e.comment, user=e.user,
             position=e.position)
    if e.position == "after":
        run.seats.insert(at + 1, added)
        step.decide(task, True, by=e.by, comment=e.comment, kind="approved")
        return
    added.precedes = seat.no
    run.seats.insert(at, added)
    step.close_task(task, "signer_added", e.comment)
    for other in step.seat_tasks(run, seat):
        step.close_task(other, "cancelled")
    seat.status = "waiting"  # opens again, for all its assignees, once the added signer approves
    step.open_seats(run)


def _check_newcomer(step: Step, user: int, run) -> None:
    if not step.directory.is_active(user):
        step.fail("所选用户不存在或已停用", "inactive_user")
    if any(t.user_id == user and t.run == run.run for t in step.instance.pending()):
        step.fail("所选用户已经是这一步的审批人", "already_approver")


# --- the scheduler's clock -------------------------------------------------------------------------

def _tick(step: Step, e: Tick) -> None:
    """Remind once after N hours; after M hours escalate or decide, once. Nothing to do is no error."""
    inst = step.instance
    for task in list(inst.pending()):
        if task.status != "pending" or inst.status != "running":
            continue
        timeout = step.flow.node(task.node).timeout
        if timeout is None:
            continue
        age = e.at - task.created_at
        if timeout.remind_after_hours and task.reminded_at is None and age >= timedelta(hours=timeout.remind_after_hours):
            task.reminded_at = e.at
            step.notify(task.user_id, "remind", f"待审批已超过 {timeout.remind_after_hours:g} 小时：{step.title(task.node)}",
                        task.id)
            step.log("reminded", node=task.node, task=task.id)
        if (timeout.then and timeout.after_hours and not (task.timed_out or task.escalated)
                and age >= timedelta(hours=timeout.after_hours)):
            task.timed_out = True
            if timeout.then == "escalate":
                targets = resolve_users(timeout.escalate_to, submitter=inst.submitter, record=step.record,
                                        directory=step.directory)
                if targets:
                    step.escalate(task, targets)
                else:
                    step.log("escalation_failed", node=task.node, task=task.id, comment="超时转交找不到可转交的人")
            else:
                approve = timeout.then == "approve"
                step.decide(task, approve, by=None, comment="审批超时，系统自动" + ("通过" if approve else "驳回"),
                            kind="auto_approved" if approve else "auto_rejected")


_HANDLERS: dict[type, Callable[[Step, Any], None]] = {
    Submit: _submit, Approve: _approve, Reject: _reject, Return: _return, Transfer: _transfer,
    AddSigner: _add_signer, Withdraw: _withdraw, Urge: _urge, Comment: _comment, Tick: _tick,
}
