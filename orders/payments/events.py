"""Applying a payment provider's events to orders, exactly once.

Each event's id is stored (:class:`~orders.models.ProcessedWebhookEvent`, unique per
provider) in the same transaction as its effects, so a replayed event changes
nothing. Events may arrive late or out of order: every handler compares the states it
finds instead of assuming a sequence — a "session expired" after the payment
succeeded is ignored; a payment that succeeds after the reservation ran out takes the
stock again if it can, and otherwise is kept on record with the order flagged for an
operator to refund. Nothing is ever fulfilled from the shopper's return to the
success page: only from these events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.errors import InsufficientStock
from orders import payment_attempts, placing, refunds
from orders.events import record
from orders.models import Order, Payment, ProcessedWebhookEvent
from orders.payments.base import Outcome, PaymentEvent
from orders.status import (
    EventKind,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
)


@dataclass(frozen=True)
class Applied:
    """What :func:`apply_event` did (``paid``, ``duplicate``, ``unknown_order``,
    ``ignored``...) and to which order."""

    outcome: str
    order: Order | None = None


def already_processed(session: Session, provider: str, event_id: str) -> bool:
    return (
        session.scalar(
            select(ProcessedWebhookEvent.id).where(
                ProcessedWebhookEvent.provider == provider,
                ProcessedWebhookEvent.event_id == event_id,
            )
        )
        is not None
    )


def _find_payment(session: Session, event: PaymentEvent) -> Payment | None:
    if event.provider_ref:
        payment = session.scalar(select(Payment).where(Payment.provider_ref == event.provider_ref))
        if payment is not None:
            return payment
    if event.payment_intent_id:
        payment = session.scalar(
            select(Payment)
            .where(Payment.payment_intent_id == event.payment_intent_id)
            .order_by(Payment.id.desc())
            .limit(1)
        )
        if payment is not None:
            return payment
    if event.order_number:
        order = placing.find_by_number(session, event.order_number)
        if order is not None:
            return session.scalar(
                select(Payment)
                .where(Payment.order_id == order.id, Payment.provider == event.provider)
                .order_by(Payment.id.desc())
                .limit(1)
            )
    return None


def _lock_order(session: Session, order_id: int) -> Order:
    """The order's row, locked until commit, so a payment and the expiry job never
    decide about the same order at once."""
    return session.scalars(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _flag(order: Order, *, now: datetime, source: str, reason: str, **data: Any) -> None:
    order.needs_attention = True
    record(order, EventKind.NEEDS_ATTENTION, now=now, source=source, reason=reason, **data)


def apply_event(session: Session, event: PaymentEvent, *, now: datetime) -> Applied:
    """Apply ``event`` once and say what it did. Flushes; the caller commits.

    A payment that arrives after its order expired takes the stock again (``reinstated``)
    or, when the stock is gone, is recorded with the order flagged for a refund
    (``needs_refund``): never an exception the caller has to undo.
    """
    if already_processed(session, event.provider, event.event_id):
        return Applied("duplicate")
    payment = None
    order = None
    outcome = "ignored"
    if event.outcome != Outcome.IGNORED:
        payment = _find_payment(session, event)
        if payment is None:
            outcome = "unknown_order"
        else:
            order = _lock_order(session, payment.order_id)
            outcome = _HANDLERS[event.outcome](session, order, payment, event, now)
    session.add(
        ProcessedWebhookEvent(
            provider=event.provider,
            event_id=event.event_id,
            event_type=event.event_type[:80],
            outcome=outcome,
            order_id=payment.order_id if payment is not None else None,
            received_at=now,
        )
    )
    session.flush()
    return Applied(outcome, order)


def _succeeded(
    session: Session,
    order: Order,
    payment: Payment,
    event: PaymentEvent,
    now: datetime,
) -> str:
    source = event.provider
    if payment.status in (
        PaymentStatus.SUCCEEDED,
        PaymentStatus.REFUNDED,
        PaymentStatus.PARTIALLY_REFUNDED,
    ):
        return "already_paid"
    if event.payment_intent_id:
        payment.payment_intent_id = event.payment_intent_id
    if event.amount_minor is not None and (
        event.amount_minor != payment.amount_minor
        or (event.currency or "").upper() != payment.currency.upper()
    ):
        _flag(
            order,
            now=now,
            source=source,
            reason="amount_mismatch",
            received_minor=event.amount_minor,
            currency=event.currency or "",
        )
        return "amount_mismatch"
    if order.status == OrderStatus.PENDING_PAYMENT and order.payment_method == PaymentMethod.CARD:
        payment_attempts.mark_paid(
            session,
            order,
            payment,
            now=now,
            source=source,
            payment_intent_id=event.payment_intent_id,
        )
        return "paid"
    if order.status == OrderStatus.EXPIRED and _reinstated(session, order, now):
        payment_attempts.mark_paid(session, order, payment, now=now, source=source)
        return "reinstated"
    # paid, but the order cannot take it: expired with its stock gone, cancelled,
    # switched to cash, or already paid by another attempt. Keep the money on record.
    payment.status = PaymentStatus.SUCCEEDED
    payment.succeeded_at = now
    order.amount_paid_minor += payment.amount_minor
    record(
        order,
        EventKind.PAID,
        now=now,
        source=source,
        amount_minor=payment.amount_minor,
        attempt=payment.attempt,
    )
    _flag(
        order, now=now, source=source, reason="paid_but_not_fulfillable", status=str(order.status)
    )
    return "needs_refund"


def _reinstated(session: Session, order: Order, now: datetime) -> bool:
    """Take an expired order's stock again; False, with nothing taken (a savepoint),
    when it is gone."""
    try:
        with session.begin_nested():
            payment_attempts.reinstate(session, order, now=now)
    except InsufficientStock:
        return False
    return True


def _pending(
    session: Session,
    order: Order,
    payment: Payment,
    event: PaymentEvent,
    now: datetime,
) -> str:
    if event.payment_intent_id and not payment.payment_intent_id:
        payment.payment_intent_id = event.payment_intent_id
    return "pending"


def _attempt_failed(
    session: Session,
    order: Order,
    payment: Payment,
    event: PaymentEvent,
    now: datetime,
) -> str:
    if payment.status != PaymentStatus.PENDING:
        return "stale"
    payment.last_error = (event.error_code or "declined")[:200]
    record(
        order,
        EventKind.PAYMENT_FAILED,
        now=now,
        source=event.provider,
        attempt=payment.attempt,
        error=payment.last_error,
    )
    return "attempt_failed"


def _is_current(order: Order, payment: Payment) -> bool:
    return order.current_payment() is payment


def _failed(
    session: Session,
    order: Order,
    payment: Payment,
    event: PaymentEvent,
    now: datetime,
) -> str:
    if payment.status != PaymentStatus.PENDING:
        return "stale"
    payment.status = PaymentStatus.FAILED
    payment.last_error = (event.error_code or "payment_failed")[:200]
    record(
        order,
        EventKind.PAYMENT_FAILED,
        now=now,
        source=event.provider,
        attempt=payment.attempt,
        error=payment.last_error,
    )
    if order.status == OrderStatus.PENDING_PAYMENT and _is_current(order, payment):
        refunds.fail_order(session, order, now=now, source=event.provider, reason="payment_failed")
        return "cancelled"
    return "failed"


def _expired(
    session: Session,
    order: Order,
    payment: Payment,
    event: PaymentEvent,
    now: datetime,
) -> str:
    if payment.status != PaymentStatus.PENDING:
        return "stale"
    payment.status = PaymentStatus.EXPIRED
    if order.status == OrderStatus.PENDING_PAYMENT and _is_current(order, payment):
        refunds.expire_order(session, order, now=now, source=event.provider)
        return "expired"
    return "session_expired"


def _refunded(
    session: Session,
    order: Order,
    payment: Payment,
    event: PaymentEvent,
    now: datetime,
) -> str:
    refunded = event.amount_refunded_minor or 0
    if refunded <= payment.amount_refunded_minor:
        return "already_recorded"  # our own refunds, confirmed
    if (
        payment.status == PaymentStatus.SUCCEEDED
        and refunded >= payment.amount_minor
        and (order.status in (OrderStatus.CONFIRMED, OrderStatus.COMPLETED))
    ):
        # refunded in full from the provider's dashboard: refund every part here
        refunds.refund_order(
            session,
            order,
            gateway=None,
            now=now,
            reason="refunded_by_provider",
            source=event.provider,
        )
        payment.amount_refunded_minor = payment.amount_minor
        payment.status = PaymentStatus.REFUNDED
        return "refunded"
    extra = refunded - payment.amount_refunded_minor
    payment.amount_refunded_minor = min(refunded, payment.amount_minor)
    payment.status = (
        PaymentStatus.REFUNDED
        if payment.amount_refunded_minor >= payment.amount_minor
        else PaymentStatus.PARTIALLY_REFUNDED
    )
    order.amount_refunded_minor = min(order.amount_paid_minor, order.amount_refunded_minor + extra)
    record(order, EventKind.REFUND_RECORDED, now=now, source=event.provider, amount_minor=extra)
    _flag(
        order,
        now=now,
        source=event.provider,
        reason="refund_outside_marketplace",
        amount_minor=extra,
    )
    return "refund_recorded"


_HANDLERS = {
    Outcome.SUCCEEDED: _succeeded,
    Outcome.PENDING: _pending,
    Outcome.ATTEMPT_FAILED: _attempt_failed,
    Outcome.FAILED: _failed,
    Outcome.EXPIRED: _expired,
    Outcome.REFUNDED: _refunded,
}
