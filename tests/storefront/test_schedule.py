"""The job worker runs the recurring upkeep that a cron used to: reservations expire,
the outbox goes out, once per period however many workers run."""

import time
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from catalog.db import utcnow
from catalog.notifications import OutboxMessage
from catalog.schedule import ScheduledRun
from orders.status import OrderStatus
from storefront import schedule
from tests.storefront.backoffice import login, operator


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


def test_a_worker_with_nothing_to_run_is_refused(runner) -> None:
    result = runner.invoke(args=["jobs", "worker", "--no-schedule", "--no-jobs"])
    assert result.exit_code == 2 and "Nothing to run" in result.output


def test_a_failing_task_is_recorded_and_the_others_still_run(app, session, monkeypatch) -> None:
    def broken() -> str:
        raise RuntimeError("the SMTP server refused the login")

    monkeypatch.setattr(
        schedule,
        "TASKS",
        (
            replace(schedule.TASKS[0], run=broken),
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


def _upkeep(client, lang: str) -> str:  # noqa: ANN001
    client.set_cookie("lang", lang)
    page = client.get("/admin/").get_data(as_text=True)
    return page[page.index('id="upkeep"') : page.index("</section>", page.index('id="upkeep"'))]


@pytest.mark.translated
def test_the_console_says_when_the_upkeep_stopped_and_how_each_task_went(
    client, session, runner, monkeypatch
) -> None:
    boss = operator(session)
    session.commit()
    login(client, boss)
    never = _upkeep(client, "en")
    assert "The job worker is not running" in never
    assert never.count("Never") == 4, "card payouts are not listed without Stripe"

    runner.invoke(args=["jobs", "worker", "--burst", "--no-jobs"])
    ran = _upkeep(client, "en")
    assert "not running" not in ran and "Never" not in ran
    assert ran.count(">Done<") == 4
    for lang, said in (
        ("fr", "Libération du stock des commandes impayées"),
        ("ar", "تحرير مخزون الطلبات غير المدفوعة"),
    ):
        panel = _upkeep(client, lang)
        assert said in panel
        # task names, outcomes and times as stored never reach the operator
        for raw in ("expire-reservations", "send-outbox", "reservation(s)", "+00:00", "None"):
            assert raw not in panel, (lang, raw)

    # the worker stopped an hour ago; its last outbox run failed
    an_hour_ago = utcnow() - timedelta(hours=1)
    session.execute(update(ScheduledRun).values(started_at=an_hour_ago))
    session.execute(
        update(ScheduledRun).where(ScheduledRun.name == "send-outbox").values(failed=True)
    )
    session.commit()
    stalled = _upkeep(client, "en")
    assert "The job worker is not running" in stalled
    assert stalled.count("Failed: the server log says why") == 1
