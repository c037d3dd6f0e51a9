"""Starting a card payment: the order and its reservation are committed first, the
attempt (with its idempotency key) is committed next, and only then is Stripe
called — never while a stock row is locked. A new attempt first closes the payment
page of the previous one, so that nobody pays the same order twice."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from catalog.db import utcnow
from orders import payment_attempts
from orders.errors import GatewayError
from orders.models import Order
from orders.payments import SessionGateway
from orders.status import PaymentMethod
from storefront import payments
from storefront.extensions import db
from storefront.outcomes import committing


def start_card_payment(order: Order) -> Response:
    gateway = payments.gateway(PaymentMethod.CARD)
    page = url_for("orders.detail", number=order.number)
    if gateway is None:
        flash(_("Card payment is not available right now. You can pay cash on delivery."), "error")
        return redirect(page)
    if isinstance(gateway, SessionGateway):
        for previous in payment_attempts.open_sessions(order):
            try:
                closed = gateway.close(previous.provider_ref or "")
            except GatewayError:
                closed = False
            if not closed:
                flash(
                    _(
                        "Your previous card payment for this order is still open or being "
                        "confirmed. Wait a few minutes, then reload this page."
                    ),
                    "error",
                )
                return redirect(page)
    with committing(page, lambda exc: [_("This order can no longer be paid by card.")]):
        payment = payment_attempts.new_payment_attempt(db.session, order, now=utcnow())
    try:
        start = gateway.start(
            order,
            payment,
            success_url=url_for(
                "checkout.returned", number=order.number, result="paid", _external=True
            ),
            cancel_url=url_for(
                "checkout.returned", number=order.number, result="cancelled", _external=True
            ),
        )
    except GatewayError as exc:
        payment_attempts.payment_not_started(
            db.session,
            payment,
            error_code=str(exc.data.get("provider_code", exc.code)),
            now=utcnow(),
        )
        db.session.commit()
        flash(
            _("The card payment could not start. Try again in a moment, or pay cash on delivery."),
            "error",
        )
        return redirect(page)
    payment_attempts.payment_started(
        db.session,
        payment,
        provider_ref=start.provider_ref,
        redirect_url=start.redirect_url,
        now=utcnow(),
    )
    db.session.commit()
    if not start.redirect_url:
        return redirect(page)
    return redirect(start.redirect_url, code=303)
