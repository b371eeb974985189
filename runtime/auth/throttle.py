"""Login throttling: how long a user must wait after failed sign-ins, and when the account locks.

Pure functions over the counters kept on fw_user (failed_logins, last_failed_at, locked_until),
so the policy is the same for every way of signing in and is tested without a clock.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

FREE_FAILURES = 3  # failures allowed before waiting starts
MAX_WAIT_SECONDS = 60
LOCK_AFTER = 10
LOCK_MINUTES = 15

TOO_FREQUENT = "尝试过于频繁，请 {n} 秒后再试"
LOCKED = f"登录失败次数过多，账号已锁定，请 {LOCK_MINUTES} 分钟后再试或联系管理员重置密码"


@dataclass(frozen=True)
class Counters:
    """A user's failed-login state as stored."""

    failed_logins: int
    last_failed_at: datetime | None
    locked_until: datetime | None


def wait_seconds(failures: int) -> int:
    """The wait after `failures` consecutive failures: 1 s after the 3rd, doubling, at most a minute."""
    if failures < FREE_FAILURES:
        return 0
    return min(2 ** (failures - FREE_FAILURES), MAX_WAIT_SECONDS)


def failures_so_far(c: Counters) -> int:
    """Consecutive failures that still count: a lock that has run out starts the count afresh."""
    return 0 if c.locked_until is not None else c.failed_logins


def refusal(c: Counters, now: datetime) -> str | None:
    """Why an attempt is refused before its password is checked, or None when it may be checked."""
    if c.locked_until is not None and c.locked_until > now:
        return LOCKED
    failures = failures_so_far(c)
    wait = wait_seconds(failures)
    if wait and c.last_failed_at is not None:
        left = (c.last_failed_at + timedelta(seconds=wait) - now).total_seconds()
        if left > 0:
            return TOO_FREQUENT.format(n=max(1, math.ceil(left)))
    return None


def after_failure(c: Counters, now: datetime) -> dict:
    """The fw_user values to store after a wrong password."""
    failures = failures_so_far(c) + 1
    locked = now + timedelta(minutes=LOCK_MINUTES) if failures >= LOCK_AFTER else None
    return {"failed_logins": failures, "last_failed_at": now, "locked_until": locked}


AFTER_SUCCESS = {"failed_logins": 0, "last_failed_at": None, "locked_until": None}
