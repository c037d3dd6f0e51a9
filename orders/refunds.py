"""Undoing orders: cancelling one nobody paid for (or whose payment failed), refunding a
part or a whole order (the provider first, then the stock, the ledger and any Connect
transfer), and letting unpaid reservations expire.

Refunds call the provider before any stock is touched: never while a stock row is
locked.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, Unpack

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.money import Money
from orders import ledger, payment_attempts, reservations
from orders.errors import InvalidTransition, OrderError
from orders.events import move_fulfilment, move_order, record
from orders.fulfilment import (
    Act,
    cancel_part,
    give_back_stock,
    part_was_paid,
    settle_order_status,
)
from orders.models import Fulfilment, Order, OrderLine, Payment
from orders.payments.base import PaymentGateway
from orders.payments.stripe_connect import TransferGateway
from orders.status import (
    HOLDING_STOCK,
    EventKind,
    FulfilmentStatus,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    can_fulfil,
)


def cancel_order(
    session: Session,
    order: Order,
    *,
    now: datetime,
    reason: str,
    source: str = "shopper",
    actor_id: int | None = None,
) -> None:
    """Cancel an order nobody has paid for yet, before any parcel left: every part is
    cancelled and its stock goes back on sale.

    :raises OrderError: ``already_shipped``, ``order_is_paid`` (refund it instead).
    :raises InvalidTransition: for a closed order.
    """
    if order.amount_paid_minor > 0:
        raise OrderError("order_is_paid")
    if any(
        p.status not in HOLDING_STOCK and p.status != FulfilmentStatus.CANCELLED
        for p in order.fulfilments
    ):
        raise OrderError("already_shipped")
    _close_unpaid(
        session,
        order,
        OrderStatus.CANCELLED,
        EventKind.CANCELLED,
        parts=HOLDING_STOCK,
        payments_become=(PaymentStatus.FAILED, "cancelled"),
        now=now,
        source=source,
        actor_id=actor_id,
        reason=reason[:200],
    )
    session.flush()


def fail_order(session: Session, order: Order, *, now: datetime, source: str, reason: str) -> None:
    """The payment is over and failed: the order is cancelled and its stock released."""
    _close_unpaid(
        session,
        order,
        OrderStatus.CANCELLED,
        EventKind.CANCELLED,
        parts=(FulfilmentStatus.NEW,),
        payments_become=None,
        now=now,
        source=source,
        reason=reason,
    )


def _close_unpaid(
    session: Session,
    order: Order,
    status: OrderStatus,
    kind: EventKind,
    *,
    parts: Collection[FulfilmentStatus],
    payments_become: tuple[PaymentStatus, str | None] | None,
    now: datetime,
    source: str,
    actor_id: int | None = None,
    **data: Any,
) -> None:
    """Close an order nobody paid for: the order moves to ``status``, its parts in
    ``parts`` are cancelled, its pending payments (if ``payments_become``) get that
    status and error, and its stock and production capacity go back on sale."""
    move_order(order, status, now=now, kind=kind, source=source, actor_id=actor_id, **data)
    for part in order.fulfilments:
        if part.status in parts:
            move_fulfilment(
                part,
                FulfilmentStatus.CANCELLED,
                now=now,
                kind=kind,
                source=source,
                actor_id=actor_id,
                **data,
            )
    if payments_become is not None:
        payment_status, error = payments_become
        for payment in order.payments:
            if payment.status == PaymentStatus.PENDING:
                payment.status = payment_status
                if error is not None:
                    payment.last_error = error
    reservations.release(session, order.lines)


def refund_part(
    session: Session,
    fulfilment: Fulfilment,
    *,
    gateway: PaymentGateway | None,
    reason: str,
    restock: bool | None = None,
    **act: Unpack[Act],
) -> Money:
    """Give back the money of one cooperative's part: through the provider first (for
    a card), then the part is refunded, its stock restored (always when it had not
    shipped; for shipped goods only with ``restock=True``) and its ledger entries
    reversed. Returns the amount refunded. ``source`` defaults to the operator.

    :raises OrderError: ``part_not_paid`` (cancel it instead).
    :raises InvalidTransition: for a part already closed without delivery.
    :raises GatewayError: when the provider refuses; nothing is changed.
    """
    order = fulfilment.order
    if not part_was_paid(fulfilment):
        raise OrderError("part_not_paid")
    # what single-line refunds already gave back is not given twice
    amount = Money(fulfilment.total_minor - fulfilment.refunded_minor, fulfilment.currency)
    # check the transition before any money moves
    if not can_fulfil(FulfilmentStatus(fulfilment.status), FulfilmentStatus.REFUNDED):
        raise InvalidTransition(
            entity="fulfilment", current=str(fulfilment.status), target="refunded"
        )
    payment = _succeeded_payment(order)
    if order.payment_method == PaymentMethod.CARD and gateway is not None and payment is not None:
        left = payment.amount_minor - payment.amount_refunded_minor
        amount = Money(min(amount.amount_minor, left), amount.currency)
        if amount.amount_minor > 0:
            gateway.refund(
                payment, amount, idempotency_key=f"refund:{order.number}:{fulfilment.position}"
            )
    act = {"source": "operator", **act}
    now, source = act["now"], act["source"]
    held = fulfilment.status in HOLDING_STOCK
    move_fulfilment(
        fulfilment,
        FulfilmentStatus.REFUNDED,
        now=now,
        kind=EventKind.REFUNDED,
        source=source,
        actor_id=act.get("actor_id"),
        reason=reason[:200],
        amount_minor=amount.amount_minor,
    )
    fulfilment.refunded_minor += amount.amount_minor
    _count_refund(order, payment, amount)
    give_back_stock(session, fulfilment, act, held=held, returned=bool(restock))
    ledger.reverse_part(session, fulfilment, now=now)
    if isinstance(gateway, TransferGateway):
        payment_attempts.take_back_transfer(session, gateway, fulfilment, now=now, source=source)
    settle_order_status(order, now=now)
    session.flush()
    return amount


def takes_units_off(part: Fulfilment) -> bool:
    """Units of ``part``'s lines refunded now are taken off, not sent: it has not left
    (see :func:`refund_line`)."""
    return part.status == FulfilmentStatus.TO_PREPARE


def lines_refundable(part: Fulfilment) -> bool:
    """Whether units of ``part``'s lines can be refunded (:func:`refund_line`): taken
    off before it leaves, or given back once it left paid."""
    return takes_units_off(part) or (
        part.status in (FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED)
        and part_was_paid(part)
    )


def refund_line(
    session: Session,
    line: OrderLine,
    quantity: int,
    *,
    gateway: PaymentGateway | None,
    reason: str,
    **act: Unpack[Act],
) -> Money:
    """Give back the price of ``quantity`` units of one line, the rest of the parcel
    kept. Once the parcel left (a jar broken, a unit missing) the goods stay with the
    buyer. Before it leaves the units are taken off: their stock goes back on sale
    (:func:`orders.reservations.release_units`) and the cooperative sends the rest.

    The money: through the provider for a card, otherwise owed back to the buyer; a
    cash-on-delivery parcel not yet paid costs that much less at the door. The
    cooperative gives back those units less the marketplace's commission on them
    (posted to its ledger once the part's entries are, see
    :func:`orders.ledger.post_line_refund`), taken back from its Stripe Connect
    transfer when the part was transferred. Returns the amount.

    :raises OrderError: ``part_not_paid`` (a parcel that left unpaid: refuse it),
        ``part_closed``, ``whole_part`` (taking off every unit still to send: cancel
        or refund the parcel instead), ``quantity_out_of_range`` (``max``).
    :raises GatewayError: when the provider refuses; nothing is changed.
    """
    part = line.fulfilment
    order = part.order
    before_leaving = takes_units_off(part)
    paid = part_was_paid(part)
    if not before_leaving and part.status not in (
        FulfilmentStatus.SHIPPED,
        FulfilmentStatus.DELIVERED,
    ):
        raise OrderError("part_closed", status=str(part.status))
    if not before_leaving and not paid:
        raise OrderError("part_not_paid")
    left = line.quantity - line.refunded_quantity
    if not 1 <= quantity <= left:
        raise OrderError("quantity_out_of_range", max=left)
    if before_leaving and quantity >= sum(ln.quantity_to_send for ln in part.lines):
        raise OrderError("whole_part")
    amount = Money(line.unit_price_minor * quantity, line.currency)
    payment = _succeeded_payment(order) if paid else None
    if order.payment_method == PaymentMethod.CARD and gateway is not None and payment is not None:
        room = payment.amount_minor - payment.amount_refunded_minor
        amount = Money(min(amount.amount_minor, room), amount.currency)
        if amount.amount_minor > 0:
            gateway.refund(
                payment,
                amount,
                idempotency_key=(
                    f"refund:{order.number}:{part.position}:line:{line.id}:"
                    f"{line.refunded_quantity + quantity}"
                ),
            )
    # the commission on the units given back, so that whole refunds add up exactly
    commission_after = line.commission_minor * (line.refunded_quantity + quantity) // line.quantity
    commission = commission_after - line.refunded_commission_minor
    line.refunded_quantity += quantity
    line.refunded_minor += amount.amount_minor
    line.refunded_commission_minor += commission
    if before_leaving:
        reservations.release_units(session, line, quantity)
    # unpaid cash on delivery: the amount to collect shrinks (see record_cash_collected)
    part.refunded_minor += amount.amount_minor
    if paid:
        _count_refund(order, payment, amount)
    act = {"source": "operator", **act}
    now = act["now"]
    record(
        order,
        EventKind.LINE_REFUNDED,
        now=now,
        fulfilment=part,
        source=act["source"],
        actor_id=act.get("actor_id"),
        reason=reason[:200],
        line=line.sku,
        quantity=quantity,
        amount_minor=amount.amount_minor,
        before_leaving=before_leaving,
    )
    net = amount.amount_minor - commission
    ledger.post_line_refund(session, part, net, now=now, reference=line.sku)
    if isinstance(gateway, TransferGateway) and net > 0:
        # the cooperative's share of those units, if it already went out by Connect
        payment_attempts.take_back_transfer(
            session,
            gateway,
            part,
            now=now,
            source=act["source"],
            amount_minor=net,
            key=f"line:{line.id}:{line.refunded_quantity}",
        )
    session.flush()
    return amount


def refund_order(
    session: Session,
    order: Order,
    *,
    gateway: PaymentGateway | None,
    reason: str,
    restock: bool | None = None,
    **act: Unpack[Act],
) -> Money:
    """Refund every paid part still open or delivered; unpaid parts are cancelled."""
    refunded = Money.zero(order.currency)
    for part in order.fulfilments:
        if part.status in (FulfilmentStatus.CANCELLED, FulfilmentStatus.REFUNDED):
            continue
        if part_was_paid(part):
            refunded += refund_part(
                session, part, gateway=gateway, reason=reason, restock=restock, **act
            )
        else:
            cancel_part(session, part, reason=reason, **act)
    return refunded


def withdraw_part(
    session: Session,
    fulfilment: Fulfilment,
    *,
    gateway: PaymentGateway | None,
    **act: Unpack[Act],
) -> Money:
    """The buyer no longer wants a part that has not left its cooperative, whatever
    became of the others: cancelled (stock back) when nothing was paid for it, refunded
    (through the provider for a card, else owed back) when it was. Returns the amount
    refunded (zero for a cancellation). ``source`` defaults to the shopper.

    :raises OrderError: ``already_shipped`` (the parcel left: refuse it or ask for a
        refund instead), ``order_not_confirmed`` (cancel the whole order instead),
        ``institutional_order`` (an organisation's planned order changes through the
        operator).
    :raises GatewayError: when the provider refuses the refund; nothing is changed.
    """
    if fulfilment.order.status != OrderStatus.CONFIRMED:
        raise OrderError("order_not_confirmed")
    if fulfilment.order.organisation_id is not None:
        raise OrderError("institutional_order")
    if fulfilment.status not in HOLDING_STOCK:
        raise OrderError("already_shipped")
    act = {"source": "shopper", **act}
    reason = "withdrawn by the buyer"
    if part_was_paid(fulfilment):
        return refund_part(session, fulfilment, gateway=gateway, reason=reason, **act)
    cancel_part(session, fulfilment, reason=reason, **act)
    return Money.zero(fulfilment.currency)


def _succeeded_payment(order: Order) -> Payment | None:
    for payment in reversed(order.payments):
        if payment.status in (
            PaymentStatus.SUCCEEDED,
            PaymentStatus.PARTIALLY_REFUNDED,
            PaymentStatus.REFUNDED,
        ):
            return payment
    return None


# -- reservations that run out ------------------------------------------------------------
def expire_reservations(session: Session, *, now: datetime, limit: int = 500) -> list[Order]:
    """Orders still unpaid when their reservation ran out: expired, stock released.
    Rows another transaction is handling (a payment arriving) are skipped and caught
    on the next run. Flushes; returns the expired orders (to tell the shoppers)."""
    stmt = (
        select(Order)
        .where(
            Order.status == OrderStatus.PENDING_PAYMENT,
            Order.reserved_until.is_not(None),
            Order.reserved_until <= now,
        )
        .order_by(Order.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    expired = list(session.scalars(stmt))
    for order in expired:
        expire_order(session, order, now=now)
    session.flush()
    return expired


def expire_order(session: Session, order: Order, *, now: datetime, source: str = "system") -> None:
    """An unpaid order's reservation ran out (or its checkout session expired): the
    order expires and its stock and capacity go back on sale."""
    _close_unpaid(
        session,
        order,
        OrderStatus.EXPIRED,
        EventKind.RESERVATION_EXPIRED,
        parts=(FulfilmentStatus.NEW,),
        payments_become=(PaymentStatus.EXPIRED, None),
        now=now,
        source=source,
    )


def _count_refund(order: Order, payment: Payment | None, amount: Money) -> None:
    """Add ``amount`` to what the payment and the order have given back (never more
    than was paid); the payment reads refunded once all of it is back."""
    if payment is not None:
        payment.amount_refunded_minor = min(
            payment.amount_minor, payment.amount_refunded_minor + amount.amount_minor
        )
        payment.status = (
            PaymentStatus.REFUNDED
            if payment.amount_refunded_minor >= payment.amount_minor
            else PaymentStatus.PARTIALLY_REFUNDED
        )
    order.amount_refunded_minor = min(
        order.amount_paid_minor, order.amount_refunded_minor + amount.amount_minor
    )
