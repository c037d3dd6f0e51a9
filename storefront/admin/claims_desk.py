"""Claims review (``/admin/claims``): a verified cooperative's changes to what buyers
and donors rely on (rural, women-led, region, province, members) wait here with the
evidence it gave; the operator accepts them (they show, listings follow) or refuses
them (the verified values stay). The cooperative is told either way."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from catalog import claims
from catalog.claims import ClaimChange
from catalog.db import utcnow
from storefront.admin.forms import ReviewForm
from storefront.admin.views import actor, bp
from storefront.auth import operator_required
from storefront.coop.notify import notify_cooperative
from storefront.extensions import db
from storefront.outcomes import committing


@bp.get("/claims")
@operator_required
def claims_queue() -> str:
    return render_template("admin/claims.html", changes=claims.pending_changes(db.session))


def _change(change_id: int) -> ClaimChange:
    change = db.session.get(ClaimChange, change_id)
    if change is None:
        abort(404)
    return change


@bp.get("/claims/<int:change_id>")
@operator_required
def claim_review(change_id: int) -> str:
    return render_template("admin/claim.html", change=_change(change_id), form=ReviewForm())


@bp.post("/claims/<int:change_id>/accept")
@operator_required
def claim_accept(change_id: int) -> Response:
    return _decide(change_id, accept=True)


@bp.post("/claims/<int:change_id>/refuse")
@operator_required
def claim_refuse(change_id: int) -> Response:
    return _decide(change_id, accept=False)


def _decide(change_id: int, *, accept: bool) -> Response:
    change = _change(change_id)
    back = url_for("admin.claim_review", change_id=change.id)
    form = ReviewForm()
    if not form.validate_on_submit() or (not accept and not form.note.data):
        flash(_("Write what you checked: the cooperative reads it when you refuse."), "error")
        return redirect(back)
    decide = claims.accept if accept else claims.refuse
    with committing(back):
        decide(db.session, change, note=form.note.data or "", actor=actor(), now=utcnow())
        notify_cooperative(
            change.cooperative,
            "claims_reviewed",
            topic=f"cooperative:{change.cooperative_id}:claims:{change.id}",
            change=change,
            accepted=accept,
        )
    if accept:
        flash(
            _("Accepted: the cooperative's page and basket offers now show the change."), "success"
        )
    else:
        flash(_("Refused: the verified values stay, and the cooperative is told why."), "success")
    return redirect(url_for("admin.claims_queue"))
