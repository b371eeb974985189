"""The instance state machine, scenario by scenario, reloading the instance from JSON between steps."""
from __future__ import annotations

import pytest
from flow_helpers import (CHENJING, HEJING, LINA, MAXIAOYAN, T0, WANGJIANGUO, WANGQIANG, ZHANGWEI, ZHAOMIN, Runner, approval,
                      branch, condition, end, flow, label, parallel, role, start, users)

from flow_engine.errors import FlowError
from flow_engine.events import (AddSigner, Approve, CarbonCopy, CloseTask, Comment, CreateTask, FlowFinished, Notify,
                                Reject, Return, SetFields, Submit, Transfer, Urge, Withdraw, WriteFlowStatus)


def submitted(data: dict, directory, **kwargs) -> Runner:
    run = Runner(data, directory=directory, **kwargs)
    run(Submit(run.instance.submitter, run.later()))
    return run


def refused(run: Runner, event, code: str) -> FlowError:
    before = run.instance.model_dump()
    with pytest.raises(FlowError) as err:
        run(event)
    assert err.value.code == code
    assert run.instance.model_dump() == before  # nothing changed
    return err.value


def test_submit_writes_the_status_and_creates_tasks(directory):
    run = Runner(flow(start(), approval("a", users("lina")), end()), directory=directory)
    intents = run(Submit(WANGQIANG, T0))
    assert intents == [WriteFlowStatus("running", "审批中"), CreateTask(1, "a", LINA, None, T0),
                       Notify(LINA, "task", "您有一条待审批：测试流程·审批a", 1)]
    assert run.status == "running" and run.instance.active_nodes == ["a"]
    refused(run, Submit(WANGQIANG, T0), "already_running")


def test_sequential_approvers_one_after_another(directory):
    run = submitted(flow(start(), approval("a", users("lina", "zhangwei", "wangjianguo"), mode="sequential"), end()), directory)
    assert list(run.pending()) == [LINA]
    run.approve(LINA)
    assert list(run.pending()) == [ZHANGWEI]
    run.approve(ZHANGWEI)
    assert list(run.pending()) == [WANGJIANGUO]
    intents = run.approve(WANGJIANGUO)
    assert run.status == "approved"
    assert WriteFlowStatus("approved", "已通过") in intents
    assert any(isinstance(i, FlowFinished) and i.result == "approved" and i.record_id == 42 for i in intents)


def test_countersign_counts_each_approver_once(directory):
    run = submitted(flow(start(), approval("a", users("lina", "zhangwei"), mode="all"), end()), directory)
    lina_task = run.pending()[LINA]
    run.approve(LINA)
    assert run.status == "running"
    err = refused(run, Approve(lina_task, LINA, run.later()), "task_closed")  # the double click
    assert err.detail == "这条待办已处理（已同意），不能重复操作"
    run.approve(ZHANGWEI)
    assert run.status == "approved"
    assert run.kinds().count("approved") == 2


def test_countersign_rejected_by_one(directory):
    run = submitted(flow(start(), approval("a", users("lina", "zhangwei"), mode="all"), end()), directory)
    refused(run, Reject(run.pending()[LINA], LINA, run.later(), "  "), "comment_required")
    intents = run(Reject(run.pending()[LINA], LINA, run.later(), "价格太低"))
    assert run.status == "rejected" and CloseTask(2, "cancelled") in intents
    assert run.instance.task(1).comment == "价格太低"


def test_any_one_decides_for_all(directory):
    run = submitted(flow(start(), approval("a", role("finance"), mode="any"), end()), directory)
    assert set(run.pending()) == {WANGJIANGUO, MAXIAOYAN, HEJING}
    intents = run.approve(HEJING)
    assert run.status == "approved"
    assert {(i.task, i.status) for i in intents if isinstance(i, CloseTask)} == {(3, "approved"), (1, "cancelled"), (2, "cancelled")}


def test_vote_threshold_two_thirds_passes_at_two(directory):
    run = submitted(flow(start(), approval("a", role("finance"), mode="vote", threshold="2/3"), end()), directory)
    run.approve(MAXIAOYAN)
    assert run.status == "running"
    run.approve(HEJING)
    assert run.status == "approved" and run.instance.task(1).status == "cancelled"


def test_vote_fails_once_the_threshold_is_out_of_reach(directory):
    run = submitted(flow(start(), approval("a", role("finance"), mode="vote", threshold="2/3"), end()), directory)
    run(Reject(run.pending()[MAXIAOYAN], MAXIAOYAN, run.later(), "不同意"))
    assert run.status == "running"
    run(Reject(run.pending()[HEJING], HEJING, run.later(), "不同意"))
    assert run.status == "rejected"


def test_parallel_branches_join(directory):
    data = flow(start(), parallel("par", branch("legal", approval("a", users("lina"))),
                                  branch("money", approval("b", users("maxiaoyan")), approval("c", users("hejing")))),
                approval("final", users("zhangwei")), end())
    run = submitted(data, directory)
    assert set(run.pending()) == {LINA, MAXIAOYAN} and run.instance.active_nodes == ["a", "b"]
    run.approve(LINA)
    assert set(run.pending()) == {MAXIAOYAN}
    run.approve(MAXIAOYAN)
    assert set(run.pending()) == {HEJING}
    run.approve(HEJING)
    assert set(run.pending()) == {ZHANGWEI} and run.instance.arrivals == {}
    run.approve(ZHANGWEI)
    assert run.status == "approved"


def test_condition_branches_first_true_in_order_else_default(directory):
    data = flow(start(), condition("amt", branch("big", approval("a", users("zhangwei")), when="amount >= 100"),
                                   branch("mid", approval("b", users("lina")), when="amount >= 10"),
                                   branch("rest", default=True)), end())
    assert set(submitted(data, directory, record={"amount": 500}).pending()) == {ZHANGWEI}
    assert set(submitted(data, directory, record={"amount": 50}).pending()) == {LINA}
    small = submitted(data, directory, record={"amount": 5})
    assert small.status == "approved" and "branch_taken" in small.kinds()
    assert submitted(data, directory, record={}).status == "approved"  # empty amount: no condition holds


def test_cc_and_action_nodes(directory):
    data = flow(start(), approval("a", users("lina")),
                {"id": "copy", "type": "cc", "label": label("抄送财务"), "recipients": [role("finance")]},
                {"id": "mark", "type": "action", "label": label("标记完成"), "set": {"status": "done"}},
                condition("check", branch("done", approval("b", users("zhangwei")), when="status == 'done'"),
                          branch("other", default=True)),
                end())
    run = submitted(data, directory)
    intents = run.approve(LINA)
    assert CarbonCopy("copy", (WANGJIANGUO, MAXIAOYAN, HEJING)) in intents
    assert [i.user_id for i in intents if isinstance(i, Notify) and i.kind == "cc"] == [WANGJIANGUO, MAXIAOYAN, HEJING]
    assert SetFields({"status": "done"}) in intents
    assert set(run.pending()) == {ZHANGWEI}  # the condition saw the value the action set


def test_return_to_the_submitter_and_resubmit(directory):
    run = submitted(flow(start(), approval("a", users("lina")), approval("b", users("zhangwei", "maxiaoyan")), end()), directory)
    run.approve(LINA)
    intents = run(Return(run.pending()[ZHANGWEI], ZHANGWEI, run.later(), comment="请补充附件"))
    assert run.status == "returned" and run.pending() == {}
    assert WriteFlowStatus("returned", "已退回") in intents
    assert Notify(WANGQIANG, "returned", "您提交的测试流程被退回，请修改后重新提交") in intents
    refused(run, Approve(1, LINA, run.later()), "returned")
    run(Submit(WANGQIANG, run.later()))
    assert run.status == "running" and run.instance.round == 2 and set(run.pending()) == {LINA}


def test_return_to_an_earlier_node_re_runs_from_there(directory):
    run = submitted(flow(start(), approval("a", users("lina")), approval("b", users("zhangwei")), end()), directory)
    run.approve(LINA)
    refused(run, Return(run.pending()[ZHANGWEI], ZHANGWEI, run.later(), to="b"), "bad_return_target")
    refused(run, Return(run.pending()[ZHANGWEI], ZHANGWEI, run.later(), to="nope"), "bad_return_target")
    run(Return(run.pending()[ZHANGWEI], ZHANGWEI, run.later(), to="a", comment="金额有误"))
    assert run.status == "running" and set(run.pending()) == {LINA}
    run.approve(LINA)
    run.approve(ZHANGWEI)
    assert run.status == "approved"


def test_return_inside_a_parallel_branch_keeps_the_other_branch(directory):
    data = flow(start(), parallel("par", branch("p1", approval("a", users("lina")), approval("b", users("zhangwei"))),
                                  branch("p2", approval("c", users("maxiaoyan")))), end())
    run = submitted(data, directory)
    run.approve(MAXIAOYAN)  # p2 has arrived at the join
    run.approve(LINA)
    run(Return(run.pending()[ZHANGWEI], ZHANGWEI, run.later(), to="a"))
    assert set(run.pending()) == {LINA} and run.instance.arrivals == {"par.join": ["c"]}
    run.approve(LINA)
    run.approve(ZHANGWEI)
    assert run.status == "approved"


def test_transfer_hands_the_seat_over(directory):
    run = submitted(flow(start(), approval("a", users("lina", "zhangwei"), mode="all"), end()), directory)
    refused(run, Transfer(run.pending()[LINA], LINA, run.later(), to=ZHANGWEI), "already_approver")
    refused(run, Transfer(run.pending()[LINA], LINA, run.later(), to=10), "inactive_user")
    run(Transfer(run.pending()[LINA], LINA, run.later(), to=CHENJING, comment="出差，请陈静代批"))
    assert run.instance.task(1).status == "transferred" and set(run.pending()) == {ZHANGWEI, CHENJING}
    run.approve(CHENJING)
    run.approve(ZHANGWEI)
    assert run.status == "approved"
    assert next(e for e in run.instance.timeline if e.kind == "transferred").detail == {"to": CHENJING}


def test_add_signer_before(directory):
    run = submitted(flow(start(), approval("a", users("zhangwei")), end()), directory)
    run(AddSigner(run.pending()[ZHANGWEI], ZHANGWEI, run.later(), user=LINA, position="before", comment="请主管先看"))
    assert set(run.pending()) == {LINA} and run.instance.task(1).status == "signer_added"
    run.approve(LINA)
    assert set(run.pending()) == {ZHANGWEI} and run.status == "running"
    run.approve(ZHANGWEI)
    assert run.status == "approved"


def test_add_signer_after_in_any_mode(directory):
    run = submitted(flow(start(), approval("a", role("finance"), mode="any"), end()), directory)
    run(AddSigner(run.pending()[HEJING], HEJING, run.later(), user=ZHANGWEI, position="after"))
    assert set(run.pending()) == {ZHANGWEI} and run.status == "running"  # hejing decided for finance
    run(Reject(run.pending()[ZHANGWEI], ZHANGWEI, run.later(), "不同意"))
    assert run.status == "rejected"  # an added signer's no rejects


def test_add_signer_before_in_a_sequence(directory):
    run = submitted(flow(start(), approval("a", users("lina", "zhangwei"), mode="sequential"), end()), directory)
    run.approve(LINA)
    run(AddSigner(run.pending()[ZHANGWEI], ZHANGWEI, run.later(), user=MAXIAOYAN, position="before"))
    assert set(run.pending()) == {MAXIAOYAN}
    run.approve(MAXIAOYAN)
    run.approve(ZHANGWEI)
    assert run.status == "approved"


def test_withdraw_before_anyone_decided(directory):
    run = submitted(flow(start(), approval("a", users("lina", "zhangwei")), end()), directory)
    refused(run, Withdraw(LINA, run.later()), "not_submitter")
    intents = run(Withdraw(WANGQIANG, run.later()))
    assert run.status == "withdrawn" and run.pending() == {}
    assert WriteFlowStatus("withdrawn", "已撤回") in intents
    assert {i.user_id for i in intents if isinstance(i, Notify) and i.kind == "withdrawn"} == {LINA, ZHANGWEI}
    err = refused(run, Approve(1, LINA, run.later()), "withdrawn")
    assert err.detail == "发起人已撤回此审批，无需再处理"


def test_withdraw_refused_after_a_decision(directory):
    run = submitted(flow(start(), approval("a", users("lina", "zhangwei"), mode="sequential"), end()), directory)
    run.approve(LINA)
    err = refused(run, Withdraw(WANGQIANG, run.later()), "already_decided")
    assert "已有审批人处理过，不能撤回" in err.detail


def test_only_the_assignee_may_act(directory):
    run = submitted(flow(start(), approval("a", users("lina")), end()), directory)
    refused(run, Approve(1, ZHAOMIN, run.later()), "not_assignee")
    refused(run, Approve(99, LINA, run.later()), "no_task")


def test_urge_and_comment(directory):
    run = submitted(flow(start(), approval("a", users("lina", "zhangwei")), end()), directory)
    intents = run(Urge(WANGQIANG, run.later()))
    assert {(i.user_id, i.kind) for i in intents} == {(LINA, "urge"), (ZHANGWEI, "urge")}
    refused(run, Urge(LINA, run.later()), "not_submitter")
    intents = run(Comment(LINA, run.later(), "@王建国 请关注", mentions=(WANGJIANGUO,)))
    assert [(i.user_id, i.kind) for i in intents] == [(WANGJIANGUO, "mention")]
    assert run.instance.timeline[-1].comment == "@王建国 请关注"
    refused(run, Comment(LINA, run.later(), " "), "comment_required")


def test_a_blocking_node_refuses_the_submit_and_changes_nothing(directory):
    run = Runner(flow(start(), approval("a", {"source": "user_field", "field": "reviewer"}), end()), directory=directory)
    err = refused(run, Submit(WANGQIANG, T0), "no_approver")
    assert "节点“审批a”找不到审批人" in err.detail and run.status == "draft"


def test_skipped_nodes_pass_and_are_on_the_timeline(directory):
    data = flow(start(), approval("a", users("wangqiang"), submitter_is_approver="skip"),
                approval("b", {"source": "user_field", "field": "reviewer"}, no_approver="skip"), end())
    run = submitted(data, directory)
    assert run.status == "approved"
    assert [(e.kind, e.comment) for e in run.instance.timeline if e.kind == "skipped"] == [
        ("skipped", "发起人即审批人，已自动跳过"), ("skipped", "找不到审批人，已自动跳过")]


def test_delegated_tasks_say_for_whom(directory):
    directory.delegations.append((ZHANGWEI, LINA, T0.date(), T0.date()))
    run = submitted(flow(start(), approval("a", users("zhangwei")), end()), directory)
    [task] = run.instance.pending()
    assert (task.user_id, task.on_behalf_of) == (LINA, ZHANGWEI)
    run.approve(LINA)
    assert run.instance.timeline[-3].detail == {"on_behalf_of": ZHANGWEI}


def test_an_early_end_in_a_branch_rejects(directory):
    data = flow(start(), condition("c", branch("huge", end("refuse", result="rejected"), when="amount > 1000000"),
                                   branch("ok", default=True)), approval("a", users("lina")), end())
    assert submitted(data, directory, record={"amount": 2000000}).status == "rejected"


def script(run: Runner) -> None:
    """Every kind of step once, for the save/restore comparison."""
    run(Submit(WANGQIANG, run.later()))
    run(Transfer(run.pending()[LINA], LINA, run.later(), to=CHENJING))
    run(AddSigner(run.pending()[CHENJING], CHENJING, run.later(), user=ZHAOMIN, position="before"))
    run.approve(ZHAOMIN)
    run.approve(CHENJING)
    run(Return(run.pending()[MAXIAOYAN], MAXIAOYAN, run.later(), to="a"))
    run.approve(LINA)
    run(Comment(ZHANGWEI, run.later(), "看过了"))
    run.approve(MAXIAOYAN)
    run.approve(HEJING)


def test_reloading_between_steps_gives_the_same_result(directory):
    data = flow(start(), approval("a", users("lina")),
                parallel("par", branch("p1", approval("b", users("maxiaoyan"))), branch("p2", approval("c", users("hejing")))),
                end())
    plain, reloaded = Runner(data, directory=directory, roundtrip=False), Runner(data, directory=directory)
    script(plain)
    script(reloaded)
    assert reloaded.instance.model_dump(mode="json") == plain.instance.model_dump(mode="json")
    assert reloaded.log == plain.log
    assert plain.status == "approved"
