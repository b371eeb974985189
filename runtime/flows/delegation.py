"""委托: while a user is away, their new approval tasks go to someone else, saying for whom."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, select

from form_engine.errors import FormworkError

from .. import systables
from .directory import active_user

g_, u_ = systables.delegation, systables.user


def set_delegation(conn: Connection, user_id: int, delegate: int | None, starts: date | None = None,
                   ends: date | None = None, *, now: datetime) -> dict | None:
    """`user_id`'s delegate for a date range (None clears it): new tasks go to them and say for whom."""
    conn.execute(g_.delete().where(g_.c.user_id == user_id))
    if delegate is None:
        return None
    if delegate == user_id:
        raise FormworkError("不能委托给自己")
    active_user(conn, delegate, "委托给谁")
    if starts is None or ends is None:
        raise FormworkError("请填写委托的开始和结束日期")
    if ends < starts:
        raise FormworkError("结束日期不能早于开始日期")
    conn.execute(g_.insert().values(user_id=user_id, delegate_id=delegate, starts_on=starts, ends_on=ends,
                                    updated_at=now))
    return delegation(conn, user_id)


def delegation(conn: Connection, user_id: int) -> dict | None:
    row = conn.execute(select(g_.c.delegate_id, g_.c.starts_on, g_.c.ends_on, u_.c.full_name)
                       .join(u_, u_.c.id == g_.c.delegate_id).where(g_.c.user_id == user_id)).first()
    if row is None:
        return None
    return {"delegate": {"id": row.delegate_id, "name": row.full_name}, "starts": row.starts_on.isoformat(),
            "ends": row.ends_on.isoformat()}
