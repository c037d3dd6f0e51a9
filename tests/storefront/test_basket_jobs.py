"""Large basket orders are quoted and confirmed in the background: the organisation
follows a progress page, then lands on its quote or order; a job that stops says
why, on its page and in the operator's list. Run by the embedded runner (the jobs
table, as ``make run`` and ``flask jobs worker`` without Redis) and by RQ on a real
Redis server."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import pytest
from sqlalchemy import func, select

from catalog.db import utcnow
from catalog.notifications import OutboxMessage
from orders.models import Order
from solidarity_baskets.models import (
    BasketJob,
    BasketOrder,
    BasketQuote,
    JobStatus,
    PackingWave,
    QuoteStatus,
)
from storefront import jobs as runner
from storefront.job_progress import SideFileStore
from storefront.sharing import KEY
from tests.baskets import basket_world, order_form, organisation
from tests.redis_server import redis_db, redis_url  # noqa: F401 (fixtures)
from tests.storefront.backoffice import login, operator

pytestmark = pytest.mark.usefixtures("english_pages")


@pytest.fixture
def world(session, make, app):
    app.config.update(JOBS_RUNNER="worker", BASKET_JOB_MIN_BASKETS=50)
    found = basket_world(session, make)
    session.commit()
    return found


def _run_jobs(app) -> int:
    with app.app_context():
        return runner.run_queued()


def _job(session) -> BasketJob:
    session.expire_all()
    job = session.scalar(select(BasketJob).order_by(BasketJob.id.desc()))
    assert job is not None
    return job


def _quote_in_background(client, world, session, app) -> BasketQuote:
    login(client, world.member)
    response = client.post("/ngo/orders/new", data=order_form(world))
    job = _job(session)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/ngo/jobs/{job.id}")
    waiting = client.get(f"/ngo/jobs/{job.id}").get_data(as_text=True)
    assert "Waiting to start" in waiting and "100 baskets" in waiting
    assert 'http-equiv="refresh"' in waiting
    assert "queued" not in waiting  # words, never the stored state
    assert session.scalar(select(func.count(BasketQuote.id))) == 0
    assert _run_jobs(app) == 1
    job = _job(session)
    assert job.status == JobStatus.DONE and job.percent == 100
    done = client.get(f"/ngo/jobs/{job.id}")
    assert done.headers["Location"].endswith(f"/ngo/quotes/{job.quote_id}")
    quote = session.get(BasketQuote, job.quote_id)
    assert quote is not None and quote.baskets == 100
    return quote


def test_a_large_quote_and_its_confirmation_run_as_jobs(client, world, session, app):
    quote = _quote_in_background(client, world, session, app)
    page = client.get(f"/ngo/quotes/{quote.id}").get_data(as_text=True)
    assert f"Quote {quote.id}" in page
    response = client.post(
        f"/ngo/quotes/{quote.id}/confirm", data={"payment_method": "bank_transfer"}
    )
    job = _job(session)
    assert response.headers["Location"].endswith(f"/ngo/jobs/{job.id}")
    assert session.scalar(select(func.count(Order.id))) == 0  # nothing in the request
    assert _run_jobs(app) == 1
    job = _job(session)
    assert job.status == JobStatus.DONE
    basket_order = session.get(BasketOrder, job.basket_order_id)
    assert basket_order is not None and basket_order.quote_id == quote.id
    assert session.scalar(select(func.count(PackingWave.id))) >= 2
    assert session.get(BasketQuote, quote.id).status == QuoteStatus.CONFIRMED
    landing = client.get(f"/ngo/jobs/{job.id}")
    assert landing.headers["Location"].endswith(f"/ngo/orders/{basket_order.id}")
    order_page = client.get(landing.headers["Location"]).get_data(as_text=True)
    assert basket_order.order.number in order_page and "is placed" in order_page
    mails = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "basket_job")).all()
    assert len(mails) == 2  # the quote, then the order
    assert all("/ngo/jobs/" in m.body_text for m in mails)
    assert {m.to for m in mails} == {world.member.email}


def test_a_job_that_stops_says_why_and_the_operator_can_run_it_again(client, world, session, app):
    quote = _quote_in_background(client, world, session, app)
    for _unused in range(2):  # the second confirmation finds the quote confirmed
        client.post(f"/ngo/quotes/{quote.id}/confirm", data={"payment_method": "bank_transfer"})
    assert _run_jobs(app) == 2
    job = _job(session)
    assert job.status == JobStatus.FAILED and job.error_code == "quote_not_open"
    assert session.scalar(select(func.count(Order.id))) == 1
    page = client.get(f"/ngo/jobs/{job.id}").get_data(as_text=True)
    assert "Stopped" in page
    assert "This quote was already confirmed or replaced by a newer one." in page
    assert "quote_not_open" not in page and "failed" not in page
    assert 'http-equiv="refresh"' not in page
    client.post("/account/logout")
    desk_user = operator(session)
    session.commit()
    login(client, desk_user)
    desk = client.get("/admin/basket-jobs").get_data(as_text=True)
    assert world.organisation.name in desk
    assert "This quote was already confirmed or replaced by a newer one." in desk
    response = client.post(f"/admin/basket-jobs/{job.id}/retry")
    assert response.status_code == 302
    assert _job(session).status == JobStatus.QUEUED
    assert _run_jobs(app) == 1
    assert _job(session).status == JobStatus.FAILED  # still confirmed: still refused


def test_a_queued_job_can_be_cancelled_and_then_never_runs(client, world, session, app):
    login(client, world.member)
    client.post("/ngo/orders/new", data=order_form(world))
    job = _job(session)
    response = client.post(f"/ngo/jobs/{job.id}/cancel")
    assert response.status_code == 302
    assert _job(session).status == JobStatus.CANCELLED
    assert _run_jobs(app) == 0
    page = client.get(f"/ngo/jobs/{job.id}").get_data(as_text=True)
    assert "Cancelled" in page and "nothing was saved" in page
    assert "you will get an e-mail" not in page, "a stopped job promises nothing more"
    assert session.scalar(select(func.count(BasketQuote.id))) == 0


def _elsewhere(call, *args):
    """A request made while a job runs, from a thread of its own as a browser's is:
    with its own application context and database session, not the runner's."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call, *args).result()


def _on_each_stage(monkeypatch, look) -> None:
    """Call ``look(stage)`` just after the running job reports each stage."""
    report = runner._Reporter.__call__

    def and_look(self, stage: str, percent: int) -> None:
        report(self, stage, percent)
        look(stage)

    monkeypatch.setattr(runner._Reporter, "__call__", and_look)


def test_a_running_job_stops_at_its_next_stage_when_cancelled(
    client, world, session, app, monkeypatch
):
    login(client, world.member)
    client.post("/ngo/orders/new", data=order_form(world))
    job_id = _job(session).id
    answers: list[str] = []

    def cancel_while_reading(stage: str) -> None:
        if stage == "reading_supply":
            page = _elsewhere(client.get, f"/ngo/jobs/{job_id}").get_data(as_text=True)
            assert "Reading what rural cooperatives can supply by the date" in page
            _elsewhere(client.post, f"/ngo/jobs/{job_id}/cancel")
            answers.append(_elsewhere(client.get, f"/ngo/jobs/{job_id}").get_data(as_text=True))

    _on_each_stage(monkeypatch, cancel_while_reading)
    assert _run_jobs(app) == 1
    assert "Cancelling: nothing of this job will be saved." in answers[0]
    job = _job(session)
    assert job.status == JobStatus.CANCELLED
    assert session.scalar(select(func.count(BasketQuote.id))) == 0


def test_a_cancel_accepted_before_the_order_is_written_is_kept(
    client, world, session, app, monkeypatch
):
    """Asked while the confirmation still checks the supply, the job stops, even
    though its next stage is placing the order: nothing is committed before the end."""
    quote = _quote_in_background(client, world, session, app)
    client.post(f"/ngo/quotes/{quote.id}/confirm", data={"payment_method": "bank_transfer"})
    job_id = _job(session).id
    answers: list[str] = []

    def cancel_while_checking(stage: str) -> None:
        if stage == "checking_supply":
            _elsewhere(client.post, f"/ngo/jobs/{job_id}/cancel")
            answers.append(_elsewhere(client.get, f"/ngo/jobs/{job_id}").get_data(as_text=True))

    _on_each_stage(monkeypatch, cancel_while_checking)
    assert _run_jobs(app) == 1
    assert "Cancelling: nothing of this job will be saved." in answers[0]
    assert _job(session).status == JobStatus.CANCELLED
    assert session.scalar(select(func.count(Order.id))) == 0
    assert session.get(BasketQuote, quote.id).status == QuoteStatus.OPEN


def test_another_organisation_cannot_see_or_cancel_a_job(client, world, session, app):
    login(client, world.member)
    client.post("/ngo/orders/new", data=order_form(world))
    job = _job(session)
    client.post("/account/logout")
    _other, other_member = organisation(session, name="Autre association", email="m2@example.ma")
    session.commit()
    login(client, other_member)
    assert client.get(f"/ngo/jobs/{job.id}").status_code == 404
    assert client.post(f"/ngo/jobs/{job.id}/cancel").status_code == 404
    assert _job(session).status == JobStatus.QUEUED


def test_small_orders_are_still_quoted_in_the_request(client, world, session, app):
    app.config["BASKET_JOB_MIN_BASKETS"] = 1_000
    login(client, world.member)
    response = client.post("/ngo/orders/new", data=order_form(world))
    quote = session.scalar(select(BasketQuote))
    assert response.headers["Location"].endswith(f"/ngo/quotes/{quote.id}")
    assert session.scalar(select(func.count(BasketJob.id))) == 0


def test_a_request_with_a_bad_field_is_refused_before_any_job(client, world, session, app):
    login(client, world.member)
    response = client.post(
        "/ngo/orders/new", data=order_form(world, deliver_by=utcnow().date().isoformat())
    )
    assert response.status_code == 200
    assert "Choose a date from" in response.get_data(as_text=True)
    assert session.scalar(select(func.count(BasketJob.id))) == 0


# -- RQ on a real Redis server -------------------------------------------------------------
def test_with_redis_jobs_go_through_rq_and_its_worker(client, world, session, app, redis_db):  # noqa: F811
    from redis import Redis
    from rq import Queue, SimpleWorker

    app.config.update(JOBS_RUNNER="")
    app.extensions[KEY] = Redis.from_url(redis_db)
    app.config["REDIS_URL"] = redis_db
    connection = Redis.from_url(redis_db)
    queue = Queue(runner.QUEUE, connection=connection)
    login(client, world.member)
    client.post("/ngo/orders/new", data=order_form(world))
    job = _job(session)
    assert job.status == JobStatus.QUEUED
    assert queue.count == 1
    with app.app_context():
        assert runner.run_queued(limit=0) == 0  # the table is not polled with RQ
        SimpleWorker([queue], connection=connection).work(burst=True)
    job = _job(session)
    assert job.status == JobStatus.DONE
    assert session.get(BasketQuote, job.quote_id) is not None
    assert queue.count == 0


def test_the_worker_command_runs_the_waiting_jobs(client, world, session, app, runner_cli):
    login(client, world.member)
    client.post("/ngo/orders/new", data=order_form(world))
    result = runner_cli.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert "1 job(s) run." in result.output
    assert _job(session).status == JobStatus.DONE


@pytest.fixture
def runner_cli(app):
    return app.test_cli_runner()


def test_the_progress_page_moves_while_the_order_is_being_written(
    client, world, session, app, monkeypatch
):
    """On SQLite the confirmation holds the database's write lock from placing the
    order to its commit; the page still shows each stage as it comes."""
    if session.bind.dialect.name != "sqlite":
        pytest.skip("the write lock held through the confirmation is SQLite's")
    quote = _quote_in_background(client, world, session, app)
    client.post(f"/ngo/quotes/{quote.id}/confirm", data={"payment_method": "bank_transfer"})
    job_id = _job(session).id
    seen: list[tuple[str, str]] = []
    _on_each_stage(
        monkeypatch,
        lambda stage: seen.append(
            (stage, _elsewhere(client.get, f"/ngo/jobs/{job_id}").get_data(as_text=True))
        ),
    )
    assert _run_jobs(app) == 1
    assert _job(session).status == JobStatus.DONE
    stages = [stage for stage, _page in seen]
    assert stages[-2:] == ["recording_allocation", "packing"]
    writing, packing = seen[-2][1], seen[-1][1]
    assert "Recording what goes to each distribution point" in writing
    assert 'value="70"' in writing
    assert "Writing the packing waves and basket manifests" in packing
    assert 'value="85"' in packing and "Cancel" not in packing


def test_cancel_while_the_order_is_written_reads_the_stage_the_page_shows(
    client, world, session, app, monkeypatch
):
    """On SQLite, while the confirmation holds the write lock, the cancel button is
    answered at once from the same stage as the page (packing: too late), even when
    another writer made an earlier stage miss the job's row."""
    if session.bind.dialect.name != "sqlite":
        pytest.skip("the write lock held through the confirmation is SQLite's")
    quote = _quote_in_background(client, world, session, app)
    client.post(f"/ngo/quotes/{quote.id}/confirm", data={"payment_method": "bank_transfer"})
    job_id = _job(session).id
    database = session.bind.url.database
    answers: list[str] = []
    report = runner._Reporter.__call__

    def busy_then_cancel(self, stage: str, percent: int) -> None:
        if stage == "placing_order":  # a checkout is being written at that moment
            with closing(sqlite3.connect(database, isolation_level=None)) as other:
                other.execute("BEGIN IMMEDIATE")
                report(self, stage, percent)
                other.execute("ROLLBACK")
            return
        report(self, stage, percent)
        if stage == "packing":
            page = _elsewhere(client.get, f"/ngo/jobs/{job_id}").get_data(as_text=True)
            assert "Writing the packing waves and basket manifests" in page
            assert "Cancel" not in page
            _elsewhere(client.post, f"/ngo/jobs/{job_id}/cancel")
            answers.append(_elsewhere(client.get, f"/ngo/jobs/{job_id}").get_data(as_text=True))

    monkeypatch.setattr(runner._Reporter, "__call__", busy_then_cancel)
    assert _run_jobs(app) == 1
    assert "This job can no longer be cancelled" in answers[0]
    job = _job(session)
    assert job.status == JobStatus.DONE and not job.cancel_requested
    assert session.scalar(select(func.count(Order.id))) == 1


def test_the_progress_side_file_is_made_again_when_it_was_removed(tmp_path) -> None:
    """SQLite's progress file is made once per process, and again when it went away
    meanwhile: a report after that is kept, not lost to a missing table."""
    path = tmp_path / "shop.db-progress"
    store = SideFileStore(str(path))
    job = BasketJob(id=7, status=JobStatus.RUNNING, stage="queued", percent=0)
    store.start(7)
    store.report(7, "solving", 40)
    assert store.where(job) == ("solving", 40)
    path.unlink()
    for leftover in tmp_path.glob("shop.db-progress-*"):
        leftover.unlink()
    store.report(7, "placing_order", 60)  # lost: the table went with the file
    store.report(7, "packing", 85)
    assert store.where(job) == ("packing", 85)
