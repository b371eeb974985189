"""flow_engine's Directory over the fw_ tables: users, their departments and managers, role members,
delegations. One per action, in the action's transaction; lookups are cached for its duration."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache

from sqlalchemy import Connection, and_, select

from form_engine.errors import FormworkError

from .. import systables

u, d, r, g = systables.user, systables.department, systables.user_role, systables.delegation


class DbDirectory:
    def __init__(self, conn: Connection, app: str):
        self.conn, self.app = conn, app
        self.user_id = cache(self.user_id)
        self.is_active = cache(self.is_active)
        self.role_members = cache(self.role_members)
        self.department_of = cache(self.department_of)
        self.parent_department = cache(self.parent_department)
        self.department_manager = cache(self.department_manager)
        self.delegate = cache(self.delegate)

    def user_id(self, username: str) -> int | None:
        return self.conn.execute(select(u.c.id).where(u.c.username == username, u.c.is_active.is_(True))).scalar()

    def is_active(self, user_id: int) -> bool:
        return bool(self.conn.execute(select(u.c.is_active).where(u.c.id == user_id)).scalar())

    def role_members(self, role: str) -> Sequence[int]:
        rows = self.conn.execute(select(r.c.user_id).join(u, u.c.id == r.c.user_id)
                                 .where(r.c.app == self.app, r.c.role == role, u.c.is_active.is_(True))
                                 .order_by(r.c.user_id).distinct())
        return tuple(x for (x,) in rows)

    def department_of(self, user_id: int) -> int | None:
        return self.conn.execute(select(u.c.department_id).where(u.c.id == user_id)).scalar()

    def parent_department(self, department_id: int) -> int | None:
        return self.conn.execute(select(d.c.parent_id).where(d.c.id == department_id)).scalar()

    def department_manager(self, department_id: int) -> int | None:
        return self.conn.execute(select(d.c.manager_id).where(d.c.id == department_id)).scalar()

    def delegate(self, user_id: int, on: date) -> int | None:
        found = self.conn.execute(select(g.c.delegate_id).join(u, u.c.id == g.c.delegate_id).where(
            g.c.user_id == user_id, and_(g.c.starts_on <= on, g.c.ends_on >= on), u.c.is_active.is_(True))).scalar()
        return found

    def names(self, ids) -> dict[int, str]:
        """Full names for display, one query."""
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        return dict(self.conn.execute(select(u.c.id, u.c.full_name).where(u.c.id.in_(wanted))).all())


def active_user(conn: Connection, user_id: int | None, what: str) -> int:
    """`user_id` if it names an active user; else a clear error asking for one (`what`: 转交给谁…)."""
    if not user_id:
        raise FormworkError(f"请选择{what}")
    found = conn.execute(select(u.c.id).where(u.c.id == user_id, u.c.is_active.is_(True))).scalar()
    if found is None:
        raise FormworkError("选择的用户不存在或已停用")
    return found

