"""When a cash-on-delivery order waits for a code sent by text message to the phone
given with it: above the operator's amount (:attr:`MarketplaceSettings
.cod_code_above_minor`), or when no order sent to that phone was ever delivered. Such
an order takes stock only once the code is right, so a stranger cannot tie up a
cooperative's stock with a made-up phone number."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import settings
from orders.models import Order
from orders.status import OrderStatus


def needs_code(session: Session, *, phone: str, total_minor: int) -> bool:
    """Whether a cash-on-delivery order of ``total_minor`` to ``phone`` (E.164) waits
    for a code."""
    if total_minor > settings.current(session).cod_code_above_minor:
        return True
    delivered = session.scalar(
        select(Order.id).where(Order.phone == phone, Order.status == OrderStatus.COMPLETED).limit(1)
    )
    return delivered is None
