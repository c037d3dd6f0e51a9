"""Quotes and confirmations run in the background: a national order takes longer than
a web request may.

::

    job = submit_quote(session, request, created_by_id=user.id, now=now)   # queued
    # the caller commits, then hands ``job.id`` to a runner; the runner:
    if claim(session, job.id, now=now):            # queued -> running (commit)
        perform(session, job, now=now, progress=report)   # the work, then commit
    # or, on a library error: rollback, then fail(session, job.id, exc.code, ...)

:func:`perform` runs the same use cases as the pages (:func:`service.quote_baskets`,
:func:`service.requote`, :func:`service.confirm_basket_order`) and records on the job
what they produced, in the same transaction as the work: a job is done exactly when
its quote or order is there. ``progress`` is told each stage; it may raise
:class:`Cancelled` to stop the work before anything is committed.

Where a running job is, and whether its organisation asked it to stop, is kept by a
:class:`ProgressStore`, one per database: the runner reports to it, the progress page
reads it and :func:`cancel` asks it, so all three see the same stage.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog.accounts.users import User
from solidarity_baskets import service, snapshot
from solidarity_baskets.errors import BasketError
from solidarity_baskets.models import (
    BasketJob,
    BasketQuote,
    JobKind,
    JobStatus,
)
from solidarity_baskets.request import BasketRequest

#: stages in which the organisation may still stop a job (nothing has been written
#: yet); the job stops at its next stage, whatever it is, and rolls everything back
CANCELLABLE_STAGES = frozenset({"", "reading_supply", "solving", "checking_supply", "comparing"})


class Cancelled(Exception):
    """The organisation cancelled the job: the runner rolls the work back."""


class ProgressStore(Protocol):
    """Where running jobs are, and which ones their organisation asked to stop."""

    def start(self, job_id: int) -> None:
        """The job was claimed: it is at its start, not asked to stop."""
        ...

    def report(self, job_id: int, stage: str, percent: int) -> bool:
        """Record that the job reached ``stage``; whether it was asked to stop."""
        ...

    def where(self, job: BasketJob) -> tuple[str, int]:
        """The job's stage and percentage."""
        ...

    def ask_to_stop(self, session: Session, job: BasketJob) -> bool:
        """Ask a running job to stop if it is at one of the :data:`CANCELLABLE_STAGES`
        (one step: the job cannot move on in between); False when it is not."""
        ...

    def forget(self, job_id: int) -> None:
        """The job is over: drop what the store kept of it."""
        ...


def _new(
    session: Session,
    *,
    organisation_id: int,
    kind: JobKind,
    payload: dict[str, Any],
    baskets: int,
    created_by_id: int | None,
    quote_id: int | None,
    now: datetime,
) -> BasketJob:
    job = BasketJob(
        organisation_id=organisation_id,
        created_by_id=created_by_id,
        kind=kind,
        status=JobStatus.QUEUED,
        stage="",
        percent=0,
        payload=payload,
        baskets=baskets,
        quote_id=quote_id,
        error_data={},
        created_at=now,
    )
    session.add(job)
    session.flush()
    return job


def submit_quote(
    session: Session,
    request: BasketRequest,
    *,
    created_by_id: int | None,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> BasketJob:
    """Queue a quote of ``request`` (checked when it runs, like a quote made at once).
    ``extra`` is kept in the payload for the runner (say, the link for the e-mail)."""
    return _new(
        session,
        organisation_id=request.organisation_id,
        kind=JobKind.QUOTE,
        payload={"request": snapshot.request_data(request), **(extra or {})},
        baskets=sum(d.baskets for d in request.destinations),
        created_by_id=created_by_id,
        quote_id=None,
        now=now,
    )


def submit_requote(
    session: Session,
    quote: BasketQuote,
    changes: dict[str, Any],
    *,
    created_by_id: int | None,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> BasketJob:
    """Queue a new quote of ``quote``'s request with ``changes`` (the keyword
    arguments of :func:`service.requote`)."""
    stored = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in changes.items()}
    return _new(
        session,
        organisation_id=quote.organisation_id,
        kind=JobKind.REQUOTE,
        payload={"changes": stored, **(extra or {})},
        baskets=quote.baskets,
        created_by_id=created_by_id,
        quote_id=quote.id,
        now=now,
    )


def submit_confirm(
    session: Session,
    quote: BasketQuote,
    *,
    payment_method: str,
    created_by_id: int | None,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> BasketJob:
    """Queue the confirmation of ``quote``."""
    return _new(
        session,
        organisation_id=quote.organisation_id,
        kind=JobKind.CONFIRM,
        payload={"payment_method": payment_method, **(extra or {})},
        baskets=quote.baskets,
        created_by_id=created_by_id,
        quote_id=quote.id,
        now=now,
    )


def claim(session: Session, job_id: int, *, now: datetime) -> bool:
    """Take a queued job (one conditional UPDATE: two workers never both run it).
    False when it is not queued any more (taken, cancelled). Flushes."""
    result = session.execute(
        update(BasketJob)
        .where(BasketJob.id == job_id, BasketJob.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, started_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def next_queued(session: Session) -> int | None:
    """The oldest queued job's id."""
    return session.scalar(
        select(BasketJob.id)
        .where(BasketJob.status == JobStatus.QUEUED)
        .order_by(BasketJob.id)
        .limit(1)
    )


def perform(
    session: Session,
    job: BasketJob,
    *,
    now: datetime,
    progress: service.Progress = service.no_progress,
) -> None:
    """Do a claimed job's work and mark it done (flushes; the caller commits both
    together).

    :raises Cancelled: from ``progress``.
    :raises BasketError, catalog.errors.InvalidInput, orders.errors.CheckoutError,
        catalog.errors.InsufficientStock: as the use case does; the caller rolls back
        and calls :func:`fail`.
    """
    user = session.get(User, job.created_by_id) if job.created_by_id is not None else None
    if job.kind == JobKind.QUOTE:
        request = snapshot.request(job.payload["request"])
        quote = service.quote_baskets(
            session, request, today=now.date(), now=now, progress=progress
        )
        job.quote_id = quote.id
    else:
        source = session.get(BasketQuote, job.quote_id) if job.quote_id is not None else None
        if source is None or source.organisation_id != job.organisation_id:
            raise BasketError("quote_not_open", status="missing")
        if job.kind == JobKind.REQUOTE:
            changes = dict(job.payload["changes"])
            if "deliver_by" in changes:
                changes["deliver_by"] = date.fromisoformat(changes["deliver_by"])
            fresh = service.requote(
                session,
                source,
                today=now.date(),
                now=now,
                created_by_id=job.created_by_id,
                progress=progress,
                **changes,
            )
            job.quote_id = fresh.id
        else:
            result = service.confirm_basket_order(
                session,
                source,
                now=now,
                payment_method=job.payload["payment_method"],
                user=user,
                progress=progress,
            )
            if isinstance(result, service.Requoted):
                job.quote_id = result.quote.id
            else:
                job.basket_order_id = result.basket_order.id
    job.status = JobStatus.DONE
    job.stage = ""
    job.percent = 100
    job.finished_at = now
    session.flush()


def fail(
    session: Session,
    job_id: int,
    code: str,
    data: dict[str, Any],
    *,
    now: datetime,
    cancelled: bool = False,
) -> BasketJob | None:
    """Record why a job stopped (after the caller rolled its work back). Flushes."""
    job = session.get(BasketJob, job_id)
    if job is None:
        return None
    job.status = JobStatus.CANCELLED if cancelled else JobStatus.FAILED
    job.error_code = code
    job.error_data = data
    job.finished_at = now
    session.flush()
    return job


def cancel(session: Session, job: BasketJob, *, now: datetime, store: ProgressStore) -> bool:
    """Cancel a queued job at once, or ask a running one to stop through ``store`` (it
    does at its next stage, if nothing has been written yet). False when it is too
    late. Flushes."""
    if job.status == JobStatus.QUEUED:
        job.status = JobStatus.CANCELLED
        job.error_code = "cancelled"
        job.finished_at = now
    elif job.status != JobStatus.RUNNING or not store.ask_to_stop(session, job):
        return False
    session.flush()
    return True


def job_for(session: Session, organisation_id: int, job_id: int) -> BasketJob | None:
    """The organisation's job, else None (show a 404)."""
    return session.scalar(
        select(BasketJob).where(
            BasketJob.id == job_id, BasketJob.organisation_id == organisation_id
        )
    )


def jobs_with_status(
    session: Session, status: JobStatus, *, limit: int = 50, offset: int = 0
) -> list[BasketJob]:
    """Jobs in ``status``, newest first (the operator's list of failed jobs)."""
    return list(
        session.scalars(
            select(BasketJob)
            .where(BasketJob.status == status)
            .order_by(BasketJob.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def retry(session: Session, job: BasketJob) -> bool:
    """Queue a failed job again (the operator fixed what made it fail). Flushes."""
    if job.status != JobStatus.FAILED:
        return False
    job.status = JobStatus.QUEUED
    job.stage, job.percent = "", 0
    job.error_code, job.error_data = "", {}
    job.started_at = job.finished_at = None
    session.flush()
    return True
