"""Recurring upkeep runs once per period, whichever worker of whichever host looks."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from catalog import schedule

NOON = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def test_a_task_is_claimed_once_per_period_by_one_of_several_workers(session, engine) -> None:
    with Session(engine) as other_host:
        assert schedule.claim(session, "expire-reservations", MINUTE, NOON)
        assert not schedule.claim(other_host, "expire-reservations", MINUTE, NOON)
        assert not schedule.claim(session, "expire-reservations", MINUTE, NOON + MINUTE / 2)
        assert schedule.claim(other_host, "expire-reservations", MINUTE, NOON + MINUTE)
        assert not schedule.claim(session, "expire-reservations", MINUTE, NOON + MINUTE)
        # each task has its own period
        assert schedule.claim(other_host, "send-outbox", MINUTE, NOON + MINUTE)


def test_a_finished_run_keeps_its_outcome_and_next_time(session) -> None:
    assert schedule.claim(session, "send-outbox", MINUTE, NOON)
    schedule.finish(session, "send-outbox", "x" * 400, NOON + timedelta(seconds=2), failed=True)
    session.expire_all()
    run = session.get(schedule.ScheduledRun, "send-outbox")
    assert (run.name, run.due_at, run.started_at) == ("send-outbox", NOON + MINUTE, NOON)
    assert run.failed and run.finished_at == NOON + timedelta(seconds=2)
    assert run.outcome == "x" * schedule.OUTCOME_LENGTH


def test_two_workers_racing_for_a_first_run_claim_it_once(session, engine, is_postgres) -> None:
    """Both find no row; the other host's goes in between this one's look and its insert
    (on PostgreSQL: on SQLite the first UPDATE holds the write lock until the commit)."""
    if not is_postgres:
        pytest.skip("SQLite lets one writer in at a time")
    with Session(engine) as other_host:

        def other_host_first(*_: object) -> None:
            assert schedule.claim(other_host, "send-digests", MINUTE, NOON)

        event.listen(session, "before_flush", other_host_first, once=True)
        assert not schedule.claim(session, "send-digests", MINUTE, NOON)
        # the loser's session goes on and the winner's time stands
        assert session.get(schedule.ScheduledRun, "send-digests").due_at == NOON + MINUTE
        assert not schedule.claim(session, "send-digests", MINUTE, NOON + MINUTE / 2)
        assert schedule.claim(session, "send-digests", MINUTE, NOON + MINUTE)
