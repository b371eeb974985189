"""Who approves: approver sources resolved against the directory, then the node's rules applied.

Order of rules: resolve every source (inactive users dropped, repeats kept once) → drop the
submitter if the node says so → the no-approver policy → delegation for the day.
Approvers come in groups: a group decides as one (a seat); usually each person is their own group.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .definitions import ApprovalNodeDef
from .directory import Directory
from .errors import FlowError

Resolver = Callable[..., list[int]]
RESOLVERS: dict[str, Resolver] = {}


def resolver(source: str):
    """Register how one kind of approver source finds its users; built-ins register the same way."""
    def add(func: Resolver) -> Resolver:
        RESOLVERS[source] = func
        return func
    return add


@dataclass(frozen=True)
class Assignee:
    """A person a task goes to; `on_behalf_of` is the approver they stand in for (委托)."""

    user_id: int
    on_behalf_of: int | None = None


@dataclass(frozen=True)
class Resolution:
    """Who decides an approval node: groups of assignees, each group deciding as one (one seat).
    No groups means the node passes; `note` explains for the timeline."""

    groups: tuple[tuple[Assignee, ...], ...]
    note: str | None = None

    @property
    def assignees(self) -> tuple[Assignee, ...]:
        return tuple(a for g in self.groups for a in g)


def resolve_groups(sources: Iterable, *, submitter: int, record: Mapping[str, Any],
                   directory: Directory) -> list[list[int]]:
    """The active users the sources name, in order, each once: one group per user, except a role
    with `any_member`, whose members form one group."""
    groups: list[list[int]] = []
    seen: set[int] = set()
    for source in sources:
        found = []
        for uid in RESOLVERS[source.source](source, submitter=submitter, record=record, directory=directory):
            if uid is not None and uid not in seen and directory.is_active(uid):
                seen.add(uid)
                found.append(uid)
        groups += [found] if getattr(source, "any_member", False) and found else [[u] for u in found]
    return groups


def resolve_users(sources: Iterable, *, submitter: int, record: Mapping[str, Any], directory: Directory) -> list[int]:
    """The active users the sources name, in order, each once."""
    return [u for g in resolve_groups(sources, submitter=submitter, record=record, directory=directory) for u in g]


def resolve_approvers(node: ApprovalNodeDef, *, submitter: int, record: Mapping[str, Any], directory: Directory,
                      on: date, record_id: int | None = None) -> Resolution:
    """The node's approvers for this record on this date; raise FlowError when the node blocks."""
    groups = resolve_groups(node.approvers, submitter=submitter, record=record, directory=directory)
    note = None
    if node.submitter_is_approver == "skip" and any(submitter in g for g in groups):
        groups = [kept for g in groups if (kept := [u for u in g if u != submitter])]
        if not groups:
            return Resolution((), "发起人即审批人，已自动跳过")
        note = "发起人即审批人，已跳过发起人"
    if not groups:
        if node.no_approver == "skip":
            return Resolution((), "找不到审批人，已自动跳过")
        admin = directory.user_id(node.admin) if node.admin and node.no_approver == "admin" else None
        if admin is None or not directory.is_active(admin):
            raise FlowError(f"节点“{node.label.zh}”找不到审批人，流程无法继续：请联系管理员在流程中指定审批人，"
                            "或为相关部门设置负责人、为角色添加成员", code="no_approver", record_id=record_id)
        groups, note = [[admin]], "找不到审批人，已转交管理员"
    return Resolution(with_delegates(groups, submitter=submitter, directory=directory, on=on), note)


def with_delegates(groups: Iterable[Iterable[int]], *, submitter: int, directory: Directory,
                   on: date) -> tuple[tuple[Assignee, ...], ...]:
    """Each approver, or the active delegate they set for this date (never the submitter); each person once."""
    out: list[tuple[Assignee, ...]] = []
    taken: set[int] = set()
    for group in groups:
        kept = []
        for uid in group:
            stand_in = directory.delegate(uid, on)
            if stand_in is not None and stand_in not in (uid, submitter) and directory.is_active(stand_in):
                assignee = Assignee(stand_in, on_behalf_of=uid)
            else:
                assignee = Assignee(uid)
            if assignee.user_id not in taken:
                taken.add(assignee.user_id)
                kept.append(assignee)
        if kept:
            out.append(tuple(kept))
    return tuple(out)


def manager_chain(user_id: int, directory: Directory) -> list[int]:
    """The managers above a user, nearest first: each department's manager from the user's own
    department to the top, skipping the user, departments without a manager and repeats."""
    chain: list[int] = []
    seen: set[int] = set()
    dept = directory.department_of(user_id)
    while dept is not None and dept not in seen:
        seen.add(dept)
        manager = directory.department_manager(dept)
        if manager is not None and manager != user_id and manager not in chain:
            chain.append(manager)
        dept = directory.parent_department(dept)
    return chain


def _ids(value: Any) -> list[int]:
    """A link value as ids: an id, a {"id": ...} object, or a list of them."""
    values = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for v in values:
        v = v.get("id") if isinstance(v, dict) else v
        if isinstance(v, int) and not isinstance(v, bool):
            out.append(v)
    return out


@resolver("users")
def _users(source, *, directory: Directory, **_) -> list[int]:
    return [directory.user_id(name) for name in source.users]


@resolver("role")
def _role(source, *, directory: Directory, **_) -> list[int]:
    return list(directory.role_members(source.role))


@resolver("manager")
def _manager(source, *, submitter: int, directory: Directory, **_) -> list[int]:
    chain = manager_chain(submitter, directory)
    if source.role is not None:
        members = set(directory.role_members(source.role))
        chain = [m for m in chain if m in members]
    return chain[source.level - 1:source.level]


@resolver("department_manager")
def _department_manager(source, *, record: Mapping[str, Any], directory: Directory, **_) -> list[int]:
    return [directory.department_manager(d) for d in _ids(record.get(source.field))]


@resolver("user_field")
def _user_field(source, *, record: Mapping[str, Any], **_) -> list[int]:
    return _ids(record.get(source.field))


@resolver("submitter")
def _submitter(source, *, submitter: int, **_) -> list[int]:
    return [submitter]
