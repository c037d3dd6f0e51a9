"""The cooperative's parts of orders: the list by state, a part's page, a printable
packing slip, shipped (with a tracking number), delivered, cash collected, and the
made-to-order commitments against daily capacity.

Parts are loaded only through :func:`orders.fulfilment.part_of_cooperative` /
:func:`orders.fulfilment.parts_for_cooperative`, filtered by ``g.cooperative``.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from catalog import audit, regions
from catalog.capacity import capacity_plans
from catalog.db import utcnow
from orders import fulfilment
from orders.errors import InvalidTransition, OrderError
from orders.models import Fulfilment, Order, OrderLine
from orders.status import FulfilmentStatus, PaymentMethod
from solidarity_baskets import manifests
from storefront.auth import cooperative_required
from storefront.coop.forms import ActionForm, ShipForm
from storefront.coop.messages import message
from storefront.coop.views import PER_PAGE, actor, bp
from storefront.extensions import db
from storefront.ngo.helpers import point_name
from storefront.orders import notify as order_mail
from storefront.paging import offset, page_count, page_number

#: the tabs of the orders page, in working order
TABS = (
    FulfilmentStatus.TO_PREPARE,
    FulfilmentStatus.SHIPPED,
    FulfilmentStatus.DELIVERED,
    FulfilmentStatus.NEW,
)


def own_part(part_id: int) -> Fulfilment:
    part = fulfilment.part_of_cooperative(db.session, g.cooperative.id, part_id)
    if part is None:
        abort(404)
    return part


@bp.get("/orders")
@cooperative_required
def orders() -> str:
    counts = fulfilment.count_parts_by_status(db.session, g.cooperative.id)
    wanted = request.args.get("status", FulfilmentStatus.TO_PREPARE.value)
    status = wanted if wanted in FulfilmentStatus.__members__.values() else None
    page = page_number()
    parts = fulfilment.parts_for_cooperative(
        db.session,
        g.cooperative.id,
        statuses=[FulfilmentStatus(status)] if status else None,
        limit=PER_PAGE,
        offset=offset(page, PER_PAGE),
    )
    total = counts.get(status, 0) if status else sum(counts.values())
    return render_template(
        "coop/orders.html",
        parts=parts,
        counts=counts,
        status=status,
        tabs=TABS,
        page=page,
        pages=page_count(total, PER_PAGE),
    )


def _load_full(part: Fulfilment) -> Fulfilment:
    """The part with its order, lines and products, for its page and slip."""
    loaded = db.session.scalars(
        select(Fulfilment)
        .where(Fulfilment.id == part.id)
        .options(
            selectinload(Fulfilment.order).selectinload(Order.fulfilments),
            selectinload(Fulfilment.lines).selectinload(OrderLine.commitment),
        )
        .execution_options(populate_existing=True)
    ).one()
    return loaded


def _destination(part: Fulfilment) -> dict[str, object]:
    """Where the parcel goes. A part of a solidarity-basket order goes to its
    distribution point (the order's address is the organisation's office); any other
    part goes to the order's address."""
    delivery = None
    if part.order.organisation_id is not None:
        delivery = manifests.delivery_of(db.session, g.cooperative.id, part.id)
    if delivery is None:
        return {
            "delivery": None,
            "point": "",
            "region": regions.region(part.order.region_code),
            "province": regions.province(part.order.province_code),
        }
    return {
        "delivery": delivery,
        "point": point_name(delivery.destination),
        "region": regions.region(delivery.destination.region_code),
        "province": regions.province(delivery.destination.province_code),
    }


@bp.get("/orders/<int:part_id>")
@cooperative_required
def order_part(part_id: int) -> str:
    part = _load_full(own_part(part_id))
    return render_template(
        "coop/order_part.html",
        part=part,
        order=part.order,
        ship_form=ShipForm(),
        action=ActionForm(),
        is_cod=part.order.payment_method == PaymentMethod.COD,
        **_destination(part),
    )


@bp.get("/orders/<int:part_id>/packing-slip")
@cooperative_required
def packing_slip(part_id: int) -> str:
    part = _load_full(own_part(part_id))
    return render_template(
        "coop/packing_slip.html",
        part=part,
        order=part.order,
        is_cod=part.order.payment_method == PaymentMethod.COD,
        **_destination(part),
    )


def _log(part: Fulfilment, action: str, **details: object) -> None:
    audit.record(
        db.session,
        actor(),
        action,
        object_type="fulfilment",
        object_id=part.id,
        cooperative_id=part.cooperative_id,
        now=utcnow(),
        details={"order": part.order.number, **details},
    )


def _refused(exc: OrderError) -> None:
    db.session.rollback()
    if isinstance(exc, InvalidTransition):
        flash(message("invalid_state"), "error")
    else:
        flash(message(exc.code, exc.data), "error")


@bp.post("/orders/<int:part_id>/ship")
@cooperative_required
def part_ship(part_id: int) -> Response:
    part = own_part(part_id)
    form = ShipForm()
    if not form.validate_on_submit():
        flash(message("tracking_required", {"max": fulfilment.MAX_TRACKING_LENGTH}), "error")
        return redirect(url_for("coop.order_part", part_id=part.id))
    try:
        fulfilment.mark_shipped(
            db.session,
            part,
            form.tracking_number.data or "",
            carrier=form.carrier.data or "amana",
            now=utcnow(),
            actor_id=actor().id,
        )
    except OrderError as exc:
        _refused(exc)
    else:
        _log(part, "order.ship", tracking_number=part.tracking_number)
        order_mail.part_shipped(part)
        db.session.commit()
        flash(_("Marked as shipped. The shopper gets the tracking number."), "success")
    return redirect(url_for("coop.order_part", part_id=part.id))


@bp.post("/orders/<int:part_id>/deliver")
@cooperative_required
def part_deliver(part_id: int) -> Response:
    part = own_part(part_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        fulfilment.mark_delivered(db.session, part, now=utcnow(), actor_id=actor().id)
    except OrderError as exc:
        _refused(exc)
    else:
        _log(part, "order.deliver")
        order_mail.part_delivered(part)
        db.session.commit()
        flash(_("Marked as delivered."), "success")
    return redirect(url_for("coop.order_part", part_id=part.id))


@bp.post("/orders/<int:part_id>/cash")
@cooperative_required
def part_cash(part_id: int) -> Response:
    part = own_part(part_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    was_shipped = part.status == FulfilmentStatus.SHIPPED
    try:
        fulfilment.record_cash_collected(db.session, part, now=utcnow(), actor_id=actor().id)
    except OrderError as exc:
        _refused(exc)
    else:
        _log(part, "order.cash", amount_minor=part.cash_collected_minor)
        if was_shipped:
            order_mail.part_delivered(part)
        db.session.commit()
        flash(_("Cash recorded. The commission on it is now due."), "success")
    return redirect(url_for("coop.order_part", part_id=part.id))


@bp.get("/capacity")
@cooperative_required
def capacity() -> str:
    today = utcnow().date()
    return render_template(
        "coop/capacity.html", plans=capacity_plans(db.session, g.cooperative.id, today=today)
    )
