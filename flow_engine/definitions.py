"""The typed form of an approval flow definition (frozen pydantic models named *Def).

A flow is a tree, as the designer draws it: a list of nodes from start to end, where a condition
or parallel group holds branches that hold node lists of their own. `schema/flow.schema.json` says
the same thing for users and tools; `validate.py` adds the checks that need the form and the graph.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field

from form_engine.definitions import Def, LabelDef

SCHEMA_VERSION = 1
NODE_ID_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
THRESHOLD_PATTERN = r"^\s*(\d+\s*/\s*\d+|\d+(\.\d+)?\s*%)\s*$"

FieldAccess = Literal["hidden", "visible", "editable"]
Mode = Literal["sequential", "all", "any", "vote"]


# --- where approvers (and cc recipients, and escalation targets) come from ---------------------

class UsersSource(Def):
    """Specific users, named by username so a definition travels between installations."""

    source: Literal["users"]
    users: tuple[str, ...] = Field(min_length=1)


class RoleSource(Def):
    """Every active member of a role of the app; with `any_member`, one of them decides for the role
    (so a 会签 node can ask "the director and someone from finance")."""

    source: Literal["role"]
    role: str
    any_member: bool = False


class ManagerSource(Def):
    """The submitter's manager `level` levels up; with `role`, counting only managers holding it."""

    source: Literal["manager"]
    level: int = Field(default=1, ge=1, le=20)
    role: str | None = None


class DepartmentManagerSource(Def):
    """The manager of the department chosen in a department field of the record."""

    source: Literal["department_manager"]
    field: str


class UserFieldSource(Def):
    """The user(s) chosen in a user field of the record (owner_id and created_by count)."""

    source: Literal["user_field"]
    field: str


class SubmitterSource(Def):
    """The submitter, e.g. for a self-check step."""

    source: Literal["submitter"]


ApproverDef = Annotated[
    Union[UsersSource, RoleSource, ManagerSource, DepartmentManagerSource, UserFieldSource, SubmitterSource],
    Field(discriminator="source"),
]


class TimeoutDef(Def):
    """Remind after `remind_after_hours`; after `after_hours`, escalate or decide automatically."""

    remind_after_hours: float | None = Field(default=None, gt=0)
    after_hours: float | None = Field(default=None, gt=0)
    then: Literal["escalate", "approve", "reject"] | None = None
    escalate_to: tuple[ApproverDef, ...] = ()


# --- nodes ----------------------------------------------------------------------------------------

class NodeBase(Def):
    id: str = Field(pattern=NODE_ID_PATTERN)
    label: LabelDef


class StartNodeDef(NodeBase):
    """The submitter fills the record; `fields` limits what they may fill (unlisted: editable)."""

    type: Literal["start"]
    fields: dict[str, FieldAccess] = Field(default_factory=dict)


class ApprovalNodeDef(NodeBase):
    """People decide. Several approvers decide one after another, all, any one, or by vote."""

    type: Literal["approval"]
    approvers: tuple[ApproverDef, ...] = Field(min_length=1)
    mode: Mode = "all"
    threshold: str | None = Field(default=None, pattern=THRESHOLD_PATTERN)  # vote: "2/3" or "60%"
    no_approver: Literal["skip", "admin", "block"] = "block"
    admin: str | None = None  # username, when no_approver is "admin"
    submitter_is_approver: Literal["keep", "skip"] = "keep"
    fields: dict[str, FieldAccess] = Field(default_factory=dict)  # unlisted: visible
    timeout: TimeoutDef | None = None


class CcNodeDef(NodeBase):
    """Notify people (抄送); nobody decides anything."""

    type: Literal["cc"]
    recipients: tuple[ApproverDef, ...] = Field(min_length=1)


class ActionNodeDef(NodeBase):
    """Set fields of the record, e.g. the contract's status when it is approved."""

    type: Literal["action"]
    set: dict[str, Any] = Field(min_length=1)


class EndNodeDef(NodeBase):
    """The flow ends here with `result`; a condition branch may end early (e.g. rejected)."""

    type: Literal["end"]
    result: Literal["approved", "rejected"] = "approved"


class ConditionBranchDef(Def):
    """One branch of a condition group: taken when `when` is true, or the default (其他情况)."""

    id: str = Field(pattern=NODE_ID_PATTERN)
    label: LabelDef
    when: str | None = None
    default: bool = False
    nodes: tuple[NodeDef, ...] = ()


class ConditionNodeDef(NodeBase):
    """Ordered branches: the first whose condition holds is taken, else the default branch."""

    type: Literal["condition"]
    branches: tuple[ConditionBranchDef, ...] = Field(min_length=1)


class ParallelBranchDef(Def):
    id: str = Field(pattern=NODE_ID_PATTERN)
    label: LabelDef
    nodes: tuple[NodeDef, ...] = ()


class ParallelNodeDef(NodeBase):
    """Every branch runs at once; the flow continues when all of them have finished."""

    type: Literal["parallel"]
    branches: tuple[ParallelBranchDef, ...] = Field(min_length=2)


NodeDef = Annotated[
    Union[StartNodeDef, ApprovalNodeDef, ConditionNodeDef, ParallelNodeDef, CcNodeDef, ActionNodeDef, EndNodeDef],
    Field(discriminator="type"),
]
GroupNodeDef = ConditionNodeDef | ParallelNodeDef


class FlowDef(Def):
    """An approval flow bound to one form: the node tree from start to end."""

    schema_version: int = SCHEMA_VERSION
    name: str
    label: LabelDef
    description: LabelDef | None = None
    form: str
    nodes: tuple[NodeDef, ...] = Field(min_length=1)


ConditionBranchDef.model_rebuild()
ParallelBranchDef.model_rebuild()
FlowDef.model_rebuild()
