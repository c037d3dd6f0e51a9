"""The operator's view of basket jobs that stopped (``/admin/basket-jobs``): which
organisation, what, why; a job stopped by something since fixed is run again."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from solidarity_baskets import jobs
from solidarity_baskets.models import BasketJob, JobStatus
from storefront import jobs as runner
from storefront.admin.views import bp
from storefront.auth import operator_required
from storefront.coop.forms import ActionForm
from storefront.extensions import db
from storefront.ngo.progress import KINDS, STATUSES, reason_lines
from storefront.paging import offset, page_count, page_number

PER_PAGE = 50


@bp.get("/basket-jobs")
@operator_required
def basket_jobs() -> str:
    page = page_number()
    failed = jobs.jobs_with_status(
        db.session, JobStatus.FAILED, limit=PER_PAGE, offset=offset(page, PER_PAGE)
    )
    counts = dict(
        db.session.execute(select(BasketJob.status, func.count()).group_by(BasketJob.status)).all()
    )
    return render_template(
        "admin/basket_jobs.html",
        failed=[(job, str(KINDS[job.kind]), reason_lines(job)) for job in failed],
        counts=[(str(STATUSES[s]), counts.get(s, 0)) for s in JobStatus],
        pages=page_count(counts.get(JobStatus.FAILED, 0), PER_PAGE),
        page=page,
        retry=ActionForm(formdata=None),
    )


@bp.post("/basket-jobs/<int:job_id>/retry")
@operator_required
def basket_job_retry(job_id: int) -> Response:
    job = db.session.get(BasketJob, job_id)
    if job is None:
        abort(404)
    if ActionForm().validate_on_submit() and jobs.retry(db.session, job):
        db.session.commit()
        runner.start(job.id)
        flash(_("The job is queued again."), "success")
    else:
        db.session.rollback()
        flash(_("Only a stopped job can be run again."), "error")
    return redirect(url_for("admin.basket_jobs"))
