"""The job worker runs the recurring upkeep that a cron used to: reservations expire,
the outbox goes out, once per period however many workers run."""

import time
from datetime import timedelta

from sqlalchemy import select

from catalog.db import utcnow
from catalog.notifications import OutboxMessage
from catalog.schedule import ScheduledRun
from orders.status import OrderStatus
from storefront import schedule


def test_the_worker_expires_a_lapsed_reservation_once(runner, session, make) -> None:
    order = make.order(method="card", now=utcnow() - timedelta(hours=3))
    session.commit()
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert "expire-reservations: 1 reservation(s) expired." in result.output
    assert "send-outbox: " in result.output
    session.expire_all()
    assert order.status == OrderStatus.EXPIRED
    assert session.scalar(select(OutboxMessage).where(OutboxMessage.topic.like("%expired")))
    # another worker looking now finds nothing due
    again = runner.invoke(args=["jobs", "worker", "--burst"])
    assert "expire-reservations" not in again.output and "0 job(s) run." in again.output
    # card payouts only where Stripe is configured
    assert "connect-transfers" not in result.output


def test_without_the_schedule_the_worker_runs_only_jobs(runner, session, make) -> None:
    make.order(method="card", now=utcnow() - timedelta(hours=3))
    session.commit()
    result = runner.invoke(args=["jobs", "worker", "--burst", "--no-schedule"])
    assert result.output == "Working on the jobs table.\n0 job(s) run.\n"
    assert session.scalar(select(ScheduledRun)) is None


def test_a_failing_task_is_recorded_and_the_others_still_run(app, session, monkeypatch) -> None:
    def broken() -> str:
        raise RuntimeError("the SMTP server refused the login")

    monkeypatch.setattr(
        schedule,
        "TASKS",
        (
            schedule.Task("send-outbox", timedelta(seconds=30), broken),
            *schedule.TASKS[1:],
        ),
    )
    with app.app_context():
        done = schedule.run_due()
    assert done["send-outbox"] == "RuntimeError: the SMTP server refused the login"
    assert done["expire-reservations"] == "0 reservation(s) expired."
    failed = session.get(ScheduledRun, "send-outbox")
    assert failed.failed and failed.finished_at is not None
    assert not session.get(ScheduledRun, "expire-reservations").failed


def test_a_running_worker_looks_for_due_upkeep_on_its_own(app, session, make) -> None:
    order = make.order(method="card", now=utcnow() - timedelta(hours=3))
    session.commit()
    scheduler = schedule.Scheduler(app, interval=0.05)
    scheduler.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            session.expire_all()
            if order.status == OrderStatus.EXPIRED:
                break
            time.sleep(0.05)
    finally:
        scheduler.stop()
    assert order.status == OrderStatus.EXPIRED
    assert session.get(ScheduledRun, "expire-reservations").outcome == ("1 reservation(s) expired.")
