"""Approver resolution: every source, the no-approver policies, the submitter rule, delegation."""
from __future__ import annotations

from datetime import date

import pytest
from flow_helpers import (ADMIN, CHENJING, HEJING, LINA, MAXIAOYAN, WANGJIANGUO, WANGQIANG, ZHANGWEI, ZHAOMIN, approval, role,
                      users)

from flow_engine.definitions import ApprovalNodeDef
from flow_engine.errors import FlowError
from flow_engine.resolve import Assignee, manager_chain, resolve_approvers

DAY = date(2026, 11, 23)


def node(*sources, **options) -> ApprovalNodeDef:
    return ApprovalNodeDef.model_validate(approval("a", *sources, **options))


def resolve(directory, n: ApprovalNodeDef, *, submitter=WANGQIANG, record=None, on=DAY):
    return resolve_approvers(n, submitter=submitter, record=record or {}, directory=directory, on=on)


def ids(resolution) -> list[int]:
    return [a.user_id for a in resolution.assignees]


def test_specific_users_in_order_inactive_and_unknown_dropped(directory):
    assert ids(resolve(directory, node(users("zhangwei", "retired", "ghost", "lina", "zhangwei")))) == [ZHANGWEI, LINA]


def test_role_members(directory):
    assert ids(resolve(directory, node(role("finance")))) == [WANGJIANGUO, MAXIAOYAN, HEJING]


def test_role_any_member_is_one_group(directory):
    r = resolve(directory, node({"source": "manager", "role": "sales_director"}, role("finance", any_member=True)))
    assert [[a.user_id for a in g] for g in r.groups] == [[ZHANGWEI], [WANGJIANGUO, MAXIAOYAN, HEJING]]


def test_manager_chain_skips_the_user_and_departments_without_a_manager(directory):
    assert manager_chain(WANGQIANG, directory) == [LINA, ZHANGWEI, WANGJIANGUO]
    assert manager_chain(LINA, directory) == [ZHANGWEI, WANGJIANGUO]  # lina manages her own team
    directory.people[ZHAOMIN] = ("zhaomin", 5, ("sales",))  # a department without a manager
    assert manager_chain(ZHAOMIN, directory) == [WANGJIANGUO]


@pytest.mark.parametrize("level, role_name, expected", [
    (1, None, [LINA]), (2, None, [ZHANGWEI]), (3, None, [WANGJIANGUO]), (4, None, []),
    (1, "sales_director", [ZHANGWEI]), (2, "sales_director", [WANGJIANGUO]),
])
def test_manager_n_levels_up(directory, level, role_name, expected):
    source = {"source": "manager", "level": level} | ({"role": role_name} if role_name else {})
    assert ids(resolve(directory, node(source, no_approver="skip"))) == expected


def test_department_field_manager_and_user_field(directory):
    n = node({"source": "department_manager", "field": "dept"}, {"source": "user_field", "field": "reviewer"})
    assert ids(resolve(directory, n, record={"dept": 4, "reviewer": {"id": CHENJING}})) == [MAXIAOYAN, CHENJING]


def test_the_submitter_as_approver(directory):
    assert ids(resolve(directory, node({"source": "submitter"}))) == [WANGQIANG]


def test_no_approver_skip(directory):
    r = resolve(directory, node({"source": "user_field", "field": "reviewer"}, no_approver="skip"))
    assert r.assignees == () and r.note == "找不到审批人，已自动跳过"


def test_no_approver_routes_to_the_admin(directory):
    r = resolve(directory, node({"source": "user_field", "field": "reviewer"}, no_approver="admin", admin="admin"))
    assert ids(r) == [ADMIN] and r.note == "找不到审批人，已转交管理员"


def test_no_approver_blocks_with_a_message_naming_the_node(directory):
    with pytest.raises(FlowError) as err:
        resolve(directory, node({"source": "user_field", "field": "reviewer"}))
    assert err.value.code == "no_approver" and "节点“审批a”找不到审批人" in err.value.detail


def test_submitter_is_approver_skip_or_keep(directory):
    keep = node(users("wangqiang", "lina"))
    assert ids(resolve(directory, keep)) == [WANGQIANG, LINA]
    skip = node(users("wangqiang", "lina"), submitter_is_approver="skip")
    r = resolve(directory, skip)
    assert ids(r) == [LINA] and r.note == "发起人即审批人，已跳过发起人"
    alone = resolve(directory, node(users("wangqiang"), submitter_is_approver="skip"))
    assert alone.assignees == () and alone.note == "发起人即审批人，已自动跳过"  # passes, not "no approver"


def test_delegation_within_its_dates(directory):
    directory.delegations.append((ZHANGWEI, LINA, date(2026, 11, 20), date(2026, 11, 25)))
    n = node(users("zhangwei"))
    assert resolve(directory, n).assignees == (Assignee(LINA, on_behalf_of=ZHANGWEI),)
    assert resolve(directory, n, on=date(2026, 11, 26)).assignees == (Assignee(ZHANGWEI),)
    assert resolve(directory, n, on=date(2026, 11, 19)).assignees == (Assignee(ZHANGWEI),)


def test_delegation_never_to_the_submitter_nor_twice_to_one_person(directory):
    directory.delegations.append((ZHANGWEI, WANGQIANG, DAY, DAY))
    assert resolve(directory, node(users("zhangwei"))).assignees == (Assignee(ZHANGWEI),)
    directory.delegations[:] = [(ZHANGWEI, LINA, DAY, DAY)]
    assert resolve(directory, node(users("lina", "zhangwei"))).assignees == (Assignee(LINA),)
