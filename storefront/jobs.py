"""Running the solidarity-basket jobs (:mod:`solidarity_baskets.jobs`) off the web
request.

Where a job runs (``JOBS_RUNNER``, else chosen from the configuration):

* ``rq`` — when ``REDIS_URL`` is set (``TAAWUN_REDIS_URL``): the job id goes onto the
  RQ queue ``taawun-baskets`` on Redis, and ``flask --app storefront jobs worker`` (one
  or more, on any host with the same configuration) runs it.
* ``thread`` — the default, for ``make run``: a thread of the web process runs the job
  at once; nothing else to start.
* ``worker`` — jobs wait in their table; ``flask --app storefront jobs worker`` polls it.

Whatever runs it, :func:`perform` does the work: it claims the queued job (so a job
runs once, even if two runners see it), runs it in one transaction with its "done"
mark, and on a refusal (a shortfall, a changed price, stock taken) rolls back and
records the reason for the organisation's progress page. The stage and percentage
go to the database's progress store as the work goes (:mod:`storefront.job_progress`:
the job's row, or on SQLite a small file beside the database, as the work holds the
write lock): the page moves, and the organisation can stop the job, while the order
is being written.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import date
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from catalog.accounts.users import User
from catalog.db import utcnow
from catalog.errors import InsufficientStock, InvalidInput
from catalog.notifications import HeaderTextError
from orders.errors import CheckoutError
from solidarity_baskets import jobs
from solidarity_baskets.errors import BasketError
from solidarity_baskets.jobs import ProgressStore
from solidarity_baskets.models import BasketJob, JobStatus
from storefront import job_progress
from storefront.extensions import db
from storefront.sharing import redis_of

QUEUE = "taawun-baskets"
#: quotes and confirmations of at least this many baskets run as jobs
DEFAULT_MIN_BASKETS = 20_000
log = logging.getLogger(__name__)


def runner(app: Flask) -> str:
    explicit = str(app.config.get("JOBS_RUNNER") or "")
    if explicit in ("rq", "thread", "worker"):
        return explicit
    return "rq" if app.config.get("REDIS_URL") else "thread"


def in_background(app: Flask, baskets: int) -> bool:
    """Whether work on ``baskets`` baskets goes to a job rather than the request."""
    return baskets >= int(app.config.get("BASKET_JOB_MIN_BASKETS", DEFAULT_MIN_BASKETS))


def _queue(app: Flask, *, blocking: bool = False) -> Any:
    """The RQ queue on the app's Redis (:mod:`storefront.sharing`); a worker, which
    waits on the queue for long, gets a connection of its own without a read timeout."""
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(str(app.config["REDIS_URL"])) if blocking else redis_of(app)
    return Queue(QUEUE, connection=connection)


def start(job_id: int) -> None:
    """Hand a committed, queued job to the runner."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    mode = runner(app)
    if mode == "rq":
        _queue(app).enqueue(
            "storefront.jobs.perform",
            job_id,
            job_timeout=int(app.config.get("JOBS_TIMEOUT_S", 3600)),
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
        )
    elif mode == "thread":
        threading.Thread(
            target=_in_app, args=(app, job_id), name=f"basket-job-{job_id}", daemon=True
        ).start()


def _in_app(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            perform(job_id)
        finally:
            db.session.remove()  # type: ignore[attr-defined]


class _Reporter:
    """Tells the database's progress store (:mod:`storefront.job_progress`) each stage
    of a running job, and stops the work when the organisation asked it to (the
    runner rolls it all back)."""

    def __init__(self, store: ProgressStore, job_id: int) -> None:
        self.store = store
        self.job_id = job_id

    def __call__(self, stage: str, percent: int) -> None:
        if self.store.report(self.job_id, stage, percent):
            raise jobs.Cancelled


def _json_safe(data: Any) -> Any:
    if isinstance(data, dict):
        return {str(k): _json_safe(v) for k, v in data.items()}
    if isinstance(data, list | tuple | set):
        return [_json_safe(v) for v in data]
    if isinstance(data, date):
        return data.isoformat()
    if data is None or isinstance(data, bool | int | float | str):
        return data
    return str(data)


def _reason(exc: Exception) -> tuple[str, dict[str, Any]]:
    """The code and data a failed job keeps (shown with :mod:`storefront.ngo.messages`)."""
    if isinstance(exc, BasketError):
        return exc.code, _json_safe(exc.data)
    if isinstance(exc, InvalidInput):
        return "invalid_request", {"problems": [[p.code, _json_safe(p.data)] for p in exc.problems]}
    if isinstance(exc, CheckoutError):
        return "order_refused", {"problems": [[p.code, _json_safe(p.data)] for p in exc.problems]}
    if isinstance(exc, InsufficientStock):
        return "insufficient_stock", {}
    return "internal_error", {"error": type(exc).__name__}


def perform(job_id: int) -> str:
    """Run job ``job_id`` if it is still queued (in an application context); its
    final status."""
    session = db.session
    if not jobs.claim(session, job_id, now=utcnow()):
        session.rollback()
        job = session.get(BasketJob, job_id)
        return str(job.status) if job is not None else "missing"
    # the store has the job at its start before anyone sees it running: a cancel at
    # once finds it there
    store = job_progress.store(db.engine)
    store.start(job_id)
    session.commit()
    job = session.get(BasketJob, job_id)
    assert job is not None
    try:
        jobs.perform(session, job, now=utcnow(), progress=_Reporter(store, job_id))
        _tell(job)
        session.commit()
    except jobs.Cancelled:
        session.rollback()
        jobs.fail(session, job_id, "cancelled", {}, now=utcnow(), cancelled=True)
        session.commit()
    except Exception as exc:  # every failure is recorded for the organisation and operator
        session.rollback()
        code, data = _reason(exc)
        if code == "internal_error":
            log.exception("basket job %s failed", job_id)
        failed = jobs.fail(session, job_id, code, data, now=utcnow())
        if failed is not None:
            _tell(failed)
        session.commit()
    store.forget(job_id)
    job = session.get(BasketJob, job_id)
    return str(job.status) if job is not None else "missing"


def _tell(job: BasketJob) -> None:
    """E-mail the person who started the job that it finished (with its page)."""
    page = str(job.payload.get("page") or "")
    user = db.session.get(User, job.created_by_id) if job.created_by_id else None
    if not page or user is None or not user.email:
        return
    from storefront.mailer import queue_mail

    try:
        queue_mail(
            user.email,
            "basket_job_finished",
            language=user.language or "fr",
            topic="basket_job",
            done=job.status == JobStatus.DONE,
            kind=str(job.kind),
            link=page,
        )
    except HeaderTextError:
        log.warning("basket job %s: no mail to a malformed address", job.id)


def run_queued(*, limit: int | None = None) -> int:
    """Run the jobs waiting in the table, oldest first (the embedded worker's
    loop body); how many ran."""
    ran = 0
    while limit is None or ran < limit:
        job_id = jobs.next_queued(db.session)
        db.session.rollback()
        if job_id is None:
            break
        perform(job_id)
        ran += 1
    return ran


jobs_cli = AppGroup(
    "jobs", help="Background jobs: national basket quotes and confirmations, recurring upkeep."
)


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when no job is waiting.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls.")
@click.option(
    "--schedule/--no-schedule",
    default=True,
    show_default=True,
    help="Run the recurring upkeep (storefront.schedule) when it is due.",
)
@click.option(
    "--jobs/--no-jobs",
    default=True,
    show_default=True,
    help="Run basket jobs (--no-jobs: the recurring upkeep only, as `make run` does).",
)
def worker(burst: bool, interval: float, schedule: bool, jobs: bool) -> None:
    """Run basket jobs: from Redis (RQ) when REDIS_URL is set, else from the jobs
    table; and the recurring upkeep, once per period across every worker."""
    from storefront.schedule import Scheduler, run_due

    if not (schedule or jobs):
        raise click.UsageError("Nothing to run: --no-schedule and --no-jobs.")
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if schedule and burst:
        for name, outcome in run_due().items():
            click.echo(f"{name}: {outcome}")
    elif schedule and not jobs:
        click.echo("Running the recurring upkeep.")
        Scheduler(app).run()
    elif schedule:
        Scheduler(app).start()
    if not jobs:
        return
    if runner(app) == "rq":
        from rq import SimpleWorker

        queue = _queue(app, blocking=True)
        click.echo(f"Working on the RQ queue {QUEUE}.")
        # no fork: the job runs in this process, inside this application context
        SimpleWorker([queue], connection=queue.connection).work(burst=burst)
        return
    click.echo("Working on the jobs table.")
    while True:
        ran = run_queued()
        if burst:
            click.echo(f"{ran} job(s) run.")
            return
        if not ran:
            time.sleep(interval)
