"""Recurring upkeep (expiring reservations and certificates, sending the outbox, the
daily digests, card payouts) run once per period by whichever job worker of whichever
host finds it due first: each task's next time is a row, and a worker runs the task
only if its conditional UPDATE moved that time on (one UPDATE wins, on SQLite and on
PostgreSQL alike), so two hosts never run the same period twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalog.db import Base

#: the longest outcome kept (a run's summary or its error)
OUTCOME_LENGTH = 300


class ScheduledRun(Base):
    """When a recurring task is next due, and how its last run went."""

    __tablename__ = "catalog_scheduled_run"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    due_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    #: the last run's summary ("3 reservation(s) expired.") or error
    outcome: Mapped[str] = mapped_column(String(OUTCOME_LENGTH), default="")
    failed: Mapped[bool] = mapped_column(default=False)


def claim(session: Session, name: str, every: timedelta, now: datetime) -> bool:
    """Whether this caller is the one to run ``name`` now: True when it was due (or had
    never run) and its next time is now moved to ``now + every``; False when it is not
    due or another worker claimed it first. Commits."""
    moved = session.execute(
        update(ScheduledRun)
        .where(ScheduledRun.name == name, ScheduledRun.due_at <= now)
        .values(due_at=now + every, started_at=now)
        .execution_options(synchronize_session=False)
    )
    claimed = bool(moved.rowcount == 1)  # type: ignore[attr-defined]
    if not claimed and session.get(ScheduledRun, name) is None:
        # its first run: the worker whose row goes in first claims it
        try:
            with session.begin_nested():
                session.add(ScheduledRun(name=name, due_at=now + every, started_at=now))
            claimed = True
        except IntegrityError:
            pass
    session.commit()
    return claimed


def finish(session: Session, name: str, outcome: str, now: datetime, *, failed: bool) -> None:
    """Record how the run of ``name`` claimed last went. Commits."""
    session.execute(
        update(ScheduledRun)
        .where(ScheduledRun.name == name)
        .values(finished_at=now, outcome=outcome[:OUTCOME_LENGTH], failed=failed)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def runs(session: Session) -> dict[str, ScheduledRun]:
    """Every task's row, by name (the console shows them)."""
    return {run.name: run for run in session.scalars(select(ScheduledRun))}
