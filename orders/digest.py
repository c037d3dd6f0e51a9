"""What happened to an organisation's orders over a day, for one summary message
instead of a message per parcel (a national basket order ships thousands)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from orders.models import Order, OrderEvent
from orders.status import EventKind

#: the parcel events an organisation hears about in its digest, in this order
DIGEST_KINDS = (
    EventKind.SHIPPED,
    EventKind.DELIVERED,
    EventKind.TRACKING_CORRECTED,
    EventKind.CANCELLED,
    EventKind.REFUNDED,
    EventKind.LINE_REFUNDED,
)


@dataclass
class OrderDay:
    number: str
    #: parcels per kind of event (``shipped``: 12 …)
    counts: Counter[str] = field(default_factory=Counter)


def organisation_days(
    session: Session, *, since: datetime, until: datetime
) -> dict[int, list[OrderDay]]:
    """Per organisation, its orders with parcel events in ``[since, until)`` and how
    many parcels each kind of event concerned (one query)."""
    rows = session.execute(
        select(Order.organisation_id, Order.number, OrderEvent.kind)
        .join(Order, Order.id == OrderEvent.order_id)
        .where(
            Order.organisation_id.is_not(None),
            OrderEvent.fulfilment_id.is_not(None),
            OrderEvent.kind.in_([str(k) for k in DIGEST_KINDS]),
            OrderEvent.created_at >= since,
            OrderEvent.created_at < until,
        )
        .order_by(Order.organisation_id, Order.number)
    ).all()
    found: dict[int, dict[str, OrderDay]] = {}
    for organisation_id, number, kind in rows:
        assert organisation_id is not None  # the query keeps organisations' orders only
        days = found.setdefault(organisation_id, {})
        days.setdefault(number, OrderDay(number)).counts[str(kind)] += 1
    return {org: list(days.values()) for org, days in found.items()}
