"""The state of one running flow instance: plain, JSON-serialisable, stored by the runtime as is.

`FlowInstance.model_dump(mode="json")` is what the runtime stores; `FlowInstance.model_validate`
restores it. Task ids are numbered per instance; the runtime keys its task rows by (instance, id).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

InstanceStatus = Literal["draft", "running", "returned", "approved", "rejected", "withdrawn"]
TaskStatus = Literal["pending", "approved", "rejected", "returned", "transferred", "signer_added",
                     "escalated", "cancelled", "withdrawn"]
SeatStatus = Literal["waiting", "open", "approved", "rejected"]

# What the record's flow_status column holds, and how users read it.
FLOW_STATUS_LABELS = {"running": "审批中", "returned": "已退回", "approved": "已通过", "rejected": "已驳回",
                      "withdrawn": "已撤回"}
FINISHED = ("approved", "rejected", "withdrawn")


class State(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Assigned(State):
    user_id: int
    on_behalf_of: int | None = None


class Seat(State):
    """One decision an approval node waits for. Its assignees are alternatives: the first to decide
    decides the seat (或签 puts every approver on one seat; 会签 and votes give each their own)."""

    no: int
    kind: Literal["approver", "before", "after"] = "approver"  # added signers (加签) must approve
    assignees: list[Assigned]
    status: SeatStatus = "waiting"
    precedes: int | None = None  # a "before" seat: the seat it must be approved before


class NodeRun(State):
    """An approval node while it waits: its seats in order."""

    node: str
    run: int  # numbers activations, so a node re-run after a return is told apart
    seats: list[Seat]


class Task(State):
    """One person's to-do on one seat; closed once, with the status saying how."""

    id: int
    node: str
    run: int
    seat: int
    user_id: int
    on_behalf_of: int | None = None
    status: TaskStatus = "pending"
    created_at: datetime
    closed_at: datetime | None = None
    comment: str | None = None
    reminded_at: datetime | None = None
    timed_out: bool = False  # the timeout action was taken (or found nobody); never again
    escalated: bool = False  # created by escalation: reminded, never escalated again


class Entry(State):
    """One line of the approval timeline."""

    at: datetime
    kind: str
    round: int
    node: str | None = None
    by: int | None = None  # None: the system
    task: int | None = None
    comment: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class FlowInstance(State):
    """A record's journey through one flow version."""

    flow: str
    version: int
    record_id: int
    submitter: int
    status: InstanceStatus = "draft"
    round: int = 0  # submissions so far; a return to the submitter ends a round
    runs: list[NodeRun] = Field(default_factory=list)
    arrivals: dict[str, list[str]] = Field(default_factory=dict)  # parallel join → branch places arrived
    visited: list[str] = Field(default_factory=list)  # places passed this round, in order
    tasks: list[Task] = Field(default_factory=list)
    timeline: list[Entry] = Field(default_factory=list)
    next_task: int = 1
    next_run: int = 1

    @property
    def active_nodes(self) -> list[str]:
        return [r.node for r in self.runs]

    def task(self, task_id: int) -> Task | None:
        return next((t for t in self.tasks if t.id == task_id), None)

    def pending(self) -> list[Task]:
        return [t for t in self.tasks if t.status == "pending"]

    def run_of(self, task: Task) -> NodeRun | None:
        return next((r for r in self.runs if r.run == task.run), None)
