"""Checks a flow must pass before it can be published: its graph, its expressions and its references.

Every problem carries the JSON pointer of the offending part and a zh-CN message that names the
node by its label and says what to fix.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from fractions import Fraction

import networkx as nx

from form_engine.compiler import expression_names
from form_engine.definitions import FieldDef, FormDef
from form_engine.errors import Collector, DefinitionError, Problem
from form_engine.expressions import compile_expression
from form_engine.fieldtypes import FIELD_TYPES
from form_engine.identifiers import did_you_mean
from form_engine.messages import FieldInvalid, message

from .definitions import (ActionNodeDef, ApprovalNodeDef, CcNodeDef, ConditionNodeDef, FlowDef, ParallelNodeDef,
                          StartNodeDef)
from .graph import BRANCH, JOIN, Place, build_graph, place, walk
from .thresholds import parse_threshold

USER_SYSTEM_FIELDS = ("owner_id", "created_by")
DEPARTMENT_SYSTEM_FIELDS = ("department_id",)
NOT_SETTABLE = ("subform", "attachment")


def check_flow(flow: FlowDef, form: FormDef, *, roles: Iterable[str], users: Iterable[str]) -> list[Problem]:
    """Every problem of `flow` on `form`, given the app's role names and the known usernames."""
    c = Collector()
    refs = _Refs(form, set(roles), set(users))
    if flow.form != form.name:
        c.add("/form", f"流程绑定的表单是“{flow.form}”，但检查时给的是“{form.name}”", "form_mismatch")
    places = list(walk(flow.nodes))
    unique = _unique_ids(c, flow, places)
    _start(c, flow, places)
    for p in places:
        _node(c, p, refs)
    if unique:
        _graph_problems(c, build_graph(flow))
    return c.problems


def require_valid(flow: FlowDef, form: FormDef, *, roles: Iterable[str], users: Iterable[str]) -> None:
    """Raise DefinitionError when check_flow finds anything (the publish step's guard)."""
    Collector(check_flow(flow, form, roles=roles, users=users)).raise_definition_error()


def _name(p: Place) -> str:
    return f"节点“{p.label}”"


def _unique_ids(c: Collector, flow: FlowDef, places: list[Place]) -> bool:
    seen: dict[str, Place] = {}
    ok = True
    for p in places:
        if p.key in seen:
            c.add(f"{p.path}/id", f"{_name(p)}的编号“{p.key}”与节点“{seen[p.key].label}”重复，请换一个编号", "duplicate")
            ok = False
        seen.setdefault(p.key, p)
        if isinstance(p.node, (ConditionNodeDef, ParallelNodeDef)):
            for n in (n for n, k in Counter(b.id for b in p.node.branches).items() if k > 1):
                c.add(f"{p.path}/branches", f"{_name(p)}中有多个分支的编号都是“{n}”，请换一个编号", "duplicate")
                ok = False
    return ok


def _start(c: Collector, flow: FlowDef, places: list[Place]) -> None:
    """Exactly one start, and it opens the top-level list."""
    if flow.nodes[0].type != "start":
        c.add("/nodes/0", "流程的第一个节点必须是开始（发起）节点，请在最前面添加一个开始节点", "no_start")
    for p in places:
        if p.kind == "start" and p.path != "/nodes/0":
            c.add(p.path, f"{_name(p)}：一个流程只能有一个开始节点，且必须放在最前面，请删除这个开始节点", "extra_start")
        if p.kind == "end" and p.in_parallel:
            c.add(p.path, f"{_name(p)}：并行分支里不能放结束节点（其他分支还在进行），请把结束节点移到并行分支之后",
                  "end_in_parallel")


def _graph_problems(c: Collector, graph: nx.DiGraph) -> None:
    """Reachable from the start, an end reachable from everywhere, no cycles."""
    if not nx.is_directed_acyclic_graph(graph):
        cycle = [a for a, _ in nx.find_cycle(graph)]
        labels = [place(graph, k).label for k in cycle]
        c.add(place(graph, cycle[0]).path, f"流程中存在循环：{' → '.join([*labels, labels[0]])}；退回请用“退回”操作，不要连线成环",
              "cycle")
        return
    starts = [k for k in graph if place(graph, k).kind == "start"]
    reached = set(nx.descendants(graph, starts[0])) | {starts[0]} if starts else set()
    for key in graph:
        p = place(graph, key)
        if key not in reached and p.kind not in (BRANCH, JOIN) and starts:
            c.add(p.path, f"{_name(p)}永远不会被执行到（它前面是结束节点，或它前面的分支都已结束），请移动或删除它",
                  "unreachable")
    ends = [k for k in graph if place(graph, k).kind == "end"]
    if not ends:
        c.add("/nodes", "流程没有结束节点，请在最后添加一个结束节点", "no_end")
        return
    finishing = set(ends).union(*(nx.ancestors(graph, e) for e in ends))
    for key in reached - finishing:
        p = place(graph, key)
        if graph.out_degree(key) == 0:  # a dead end; everything before it is stuck because of it
            where = f"{_name(p)}" if p.kind != JOIN else f"分支组“{p.label}”"
            c.add(p.path, f"{where}之后没有结束节点，流程会停在这里，请在后面添加一个结束节点", "no_end")


class _Refs:
    """What a flow may refer to: the form's fields, the app's roles, the known users."""

    def __init__(self, form: FormDef, roles: set[str], users: set[str]):
        self.form, self.roles, self.users = form, roles, users
        self.fields = form.field_map()
        self.names = expression_names(form.fields)
        self.user_fields = {f.name for f in form.fields if f.type == "user"} | set(USER_SYSTEM_FIELDS)
        self.department_fields = {f.name for f in form.fields if f.type == "department"} | set(DEPARTMENT_SYSTEM_FIELDS)


def _node(c: Collector, p: Place, refs: _Refs) -> None:
    node = p.node
    if isinstance(node, StartNodeDef):
        _field_access(c, p, node.fields, refs)
    elif isinstance(node, ApprovalNodeDef):
        _approval(c, p, node, refs)
    elif isinstance(node, CcNodeDef):
        for i, source in enumerate(node.recipients):
            _source(c, p, source, f"{p.path}/recipients/{i}", refs, "抄送人")
    elif isinstance(node, ActionNodeDef):
        _action(c, p, node, refs)
    elif isinstance(node, ConditionNodeDef):
        _condition(c, p, node, refs)


def _approval(c: Collector, p: Place, node: ApprovalNodeDef, refs: _Refs) -> None:
    for i, source in enumerate(node.approvers):
        _source(c, p, source, f"{p.path}/approvers/{i}", refs, "审批人")
    if node.mode == "vote":
        if node.threshold is None:
            c.add(f"{p.path}/threshold", f"{_name(p)}按票数通过，请填写通过比例，如 2/3 或 60%", "threshold")
        elif not Fraction(0) < parse_threshold(node.threshold) <= 1:
            c.add(f"{p.path}/threshold", f"{_name(p)}的通过比例应大于 0 且不超过 100%，现在是 {node.threshold}", "threshold")
    elif node.threshold is not None:
        c.add(f"{p.path}/threshold", f"{_name(p)}只有按票数通过（mode 为 vote）时才需要通过比例，请删除它或改为 vote",
              "threshold")
    if node.no_approver == "admin":
        if not node.admin:
            c.add(f"{p.path}/admin", f"{_name(p)}找不到审批人时要转交管理员，请填写管理员的用户名", "admin")
        else:
            _user(c, p, node.admin, f"{p.path}/admin", refs, "管理员")
    _field_access(c, p, node.fields, refs)
    if node.timeout:
        _timeout(c, p, node, refs)


def _timeout(c: Collector, p: Place, node: ApprovalNodeDef, refs: _Refs) -> None:
    t, at = node.timeout, f"{p.path}/timeout"
    if t.then and t.after_hours is None:
        c.add(f"{at}/after_hours", f"{_name(p)}的超时处理需要填写超时时长（after_hours 小时）", "timeout")
    if t.after_hours is not None and not t.then:
        c.add(f"{at}/then", f"{_name(p)}超时后要怎么处理？请选择 escalate（转交）、approve（自动通过）或 reject（自动驳回）",
              "timeout")
    if t.remind_after_hours and t.after_hours and t.remind_after_hours >= t.after_hours:
        c.add(f"{at}/remind_after_hours", f"{_name(p)}的提醒时间应早于超时处理时间（{t.after_hours:g} 小时）", "timeout")
    if t.then == "escalate" and not t.escalate_to:
        c.add(f"{at}/escalate_to", f"{_name(p)}超时转交，请指定转交给哪些用户或角色", "timeout")
    if t.then != "escalate" and t.escalate_to:
        c.add(f"{at}/escalate_to", f"{_name(p)}只有超时处理为 escalate 时才需要转交对象，请删除它", "timeout")
    for i, source in enumerate(t.escalate_to):
        where = f"{at}/escalate_to/{i}"
        if source.source not in ("users", "role"):
            c.add(f"{where}/source", f"{_name(p)}的超时转交对象只能是指定用户（users）或角色（role）", "timeout")
        else:
            _source(c, p, source, where, refs, "超时转交对象")


def _source(c: Collector, p: Place, source, path: str, refs: _Refs, who: str) -> None:
    """Roles, users and fields an approver source names must exist, and fields be of the right type."""
    kind = source.source
    if kind == "users":
        for i, username in enumerate(source.users):
            _user(c, p, username, f"{path}/users/{i}", refs, who)
    elif kind in ("role", "manager") and source.role is not None and source.role not in refs.roles:
        c.add(f"{path}/role", f"{_name(p)}的{who}引用的角色“{source.role}”不存在，请先在应用里创建这个角色或改选已有角色",
              "unknown_role", did_you_mean(source.role, refs.roles))
    elif kind in ("user_field", "department_manager"):
        wanted, noun = ((refs.user_fields, "人员") if kind == "user_field" else (refs.department_fields, "部门"))
        if source.field in wanted:
            return
        if source.field in refs.fields:
            f = refs.fields[source.field]
            c.add(f"{path}/field", f"{_name(p)}的{who}要从{noun}字段取，但“{f.label.zh}”（{f.name}）是{f.type}字段，请改选一个{noun}字段",
                  "field_type", did_you_mean(source.field, wanted))
        else:
            c.add(f"{path}/field", f"{_name(p)}的{who}引用的字段“{source.field}”不在表单“{refs.form.label.zh}”中",
                  "unknown_field", did_you_mean(source.field, wanted))


def _user(c: Collector, p: Place, username: str, path: str, refs: _Refs, who: str) -> None:
    if username not in refs.users:
        c.add(path, f"{_name(p)}的{who}“{username}”不是已有的用户，请检查用户名", "unknown_user",
              did_you_mean(username, refs.users))


def _field_access(c: Collector, p: Place, access: dict, refs: _Refs) -> None:
    for name, level in access.items():
        f = refs.fields.get(name)
        if f is None:
            c.add(f"{p.path}/fields/{name}", f"{_name(p)}的字段权限引用的字段“{name}”不在表单“{refs.form.label.zh}”中",
                  "unknown_field", did_you_mean(name, refs.fields))
        elif level == "editable" and not FIELD_TYPES[f.type].writable:
            c.add(f"{p.path}/fields/{name}", f"{_name(p)}：“{f.label.zh}”由系统计算，不能设为可编辑，请改为 visible",
                  "not_editable")


def _action(c: Collector, p: Place, node: ActionNodeDef, refs: _Refs) -> None:
    for name, value in node.set.items():
        at = f"{p.path}/set/{name}"
        f = refs.fields.get(name)
        if f is None:
            c.add(at, f"{_name(p)}要更新的字段“{name}”不在表单“{refs.form.label.zh}”中", "unknown_field",
                  did_you_mean(name, refs.fields))
        elif not FIELD_TYPES[f.type].writable or f.type in NOT_SETTABLE:
            c.add(at, f"{_name(p)}不能更新“{f.label.zh}”：这种字段不能由流程直接赋值", "not_settable")
        elif (why := _value_problem(f, value)):
            c.add(at, f"{_name(p)}给“{f.label.zh}”的值无效：{why}", "value")


def _value_problem(f: FieldDef, value) -> str | None:
    ft = FIELD_TYPES[f.type]
    try:
        coerced = ft.coerce(value, f)
        if coerced not in (None, "", []):
            ft.check(coerced, f)
    except FieldInvalid as exc:
        return message(exc.code, **{k: v for k, v in exc.params.items() if k != "custom"})
    return None


def _condition(c: Collector, p: Place, node: ConditionNodeDef, refs: _Refs) -> None:
    defaults = [j for j, b in enumerate(node.branches) if b.default]
    if not defaults:
        c.add(f"{p.path}/branches", f"{_name(p)}缺少默认分支：请添加一个“其他情况”分支（default: true），"
              "在所有条件都不成立时走这一支", "no_default")
    for j in defaults[1:]:
        c.add(f"{p.path}/branches/{j}/default", f"{_name(p)}只能有一个默认分支，请把“{node.branches[j].label.zh}”改为条件分支",
              "extra_default")
    for j, branch in enumerate(node.branches):
        at = f"{p.path}/branches/{j}"
        if branch.default:
            if branch.when:
                c.add(f"{at}/when", f"{_name(p)}的默认分支“{branch.label.zh}”不需要条件，请删除条件", "default_when")
            continue
        if not branch.when:
            c.add(f"{at}/when", f"{_name(p)}的分支“{branch.label.zh}”缺少条件，请填写条件（如 total_amount >= 50000）", "no_when")
            continue
        try:
            compile_expression(branch.when, names=refs.names, path=f"{at}/when")
        except DefinitionError as exc:
            for problem in exc.problems:
                c.problems.append(Problem(problem.path, f"{_name(p)}的分支“{branch.label.zh}”的条件有误：{problem.message}",
                                          problem.code, problem.suggestion))
