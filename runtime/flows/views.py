"""What pages and the API show of a flow: the instance with its timeline and progress diagram, a task,
the inboxes. Plain dataclasses with `as_json()`; names and labels filled in."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from flow_engine.compiled import CompiledFlow
from flow_engine.definitions import ApprovalNodeDef, ConditionNodeDef, ParallelNodeDef
from flow_engine.machine import TASK_STATUS_LABELS
from flow_engine.state import FLOW_STATUS_LABELS, FlowInstance

TIMELINE_LABELS = {
    "submitted": "提交", "node_started": "开始审批", "approved": "同意", "rejected": "驳回", "returned": "退回",
    "auto_approved": "超时自动同意", "auto_rejected": "超时自动驳回", "branch_taken": "条件分支", "cc": "抄送",
    "commented": "评论", "escalated": "超时转交", "escalation_failed": "超时转交失败", "fields_set": "修改字段",
    "finished": "结束", "reminded": "超时提醒", "signer_added": "加签", "skipped": "跳过", "transferred": "转交",
    "urged": "催办", "withdrawn": "撤回", "node_approved": "本节点通过", "node_rejected": "本节点驳回",
}


def person(names: dict[int, str], user_id: int | None) -> dict | None:
    return None if user_id is None else {"id": user_id, "name": names.get(user_id, f"用户 {user_id}")}


@dataclass
class InstanceView:
    id: int
    app: str
    form: str
    form_label: str
    record_id: int
    record_title: str
    flow: str
    flow_label: str
    version: int
    status: str
    status_label: str
    submitter: dict
    created_at: datetime
    finished_at: datetime | None
    timeline: list[dict] = field(default_factory=list)
    diagram: list[dict] = field(default_factory=list)
    pending: list[dict] = field(default_factory=list)
    can_withdraw: bool = False
    can_urge: bool = False

    def as_json(self) -> dict:
        return _jsonable(asdict(self))


@dataclass
class TaskView:
    task: dict
    instance: InstanceView
    record: dict
    fields: dict[str, str]
    actions: list[str]
    returnable_nodes: list[dict]

    def as_json(self) -> dict:
        return _jsonable({**asdict(self), "instance": self.instance.as_json()})


@dataclass
class InboxPage:
    items: list[dict]
    next_before: int | None

    def as_json(self) -> dict:
        return _jsonable(asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def timeline(flow: CompiledFlow, inst: FlowInstance, names: dict[int, str]) -> list[dict]:
    out = []
    for e in inst.timeline:
        node_label = None
        if e.node:
            try:
                node_label = flow.place(e.node).label
            except (KeyError, AttributeError):
                node_label = e.node
        detail = dict(e.detail)
        for key in ("approvers", "users"):
            if isinstance(detail.get(key), list):
                detail[key + "_names"] = [names.get(u, str(u)) for u in detail[key] if isinstance(u, int)]
        for key in ("to", "user", "on_behalf_of"):
            if isinstance(detail.get(key), int):
                detail[key + "_name"] = names.get(detail[key], str(detail[key]))
        out.append({"at": e.at, "kind": e.kind, "label": TIMELINE_LABELS.get(e.kind, e.kind), "round": e.round,
                    "node": e.node, "node_label": node_label, "by": person(names, e.by), "comment": e.comment,
                    "detail": detail})
    return out


def people_ids(inst: FlowInstance) -> set[int]:
    ids = {inst.submitter}
    for t in inst.tasks:
        ids.update(x for x in (t.user_id, t.on_behalf_of) if x)
    for e in inst.timeline:
        ids.update(x for x in (e.by,) if x)
        for key in ("approvers", "users"):
            ids.update(u for u in e.detail.get(key) or [] if isinstance(u, int))
        ids.update(e.detail[k] for k in ("to", "user", "on_behalf_of") if isinstance(e.detail.get(k), int))
    return ids


def diagram(flow: CompiledFlow, inst: FlowInstance, names: dict[int, str]) -> list[dict]:
    """The flow tree with each node's state in the current round: done, active, rejected, skipped, waiting."""
    this_round = [e for e in inst.timeline if e.round == inst.round]
    visited = set(inst.visited)
    active = set(inst.active_nodes)
    skipped = {e.node for e in this_round if e.kind == "skipped"}
    rejected = {e.node for e in this_round if e.kind in ("rejected", "auto_rejected")}
    people: dict[str, list[str]] = {}
    for task in inst.tasks:
        if task.status not in ("cancelled", "withdrawn"):
            who = names.get(task.user_id, str(task.user_id))
            if who not in people.setdefault(task.node, []):
                people[task.node].append(who)

    def state(node_id: str) -> str:
        if node_id in active:
            return "active"
        if node_id in rejected:
            return "rejected"
        if node_id in skipped:
            return "skipped"
        if node_id in visited:
            return "done"
        return "waiting"

    def nodes(items) -> list[dict]:
        out = []
        for n in items:
            item = {"id": n.id, "type": n.type, "label": n.label.zh, "label_en": n.label.en, "state": state(n.id),
                    "people": people.get(n.id, []) if isinstance(n, ApprovalNodeDef) else []}
            if isinstance(n, (ConditionNodeDef, ParallelNodeDef)):
                item["branches"] = [{"id": b.id, "label": b.label.zh, "label_en": b.label.en,
                                     "taken": f"{n.id}.{b.id}" in visited, "nodes": nodes(b.nodes)} for b in n.branches]
            out.append(item)
        return out
    return nodes(flow.flow.nodes)


def status_label(status: str) -> str:
    return FLOW_STATUS_LABELS.get(status, "草稿")


def task_status_label(status: str) -> str:
    return "待处理" if status == "pending" else TASK_STATUS_LABELS.get(status, status)
