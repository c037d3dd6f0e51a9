"""The cooperative's parts of orders: the list by state, a part's page, a printable
packing slip, shipped (with a tracking number), delivered, cash collected, and the
made-to-order commitments against daily capacity.

Parts are loaded only through :func:`storefront.tenancy.part_or_404` /
:func:`orders.fulfilment.parts_for_cooperative`, filtered by ``g.cooperative``.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from catalog import audit, regions
from catalog.capacity import capacity_plans
from catalog.db import utcnow
from orders import fulfilment, refunds
from orders.models import Fulfilment, Order, OrderLine
from orders.status import FulfilmentStatus, PaymentMethod
from solidarity_baskets import manifests
from storefront import payments
from storefront.auth import cooperative_required
from storefront.coop.forms import ActionForm, PartCancelForm, ShipForm
from storefront.coop.views import PER_PAGE, actor, bp
from storefront.extensions import db
from storefront.messages import message
from storefront.ngo.helpers import point_name
from storefront.orders import notify as order_mail
from storefront.outcomes import Refused, committing
from storefront.paging import offset, page_count, page_number
from storefront.tenancy import part_or_404

#: the tabs of the orders page, in working order
TABS = (
    FulfilmentStatus.TO_PREPARE,
    FulfilmentStatus.SHIPPED,
    FulfilmentStatus.REFUSED,
    FulfilmentStatus.DELIVERED,
    FulfilmentStatus.NEW,
)


def own_part(part_id: int) -> Fulfilment:
    return part_or_404(Fulfilment.id == part_id)


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


def _back(part: Fulfilment) -> str:
    return url_for("coop.order_part", part_id=part.id)


def _submitted(part: Fulfilment, form: FlaskForm | None = None) -> None:
    """A part action's form is valid, or the cooperative goes back to the part's page:
    a button without its token is refused outright; a tracking form is told what to type."""
    if form is None:
        if not ActionForm().validate_on_submit():
            abort(400)
    elif not form.validate_on_submit():
        flash(message("tracking_required", {"max": fulfilment.MAX_TRACKING_LENGTH}), "error")
        raise Refused(_back(part))


def _done(part: Fulfilment, text: str) -> Response:
    flash(text, "success")
    return redirect(_back(part))


def _tracked(part_id: int, *, correcting: bool) -> Response:
    """Ship a part with its carrier and tracking number, or correct them afterwards;
    either way the buyer is sent the tracking number."""
    part = own_part(part_id)
    form = ShipForm()
    _submitted(part, form)
    verb = fulfilment.correct_tracking if correcting else fulfilment.mark_shipped
    with committing(_back(part)):
        verb(
            db.session,
            part,
            form.tracking_number.data or "",
            carrier=form.carrier.data or ("" if correcting else "amana"),
            now=utcnow(),
            actor_id=actor().id,
        )
        action = "order.tracking_corrected" if correcting else "order.ship"
        _log(part, action, tracking_number=part.tracking_number)
        order_mail.part_shipped(part)
    if correcting:
        return _done(part, _("Tracking number corrected. The buyer gets the new one."))
    return _done(part, _("Marked as shipped. The shopper gets the tracking number."))


@bp.post("/orders/<int:part_id>/ship")
@cooperative_required
def part_ship(part_id: int) -> Response:
    return _tracked(part_id, correcting=False)


@bp.post("/orders/<int:part_id>/tracking")
@cooperative_required
def part_tracking(part_id: int) -> Response:
    """Correct the carrier or tracking number of a shipped parcel."""
    return _tracked(part_id, correcting=True)


def _button(
    part_id: int,
    verb: Callable[..., None],
    action: str,
    done: str,
    tell: Callable[[Fulfilment], None] | None = None,
) -> Response:
    """A one-button step of a part (delivered, refused at the door, returned): the
    library ``verb``, the audit log, the buyer told, and ``done`` said."""
    part = own_part(part_id)
    _submitted(part)
    with committing(_back(part)):
        verb(db.session, part, now=utcnow(), actor_id=actor().id)
        _log(part, action)
        if tell is not None:
            tell(part)
    return _done(part, done)


@bp.post("/orders/<int:part_id>/deliver")
@cooperative_required
def part_deliver(part_id: int) -> Response:
    part = own_part(part_id)
    if part.order.organisation_id is not None and manifests.delivery_of(
        db.session, g.cooperative.id, part.id
    ):
        # a basket delivery is delivered on the organisation's word, not the supplier's
        flash(
            _(
                "The organisation confirms receipt at the distribution point; "
                "your part is delivered then."
            ),
            "error",
        )
        return redirect(_back(part))
    return _button(
        part_id,
        fulfilment.mark_delivered,
        "order.deliver",
        _("Marked as delivered."),
        order_mail.part_delivered,
    )


@bp.post("/orders/<int:part_id>/refused")
@cooperative_required
def part_refused(part_id: int) -> Response:
    """Cash on delivery: the buyer refused the parcel at the door."""
    return _button(
        part_id,
        fulfilment.mark_refused_at_door,
        "order.refused_at_door",
        _("Recorded: refused at the door. Mark it returned when it is back."),
        order_mail.part_refused,
    )


@bp.post("/orders/<int:part_id>/returned")
@cooperative_required
def part_returned(part_id: int) -> Response:
    """The refused parcel is back: its goods go back on sale."""
    return _button(
        part_id,
        fulfilment.mark_returned,
        "order.returned",
        _("Back with you: the stock is on sale again."),
    )


@bp.post("/orders/<int:part_id>/cash")
@cooperative_required
def part_cash(part_id: int) -> Response:
    """Cash on delivery: the cash is collected (a shipped parcel is delivered too)."""
    part = own_part(part_id)
    _submitted(part)
    tell = order_mail.part_delivered if part.status == FulfilmentStatus.SHIPPED else None
    with committing(_back(part)):
        fulfilment.record_cash_collected(db.session, part, now=utcnow(), actor_id=actor().id)
        _log(part, "order.cash", amount_minor=part.cash_collected_minor)
        if tell is not None:
            tell(part)
    return _done(part, _("Cash recorded. The commission on it is now due."))


@bp.post("/orders/<int:part_id>/cancel")
@cooperative_required
def part_cancel(part_id: int) -> Response:
    """The cooperative cannot send this part: unpaid, it is cancelled; paid, the buyer
    is refunded (to the card, or owed back on the operator's desk). Stock goes back."""
    part = own_part(part_id)
    form = PartCancelForm()
    if not form.validate_on_submit():
        flash(_("Write why you cannot send it: the buyer reads it."), "error")
        return redirect(_back(part))
    reason = form.reason.data or ""
    act = fulfilment.Act(now=utcnow(), actor_id=actor().id, source="cooperative")
    with committing(_back(part)):
        if fulfilment.part_was_paid(part):
            gateway = payments.gateway(part.order.payment_method)
            amount = refunds.refund_part(db.session, part, gateway=gateway, reason=reason, **act)
            order_mail.part_refunded(part, amount)
        else:
            fulfilment.cancel_part(db.session, part, reason=reason, **act)
            order_mail.part_cancelled(part, reason, tell_cooperative=False)
        _log(part, "order.cancel", reason=reason)
    return _done(part, _("Cancelled. The stock is back on sale and the buyer is told."))


@bp.get("/capacity")
@cooperative_required
def capacity() -> str:
    today = utcnow().date()
    return render_template(
        "coop/capacity.html", plans=capacity_plans(db.session, g.cooperative.id, today=today)
    )
