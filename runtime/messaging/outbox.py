"""The outbox: slow work (email) written in the same transaction as the change that caused it,
delivered after commit by whichever process claims it first, retried with growing waits.

A claim is a conditional UPDATE that sets a lease: two workers (threads or processes, SQLite
or PostgreSQL) never deliver the same message, and a worker that dies mid-way only delays its
messages until the lease runs out.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import Connection, Engine, and_, or_, select, update

from .. import systables
from ..database import write
from .smtp import SmtpSettings, build_message, send

log = logging.getLogger("formwork.outbox")
RETRY_WAITS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
               timedelta(hours=12))  # then the message is marked failed
LEASE = timedelta(minutes=5)
o = systables.outbox


def enqueue_email(conn: Connection, *, to: str, subject: str, body: str, now: datetime) -> None:
    """Queue one email in the caller's transaction: it goes out only if that transaction commits."""
    payload = json.dumps({"to": to, "subject": subject, "body": body}, ensure_ascii=False)
    conn.execute(o.insert().values(kind="email", payload=payload, status="pending", attempts=0,
                                   next_attempt_at=now, created_at=now))


@dataclass
class Delivery:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def claim(engine: Engine, now: datetime, limit: int = 20) -> list[tuple[int, int, dict]]:
    """Take up to `limit` due messages for this worker: (id, attempt number, payload)."""
    due = and_(o.c.status == "pending", o.c.next_attempt_at <= now, or_(o.c.lease_until.is_(None), o.c.lease_until < now))
    with write(engine) as conn:
        ids = select(o.c.id).where(due).order_by(o.c.id).limit(limit)
        if conn.dialect.name == "postgresql":
            ids = ids.with_for_update(skip_locked=True)
        rows = conn.execute(update(o).where(o.c.id.in_(ids.scalar_subquery()), due)
                            .values(lease_until=now + LEASE, attempts=o.c.attempts + 1)
                            .returning(o.c.id, o.c.attempts, o.c.payload)).all()
    return [(r.id, r.attempts, json.loads(r.payload)) for r in sorted(rows)]


def deliver_due(engine: Engine, smtp: SmtpSettings | None, now: Callable[[], datetime], limit: int = 20) -> Delivery:
    """Send what is due. Without SMTP settings email waits in the outbox (nothing is lost)."""
    report = Delivery()
    if smtp is None:
        return report
    for message_id, attempt, payload in claim(engine, now(), limit):
        try:
            send(smtp, build_message(smtp, payload["to"], payload["subject"], payload["body"]))
        except Exception as exc:  # noqa: BLE001 — any failure is recorded and retried
            error = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("email %s to %s failed (attempt %s): %s", message_id, payload["to"], attempt, error)
            final = attempt > len(RETRY_WAITS)
            wait = RETRY_WAITS[min(attempt, len(RETRY_WAITS)) - 1]
            with write(engine) as conn:
                conn.execute(update(o).where(o.c.id == message_id).values(
                    status="failed" if final else "pending", last_error=error, lease_until=None,
                    next_attempt_at=now() + wait))
            report.failed += final
            report.retrying += not final
            continue
        with write(engine) as conn:
            conn.execute(update(o).where(o.c.id == message_id).values(status="sent", sent_at=now(), lease_until=None,
                                                                      last_error=None))
        report.sent += 1
    return report
