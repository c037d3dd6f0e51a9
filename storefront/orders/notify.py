"""E-mails about orders, in the shopper's language, written to the outbox in the
current transaction (``flask mail send`` delivers them). The cooperative back office
calls :func:`part_shipped` / :func:`part_delivered` after the matching library
verbs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import current_app, has_request_context, url_for

from catalog.money import Money
from catalog.notifications import Attachment
from orders import recipients
from orders.models import Fulfilment, Order, OrderLine
from orders.recipients import Party
from orders.status import PaymentMethod
from storefront.extensions import db
from storefront.notifications import tell
from storefront.payments import gateway


def order_url(order: Order) -> str:
    if has_request_context():
        return url_for("orders.detail", number=order.number, _external=True)
    base = str(current_app.config.get("PUBLIC_URL", "http://127.0.0.1:5000")).rstrip("/")
    return f"{base}/orders/{order.number}"


def basket_orders_url() -> str:
    """The organisation's dashboard, where its basket orders are listed."""
    if has_request_context():
        return url_for("ngo.dashboard", _external=True)
    base = str(current_app.config.get("PUBLIC_URL", "http://127.0.0.1:5000")).rstrip("/")
    return f"{base}/ngo/"


def track_url() -> str:
    if has_request_context():
        return url_for("orders.track", _external=True)
    base = str(current_app.config.get("PUBLIC_URL", "http://127.0.0.1:5000")).rstrip("/")
    return f"{base}/orders/track"


def _to_shopper(order: Order, template: str, topic: str, **context: Any) -> None:
    tell(
        recipients.shopper(order),
        template,
        topic=f"order:{order.number}:{topic}",
        link=order_url(order),
        order_number=order.number,
        order=order,
        track_link=track_url(),
        **context,
    )


def _to_cooperative(
    part: Fulfilment, template: str, topic: str, *, party: Party | None = None, **context: Any
) -> None:
    """Tell the cooperative of ``part`` (``party`` when its contacts are already loaded)."""
    order = part.order
    tell(
        party or recipients.cooperative(db.session, part.cooperative),
        template,
        topic=f"order:{order.number}:part:{part.position}{topic}",
        order_number=order.number,
        order=order,
        part=part,
        **context,
    )


def _to_cooperatives(order: Order) -> None:
    parties = recipients.cooperatives(db.session, [p.cooperative for p in order.fulfilments])
    for part in order.fulfilments:
        _to_cooperative(part, "order_part_new", "", party=parties[part.cooperative_id])


def order_placed(order: Order) -> None:
    """Cash on delivery: confirmed. Bank transfer: the details to pay."""
    if order.payment_method == PaymentMethod.BANK_TRANSFER:
        bank = gateway(PaymentMethod.BANK_TRANSFER)
        _to_shopper(
            order,
            "order_awaiting_transfer",
            "awaiting_transfer",
            bank=getattr(bank, "details", None),
        )
        return
    _to_shopper(order, "order_confirmed", "confirmed")
    _to_cooperatives(order)


def basket_order_placed(
    order: Order,
    *,
    invoice_link: str,
    order_link: str,
    invoice: Callable[[str], Sequence[Attachment]],
) -> None:
    """An organisation's basket order paid by transfer: the payment instructions and
    its pro-forma invoice (``invoice(language)``, attached to each e-mail). The
    cooperatives are told once the transfer is recorded."""
    assert order.organisation is not None
    tell(
        recipients.organisation(db.session, order.organisation),
        "basket_order_placed",
        topic=f"order:{order.number}:placed",
        link=order_link,
        order_number=order.number,
        order=order,
        invoice_link=invoice_link,
        files=invoice,
        bank=getattr(gateway(PaymentMethod.BANK_TRANSFER), "details", None),
    )


def order_paid(order: Order) -> None:
    _to_shopper(order, "order_confirmed", "confirmed")
    _to_cooperatives(order)


def part_shipped(part: Fulfilment) -> None:
    """A shopper hears of each parcel; an organisation (whose basket order may ship
    thousands) gets one daily digest instead (``flask orders digest``)."""
    if part.order.organisation_id is None:
        _to_shopper(part.order, "order_shipped", f"shipped:{part.position}", part=part)


def part_delivered(part: Fulfilment) -> None:
    if part.order.organisation_id is None:
        _to_shopper(part.order, "order_delivered", f"delivered:{part.position}", part=part)


def order_cancelled(order: Order) -> None:
    _to_shopper(order, "order_cancelled", "cancelled")


def order_expired(order: Order) -> None:
    _to_shopper(order, "order_expired", "expired")


def part_refunded(part: Fulfilment, amount: Money) -> None:
    _to_shopper(part.order, "order_refunded", f"refunded:{part.position}", part=part, amount=amount)


def order_refunded(order: Order) -> None:
    _to_shopper(order, "order_refunded", "refunded", part=None, amount=order.amount_refunded)


def part_cancelled(part: Fulfilment, reason: str, *, tell_cooperative: bool = True) -> None:
    """A part will not be sent: the buyer (and the cooperative, when it is not the one
    cancelling) are told why."""
    _to_shopper(
        part.order, "order_part_cancelled", f"cancelled:{part.position}", part=part, reason=reason
    )
    if tell_cooperative:
        _to_cooperative(part, "coop_part_cancelled", ":cancelled", reason=reason)


def units_taken_off(line: OrderLine, quantity: int, amount: Money, reason: str) -> None:
    """Units of a line taken off a parcel not sent yet: the buyer hears what it pays or
    gets back, the cooperative what to send."""
    part = line.fulfilment
    context: dict[str, Any] = {"line": line, "quantity": quantity, "amount": amount}
    _to_shopper(
        part.order,
        "order_units_taken_off",
        f"taken_off:{line.id}",
        part=part,
        reason=reason,
        **context,
    )
    _to_cooperative(part, "coop_units_taken_off", f":taken_off:{line.id}", reason=reason, **context)


def part_refused(part: Fulfilment) -> None:
    _to_shopper(part.order, "order_part_refused", f"refused:{part.position}", part=part)
