"""``POST /webhooks/stripe``: signed events from Stripe, each applied exactly once.

CSRF does not apply (Stripe signs the payload instead). A forged, stale or unreadable
request gets 400 and changes nothing; a replayed event gets 200 and changes nothing.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from catalog.db import utcnow
from orders.errors import WebhookRejected
from orders.models import Order
from orders.payments import WebhookGateway
from orders.payments.events import Applied, apply_event
from orders.status import PaymentMethod
from storefront import payments
from storefront.extensions import csrf, db
from storefront.orders import notify

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

MAX_PAYLOAD = 256 * 1024


def _notify(applied: Applied) -> None:
    order: Order | None = applied.order
    if order is None:
        return
    if applied.outcome in ("paid", "reinstated"):
        notify.order_paid(order)
    elif applied.outcome in ("cancelled",):
        notify.order_cancelled(order)
    elif applied.outcome == "expired":
        notify.order_expired(order)
    elif applied.outcome == "refunded":
        notify.order_refunded(order)


@bp.post("/stripe")
@csrf.exempt
def stripe() -> tuple[Response, int]:
    gateway = payments.gateway(PaymentMethod.CARD)
    if not isinstance(gateway, WebhookGateway):
        abort(404)
    if (request.content_length or 0) > MAX_PAYLOAD:
        return jsonify(error="payload_too_large"), 413
    payload = request.get_data(cache=False)
    try:
        event = gateway.parse_event(payload, request.headers.get("Stripe-Signature"))
    except WebhookRejected as exc:
        return jsonify(error=exc.code), 400
    try:
        applied = apply_event(db.session, event, now=utcnow())
        _notify(applied)
        db.session.commit()
    except IntegrityError:  # the same event, delivered twice at once, was handled first
        db.session.rollback()
        applied = Applied("duplicate")
    return jsonify(received=True, outcome=applied.outcome), 200
