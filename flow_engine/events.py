"""What happens to an instance (events in) and what the runtime must do about it (intents out)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal


# --- events: one per user action, plus the scheduler's tick ---------------------------------------

@dataclass(frozen=True)
class Submit:
    by: int
    at: datetime


@dataclass(frozen=True)
class Approve:
    task: int
    by: int
    at: datetime
    comment: str = ""


@dataclass(frozen=True)
class Reject:
    task: int
    by: int
    at: datetime
    comment: str = ""  # required


@dataclass(frozen=True)
class Return:
    """Send back to the submitter (`to` None) or to an earlier approval node, which runs again."""

    task: int
    by: int
    at: datetime
    to: str | None = None
    comment: str = ""


@dataclass(frozen=True)
class Transfer:
    task: int
    by: int
    at: datetime
    to: int
    comment: str = ""


@dataclass(frozen=True)
class AddSigner:
    """加签: `user` decides before the actor (who decides after them) or after the actor approves."""

    task: int
    by: int
    at: datetime
    user: int
    position: Literal["before", "after"]
    comment: str = ""


@dataclass(frozen=True)
class Withdraw:
    by: int
    at: datetime
    comment: str = ""


@dataclass(frozen=True)
class Urge:
    by: int
    at: datetime


@dataclass(frozen=True)
class Comment:
    by: int
    at: datetime
    text: str
    mentions: tuple[int, ...] = ()


@dataclass(frozen=True)
class Tick:
    """The scheduler's clock: take every timeout due at `at` (idempotent)."""

    at: datetime


Event = Submit | Approve | Reject | Return | Transfer | AddSigner | Withdraw | Urge | Comment | Tick


# --- intents: the runtime executes them in the same transaction as saving the state ---------------

@dataclass(frozen=True)
class CreateTask:
    task: int
    node: str
    user_id: int
    on_behalf_of: int | None
    created_at: datetime


@dataclass(frozen=True)
class CloseTask:
    task: int
    status: str


NotifyKind = Literal["task", "result", "urge", "remind", "cc", "mention", "returned", "withdrawn", "transferred"]


@dataclass(frozen=True)
class Notify:
    user_id: int
    kind: NotifyKind
    message: str
    task: int | None = None


@dataclass(frozen=True)
class CarbonCopy:
    """Record a cc (抄送) for the users' "cc'd to me" list; a Notify goes with it."""

    node: str
    user_ids: tuple[int, ...]


@dataclass(frozen=True)
class SetFields:
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WriteFlowStatus:
    status: str  # running, returned, approved, rejected, withdrawn
    label: str  # 审批中, 已退回, 已通过, 已驳回, 已撤回


@dataclass(frozen=True)
class FlowFinished:
    """The typed event rules subscribe to."""

    flow: str
    version: int
    record_id: int
    result: str  # approved, rejected, withdrawn
    at: datetime


Intent = CreateTask | CloseTask | Notify | CarbonCopy | SetFields | WriteFlowStatus | FlowFinished
