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
from orders import fulfilment, refunds
from orders.errors import GatewayError, InvalidTransition, OrderError
from orders.models import Fulfilment, Order, OrderLine
from orders.status import FulfilmentStatus, PaymentMethod
from solidarity_baskets import manifests
from storefront import payments
from storefront.auth import cooperative_required
from storefront.coop.forms import ActionForm, PartCancelForm, ShipForm
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
    FulfilmentStatus.REFUSED,
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
        fix_form=ShipForm(carrier=part.carrier or "amana", tracking_number=part.tracking_number),
        cancel_form=PartCancelForm(),
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


@bp.post("/orders/<int:part_id>/tracking")
@cooperative_required
def part_tracking(part_id: int) -> Response:
    """Correct the carrier or tracking number of a shipped parcel."""
    part = own_part(part_id)
    form = ShipForm()
    if not form.validate_on_submit():
        flash(message("tracking_required", {"max": fulfilment.MAX_TRACKING_LENGTH}), "error")
        return redirect(url_for("coop.order_part", part_id=part.id))
    try:
        fulfilment.correct_tracking(
            db.session,
            part,
            form.tracking_number.data or "",
            carrier=form.carrier.data or "",
            now=utcnow(),
            actor_id=actor().id,
        )
    except OrderError as exc:
        _refused(exc)
    else:
        _log(part, "order.tracking_corrected", tracking_number=part.tracking_number)
        order_mail.part_shipped(part)
        db.session.commit()
        flash(_("Tracking number corrected. The buyer gets the new one."), "success")
    return redirect(url_for("coop.order_part", part_id=part.id))


@bp.post("/orders/<int:part_id>/cancel")
@cooperative_required
def part_cancel(part_id: int) -> Response:
    """The cooperative cannot send this part: unpaid, it is cancelled; paid, the buyer
    is refunded (to the card, or owed back on the operator's desk). Stock goes back."""
    part = own_part(part_id)
    form = PartCancelForm()
    if not form.validate_on_submit():
        flash(_("Write why you cannot send it: the buyer reads it."), "error")
        return redirect(url_for("coop.order_part", part_id=part.id))
    reason = form.reason.data or ""
    try:
        if fulfilment.part_was_paid(part):
            amount = refunds.refund_part(
                db.session,
                part,
                gateway=payments.gateway(part.order.payment_method),
                now=utcnow(),
                reason=reason,
                source="cooperative",
                actor_id=actor().id,
            )
            order_mail.part_refunded(part, amount)
        else:
            fulfilment.cancel_part(
                db.session,
                part,
                now=utcnow(),
                reason=reason,
                source="cooperative",
                actor_id=actor().id,
            )
            order_mail.part_cancelled(part, reason, tell_cooperative=False)
    except GatewayError:
        db.session.rollback()
        flash(message("invalid_state"), "error")
        return redirect(url_for("coop.order_part", part_id=part.id))
    except OrderError as exc:
        _refused(exc)
        return redirect(url_for("coop.order_part", part_id=part.id))
    _log(part, "order.cancel", reason=reason)
    db.session.commit()
    flash(_("Cancelled. The stock is back on sale and the buyer is told."), "success")
    return redirect(url_for("coop.order_part", part_id=part.id))


@bp.post("/orders/<int:part_id>/refused")
@cooperative_required
def part_refused(part_id: int) -> Response:
    """Cash on delivery: the buyer refused the parcel at the door."""
    part = own_part(part_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        fulfilment.mark_refused_at_door(db.session, part, now=utcnow(), actor_id=actor().id)
    except OrderError as exc:
        _refused(exc)
    else:
        _log(part, "order.refused_at_door")
        order_mail.part_refused(part)
        db.session.commit()
        flash(_("Recorded: refused at the door. Mark it returned when it is back."), "success")
    return redirect(url_for("coop.order_part", part_id=part.id))


@bp.post("/orders/<int:part_id>/returned")
@cooperative_required
def part_returned(part_id: int) -> Response:
    """The refused parcel is back: its goods go back on sale."""
    part = own_part(part_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        fulfilment.mark_returned(db.session, part, now=utcnow(), actor_id=actor().id)
    except OrderError as exc:
        _refused(exc)
    else:
        _log(part, "order.returned")
        db.session.commit()
        flash(_("Back with you: the stock is on sale again."), "success")
    return redirect(url_for("coop.order_part", part_id=part.id))


@bp.get("/capacity")
@cooperative_required
def capacity() -> str:
    today = utcnow().date()
    return render_template(
        "coop/capacity.html", plans=capacity_plans(db.session, g.cooperative.id, today=today)
    )
