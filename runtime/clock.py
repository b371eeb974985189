"""Wall-clock time in the app's timezone, stored naive (the convention for every datetime column)."""
from __future__ import annotations

from datetime import datetime, tzinfo


def now(tz: tzinfo) -> datetime:
    return datetime.now(tz).replace(tzinfo=None, microsecond=0)


def now_precise(tz: tzinfo) -> datetime:
    return datetime.now(tz).replace(tzinfo=None)
