"""The recurring upkeep the job workers run (``flask jobs worker``), so that no host
needs a cron: what runs, how often. Each task runs once per period across every
worker of every host (:mod:`catalog.schedule`); each also stays a command to run by
hand (``flask orders expire-reservations`` ...)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from flask_babel import lazy_gettext as _l

from catalog import schedule
from catalog.db import utcnow
from storefront.cli import send_outbox
from storefront.coop.commands import expire_lapsed_certificates
from storefront.extensions import db
from storefront.orders.commands import (
    expire_due_reservations,
    pay_connect_transfers,
    send_digests,
    transfers_configured,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Task:
    name: str
    #: what the operator's console calls it
    label: str
    every: timedelta
    #: runs in an application context; returns what it did, in a sentence
    run: Callable[[], str]
    #: whether the task applies to this installation (card payouts need Stripe)
    wanted: Callable[[], bool] = lambda: True


TASKS = (
    Task(
        "send-outbox",
        _l("Sending e-mails and text messages"),
        timedelta(seconds=30),
        send_outbox,
    ),
    Task(
        "expire-reservations",
        _l("Releasing the stock of unpaid orders"),
        timedelta(minutes=1),
        expire_due_reservations,
    ),
    # yesterday's digests: the first run after midnight sends them, later ones find
    # them sent
    Task(
        "organisation-digests",
        _l("Organisations' daily summaries"),
        timedelta(hours=1),
        send_digests,
    ),
    Task(
        "expire-certificates",
        _l("Expiring certificates, and reminders before they expire"),
        timedelta(hours=6),
        expire_lapsed_certificates,
    ),
    Task(
        "connect-transfers",
        _l("Card payouts to cooperatives"),
        timedelta(hours=1),
        pay_connect_transfers,
        transfers_configured,
    ),
)

#: no task started for this long: the job worker is not running (the outbox alone is
#: due every 30 s)
STALLED_AFTER = timedelta(minutes=5)


def run_due(now: datetime | None = None) -> dict[str, str]:
    """Run every task due at ``now`` that no other worker claimed first (inside an
    application context); what each run did, by task. A task that fails is recorded
    and logged, and the others still run."""
    now = now or utcnow()
    done: dict[str, str] = {}
    for task in TASKS:
        if not task.wanted() or not schedule.claim(db.session, task.name, task.every, now):
            continue
        try:
            outcome, failed = task.run(), False
        except Exception as exc:  # one task's failure must not stop the others
            db.session.rollback()
            log.exception("scheduled task %s failed", task.name)
            outcome, failed = f"{type(exc).__name__}: {exc}", True
        schedule.finish(db.session, task.name, outcome, utcnow(), failed=failed)
        done[task.name] = outcome
    return done


@dataclass(frozen=True, slots=True)
class Upkeep:
    """The recurring upkeep as the operator's console shows it."""

    #: each task of this installation, with its row (None: never run)
    tasks: list[tuple[Task, schedule.ScheduledRun | None]]
    #: no task started within :data:`STALLED_AFTER` (or ever)
    stalled: bool


def upkeep(now: datetime) -> Upkeep:
    runs = schedule.runs(db.session)
    tasks = [(task, runs.get(task.name)) for task in TASKS if task.wanted()]
    started = [run.started_at for _task, run in tasks if run is not None and run.started_at]
    return Upkeep(tasks, stalled=not started or now - max(started) > STALLED_AFTER)


class Scheduler:
    """Looks for due tasks every ``interval`` seconds: in a daemon thread of the job
    worker (:meth:`start`), or in the calling thread (:meth:`run`)."""

    def __init__(self, app: Flask, interval: float = 15.0) -> None:
        self.app = app
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name="scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                with self.app.app_context():
                    run_due()
            except Exception:  # a database hiccup: try again at the next look
                log.exception("scheduled tasks could not be run")
            self._stop.wait(self.interval)
