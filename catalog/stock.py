"""Stock and production capacity.

``available_now`` is what can leave today: the stock. ``available_by(day)`` adds what
the cooperative can still make by ``day``: its daily capacity over the production days
before ``day`` (working days in Morocco from the end of the product's lead days, see
:mod:`catalog.calendar`) minus the capacity already promised to other orders.
Outstanding commitments are counted in full, whatever their due date, so a promise is
never made twice.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog import calendar
from catalog.models import CapacityCommitment, Product

#: How far ahead a promise date is searched for.
MAX_PROMISE_DAYS = 365


def committed(session: Session, product_id: int) -> int:
    """Units of capacity promised and not yet delivered."""
    value = session.scalar(
        select(func.coalesce(func.sum(CapacityCommitment.quantity), 0)).where(
            CapacityCommitment.product_id == product_id,
            CapacityCommitment.fulfilled.is_(False),
        )
    )
    return int(value or 0)


def available_now(product: Product) -> int:
    return product.stock


def capacity_between(product: Product, start: date, end: date) -> int:
    """Units a made-to-order product can be made in from ``start`` until ``end`` (excluded)."""
    if not product.made_to_order or product.units_per_day <= 0:
        return 0
    return product.units_per_day * calendar.production_days(start, product.lead_days, end)


def available_by(
    product: Product,
    day: date,
    *,
    today: date,
    committed_units: int,
) -> int:
    """Units that can be promised for ``day``: stock + capacity − commitments, ≥ 0."""
    produced = capacity_between(product, today, day)
    return max(0, product.stock + produced - committed_units)


def promise_date(
    product: Product,
    quantity: int,
    *,
    today: date,
    committed_units: int,
) -> date | None:
    """The earliest day by which ``quantity`` units can be ready, or None if stock and
    capacity cannot reach it within a year."""
    if quantity <= product.stock - committed_units or quantity <= 0:
        return today
    if not product.made_to_order or product.units_per_day <= 0:
        return None
    missing = quantity - (product.stock - committed_units)
    days_needed = -(-missing // product.units_per_day)  # ceil
    last = calendar.nth_production_day(
        today, product.lead_days, days_needed, within=MAX_PROMISE_DAYS + product.lead_days
    )
    return None if last is None else last + timedelta(days=1)  # ready at the end of that day
