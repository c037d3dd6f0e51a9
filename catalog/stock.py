"""Stock and production capacity.

``available_now`` is what can leave today: the stock. ``available_by(day)`` adds what
the cooperative can still make by ``day``: its daily capacity over the working days
from today (Monday to Saturday, less any holidays given) minus the capacity already
promised to other orders. Outstanding commitments are counted in full, whatever their
due date, so a promise is never made twice.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import CapacityCommitment, Product

#: Python weekday numbers of working days: Monday (0) to Saturday (5).
WORKING_WEEKDAYS = frozenset(range(6))
#: How far ahead a promise date is searched for.
MAX_PROMISE_DAYS = 365


def working_days(start: date, end: date, holidays: Collection[date] = ()) -> int:
    """Working days in ``[start, end)``: production days before ``end``."""
    if end <= start:
        return 0
    days = (end - start).days
    full_weeks, rest = divmod(days, 7)
    count = full_weeks * len(WORKING_WEEKDAYS)
    for offset in range(rest):
        if (start + timedelta(days=full_weeks * 7 + offset)).weekday() in WORKING_WEEKDAYS:
            count += 1
    count -= sum(1 for h in holidays if start <= h < end and h.weekday() in WORKING_WEEKDAYS)
    return count


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


def capacity_between(
    product: Product, start: date, end: date, holidays: Collection[date] = ()
) -> int:
    if not product.made_to_order or product.units_per_day <= 0:
        return 0
    ready_from = start + timedelta(days=product.lead_days)
    return product.units_per_day * working_days(ready_from, end, holidays)


def available_by(
    product: Product,
    day: date,
    *,
    today: date,
    committed_units: int,
    holidays: Collection[date] = (),
) -> int:
    """Units that can be promised for ``day``: stock + capacity − commitments, ≥ 0."""
    produced = capacity_between(product, today, day, holidays)
    return max(0, product.stock + produced - committed_units)


def promise_date(
    product: Product,
    quantity: int,
    *,
    today: date,
    committed_units: int,
    holidays: Collection[date] = (),
) -> date | None:
    """The earliest day by which ``quantity`` units can be ready, or None if stock and
    capacity cannot reach it within a year."""
    if quantity <= product.stock - committed_units or quantity <= 0:
        return today
    if not product.made_to_order or product.units_per_day <= 0:
        return None
    missing = quantity - (product.stock - committed_units)
    days_needed = -(-missing // product.units_per_day)  # ceil
    day = today + timedelta(days=product.lead_days)
    made = 0
    for _ in range(MAX_PROMISE_DAYS + product.lead_days):
        if day.weekday() in WORKING_WEEKDAYS and day not in holidays:
            made += 1
            if made >= days_needed:
                return day + timedelta(days=1)  # ready at the end of that day
        day += timedelta(days=1)
    return None
