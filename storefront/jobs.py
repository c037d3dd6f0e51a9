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
are written as the work goes, on a connection of their own. On SQLite the work holds
the database's only write lock from its first write to its commit, so the stage is
also written to a small file of its own beside the database (``<database>-progress``,
:func:`progress_of` reads it): the page moves while the order is being written.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from contextlib import closing
from datetime import date
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import Engine, update
from sqlalchemy.exc import OperationalError

from catalog.accounts.users import User
from catalog.db import utcnow
from catalog.errors import InsufficientStock, InvalidInput
from catalog.notifications import HeaderTextError
from orders.errors import CheckoutError
from solidarity_baskets import jobs
from solidarity_baskets.errors import BasketError
from solidarity_baskets.models import BasketJob, JobStatus
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


def _progress_file(engine: Engine) -> str | None:
    """SQLite's file for the running jobs' stages (None on other databases)."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}-progress"


def _progress_db(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=5)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS job_progress "
        "(job_id INTEGER PRIMARY KEY, stage TEXT NOT NULL, percent INTEGER NOT NULL)"
    )
    return conn


def _side_write(engine: Engine, job_id: int, stage: str | None, percent: int = 0) -> None:
    """Record (or, with ``stage`` None, forget) a job's stage in the side file."""
    path = _progress_file(engine)
    if path is None:
        return
    try:
        with closing(_progress_db(path)) as conn, conn:
            if stage is None:
                conn.execute("DELETE FROM job_progress WHERE job_id = ?", (job_id,))
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO job_progress (job_id, stage, percent) VALUES (?, ?, ?)",
                    (job_id, stage, percent),
                )
    except sqlite3.Error:
        log.warning("basket job %s: its stage could not be written beside the database", job_id)


def progress_of(job: BasketJob) -> tuple[str, int]:
    """Where a job is: its stage and percentage (on SQLite, from the side file while
    it runs, as the job's row cannot be written during the work's write)."""
    path = _progress_file(db.engine)
    if job.status == JobStatus.RUNNING and path is not None:
        try:
            with closing(_progress_db(path)) as conn:
                row = conn.execute(
                    "SELECT stage, percent FROM job_progress WHERE job_id = ?", (job.id,)
                ).fetchone()
        except sqlite3.Error:
            row = None
        if row is not None and int(row[1]) >= job.percent:
            return str(row[0]), int(row[1])
    return job.stage, job.percent


class _Reporter:
    """Writes a running job's stage on a connection of its own (and, on SQLite, in
    the side file), and stops the work when the organisation cancelled (at a stage
    where nothing is written yet)."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id

    def __call__(self, stage: str, percent: int) -> None:
        engine = db.engine
        sqlite = engine.dialect.name == "sqlite"
        _side_write(engine, self.job_id, stage, percent)
        try:
            with engine.connect() as conn:
                if sqlite:  # never wait for the work's own write lock
                    conn.exec_driver_sql("PRAGMA busy_timeout = 0")
                try:
                    cancel = conn.scalar(
                        update(BasketJob)
                        .where(BasketJob.id == self.job_id)
                        .values(stage=stage, percent=percent)
                        .returning(BasketJob.cancel_requested)
                    )
                    conn.commit()
                finally:
                    if sqlite:
                        conn.exec_driver_sql("PRAGMA busy_timeout = 30000")
        except OperationalError:
            return  # SQLite busy with the work itself: the side file shows the stage
        if cancel and stage in jobs.CANCELLABLE_STAGES:
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
    session.commit()
    job = session.get(BasketJob, job_id)
    assert job is not None
    try:
        jobs.perform(session, job, now=utcnow(), progress=_Reporter(job_id))
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
    _side_write(db.engine, job_id, None)
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


jobs_cli = AppGroup("jobs", help="Background jobs: national basket quotes and confirmations.")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when no job is waiting.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls.")
def worker(burst: bool, interval: float) -> None:
    """Run basket jobs: from Redis (RQ) when REDIS_URL is set, else from the jobs
    table."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
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
