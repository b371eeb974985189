"""Background work on a timer, in `formwork serve` and in `formwork worker`: deliver the outbox,
and every job registered later (flow timeouts, scheduled rules).

Every process may run a scheduler; each job claims its items with conditional updates, so an
item is handled once however many processes tick, and an item that fell due while everything
was down is handled at the first tick after.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import Engine

from .clock import now_precise
from .messaging.outbox import deliver_due
from .messaging.smtp import smtp_settings
from .settings import Settings

log = logging.getLogger("formwork.scheduler")
Job = Callable[[Engine, Settings], object]


@dataclass(frozen=True)
class Scheduled:
    name: str
    every: float  # seconds
    run: Job


def deliver_outbox(engine: Engine, settings: Settings) -> object:
    return deliver_due(engine, smtp_settings(settings.smtp_url), lambda: now_precise(settings.timezone))


def default_jobs() -> list[Scheduled]:
    """What every scheduler runs: the outbox, approval timeouts (and later scheduled rules)."""
    from .flows.timeouts import run_due  # flows use the record service, which needs no scheduler
    return [Scheduled("outbox", 5, deliver_outbox), Scheduled("flow_timeouts", 30, run_due)]


class Scheduler:
    """One daemon thread running each job every `job.every` seconds; `stop()` ends it promptly."""

    def __init__(self, engine: Engine, settings: Settings, jobs: list[Scheduled] | None = None, tick: float = 1.0):
        self.engine, self.settings, self.tick = engine, settings, tick
        self.jobs = jobs if jobs is not None else default_jobs()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="formwork-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def run_once(self) -> None:
        for job in self.jobs:
            self._run(job)

    def _run(self, job: Scheduled) -> None:
        try:
            job.run(self.engine, self.settings)
        except Exception:  # noqa: BLE001 — one failing job must not stop the others
            log.exception("scheduled job %s failed", job.name)

    def _loop(self) -> None:
        import time
        due = {job.name: 0.0 for job in self.jobs}
        while not self._stop.is_set():
            clock = time.monotonic()
            for job in list(self.jobs):
                if clock >= due.get(job.name, 0.0):
                    self._run(job)
                    due[job.name] = time.monotonic() + job.every
            self._stop.wait(self.tick)
