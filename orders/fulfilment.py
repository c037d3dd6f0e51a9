"""A cooperative's part of an order, from preparation to delivery, and what the
order's own state becomes as its parts close.

These are the verbs the cooperative back office and the operator console call::

    mark_shipped(session, part, "CB123456789MA", now=now, actor_id=user.id)
    mark_delivered(session, part, now=now, actor_id=user.id)
    record_cash_collected(session, part, now=now, actor_id=user.id)
    cancel_part(session, part, now=now, reason="out_of_stock", source="cooperative")

List a cooperative's parts only through :func:`parts_for_cooperative`, which filters
by the cooperative's id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Required, TypedDict, Unpack

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from catalog.models import Product
from orders import carriers, ledger, reservations
from orders.errors import OrderError
from orders.events import move_fulfilment, move_order, record
from orders.models import Fulfilment, Order, OrderLine
from orders.status import (
    HOLDING_STOCK,
    EventKind,
    FulfilmentStatus,
    OrderStatus,
    PaymentMethod,
)

MAX_TRACKING_LENGTH = carriers.MAX_TRACKING_LENGTH


class Act(TypedDict, total=False):
    """When, by whom and from where a part changes: the keywords every verb of a part
    takes. ``source`` is the cooperative's back office unless said otherwise."""

    now: Required[datetime]
    actor_id: int | None
    source: str


def _move(
    fulfilment: Fulfilment, target: FulfilmentStatus, kind: EventKind, act: Act, **data: Any
) -> None:
    move_fulfilment(
        fulfilment,
        target,
        kind=kind,
        now=act["now"],
        source=act.get("source", "cooperative"),
        actor_id=act.get("actor_id"),
        **data,
    )


def _to_shelf(session: Session, fulfilment: Fulfilment, act: Act, *, shipped: bool) -> None:
    """The part's goods leave the shelf (``shipped``) or come back to it, in the audit log
    under the part's reference."""
    move = reservations.ship if shipped else reservations.restock_returned
    move(
        session,
        list(fulfilment.lines),
        reference=part_reference(fulfilment),
        now=act["now"],
        actor_id=act.get("actor_id"),
    )


def give_back_stock(
    session: Session, fulfilment: Fulfilment, act: Act, *, held: bool, returned: bool
) -> None:
    """A part closed without delivery: stock it still ``held`` is released; goods that
    left and are back (``returned``) go on the shelf again."""
    if held:
        reservations.release(session, list(fulfilment.lines))
    elif returned:
        _to_shelf(session, fulfilment, act, shipped=False)


def part_reference(fulfilment: Fulfilment) -> str:
    """How the audit log names a part: ``order:`` and its invoice number (the one its
    cooperative's pages, invoice and ledger show, ``TW-3D5-DXT-2``)."""
    return f"order:{fulfilment.invoice_number}"


def settle_order_status(order: Order, *, now: datetime) -> None:
    """Close a confirmed order once every part is closed: completed if anything was
    delivered, refunded if money went back, cancelled otherwise."""
    if order.status not in (OrderStatus.CONFIRMED, OrderStatus.COMPLETED):
        return
    states = {FulfilmentStatus(f.status) for f in order.fulfilments}
    open_states = {
        FulfilmentStatus.NEW,
        FulfilmentStatus.TO_PREPARE,
        FulfilmentStatus.SHIPPED,
        FulfilmentStatus.REFUSED,
    }
    if states & open_states:
        return
    if FulfilmentStatus.DELIVERED in states:
        target = OrderStatus.COMPLETED
    elif FulfilmentStatus.REFUNDED in states:
        target = OrderStatus.REFUNDED
    else:
        target = OrderStatus.CANCELLED
    if target == order.status:
        return
    kind = {
        OrderStatus.COMPLETED: EventKind.COMPLETED,
        OrderStatus.REFUNDED: EventKind.REFUNDED,
        OrderStatus.CANCELLED: EventKind.CANCELLED,
    }[target]
    move_order(order, target, now=now, kind=kind)


def confirm(
    session: Session,
    order: Order,
    *,
    now: datetime,
    source: str = "system",
    actor_id: int | None = None,
    kind: EventKind = EventKind.CONFIRMED,
) -> None:
    """The order is confirmed: every part goes to its cooperative to prepare."""
    reinstating = order.status == OrderStatus.EXPIRED
    move_order(order, OrderStatus.CONFIRMED, now=now, kind=kind, source=source, actor_id=actor_id)
    order.reserved_until = None
    for part in order.fulfilments:
        if part.status == FulfilmentStatus.NEW or (
            reinstating and part.status == FulfilmentStatus.CANCELLED
        ):
            move_fulfilment(
                part, FulfilmentStatus.TO_PREPARE, now=now, kind=EventKind.PREPARING, source=source
            )
    session.flush()


def mark_shipped(
    session: Session,
    fulfilment: Fulfilment,
    tracking_number: str,
    *,
    carrier: str = "other",
    **act: Unpack[Act],
) -> None:
    """The parcel left with the carrier.

    :raises OrderError: from :func:`orders.carriers.clean_tracking` (empty, too long,
        or not the carrier's format).
    :raises InvalidTransition: unless the part is being prepared.
    """
    tracking = carriers.clean_tracking(carrier, tracking_number)
    _move(
        fulfilment,
        FulfilmentStatus.SHIPPED,
        EventKind.SHIPPED,
        act,
        tracking_number=tracking,
        carrier=carrier,
    )
    fulfilment.tracking_number = tracking
    fulfilment.carrier = carrier
    fulfilment.shipped_at = act["now"]
    _to_shelf(session, fulfilment, act, shipped=True)
    session.flush()


def correct_tracking(
    session: Session,
    fulfilment: Fulfilment,
    tracking_number: str,
    *,
    carrier: str,
    **act: Unpack[Act],
) -> None:
    """A wrong carrier or tracking number typed when shipping, corrected afterwards.

    :raises OrderError: ``not_shipped``, or from :func:`orders.carriers.clean_tracking`.
    """
    if fulfilment.status not in (FulfilmentStatus.SHIPPED, FulfilmentStatus.REFUSED):
        raise OrderError("not_shipped", status=str(fulfilment.status))
    tracking = carriers.clean_tracking(carrier, tracking_number)
    record(
        fulfilment.order,
        EventKind.TRACKING_CORRECTED,
        now=act["now"],
        fulfilment=fulfilment,
        source=act.get("source", "cooperative"),
        actor_id=act.get("actor_id"),
        tracking_number=tracking,
        carrier=carrier,
        previous=f"{fulfilment.carrier} {fulfilment.tracking_number}",
    )
    fulfilment.tracking_number = tracking
    fulfilment.carrier = carrier
    session.flush()


def mark_delivered(session: Session, fulfilment: Fulfilment, **act: Unpack[Act]) -> None:
    """The shopper has the parcel. For a part paid to the marketplace, the cooperative
    is now owed its share.

    :raises InvalidTransition: unless the part was shipped.
    """
    _move(fulfilment, FulfilmentStatus.DELIVERED, EventKind.DELIVERED, act)
    fulfilment.delivered_at = act["now"]
    ledger.post_delivery(session, fulfilment, now=act["now"])
    settle_order_status(fulfilment.order, now=act["now"])
    session.flush()


def record_cash_collected(session: Session, fulfilment: Fulfilment, **act: Unpack[Act]) -> None:
    """The cooperative collected the cash for its cash-on-delivery part (the whole
    part: goods, parcel and fee, less units taken off before it left). A shipped part
    becomes delivered. The cooperative now owes the commission.

    :raises OrderError: ``not_cash_on_delivery``, ``cash_already_collected``.
    :raises InvalidTransition: unless the part was shipped or delivered.
    """
    if fulfilment.order.payment_method != PaymentMethod.COD:
        raise OrderError("not_cash_on_delivery")
    if fulfilment.cash_collected_at is not None:
        raise OrderError("cash_already_collected")
    if fulfilment.status == FulfilmentStatus.SHIPPED:
        mark_delivered(session, fulfilment, **act)
    elif fulfilment.status != FulfilmentStatus.DELIVERED:
        raise OrderError("not_delivered", status=str(fulfilment.status))
    now = act["now"]
    cash = fulfilment.to_collect_minor
    fulfilment.cash_collected_at = now
    fulfilment.cash_collected_minor = cash
    record(
        fulfilment.order,
        EventKind.CASH_COLLECTED,
        now=now,
        fulfilment=fulfilment,
        source=act.get("source", "cooperative"),
        actor_id=act.get("actor_id"),
        amount_minor=cash,
    )
    ledger.post_cash_collected(session, fulfilment, now=now)
    order = fulfilment.order
    order.amount_paid_minor += cash
    order.paid_at = order.paid_at or now
    session.flush()


def mark_refused_at_door(
    session: Session, fulfilment: Fulfilment, *, reason: str = "", **act: Unpack[Act]
) -> None:
    """The buyer refused a cash-on-delivery parcel at the door: nothing was paid and no
    commission is owed; the parcel travels back (:func:`mark_returned`).

    :raises OrderError: ``not_cash_on_delivery``.
    :raises InvalidTransition: unless the part was shipped.
    """
    if fulfilment.order.payment_method != PaymentMethod.COD:
        raise OrderError("not_cash_on_delivery")
    _move(fulfilment, FulfilmentStatus.REFUSED, EventKind.REFUSED_AT_DOOR, act, reason=reason[:200])
    session.flush()


def mark_returned(session: Session, fulfilment: Fulfilment, **act: Unpack[Act]) -> None:
    """The refused parcel is back with the cooperative: its goods go back on sale.

    :raises InvalidTransition: unless the part was refused at the door.
    """
    _move(fulfilment, FulfilmentStatus.RETURNED, EventKind.RETURNED, act)
    _to_shelf(session, fulfilment, act, shipped=False)
    settle_order_status(fulfilment.order, now=act["now"])
    session.flush()


def part_was_paid(fulfilment: Fulfilment) -> bool:
    """Money changed hands for this part: the order was paid to the marketplace, or
    the cooperative collected the cash."""
    if fulfilment.order.payment_method == PaymentMethod.COD:
        return fulfilment.cash_collected_at is not None
    return fulfilment.order.amount_paid_minor > 0


def cancel_part(
    session: Session, fulfilment: Fulfilment, *, reason: str, **act: Unpack[Act]
) -> None:
    """Cancel an unpaid part (not delivered): its stock goes back on sale (a parcel
    refused at the door comes back to the shelf). A part that was paid is refunded
    instead (:func:`orders.refunds.refund_part`). ``source`` defaults to the operator.

    :raises OrderError: ``part_is_paid``.
    :raises InvalidTransition: for a delivered or closed part.
    """
    if part_was_paid(fulfilment):
        raise OrderError("part_is_paid")
    act = {"source": "operator", **act}
    held = fulfilment.status in HOLDING_STOCK
    _move(fulfilment, FulfilmentStatus.CANCELLED, EventKind.CANCELLED, act, reason=reason[:200])
    give_back_stock(session, fulfilment, act, held=held, returned=True)
    settle_order_status(fulfilment.order, now=act["now"])
    session.flush()


# -- reading parts ----------------------------------------------------------------------
def parts_for_cooperative(
    session: Session,
    cooperative_id: int,
    *,
    statuses: Sequence[FulfilmentStatus] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Fulfilment]:
    """A cooperative's parts, newest first, with their order and lines loaded (a fixed
    number of queries)."""
    stmt = (
        select(Fulfilment)
        .where(Fulfilment.cooperative_id == cooperative_id)
        .options(
            selectinload(Fulfilment.order),
            selectinload(Fulfilment.lines)
            .selectinload(OrderLine.product)
            .selectinload(Product.images),
        )
        .order_by(Fulfilment.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if statuses:
        stmt = stmt.where(Fulfilment.status.in_([str(s) for s in statuses]))
    return list(session.scalars(stmt))


def count_parts_by_status(session: Session, cooperative_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Fulfilment.status, func.count(Fulfilment.id))
        .where(Fulfilment.cooperative_id == cooperative_id)
        .group_by(Fulfilment.status)
    ).all()
    return {str(status): int(n) for status, n in rows}
