"""Timeouts with a controllable clock: remind once, then escalate or decide once, idempotent ticks."""
from __future__ import annotations

from datetime import timedelta

from flow_helpers import LINA, T0, WANGJIANGUO, ZHANGWEI, Runner, approval, end, flow, role, start, users

from flow_engine.events import CloseTask, CreateTask, Notify, Submit, Tick
from flow_engine.machine import next_deadline


def h(hours: float):
    return T0 + timedelta(hours=hours)


def running(directory, timeout: dict, *approvers, **options) -> Runner:
    run = Runner(flow(start(), approval("a", *(approvers or (users("lina"),)), timeout=timeout, **options),
                      approval("b", users("zhangwei")), end()), directory=directory)
    run(Submit(run.instance.submitter, T0))
    return run


def test_remind_once_after_n_hours(directory):
    run = running(directory, {"remind_after_hours": 24})
    assert run(Tick(h(23.9))) == []
    assert run(Tick(h(24))) == [Notify(LINA, "remind", "待审批已超过 24 小时：测试流程·审批a", 1)]
    assert run(Tick(h(25))) == []
    assert run.instance.task(1).reminded_at == h(24)


def test_escalate_after_m_hours_once(directory):
    run = running(directory, {"remind_after_hours": 4, "after_hours": 8, "then": "escalate",
                              "escalate_to": [users("wangjianguo")]})
    assert next_deadline(run.flow, run.instance) == h(4)
    run(Tick(h(4)))
    assert next_deadline(run.flow, run.instance) == h(8)
    intents = run(Tick(h(8)))
    assert CloseTask(1, "escalated") in intents and CreateTask(2, "a", WANGJIANGUO, None, h(8)) in intents
    assert run(Tick(h(8))) == []
    # The escalated task is reminded after 4 hours of its own, and never escalated again.
    assert [i.kind for i in run(Tick(h(100)))] == ["remind"]
    assert run(Tick(h(200))) == [] and next_deadline(run.flow, run.instance) is None
    run.approve(WANGJIANGUO)
    assert set(run.pending()) == {ZHANGWEI}


def test_auto_approve_once_and_the_flow_goes_on(directory):
    run = running(directory, {"after_hours": 48, "then": "approve"})
    run(Tick(h(47)))
    assert set(run.pending()) == {LINA}
    run(Tick(h(48)))
    assert set(run.pending()) == {ZHANGWEI}
    assert run(Tick(h(48))) == [] and run.kinds().count("auto_approved") == 1
    assert run.instance.task(1).comment == "审批超时，系统自动通过"


def test_auto_reject_without_a_human_comment(directory):
    run = running(directory, {"after_hours": 48, "then": "reject"})
    run(Tick(h(49)))
    assert run.status == "rejected" and run(Tick(h(50))) == []


def test_countersign_approvers_time_out_one_by_one(directory):
    run = running(directory, {"after_hours": 2, "then": "approve"}, role("finance"), mode="all")
    run(Tick(h(2)))
    assert run.kinds().count("auto_approved") == 3 and set(run.pending()) == {ZHANGWEI}


def test_escalation_to_nobody_is_noted_once(directory):
    run = running(directory, {"after_hours": 2, "then": "escalate", "escalate_to": [role("general_manager")]})
    directory.people[WANGJIANGUO] = ("wangjianguo", 1, ())
    run(Tick(h(3)))
    run(Tick(h(4)))
    assert run.kinds().count("escalation_failed") == 1 and set(run.pending()) == {LINA}


def test_ticks_on_a_finished_instance_do_nothing(directory):
    run = running(directory, {"remind_after_hours": 1})
    run.approve(LINA)
    run.approve(ZHANGWEI)
    assert run.status == "approved" and run(Tick(h(10))) == []
