"""Paying for a placed order: attempts to pay online (each with its idempotency key,
committed before the provider is called), the provider's answer, the operator's
record of a bank transfer, an expired order reinstated when money arrives late, the
switch to cash on delivery, and taking back a Stripe Connect transfer.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from catalog import settings
from catalog.money import Money
from orders import reservations, shipping
from orders.errors import GatewayError, OrderError
from orders.events import record
from orders.fulfilment import confirm
from orders.models import Fulfilment, Order, Payment
from orders.payments import stripe_connect
from orders.payments.stripe_connect import TransferGateway
from orders.placing import MIN_CARD_RESERVATION
from orders.pricing import DeliveryPolicy, charge
from orders.status import (
    DeliveryOption,
    EventKind,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
)


def new_payment_attempt(session: Session, order: Order, *, now: datetime) -> Payment:
    """Record a new attempt to pay ``order`` online, with its idempotency key. Commit
    it before calling the provider.

    :raises OrderError: ``not_awaiting_payment``, ``reservation_expired``.
    """
    if order.status != OrderStatus.PENDING_PAYMENT or order.payment_method != PaymentMethod.CARD:
        raise OrderError("not_awaiting_payment", status=str(order.status))
    if order.reserved_until is not None and order.reserved_until <= now:
        raise OrderError("reservation_expired")
    if order.reserved_until is not None:
        order.reserved_until = max(order.reserved_until, now + MIN_CARD_RESERVATION)
    attempt = len(order.payments) + 1
    for previous in order.payments:
        if previous.status == PaymentStatus.PENDING:
            # its payment page was closed first (see open_sessions): no longer payable
            previous.status = PaymentStatus.EXPIRED
            previous.last_error = previous.last_error or "superseded"
    payment = Payment(
        method=PaymentMethod.CARD,
        provider="stripe",
        status=PaymentStatus.PENDING,
        attempt=attempt,
        amount_minor=order.total_minor,
        currency=order.currency,
        idempotency_key=f"checkout:{order.number}:{attempt}",
        created_at=now,
    )
    order.payments.append(payment)
    session.flush()
    return payment


def open_sessions(order: Order) -> list[Payment]:
    """The order's attempts whose provider payment page may still be open: close them
    with the gateway before :func:`new_payment_attempt`, or the order could be paid
    twice."""
    return [p for p in order.payments if p.status == PaymentStatus.PENDING and p.provider_ref]


def payment_started(
    session: Session,
    payment: Payment,
    *,
    provider_ref: str | None,
    redirect_url: str | None,
    now: datetime,
) -> None:
    payment.provider_ref = provider_ref
    payment.redirect_url = redirect_url or ""
    record(
        payment.order, EventKind.PAYMENT_STARTED, now=now, source="shopper", attempt=payment.attempt
    )
    session.flush()


def payment_not_started(
    session: Session, payment: Payment, *, error_code: str, now: datetime
) -> None:
    """The provider refused to start the payment; the shopper may try again."""
    payment.status = PaymentStatus.FAILED
    payment.last_error = error_code[:200]
    record(
        payment.order,
        EventKind.PAYMENT_FAILED,
        now=now,
        source=payment.provider,
        attempt=payment.attempt,
        error=error_code[:200],
    )
    session.flush()


def mark_paid(
    session: Session,
    order: Order,
    payment: Payment,
    *,
    now: datetime,
    source: str,
    payment_intent_id: str | None = None,
) -> None:
    """The provider confirmed the payment: the order is confirmed and paid.

    :raises InvalidTransition: unless the order awaits payment.
    """
    payment.status = PaymentStatus.SUCCEEDED
    payment.succeeded_at = now
    if payment_intent_id:
        payment.payment_intent_id = payment_intent_id
    order.amount_paid_minor = payment.amount_minor
    order.paid_at = now
    record(
        order,
        EventKind.PAID,
        now=now,
        source=source,
        amount_minor=payment.amount_minor,
        attempt=payment.attempt,
    )
    confirm(session, order, now=now, source=source)


def record_bank_transfer(
    session: Session,
    order: Order,
    amount: Money,
    *,
    reference: str,
    now: datetime,
    received_on: date | None = None,
    actor_id: int | None = None,
) -> Payment:
    """An operator saw an institution's transfer arrive. A transfer short of what is
    still due is kept as a part payment (the order keeps waiting); once the transfers
    cover the total the order is paid and confirmed. Money beyond the total is owed
    back to the buyer (:attr:`Order.refund_owed_minor`) and flags the order.

    :raises OrderError: ``not_awaiting_payment``, ``reference_required``,
        ``amount_not_positive``, ``currency_mismatch``.
    """
    if (
        order.status not in (OrderStatus.PENDING_PAYMENT, OrderStatus.EXPIRED)
        or order.payment_method != PaymentMethod.BANK_TRANSFER
    ):
        raise OrderError("not_awaiting_payment", status=str(order.status))
    reference = " ".join(reference.split())[:120]
    if not reference:
        raise OrderError("reference_required")
    if amount.amount_minor <= 0:
        raise OrderError("amount_not_positive")
    if amount.currency != order.currency:
        raise OrderError("currency_mismatch", expected=order.currency)
    attempt = len(order.payments) + 1
    payment = Payment(
        method=PaymentMethod.BANK_TRANSFER,
        provider="bank",
        status=PaymentStatus.SUCCEEDED,
        attempt=attempt,
        amount_minor=amount.amount_minor,
        currency=order.currency,
        provider_ref=f"bank:{order.number}:{attempt}:{reference}"[:255],
        idempotency_key=f"bank:{order.number}:{attempt}",
        created_at=now,
        succeeded_at=now,
    )
    order.payments.append(payment)
    order.amount_paid_minor += amount.amount_minor
    record(
        order,
        EventKind.BANK_TRANSFER_RECORDED,
        now=now,
        source="operator",
        actor_id=actor_id,
        reference=reference,
        amount_minor=amount.amount_minor,
        received_on=(received_on or now.date()).isoformat(),
        paid_minor=order.amount_paid_minor,
        due_minor=max(0, order.total_minor - order.amount_paid_minor),
    )
    if order.amount_paid_minor < order.total_minor:
        session.flush()
        return payment
    if order.status == OrderStatus.EXPIRED:
        reinstate(session, order, now=now)
    order.paid_at = now
    record(order, EventKind.PAID, now=now, source="operator", amount_minor=order.amount_paid_minor)
    if order.amount_paid_minor > order.total_minor:
        order.needs_attention = True
        record(
            order,
            EventKind.NEEDS_ATTENTION,
            now=now,
            source="operator",
            reason="overpaid",
            amount_minor=order.amount_paid_minor - order.total_minor,
        )
    confirm(session, order, now=now, source="operator")
    return payment


def reinstate(session: Session, order: Order, *, now: datetime) -> None:
    """Money arrived for an order whose reservation ran out: take its stock again.
    The order stays expired until :func:`mark_paid` confirms it.

    :raises catalog.errors.InsufficientStock: when the stock is gone (the payment
        events take it in a savepoint, then record the payment with the order flagged
        for an operator).
    """
    if order.status != OrderStatus.EXPIRED:
        raise OrderError("not_expired", status=str(order.status))
    for line in order.lines:
        line.released = False
    reservations.reserve(session, order, today=now.date())
    record(order, EventKind.REINSTATED, now=now)
    session.flush()


def switch_to_cash_on_delivery(session: Session, order: Order, *, now: datetime) -> None:
    """A shopper whose card payment could not start pays cash instead: each parcel
    gets the cash-on-delivery fee and the order is confirmed.

    :raises OrderError: ``not_awaiting_payment``, ``reservation_expired``.
    """
    if order.status != OrderStatus.PENDING_PAYMENT or order.payment_method != PaymentMethod.CARD:
        raise OrderError("not_awaiting_payment", status=str(order.status))
    if order.reserved_until is not None and order.reserved_until <= now:
        raise OrderError("reservation_expired")
    tariff = shipping.active_tariffs(session).get(DeliveryOption(order.delivery_option))
    fee = tariff.cod_fee_minor if tariff is not None else 0
    # each parcel's whole carrier price (a card order has no cash-on-delivery fee, so
    # its subsidy is shipping), then charged as the operator says
    costs = [(p.shipping_minor + p.delivery_subsidy_minor, fee) for p in order.fulfilments]
    policy = DeliveryPolicy.of(settings.current(session))
    for part, (shipping_minor, cod_minor, subsidy_minor) in zip(
        order.fulfilments, charge(costs, order.goods_minor, policy), strict=True
    ):
        part.shipping_minor, part.cod_fee_minor = shipping_minor, cod_minor
        part.delivery_subsidy_minor = subsidy_minor
    for payment in order.payments:
        if payment.status == PaymentStatus.PENDING:
            payment.status = PaymentStatus.FAILED
            payment.last_error = "switched_to_cash"
    order.shipping_minor = sum(p.shipping_minor for p in order.fulfilments)
    order.cod_fee_minor = sum(p.cod_fee_minor for p in order.fulfilments)
    order.total_minor = order.goods_minor + order.shipping_minor + order.cod_fee_minor
    order.payment_method = PaymentMethod.COD
    confirm(session, order, now=now, source="shopper")


def take_back_transfer(
    session: Session,
    gateway: TransferGateway,
    part: Fulfilment,
    *,
    now: datetime,
    source: str,
    amount_minor: int | None = None,
    key: str = "",
) -> None:
    """A refunded part (or ``amount_minor`` of it, for units of a line: ``key`` names
    them) whose share went to the cooperative by Stripe Connect: take the transfer
    back. If Stripe refuses (the cooperative's balance is spent, say), the shopper is
    refunded all the same; the order is flagged and the ledger shows what the
    cooperative owes."""
    try:
        stripe_connect.reverse_transfer(
            session, gateway, part, now=now, amount_minor=amount_minor, key=key
        )
    except GatewayError as exc:
        part.order.needs_attention = True
        record(
            part.order,
            EventKind.NEEDS_ATTENTION,
            now=now,
            fulfilment=part,
            source=source,
            reason="transfer_not_taken_back",
            provider_code=str(exc.data.get("provider_code", "")),
        )
