"""One event's work: a private copy of the instance, the graph walk, and the intents it produces.

A handler that refuses raises FlowError before returning; since it only ever touched the copy,
the caller's instance is unchanged.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NoReturn

from form_engine.functions import ExpressionFailed

from .compiled import CompiledFlow
from .directory import Directory
from .errors import FlowError
from .events import (CarbonCopy, CloseTask, CreateTask, FlowFinished, Intent, Notify, NotifyKind, SetFields,
                     WriteFlowStatus)
from .graph import JOIN, Place
from .resolve import resolve_approvers, resolve_users
from .seats import node_outcome, openable
from .state import FLOW_STATUS_LABELS, Assigned, Entry, FlowInstance, NodeRun, Seat, Task


class Step:
    """The mutable work area of one event; `instance` and `intents` are the result."""

    def __init__(self, flow: CompiledFlow, instance: FlowInstance, *, record: Mapping[str, Any],
                 directory: Directory, at: datetime):
        self.flow, self.directory, self.at = flow, directory, at
        self.instance = instance.model_copy(deep=True)
        self.record = dict(record)  # action nodes update it, so later conditions see their values
        self.intents: list[Intent] = []

    # --- bookkeeping -----------------------------------------------------------------------------

    def fail(self, detail: str, code: str) -> NoReturn:
        raise FlowError(detail, code=code, record_id=self.instance.record_id)

    def log(self, kind: str, *, node: str | None = None, by: int | None = None, task: int | None = None,
            comment: str | None = None, **detail: Any) -> None:
        self.instance.timeline.append(Entry(at=self.at, kind=kind, round=self.instance.round, node=node, by=by,
                                            task=task, comment=comment or None, detail=detail))

    def notify(self, user_id: int, kind: NotifyKind, message: str, task: int | None = None) -> None:
        self.intents.append(Notify(user_id, kind, message, task))

    def title(self, node: str | None = None) -> str:
        flow = self.flow.flow.label.zh
        return f"{flow}·{self.flow.place(node).label}" if node else flow

    def write_status(self, status: str) -> None:
        self.instance.status = status
        self.intents.append(WriteFlowStatus(status, FLOW_STATUS_LABELS[status]))

    # --- tasks -----------------------------------------------------------------------------------

    def new_task(self, run: NodeRun, seat: Seat, who: Assigned, *, escalated: bool = False) -> Task:
        inst = self.instance
        task = Task(id=inst.next_task, node=run.node, run=run.run, seat=seat.no, user_id=who.user_id,
                    on_behalf_of=who.on_behalf_of, created_at=self.at, escalated=escalated)
        inst.next_task += 1
        inst.tasks.append(task)
        self.intents.append(CreateTask(task.id, task.node, task.user_id, task.on_behalf_of, self.at))
        stand_in = "（委托代办）" if who.on_behalf_of else ""
        self.notify(task.user_id, "task", f"您有一条待审批：{self.title(run.node)}{stand_in}", task.id)
        return task

    def close_task(self, task: Task, status: str, comment: str | None = None) -> None:
        task.status, task.closed_at = status, self.at
        if comment:
            task.comment = comment
        self.intents.append(CloseTask(task.id, status))

    def seat_of(self, task: Task) -> tuple[NodeRun, Seat]:
        run = self.instance.run_of(task)
        return run, next(s for s in run.seats if s.no == task.seat)

    def seat_tasks(self, run: NodeRun, seat: Seat) -> list[Task]:
        return [t for t in self.instance.pending() if t.run == run.run and t.seat == seat.no]

    # --- walking the graph -----------------------------------------------------------------------

    def advance(self, key: str, came_from: str | None = None) -> None:
        """Enter place `key` and go on until every token waits at an approval node or the flow ends."""
        queue = deque([(key, came_from)])
        while queue and self.instance.status == "running":
            key, prev = queue.popleft()
            queue.extend((nxt, key) for nxt in self._enter(self.flow.place(key), prev))

    def go_on(self, key: str) -> None:
        for nxt in list(self.flow.graph.successors(key)):
            self.advance(nxt, key)

    def _enter(self, p: Place, prev: str | None) -> list[str]:
        """Do what the place does; return the places to go on to."""
        self.instance.visited.append(p.key)
        after = list(self.flow.graph.successors(p.key))
        if p.kind == "approval":
            return [] if self.activate(p) else after
        if p.kind == "condition":
            return [self.choose(p)]
        if p.kind == JOIN and self.flow.place(p.group).kind == "parallel":
            arrived = self.instance.arrivals.setdefault(p.key, [])
            if prev not in arrived:
                arrived.append(prev)
            if set(arrived) < set(self.flow.graph.predecessors(p.key)):
                return []
            del self.instance.arrivals[p.key]
        elif p.kind == "cc":
            self.carbon_copy(p)
        elif p.kind == "action":
            values = dict(p.node.set)
            self.record.update(values)
            self.intents.append(SetFields(values))
            self.log("fields_set", node=p.key, values=values)
        elif p.kind == "end":
            self.finish(p.node.result, node=p.key)
            return []
        return after

    def choose(self, p: Place) -> str:
        """The first branch whose condition holds, in order, else the default branch."""
        chosen = None
        for branch in p.node.branches:
            key = f"{p.key}.{branch.id}"
            if branch.default or key not in self.flow.conditions:
                continue
            try:
                holds = self.flow.conditions[key].evaluate(self.record)
            except ExpressionFailed as err:
                self.fail(f"节点“{p.label}”的分支“{branch.label.zh}”的条件无法计算：{err.detail}", "condition_failed")
            if holds:
                chosen = branch
                break
        chosen = chosen or next(b for b in p.node.branches if b.default)
        self.log("branch_taken", node=p.key, branch=chosen.id, label=chosen.label.zh)
        return f"{p.key}.{chosen.id}"

    def carbon_copy(self, p: Place) -> None:
        users = resolve_users(p.node.recipients, submitter=self.instance.submitter, record=self.record,
                              directory=self.directory)
        if users:
            self.intents.append(CarbonCopy(p.key, tuple(users)))
            for uid in users:
                self.notify(uid, "cc", f"抄送给您：{self.title()}")
        self.log("cc", node=p.key, users=users)

    # --- approval nodes --------------------------------------------------------------------------

    def activate(self, p: Place) -> bool:
        """Start an approval node; False when it passes at once (nobody to ask and told to skip)."""
        node, inst = p.node, self.instance
        found = resolve_approvers(node, submitter=inst.submitter, record=self.record, directory=self.directory,
                                  on=self.at.date(), record_id=inst.record_id)
        if not found.assignees:
            self.log("skipped", node=p.key, comment=found.note)
            return False
        people = [Assigned(user_id=a.user_id, on_behalf_of=a.on_behalf_of) for a in found.assignees]
        groups = [people] if node.mode == "any" else [
            [Assigned(user_id=a.user_id, on_behalf_of=a.on_behalf_of) for a in g] for g in found.groups]
        run = NodeRun(node=p.key, run=inst.next_run, seats=[Seat(no=i + 1, assignees=g) for i, g in enumerate(groups)])
        inst.next_run += 1
        inst.runs.append(run)
        self.log("node_started", node=p.key, comment=found.note, approvers=[a.user_id for a in people])
        self.open_seats(run)
        return True

    def open_seats(self, run: NodeRun) -> None:
        for seat in openable(run, self.flow.node(run.node)):
            seat.status = "open"
            for who in seat.assignees:
                self.new_task(run, seat, who)

    def decide(self, task: Task, approve: bool, *, by: int | None, comment: str, kind: str) -> None:
        """Close the task with its decision; the seat is decided, its other tasks cancelled; settle the node."""
        run, seat = self.seat_of(task)
        self.log(kind, node=task.node, by=by, task=task.id, comment=comment,
                 on_behalf_of=task.on_behalf_of)
        self.close_task(task, "approved" if approve else "rejected", comment)
        seat.status = "approved" if approve else "rejected"
        for other in self.seat_tasks(run, seat):
            self.close_task(other, "cancelled")
        self.settle(run)

    def settle(self, run: NodeRun) -> None:
        """Finish the node when its seats add up; otherwise open the seats now free to open."""
        outcome = node_outcome(run, self.flow.node(run.node))
        if outcome is None:
            self.open_seats(run)
            return
        for task in self.instance.pending():
            if task.run == run.run:
                self.close_task(task, "cancelled")
        self.instance.runs.remove(run)
        self.log(f"node_{outcome}", node=run.node)
        if outcome == "rejected":
            self.finish("rejected", node=run.node)
        else:
            self.go_on(run.node)

    def escalate(self, task: Task, targets: list[int]) -> None:
        """Hand a late seat to the escalation users: its tasks close, theirs open in its place."""
        run, seat = self.seat_of(task)
        late = self.seat_tasks(run, seat)
        for t in late:
            t.timed_out = True
            self.close_task(t, "escalated")
        seat.assignees = [Assigned(user_id=u) for u in targets]
        self.log("escalated", node=task.node, task=task.id, comment="审批超时，已转交",
                 from_users=[t.user_id for t in late], to_users=targets)
        for who in seat.assignees:
            self.new_task(run, seat, who, escalated=True)

    # --- the end -----------------------------------------------------------------------------------

    def finish(self, result: str, *, node: str | None = None, task_status: str = "cancelled") -> None:
        inst = self.instance
        for task in inst.pending():
            self.close_task(task, task_status)
        inst.runs, inst.arrivals = [], {}
        self.write_status(result)
        self.log("finished", node=node, result=result)
        self.intents.append(FlowFinished(self.flow.name, self.flow.version, inst.record_id, result, self.at))
        self.notify(inst.submitter, "result", f"您提交的{self.title()}{FLOW_STATUS_LABELS[result]}")

