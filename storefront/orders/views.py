"""The shopper's orders: history for an account, tracking by order number + phone
for guests, the order page with each cooperative's part, and a printable invoice per
part."""

from __future__ import annotations

import time

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from catalog import regions
from catalog.db import utcnow
from orders import payment_attempts, placing, refunds
from orders.errors import GatewayError
from orders.models import Order, OrderLine
from orders.status import CLOSED_FULFILMENT, OrderStatus, PaymentMethod
from storefront import payments
from storefront.extensions import db
from storefront.filters import money_text
from storefront.filters import numbered_gettext as _
from storefront.orders import access, notify
from storefront.orders.forms import ActionForm, TrackForm
from storefront.orders.messages import (
    DELIVERY_OPTIONS,
    EVENTS,
    ORDER_STATUS,
    PART_STATUS,
    PAYMENT_HINTS,
    PAYMENT_METHODS,
    ZONES,
    label,
    problem_text,
)
from storefront.orders.paying import start_card_payment
from storefront.outcomes import committing
from storefront.paging import paginate

bp = Blueprint("orders", __name__, url_prefix="/orders", cli_group="orders")

PER_PAGE = 20
#: failed tracking attempts allowed per browser session in the window below
TRACK_ATTEMPTS = 10
TRACK_WINDOW = 15 * 60


@bp.app_context_processor
def order_labels() -> dict[str, object]:
    return {
        "ORDER_STATUS": ORDER_STATUS,
        "PART_STATUS": PART_STATUS,
        "PAYMENT_METHODS": PAYMENT_METHODS,
        "PAYMENT_HINTS": PAYMENT_HINTS,
        "DELIVERY_OPTIONS": DELIVERY_OPTIONS,
        "ORDER_EVENTS": EVENTS,
        "ZONES": ZONES,
        "order_label": label,
        "problem_text": problem_text,
    }


def _load(number: str) -> Order:
    """The order if the visitor may see it; 404 otherwise (never 403: nobody learns
    which numbers exist). The visitor's right is part of the lookup (see
    :func:`access.visible`): a number that exists and one that does not cost the same."""
    order = db.session.scalar(
        select(Order)
        .where(Order.number == number, access.visible())
        .options(
            selectinload(Order.fulfilments),
            selectinload(Order.lines).selectinload(OrderLine.product),
            selectinload(Order.events),
            selectinload(Order.payments),
        )
    )
    if order is None:
        abort(404)
    return order


@bp.get("/")
@login_required
def history() -> str:
    base = select(Order).where(Order.user_id == current_user.id)
    paged = paginate(
        base.options(selectinload(Order.fulfilments)).order_by(
            Order.placed_at.desc(), Order.id.desc()
        ),
        select(func.count()).select_from(base.subquery()),
        PER_PAGE,
    )
    return render_template(
        "orders/history.html", orders=paged.items, page=paged.page, pages=paged.pages
    )


@bp.route("/track", methods=["GET", "POST"])
def track() -> Response | tuple[str, int] | str:
    form = TrackForm()
    now = time.time()
    failures = [
        t
        for t in session.get("track_failures", [])
        if isinstance(t, (int, float)) and now - t < TRACK_WINDOW
    ]
    if form.validate_on_submit():
        if len(failures) >= TRACK_ATTEMPTS:
            flash(_("Too many attempts. Please wait a moment and try again."), "error")
            return render_template("orders/track.html", form=form), 429
        order = placing.find_for_tracking(db.session, form.number.data or "", form.phone.data or "")
        if order is not None:
            access.remember(order.number)
            session.pop("track_failures", None)
            return redirect(url_for("orders.detail", number=order.number))
        session["track_failures"] = [*failures, now]
        flash(_("We found no order with this number and phone. Check both and try again."), "error")
    return render_template("orders/track.html", form=form)


@bp.get("/<number>")
def detail(number: str) -> str:
    order = _load(number)
    now = utcnow()
    card_retry = (
        order.status == OrderStatus.PENDING_PAYMENT
        and order.payment_method == PaymentMethod.CARD
        and (order.reserved_until is None or order.reserved_until > now)
    )
    cancellable = order.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.CONFIRMED) and (
        order.amount_paid_minor == 0
        and all(p.status in ("new", "to_prepare", "cancelled") for p in order.fulfilments)
    )
    # once confirmed, each parcel that has not left can be cancelled on its own (an
    # organisation's basket order changes through its operator instead)
    open_parts = [p for p in order.fulfilments if p.status not in CLOSED_FULFILMENT]
    part_cancellable = (
        order.status == OrderStatus.CONFIRMED
        and order.organisation_id is None
        and (len(open_parts) > 1 or not cancellable)
    )
    return render_template(
        "orders/detail.html",
        part_cancellable=part_cancellable,
        order=order,
        region=regions.region(order.region_code),
        province=regions.province(order.province_code),
        card_retry=card_retry and payments.gateway(PaymentMethod.CARD) is not None,
        cash_instead=card_retry,
        cancellable=cancellable,
        bank=getattr(payments.gateway(PaymentMethod.BANK_TRANSFER), "details", None),
        form=ActionForm(),
    )


@bp.post("/<number>/pay")
def pay(number: str) -> Response:
    order = _load(number)
    if not ActionForm().validate_on_submit():
        abort(400)
    return start_card_payment(order)


@bp.post("/<number>/cash")
def pay_cash(number: str) -> Response:
    order = _load(number)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = url_for("orders.detail", number=order.number)
    with committing(back, lambda exc: [_("This order can no longer be changed.")]):
        payment_attempts.switch_to_cash_on_delivery(db.session, order, now=utcnow())
        notify.order_placed(order)
    flash(_("Your order is confirmed: you will pay cash on delivery."), "success")
    return redirect(back)


@bp.post("/<number>/cancel")
def cancel(number: str) -> Response:
    order = _load(number)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = url_for("orders.detail", number=order.number)
    actor = current_user.id if current_user.is_authenticated else None
    with committing(
        back, lambda exc: [_("This order can no longer be cancelled here. Contact us.")]
    ):
        refunds.cancel_order(
            db.session, order, now=utcnow(), reason="shopper", source="shopper", actor_id=actor
        )
        notify.order_cancelled(order)
    flash(_("Your order is cancelled."), "success")
    return redirect(back)


@bp.post("/<number>/parts/<int:position>/cancel")
def cancel_part(number: str, position: int) -> Response:
    """Cancel one parcel that has not left, even after another one shipped."""
    order = _load(number)
    if not ActionForm().validate_on_submit():
        abort(400)
    part = next((p for p in order.fulfilments if p.position == position), None)
    if part is None:
        abort(404)
    actor = current_user.id if current_user.is_authenticated else None
    with committing(url_for("orders.detail", number=order.number), _withdraw_refused):
        amount = refunds.withdraw_part(
            db.session,
            part,
            gateway=payments.gateway(order.payment_method),
            now=utcnow(),
            actor_id=actor,
        )
        if amount.amount_minor:
            notify.part_refunded(part, amount)
        else:
            notify.part_cancelled(part, _("Cancelled at your request."))
    if amount.amount_minor and order.payment_method == PaymentMethod.CARD:
        flash(
            _("Parcel cancelled: %(amount)s goes back to your card.", amount=money_text(amount)),
            "success",
        )
    elif amount.amount_minor:
        flash(
            _("Parcel cancelled: we give you back %(amount)s.", amount=money_text(amount)),
            "success",
        )
    else:
        flash(_("Parcel cancelled: you will not pay for it."), "success")
    return redirect(url_for("orders.detail", number=order.number))


def _withdraw_refused(exc: Exception) -> list[str]:
    if isinstance(exc, GatewayError):
        return [_("The payment provider refused the refund; nothing was changed. Contact us.")]
    return [_("This parcel has left the cooperative: it can no longer be cancelled.")]


@bp.get("/<number>/invoice/<int:position>")
def invoice(number: str, position: int) -> str:
    order = _load(number)
    part = next((p for p in order.fulfilments if p.position == position), None)
    if part is None:
        abort(404)
    return render_template(
        "orders/invoice.html",
        order=order,
        part=part,
        lines=[line for line in order.lines if line.fulfilment_id == part.id],
        region=regions.region(order.region_code),
        province=regions.province(order.province_code),
        origin=regions.region(part.origin_region_code),
    )
