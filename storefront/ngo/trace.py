"""The public traceability page of a basket (``/t/<serial>``), where the QR code on
its tag leads: what the basket holds, which rural cooperatives made it, their regions,
whether they are led by women. No personal data: no organisation member, no
beneficiary, no contact."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from solidarity_baskets import manifests
from storefront.extensions import db
from storefront.ngo.helpers import register_helpers

bp = Blueprint("trace", __name__, url_prefix="/t")
register_helpers(bp)


@bp.get("/<serial>")
def basket(serial: str) -> str:
    record = manifests.trace(db.session, serial)
    if record is None:
        abort(404)
    return render_template("trace/basket.html", record=record)
