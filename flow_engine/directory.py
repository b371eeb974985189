"""What the flow engine needs to know about people; the runtime implements it over its fw_ tables."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol


class Directory(Protocol):
    """Read-only lookups of users, roles and departments, all by id except usernames in definitions."""

    def user_id(self, username: str) -> int | None:
        """The id of the active user with this username, or None."""

    def is_active(self, user_id: int) -> bool:
        """Whether the user exists and may still act (not disabled)."""

    def role_members(self, role: str) -> Sequence[int]:
        """The active members of a role of this app, in a stable order (by id)."""

    def department_of(self, user_id: int) -> int | None:
        """The user's department."""

    def parent_department(self, department_id: int) -> int | None:
        """The department above this one, or None at the top."""

    def department_manager(self, department_id: int) -> int | None:
        """The department's manager (负责人), or None."""

    def delegate(self, user_id: int, on: date) -> int | None:
        """Who takes `user_id`'s new tasks on this date (委托), or None."""
