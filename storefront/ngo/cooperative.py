"""A cooperative's purchase orders from solidarity baskets
(``/back-office/baskets``): each part says which distribution point it goes to, by
which date, and which template line each product fills. The parts themselves are
ordinary order parts: they are shipped and delivered from the orders pages of the
back office.

Loaded only through ``g.cooperative``: another cooperative's part is a 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, render_template

from solidarity_baskets import manifests
from storefront.auth import cooperative_required
from storefront.coop.views import back_office_context
from storefront.extensions import db
from storefront.ngo.helpers import register_helpers
from storefront.paging import offset, page_number

bp = Blueprint("supply", __name__, url_prefix="/back-office/baskets")
register_helpers(bp)


@bp.context_processor
def back_office_labels() -> dict[str, Any]:
    return back_office_context()


PER_PAGE = 50


@bp.get("/")
@cooperative_required
def parts() -> str:
    page = page_number()
    deliveries = manifests.deliveries_for_cooperative(
        db.session, g.cooperative.id, limit=PER_PAGE + 1, offset=offset(page, PER_PAGE)
    )
    return render_template(
        "ngo/supply_parts.html",
        deliveries=deliveries[:PER_PAGE],
        page=page,
        more=len(deliveries) > PER_PAGE,
    )


@bp.get("/<int:part_id>")
@cooperative_required
def part(part_id: int) -> str:
    delivery = manifests.delivery_of(db.session, g.cooperative.id, part_id)
    if delivery is None:
        abort(404)
    return render_template("ngo/supply_part.html", delivery=delivery)
