""""Who would approve this record": the designer's preview, by running the flow on a copy with everyone agreeing."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .compiled import CompiledFlow
from .directory import Directory
from .events import Approve, Submit
from .machine import handle, new_instance


def preview(flow: CompiledFlow, *, record: Mapping[str, Any], submitter: int, directory: Directory,
            at: datetime) -> list[tuple[str, list[int]]]:
    """(node id, approver ids) in the order the nodes would ask, if every approver approved.
    Raises FlowError as submitting would (e.g. a node that blocks for want of an approver)."""
    instance = new_instance(flow, record_id=0, submitter=submitter)
    instance, _ = handle(flow, instance, Submit(submitter, at), record=record, directory=directory)
    while instance.status == "running" and instance.pending():
        task = instance.pending()[0]
        instance, _ = handle(flow, instance, Approve(task.id, task.user_id, at), record=record, directory=directory)
    return [(e.node, e.detail["approvers"]) for e in instance.timeline if e.kind == "node_started"]
