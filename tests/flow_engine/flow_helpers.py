"""Helpers for flow engine tests: a small org in memory, a test form, node builders, a flow runner."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flow_engine.compiled import compile_flow
from flow_engine.events import Approve, SetFields
from flow_engine.machine import handle, new_instance
from flow_engine.metaschema import parse_flow
from flow_engine.state import FlowInstance
from form_engine.definitions import FormDef

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

# id: (username, department, roles)
PEOPLE = {
    1: ("wangjianguo", 1, ("sales_director", "finance", "general_manager")),
    2: ("admin", None, ()),
    3: ("zhangwei", 2, ("sales_director",)),
    4: ("lina", 3, ("sales_manager",)),
    5: ("wangqiang", 3, ("sales",)),
    6: ("zhaomin", 3, ("sales",)),
    7: ("chenjing", 3, ("sales",)),
    8: ("maxiaoyan", 4, ("finance",)),
    9: ("hejing", 4, ("finance",)),
    10: ("retired", 3, ("sales",)),
}
# id: (name, parent, manager)
DEPARTMENTS = {1: ("总部", None, 1), 2: ("华东销售部", 1, 3), 3: ("华东一组", 2, 4), 4: ("财务部", 1, 8), 5: ("空部门", 1, None)}
WANGQIANG, ZHAOMIN, CHENJING, LINA, ZHANGWEI, WANGJIANGUO, MAXIAOYAN, HEJING, ADMIN, RETIRED = 5, 6, 7, 4, 3, 1, 8, 9, 2, 10


@dataclass
class FakeDirectory:
    """The Directory protocol over dicts; `delegations` holds (user, delegate, first day, last day)."""

    people: dict = field(default_factory=lambda: dict(PEOPLE))
    departments: dict = field(default_factory=lambda: dict(DEPARTMENTS))
    inactive: set = field(default_factory=lambda: {RETIRED})
    delegations: list = field(default_factory=list)

    def user_id(self, username):
        return next((i for i, p in self.people.items() if p[0] == username and i not in self.inactive), None)

    def is_active(self, user_id):
        return user_id in self.people and user_id not in self.inactive

    def role_members(self, role):
        return [i for i, p in sorted(self.people.items()) if role in p[2] and i not in self.inactive]

    def department_of(self, user_id):
        return self.people[user_id][1] if user_id in self.people else None

    def parent_department(self, department_id):
        return self.departments[department_id][1]

    def department_manager(self, department_id):
        return self.departments[department_id][2] if department_id in self.departments else None

    def delegate(self, user_id, on: date):
        return next((d for u, d, first, last in self.delegations if u == user_id and first <= on <= last), None)


def label(zh: str) -> dict:
    return {"zh-CN": zh}


DEAL = FormDef.model_validate({
    "name": "deal", "label": label("交易"),
    "fields": [
        {"name": "title", "type": "text", "label": label("名称")},
        {"name": "amount", "type": "decimal", "label": label("金额"), "precision": 14, "scale": 2},
        {"name": "reviewer", "type": "user", "label": label("复核人")},
        {"name": "dept", "type": "department", "label": label("承办部门")},
        {"name": "status", "type": "select", "label": label("状态"), "options": [
            {"value": "draft", "label": label("草稿")}, {"value": "done", "label": label("已完成")}]},
        {"name": "note", "type": "textarea", "label": label("备注")},
        {"name": "score", "type": "formula", "label": label("评分"), "expression": "amount * 2", "result_type": "decimal"},
    ],
})
ROLES = ("sales_director", "sales_manager", "sales", "finance", "general_manager")
USERS = tuple(p[0] for p in PEOPLE.values())


# --- node builders ------------------------------------------------------------------------------

def start(**extra) -> dict:
    return {"id": "start", "type": "start", "label": label("发起"), **extra}


def end(id: str = "end", **extra) -> dict:
    return {"id": id, "type": "end", "label": label("结束"), **extra}


def approval(id: str, *approvers: dict, **extra) -> dict:
    return {"id": id, "type": "approval", "label": label(f"审批{id}"), "approvers": list(approvers), **extra}


def users(*names: str) -> dict:
    return {"source": "users", "users": list(names)}


def role(name: str, **extra) -> dict:
    return {"source": "role", "role": name, **extra}


def condition(id: str, *branches: dict) -> dict:
    return {"id": id, "type": "condition", "label": label(f"条件{id}"), "branches": list(branches)}


def branch(id: str, *nodes: dict, when: str | None = None, default: bool = False) -> dict:
    out = {"id": id, "label": label(f"分支{id}"), "nodes": list(nodes)}
    if when is not None:
        out["when"] = when
    if default:
        out["default"] = True
    return out


def parallel(id: str, *branches: dict) -> dict:
    return {"id": id, "type": "parallel", "label": label(f"并行{id}"), "branches": list(branches)}


def flow(*nodes: dict, form: str = "deal") -> dict:
    return {"name": "test_flow", "label": label("测试流程"), "form": form, "nodes": list(nodes)}


# --- running an instance ------------------------------------------------------------------------

class Runner:
    """Drives one instance; by default reloads it from JSON after every step, as the runtime would."""

    def __init__(self, data: dict, *, directory, record: dict | None = None, submitter: int = WANGQIANG,
                 form: FormDef = DEAL, roundtrip: bool = True):
        self.flow = compile_flow(parse_flow(data), form)
        self.directory, self.roundtrip = directory, roundtrip
        self.record = dict(record or {})
        self.instance = new_instance(self.flow, record_id=42, submitter=submitter)
        self.clock = T0
        self.log: list = []

    def __call__(self, event):
        instance, intents = handle(self.flow, self.instance, event, record=self.record, directory=self.directory)
        if self.roundtrip:
            instance = FlowInstance.model_validate(json.loads(json.dumps(instance.model_dump(mode="json"))))
        self.instance = instance
        for intent in intents:
            if isinstance(intent, SetFields):
                self.record.update(intent.values)
        self.log.append(intents)
        return intents

    def later(self, hours: float = 0.0) -> datetime:
        self.clock += timedelta(hours=hours)
        return self.clock

    def pending(self) -> dict[int, int]:
        """user id → their pending task id."""
        return {t.user_id: t.id for t in self.instance.pending()}

    def approve(self, user: int, comment: str = ""):
        return self(Approve(self.pending()[user], user, self.later(), comment))

    @property
    def status(self) -> str:
        return self.instance.status

    def kinds(self) -> list[str]:
        return [e.kind for e in self.instance.timeline]
