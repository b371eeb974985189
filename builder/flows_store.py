"""What the flow designer reads: published flows, flow drafts (fw_draft, kind "flow") and their checks.

A flow draft is checked the way publishing checks it: flow_engine's meta-schema, then `check_flow`
against the bound form as published, the app's roles and the usernames in fw_user. Problems keep
their JSON pointer into the flow and say which node (and branch) they are on, for the designer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from flow_engine.definitions import FlowDef
from flow_engine.metaschema import check_flow_json, parse_flow
from flow_engine.validate import check_flow
from form_engine.definitions import AppDef
from form_engine.errors import DefinitionError, NotFound, Problem
from runtime import systables
from runtime.definition_store import published_app

from .drafts import Draft, load_draft

KIND = "flow"
RESERVED = ("new",)  # path segments of the designer's own pages


def published_flows(app: AppDef) -> dict[str, dict]:
    """The app's published flows by name, as JSON."""
    return {f.get("name"): f for f in app.flows if isinstance(f, dict)}


def flow_version(conn: Connection, app: str, name: str) -> int | None:
    """The flow's latest published version (fw_definition rows of kind "flow"), or None."""
    d = systables.definition
    return conn.execute(select(func.max(d.c.version)).where(
        d.c.app == app, d.c.kind == KIND, d.c.name == name, d.c.status == "published")).scalar()


def current_flow(conn: Connection, app: str, name: str) -> tuple[dict, Draft | None, int | None]:
    """What the designer edits: the draft, else the published flow; NotFound when neither exists."""
    draft = load_draft(conn, app, KIND, name)
    version = flow_version(conn, app, name)
    if draft is not None:
        return draft.body, draft, version
    published = published_flows(published_app(conn, app)).get(name)
    if published is None:
        raise NotFound(f"流程“{name}”不存在")
    return published, None, version


def with_flow(app: dict, flow: dict) -> dict:
    """`app` (a definition dict) with `flow` replacing the flow of the same name, or added after the others."""
    flows = [f for f in app.get("flows") or []]
    at = next((i for i, f in enumerate(flows) if f.get("name") == flow.get("name")), None)
    if at is None:
        flows.append(flow)
    else:
        flows[at] = flow
    return {**app, "flows": flows}


def flow_index(app: dict, name: str) -> int:
    return next(i for i, f in enumerate(app.get("flows") or []) if f.get("name") == name)


def usernames(conn: Connection) -> list[str]:
    u = systables.user
    return list(conn.execute(select(u.c.username).order_by(u.c.username)).scalars())


@dataclass(frozen=True)
class FlowProblem:
    """One problem of a flow draft: its pointer, and the node / branch it is on (pointers too)."""

    path: str
    message: str
    node: str | None = None  # e.g. /nodes/1/branches/0/nodes/0
    branch: str | None = None  # e.g. /nodes/1/branches/0, when the problem is on a branch
    prop: str | None = None  # what is wrong inside it, e.g. approvers/0/role

    def as_json(self) -> dict:
        return {"path": self.path, "message": self.message, "node": self.node, "branch": self.branch,
                "prop": self.prop}


_NODE = re.compile(r"^(/nodes/\d+(?:/branches/\d+/nodes/\d+)*)(?:/branches/(\d+)(?=/|$))?(?:/(.*))?$")


def place(problem: Problem, prefix: str = "") -> FlowProblem:
    """`problem` placed on its node; `prefix` is the flow's own pointer in an app (/flows/2)."""
    path = problem.path[len(prefix):] if prefix and problem.path.startswith(prefix) else problem.path
    path = path or "/"
    m = _NODE.match(path)
    if m is None:
        return FlowProblem(path, problem.message)
    node, branch, rest = m.group(1), m.group(2), m.group(3)
    return FlowProblem(path, problem.message, node, f"{node}/branches/{branch}" if branch is not None else None,
                       rest or None)


# Meta-schema messages are short ("不能为空"); say what they are about, from the last named key of the path.
_NOUNS = {"label": "名称", "zh-CN": "名称", "users": "指定成员", "set": "要更新的字段", "approvers": "审批人",
          "recipients": "抄送人", "role": "角色", "field": "字段", "threshold": "通过比例", "when": "条件",
          "branches": "分支", "escalate_to": "转交对象", "admin": "管理员", "level": "主管层级", "id": "编号",
          "remind_after_hours": "提醒时间", "after_hours": "超时时间"}


def _explained(problem: Problem) -> Problem:
    if problem.code == "minProperties" and problem.path.endswith("/set"):
        return Problem(problem.path, "请至少设置一个要更新的字段", problem.code)
    keys = [k for k in problem.path.split("/") if k and not k.isdigit()]
    noun = next((_NOUNS[k] for k in reversed(keys) if k in _NOUNS), None)
    if noun is None or problem.message.startswith(noun):
        return problem
    return Problem(problem.path, f"{noun}{problem.message}", problem.code, problem.suggestion)


def check_flow_draft(conn: Connection, app: str, body: dict) -> tuple[FlowDef | None, list[FlowProblem]]:
    """The draft as a FlowDef, and every problem publishing would find in it (none: ready to publish)."""
    problems = check_flow_json(body)
    if problems:
        return None, [place(_explained(p)) for p in problems]
    try:
        flow = parse_flow(body)
    except DefinitionError as exc:
        return None, [place(p) for p in exc.problems]
    definition = published_app(conn, app)
    try:
        form = definition.form(flow.form)
    except KeyError:
        return flow, [FlowProblem("/form", f"流程绑定的表单“{flow.form}”不存在或还没有发布，请先发布这个表单")]
    found = check_flow(flow, form, roles=[r.name for r in definition.roles], users=usernames(conn))
    return flow, [place(p) for p in found]
