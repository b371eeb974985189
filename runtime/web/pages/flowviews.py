"""What the approval pages show of a flow instance: its status, diagram and timeline, as plain views.

The service's views (runtime.flows.service) are turned into the few shapes the templates lay out,
so a template never decides anything; English goes through i18n like every page string.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .i18n import translate

STATUS_TONE = {"running": "active", "returned": "warning", "approved": "done", "rejected": "rejected",
               "withdrawn": "muted"}
STATE_LABELS = {"done": "已完成", "active": "进行中", "waiting": "未开始", "skipped": "已跳过", "rejected": "已驳回"}
GROUP_LABELS = {"condition": "条件分支", "parallel": "并行分支"}
KIND_LABELS = {"node_approved": "本节点通过", "node_rejected": "本节点驳回", "joined": "并行分支汇合",
               "resubmitted": "重新提交"}  # timeline kinds the service has no label for (yet)


def get(obj: Any, key: str, default: Any = None) -> Any:
    """A field of a service view, whether a dataclass or its JSON dict."""
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def when(value: Any) -> str:
    """A stored time as the pages show it (minutes), from a datetime, a date or an ISO string."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def person(value: Any) -> str:
    return (get(value, "name") or "") if value else ""


@dataclass
class Line:
    """One line of the approval timeline."""

    at: str
    who: str
    label: str
    node_label: str
    comment: str
    kind: str


@dataclass
class DiagramNode:
    id: str
    type: str
    label: str
    state: str
    state_label: str
    people: list[str]


@dataclass
class Branch:
    label: str
    taken: bool
    nodes: list


@dataclass
class DiagramGroup:
    type: str
    label: str
    branches: list[Branch]
    state: str = "waiting"


@dataclass
class FlowView:
    """One instance as a page shows it."""

    id: int
    status: str
    status_label: str
    tone: str
    flow_label: str
    submitter: str
    created_at: str
    finished_at: str
    lines: list[Line]
    diagram: list
    pending: list[str]
    can_withdraw: bool
    can_urge: bool
    record_href: str
    record_title: str
    form_label: str
    extra: dict = field(default_factory=dict)


def _label(item: Any, lang: str) -> str:
    return (lang == "en" and get(item, "label_en")) or get(item, "label") or ""


def diagram(items: Any, lang: str) -> list:
    out: list = []
    for item in items or []:
        branches = get(item, "branches")
        if branches is not None:
            kind = get(item, "type") or "condition"
            out.append(DiagramGroup(kind, _label(item, lang) or translate(GROUP_LABELS.get(kind, kind), lang),
                                    [Branch(_label(b, lang), bool(get(b, "taken")), diagram(get(b, "nodes"), lang))
                                     for b in branches], get(item, "state") or "waiting"))
            continue
        state = get(item, "state") or "waiting"
        out.append(DiagramNode(str(get(item, "id") or ""), get(item, "type") or "approval", _label(item, lang),
                               state, translate(STATE_LABELS.get(state, state), lang),
                               [str(p) if not isinstance(p, dict) else str(p.get("name", "")) for p in get(item, "people") or []]))
    return out


def _what(e: Any, lang: str) -> str:
    """The entry's label with whom it concerns: 转交给 X, 加签 Y, 抄送 A、B."""
    kind = get(e, "kind") or ""
    label = get(e, "label") or kind
    label = translate(KIND_LABELS.get(kind, label) if label == kind else label, lang)
    detail = get(e, "detail") or {}
    if detail.get("to_name"):
        return label + translate("给{name}", lang, name=detail["to_name"])
    if detail.get("user_name"):
        return f"{label} {detail['user_name']}"
    names = detail.get("users_names") or detail.get("approvers_names")
    if names:
        return f"{label}：{'、'.join(names)}"
    return label


def timeline(entries: Any, lang: str) -> list[Line]:
    return [Line(when(get(e, "at")), person(get(e, "by")) or translate("系统", lang), _what(e, lang),
                 get(e, "node_label") or "", get(e, "comment") or "", get(e, "kind") or "")
            for e in entries or []]


def pending_names(pending: Any, lang: str) -> list[str]:
    out = []
    for p in pending or []:
        name = person(get(p, "user"))
        behalf = person(get(p, "on_behalf_of"))
        out.append(translate("{name}（代{other}）", lang, name=name, other=behalf) if behalf else name)
    return out


def flow_view(inst: Any, lang: str) -> FlowView:
    status = get(inst, "status") or ""
    app, form, record_id = get(inst, "app"), get(inst, "form"), get(inst, "record_id")
    return FlowView(
        id=get(inst, "id"), status=status, status_label=translate(get(inst, "status_label") or status, lang),
        tone=STATUS_TONE.get(status, "muted"), flow_label=get(inst, "flow_label") or get(inst, "flow") or "",
        submitter=person(get(inst, "submitter")), created_at=when(get(inst, "created_at")),
        finished_at=when(get(inst, "finished_at")), lines=timeline(get(inst, "timeline"), lang),
        diagram=diagram(get(inst, "diagram"), lang), pending=pending_names(get(inst, "pending"), lang),
        can_withdraw=bool(get(inst, "can_withdraw")), can_urge=bool(get(inst, "can_urge")),
        record_href=f"/apps/{app}/{form}/{record_id}", record_title=get(inst, "record_title") or f"#{record_id}",
        form_label=get(inst, "form_label") or form or "")
