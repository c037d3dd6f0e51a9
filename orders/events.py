"""State changes and the order's event log. Every change of an order's or a
fulfilment's state goes through :func:`move_order` / :func:`move_fulfilment`, which
refuse transitions the state machine does not allow and write an event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orders.errors import InvalidTransition
from orders.models import Fulfilment, Order, OrderEvent
from orders.status import (
    CLOSED_FULFILMENT,
    EventKind,
    FulfilmentStatus,
    OrderStatus,
    can_fulfil,
    can_order,
)

CLOSED_ORDER = frozenset(
    {OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REFUNDED}
)


def record(
    order: Order,
    kind: EventKind,
    *,
    now: datetime,
    fulfilment: Fulfilment | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    source: str = "system",
    actor_id: int | None = None,
    **data: Any,
) -> OrderEvent:
    event = OrderEvent(
        kind=kind,
        fulfilment_id=fulfilment.id if fulfilment is not None else None,
        from_status=from_status,
        to_status=to_status,
        source=source,
        actor_id=actor_id,
        data=data,
        created_at=now,
    )
    order.events.append(event)
    return event


def move_order(
    order: Order,
    target: OrderStatus,
    *,
    now: datetime,
    kind: EventKind,
    source: str = "system",
    actor_id: int | None = None,
    **data: Any,
) -> None:
    """:raises InvalidTransition: when ``order`` cannot go to ``target``."""
    current = OrderStatus(order.status)
    if not can_order(current, target):
        raise InvalidTransition(entity="order", current=str(current), target=str(target))
    order.status = target
    if target == OrderStatus.CONFIRMED:
        order.confirmed_at = order.confirmed_at or now
        order.closed_at = None
    if target in CLOSED_ORDER:
        order.closed_at = now
    record(
        order,
        kind,
        now=now,
        from_status=str(current),
        to_status=str(target),
        source=source,
        actor_id=actor_id,
        **data,
    )


def move_fulfilment(
    fulfilment: Fulfilment,
    target: FulfilmentStatus,
    *,
    now: datetime,
    kind: EventKind,
    source: str = "system",
    actor_id: int | None = None,
    **data: Any,
) -> None:
    """:raises InvalidTransition: when the part cannot go to ``target``."""
    current = FulfilmentStatus(fulfilment.status)
    if not can_fulfil(current, target):
        raise InvalidTransition(entity="fulfilment", current=str(current), target=str(target))
    fulfilment.status = target
    fulfilment.closed_at = now if target in CLOSED_FULFILMENT else None
    record(
        fulfilment.order,
        kind,
        now=now,
        fulfilment=fulfilment,
        from_status=str(current),
        to_status=str(target),
        source=source,
        actor_id=actor_id,
        **data,
    )
