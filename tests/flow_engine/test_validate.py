"""check_flow: each rule refused with a JSON pointer and a message naming the node and the fix."""
from __future__ import annotations

import pytest
from flow_helpers import DEAL, ROLES, USERS, approval, branch, condition, end, flow, label, parallel, role, start, users

from flow_engine.graph import build_graph
from flow_engine.metaschema import check_flow_json, parse_flow
from flow_engine.validate import _graph_problems, check_flow
from form_engine.errors import Collector


def problems(data: dict) -> list:
    assert check_flow_json(data) == []
    return check_flow(parse_flow(data), DEAL, roles=ROLES, users=USERS)


def only(data: dict):
    found = problems(data)
    assert len(found) == 1, found
    return found[0]


def test_a_good_flow_has_no_problems():
    data = flow(start(fields={"status": "visible"}),
                condition("amt", branch("small", approval("a", users("lina")), when="amount < 50000"),
                          branch("other", approval("b", role("sales_director"), mode="any"), default=True)),
                parallel("par", branch("p1", approval("c", {"source": "user_field", "field": "reviewer"})),
                         branch("p2", approval("d", {"source": "department_manager", "field": "dept"}))),
                {"id": "copy", "type": "cc", "label": label("抄送"), "recipients": [role("finance")]},
                {"id": "mark", "type": "action", "label": label("标记"), "set": {"status": "done"}},
                end())
    assert problems(data) == []


def test_the_first_node_must_be_the_start():
    p = only(flow(approval("a", users("lina")), end()))
    assert p.path == "/nodes/0" and "第一个节点必须是开始" in p.message


def test_only_one_start():
    p = only(flow(start(), condition("c", branch("x", {"id": "again", "type": "start", "label": label("再次发起")}, when="amount > 1"),
                                     branch("y", default=True)), end()))
    assert p.path == "/nodes/1/branches/0/nodes/0" and "节点“再次发起”" in p.message and "只能有一个开始节点" in p.message


def test_a_node_after_an_end_is_unreachable():
    found = problems(flow(start(), end("stop"), approval("late", users("lina")), end()))
    assert [(p.path, p.code) for p in found] == [("/nodes/2", "unreachable"), ("/nodes/3", "unreachable")]
    assert "节点“审批late”永远不会被执行到" in found[0].message


def test_nodes_after_a_group_whose_branches_all_end_are_unreachable():
    data = flow(start(), condition("c", branch("x", end("e1"), when="amount > 1"), branch("y", end("e2", result="rejected"), default=True)),
                approval("after", users("lina")), end())
    found = problems(data)
    assert [(p.path, p.code) for p in found] == [("/nodes/2", "unreachable"), ("/nodes/3", "unreachable")]


def test_an_end_must_be_reachable_from_every_node():
    p = only(flow(start(), approval("a", users("lina"))))
    assert p.path == "/nodes" and p.code == "no_end"
    p = only(flow(start(), condition("c", branch("x", end(), when="amount > 1"), branch("y", default=True))))
    assert p.path == "/nodes/1" and p.code == "no_end" and "分支组“条件c”之后没有结束节点" in p.message


def test_a_cycle_is_reported_with_the_labels():
    graph = build_graph(parse_flow(flow(start(), approval("a", users("lina")), approval("b", users("zhangwei")), end())))
    graph.add_edge("b", "a")
    c = Collector()
    _graph_problems(c, graph)
    [p] = c.problems
    assert p.code == "cycle" and "审批a → 审批b → 审批a" in p.message


def test_no_end_inside_a_parallel_branch():
    p = only(flow(start(), parallel("par", branch("p1", approval("a", users("lina")), end("stop")), branch("p2")), end()))
    assert p.path == "/nodes/1/branches/0/nodes/1" and p.code == "end_in_parallel"


def test_a_condition_group_needs_one_default():
    p = only(flow(start(), condition("c", branch("x", when="amount > 1"), branch("y", when="amount <= 1")), end()))
    assert p.path == "/nodes/1/branches" and p.code == "no_default" and "节点“条件c”缺少默认分支" in p.message
    found = problems(flow(start(), condition("c", branch("x", default=True), branch("y", default=True)), end()))
    assert [(p.path, p.code) for p in found] == [("/nodes/1/branches/1/default", "extra_default")]


def test_branch_conditions_must_be_present_and_compile():
    p = only(flow(start(), condition("c", branch("x"), branch("y", default=True)), end()))
    assert p.path == "/nodes/1/branches/0/when" and p.code == "no_when"
    p = only(flow(start(), condition("c", branch("x", when="amount >"), branch("y", default=True)), end()))
    assert p.path == "/nodes/1/branches/0/when" and p.code == "syntax" and p.message.startswith("节点“条件c”的分支“分支x”的条件有误")


def test_branch_conditions_reference_real_fields():
    p = only(flow(start(), condition("c", branch("x", when="amout > 1"), branch("y", default=True)), end()))
    assert p.code == "unknown_name" and "未知字段“amout”" in p.message and p.suggestion == "您是不是想写“amount”？"


def test_referenced_users_and_roles_must_exist():
    found = problems(flow(start(), approval("a", users("nobody"), role("boss")), end()))
    assert [(p.path, p.code) for p in found] == [("/nodes/1/approvers/0/users/0", "unknown_user"),
                                                  ("/nodes/1/approvers/1/role", "unknown_role")]
    assert "节点“审批a”的审批人“nobody”不是已有的用户" in found[0].message
    p = only(flow(start(), approval("a", {"source": "manager", "level": 2, "role": "director"}), end()))
    assert p.path == "/nodes/1/approvers/0/role" and p.suggestion == "您是不是想写“sales_director”？"


def test_approver_fields_must_exist_and_have_the_right_type():
    found = problems(flow(start(), approval("a", {"source": "user_field", "field": "dept"},
                                            {"source": "department_manager", "field": "reviewer"},
                                            {"source": "user_field", "field": "missing"},
                                            {"source": "user_field", "field": "owner_id"},
                                            {"source": "department_manager", "field": "department_id"}), end()))
    assert [(p.path, p.code) for p in found] == [("/nodes/1/approvers/0/field", "field_type"),
                                                  ("/nodes/1/approvers/1/field", "field_type"),
                                                  ("/nodes/1/approvers/2/field", "unknown_field")]
    assert "要从人员字段取，但“承办部门”（dept）是department字段" in found[0].message


def test_vote_needs_a_sensible_threshold():
    assert only(flow(start(), approval("a", role("finance"), mode="vote"), end())).path == "/nodes/1/threshold"
    assert only(flow(start(), approval("a", role("finance"), mode="vote", threshold="3/2"), end())).code == "threshold"
    assert only(flow(start(), approval("a", role("finance"), threshold="2/3"), end())).code == "threshold"
    assert problems(flow(start(), approval("a", role("finance"), mode="vote", threshold="66.7%"), end())) == []


def test_route_to_admin_needs_a_real_admin():
    assert only(flow(start(), approval("a", role("finance"), no_approver="admin"), end())).path == "/nodes/1/admin"
    assert only(flow(start(), approval("a", role("finance"), no_approver="admin", admin="root"), end())).code == "unknown_user"


def test_field_permissions_name_real_writable_fields():
    found = problems(flow(start(fields={"titel": "editable"}), approval("a", users("lina"), fields={"score": "editable"}), end()))
    assert [(p.path, p.code) for p in found] == [("/nodes/0/fields/titel", "unknown_field"), ("/nodes/1/fields/score", "not_editable")]


def test_action_sets_real_fields_to_valid_values():
    act = {"id": "mark", "type": "action", "label": label("标记"), "set": {"status": "signed", "score": 1, "nope": 1}}
    found = problems(flow(start(), act, end()))
    assert [(p.path, p.code) for p in found] == [("/nodes/1/set/status", "value"), ("/nodes/1/set/score", "not_settable"),
                                                  ("/nodes/1/set/nope", "unknown_field")]
    assert "“signed”不在可选项中" in found[0].message


@pytest.mark.parametrize("timeout, path", [
    ({"then": "approve"}, "/nodes/1/timeout/after_hours"),
    ({"after_hours": 4}, "/nodes/1/timeout/then"),
    ({"remind_after_hours": 8, "after_hours": 4, "then": "reject"}, "/nodes/1/timeout/remind_after_hours"),
    ({"after_hours": 4, "then": "escalate"}, "/nodes/1/timeout/escalate_to"),
    ({"after_hours": 4, "then": "escalate", "escalate_to": [{"source": "submitter"}]}, "/nodes/1/timeout/escalate_to/0/source"),
    ({"after_hours": 4, "then": "escalate", "escalate_to": [role("ceo")]}, "/nodes/1/timeout/escalate_to/0/role"),
])
def test_timeouts_are_complete(timeout, path):
    assert only(flow(start(), approval("a", users("lina"), timeout=timeout), end())).path == path


def test_node_ids_are_unique():
    found = problems(flow(start(), approval("a", users("lina")), approval("a", users("zhangwei")), end()))
    assert [(p.path, p.code) for p in found] == [("/nodes/2/id", "duplicate")]
    assert "与节点“审批a”重复" in found[0].message


def test_the_form_must_be_the_flows_form():
    assert only(flow(start(), end(), form="contract")).path == "/form"


def test_the_meta_schema_reports_paths_in_zh():
    found = check_flow_json(flow(start(), {"id": "a", "type": "approval", "label": label("审批"), "approvers": [{"source": "role"}],
                                            "mode": "everyone"}, end()))
    assert [(p.path, p.message) for p in found] == [
        ("/nodes/1/approvers/0", "缺少必填项“role”"),
        ("/nodes/1/mode", "“everyone”不是可选的值，可选：sequential、all、any、vote")]
    found = check_flow_json(flow(start(), {"id": "Bad", "type": "cc", "label": label("抄送"), "recipients": [], "extra": 1}, end()))
    assert {p.path for p in found} == {"/nodes/1/id", "/nodes/1/recipients", "/nodes/1/extra"}
