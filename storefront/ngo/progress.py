"""Quotes and confirmations of large orders run as background jobs
(:mod:`storefront.jobs`); the organisation follows them on ``/ngo/jobs/<id>``: where
the job is, in words, then the quote or the order it made, or why it stopped."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from catalog.db import utcnow
from orders.status import PaymentMethod
from solidarity_baskets import jobs
from solidarity_baskets.models import BasketJob, BasketQuote, JobKind, JobStatus
from solidarity_baskets.request import BasketRequest
from storefront import job_progress
from storefront import jobs as runner
from storefront.auth import organisation_required
from storefront.extensions import db
from storefront.ngo.forms import ActionForm
from storefront.ngo.messages import message
from storefront.ngo.views import bp, placed
from storefront.orders.paying import start_card_payment
from storefront.tenancy import of_organisation_or_404

KINDS = {
    JobKind.QUOTE: _l("Quote"),
    JobKind.REQUOTE: _l("New quote with a fix"),
    JobKind.CONFIRM: _l("Confirmation of the order"),
}
STATUSES = {
    JobStatus.QUEUED: _l("Waiting to start"),
    JobStatus.RUNNING: _l("In progress"),
    JobStatus.DONE: _l("Done"),
    JobStatus.FAILED: _l("Stopped"),
    JobStatus.CANCELLED: _l("Cancelled"),
}
STAGES = {
    "": _l("Starting"),
    "reading_supply": _l("Reading what rural cooperatives can supply by the date"),
    "checking_supply": _l("Checking that stock and prices have not moved since the quote"),
    "solving": _l("Choosing the cooperatives: cost, then fairness"),
    "comparing": _l("Comparing fairness levels"),
    "storing": _l("Saving the quote"),
    "placing_order": _l("Placing the purchase orders and reserving stock"),
    "recording_allocation": _l("Recording what goes to each distribution point"),
    "packing": _l("Writing the packing waves and basket manifests"),
}
REASONS = {
    "cancelled": _l("You cancelled it: nothing was saved."),
    "invalid_request": _l("The request has a problem:"),
    "order_refused": _l("The order could not be placed:"),
    "internal_error": _l(
        "Something went wrong on our side. The operator has been told; try again later."
    ),
}


def reason_lines(job: BasketJob) -> list[str]:
    """Why a job stopped, as sentences in the reader's language."""
    code, data = job.error_code, job.error_data or {}
    if code in ("invalid_request", "order_refused"):
        return [str(REASONS[code])] + [message(c, d) for c, d in data.get("problems", [])]
    if code in REASONS:
        return [str(REASONS[code])]
    return [message(code, data)]


def _start(job: BasketJob) -> Response:
    """Commit the queued job, hand it to the runner, and show its progress."""
    page = url_for("ngo.job_detail", job_id=job.id)
    job.payload = {**job.payload, "page": url_for("ngo.job_detail", job_id=job.id, _external=True)}
    db.session.commit()
    runner.start(job.id)
    return redirect(page)


def quote_in_background(request_: BasketRequest) -> Response:
    job = jobs.submit_quote(db.session, request_, created_by_id=current_user.id, now=utcnow())
    return _start(job)


def requote_in_background(quote: BasketQuote, changes: dict[str, Any]) -> Response:
    job = jobs.submit_requote(
        db.session, quote, changes, created_by_id=current_user.id, now=utcnow()
    )
    return _start(job)


def confirm_in_background(quote: BasketQuote, payment_method: str) -> Response:
    job = jobs.submit_confirm(
        db.session,
        quote,
        payment_method=payment_method,
        created_by_id=current_user.id,
        now=utcnow(),
    )
    return _start(job)


_own_job = partial(of_organisation_or_404, jobs.job_for)


@bp.get("/jobs/<int:job_id>")
@organisation_required
def job_detail(job_id: int) -> Response | str:
    job = _own_job(job_id)
    if job.status == JobStatus.DONE:
        if job.basket_order is not None:
            order = job.basket_order.order
            if order.payment_method == PaymentMethod.CARD and order.paid_at is None:
                return render_template(
                    "ngo/job.html", job=job, pay=ActionForm(formdata=None), **_texts(job)
                )
            return placed(job.basket_order)
        if job.quote_id is not None:
            if job.kind == JobKind.CONFIRM:  # supply moved: the new quote to review
                flash(message("quote_changed"), "info")
            return redirect(url_for("ngo.quote_detail", quote_id=job.quote_id))
    stage, percent = job_progress.store(db.engine).where(job)
    return render_template(
        "ngo/job.html",
        job=job,
        percent=percent,
        cancel=ActionForm(formdata=None),
        can_cancel=job.status == JobStatus.QUEUED
        or (job.status == JobStatus.RUNNING and stage in jobs.CANCELLABLE_STAGES),
        reasons=reason_lines(job) if job.status in (JobStatus.FAILED, JobStatus.CANCELLED) else [],
        **_texts(job, stage),
    )


def _texts(job: BasketJob, stage: str = "") -> dict[str, str]:
    return {
        "kind_text": str(KINDS[job.kind]),
        "status_text": str(STATUSES[job.status]),
        "stage_text": str(STAGES.get(stage, STAGES[""])),
    }


@bp.post("/jobs/<int:job_id>/cancel")
@organisation_required
def job_cancel(job_id: int) -> Response:
    job = _own_job(job_id)
    store = job_progress.store(db.engine)
    if ActionForm().validate_on_submit() and jobs.cancel(
        db.session, job, now=utcnow(), store=store
    ):
        db.session.commit()
        flash(_("Cancelling: nothing of this job will be saved."), "info")
    else:
        db.session.rollback()
        flash(_("This job can no longer be cancelled: it is already writing its result."), "error")
    return redirect(url_for("ngo.job_detail", job_id=job.id))


@bp.post("/jobs/<int:job_id>/pay")
@organisation_required
def job_pay(job_id: int) -> Response:
    job = _own_job(job_id)
    if not ActionForm().validate_on_submit() or job.basket_order is None:
        abort(404)
    return start_card_payment(job.basket_order.order)
