"""The flow meta-schema and the pydantic models agree on what a flow looks like."""
from __future__ import annotations

import pytest
from flow_helpers import approval, branch, condition, end, flow, label, parallel, role, start, users
from pydantic import ValidationError

from flow_engine.definitions import FlowDef
from flow_engine.metaschema import check_flow_json, flow_schema, parse_flow
from form_engine.errors import DefinitionError


def every_option() -> dict:
    return flow(
        start(fields={"title": "editable", "note": "hidden"}),
        approval("a", users("lina", "zhangwei"), role("finance", any_member=True),
                 {"source": "manager", "level": 2, "role": "sales_director"},
                 {"source": "department_manager", "field": "dept"}, {"source": "user_field", "field": "reviewer"},
                 {"source": "submitter"},
                 mode="vote", threshold="2/3", no_approver="admin", admin="admin", submitter_is_approver="skip",
                 fields={"note": "editable", "amount": "visible"},
                 timeout={"remind_after_hours": 4, "after_hours": 8.5, "then": "escalate",
                          "escalate_to": [users("wangjianguo"), role("general_manager")]}),
        condition("c", branch("x", when="amount >= 1", ), branch("y", default=True)),
        parallel("p", branch("p1", approval("b", users("lina"), mode="sequential")), branch("p2")),
        {"id": "copy", "type": "cc", "label": label("抄送"), "recipients": [role("finance")]},
        {"id": "mark", "type": "action", "label": label("标记"), "set": {"status": "done", "note": "ok"}},
        end(result="approved"),
    ) | {"schema_version": 1, "description": label("说明")}


def test_every_option_passes_both():
    data = every_option()
    assert check_flow_json(data) == []
    parsed = parse_flow(data)
    assert parsed.nodes[1].approvers[1].any_member and parsed.nodes[1].timeout.after_hours == 8.5


@pytest.mark.parametrize("change", [
    lambda d: d["nodes"][1].update(mode="majority"),
    lambda d: d["nodes"][1].update(threshold="two thirds"),
    lambda d: d["nodes"][1].update(approvers=[]),
    lambda d: d["nodes"][1]["approvers"].append({"source": "manager", "level": 0}),
    lambda d: d["nodes"][1]["approvers"].append({"source": "role"}),
    lambda d: d["nodes"][1]["approvers"].append({"source": "users", "users": ["a"], "role": "x"}),
    lambda d: d["nodes"][1].update(fields={"note": "write"}),
    lambda d: d["nodes"][3].update(branches=[d["nodes"][3]["branches"][0]]),
    lambda d: d["nodes"][5].update(set={}),
    lambda d: d["nodes"][6].update(result="maybe"),
    lambda d: d["nodes"][0].update(id="Start"),
    lambda d: d["nodes"].append({"id": "x", "type": "goto", "label": label("跳转")}),
    lambda d: d.update(colour="red"),
])
def test_bad_shapes_are_refused_by_both(change):
    data = every_option()
    change(data)
    assert check_flow_json(data)
    with pytest.raises(ValidationError):
        FlowDef.model_validate(data)
    with pytest.raises(DefinitionError):
        parse_flow(data)


def test_the_schema_is_draft_2020_12_and_names_its_id():
    schema = flow_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://formwork.dev/schema/flow.schema.json"
