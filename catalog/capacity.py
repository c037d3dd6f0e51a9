"""A cooperative's made-to-order commitments against its daily production capacity.

Orders for a made-to-order product commit production capacity with a due date
(:class:`catalog.models.CapacityCommitment`). Here each product's open commitments
are laid out by due date, with what the cooperative can make by then at its daily
rate (:func:`catalog.stock.capacity_between`: working days, lead time), so it sees
at once which promises are on track and which are at risk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import CapacityCommitment, Product
from catalog.stock import capacity_between


@dataclass(frozen=True, slots=True)
class DueDay:
    """The units due on one day, and whether production keeps up."""

    day: date
    due: int
    #: units due on this day and before (overdue ones included)
    cumulative: int
    #: units the cooperative can make from today to the end of this day
    can_make: int
    references: tuple[str, ...]

    @property
    def on_track(self) -> bool:
        return self.cumulative <= self.can_make


@dataclass(slots=True)
class CapacityPlan:
    product: Product
    #: open commitments (not yet made), in units
    committed: int = 0
    #: units whose due date has passed and are still not made
    overdue: int = 0
    days: list[DueDay] = field(default_factory=list)

    @property
    def working_days_needed(self) -> int:
        per_day = self.product.units_per_day
        return -(-self.committed // per_day) if per_day > 0 else 0

    @property
    def at_risk(self) -> bool:
        return self.overdue > 0 or any(not d.on_track for d in self.days)


def capacity_plans(session: Session, cooperative_id: int, *, today: date) -> list[CapacityPlan]:
    """Every made-to-order product of a cooperative (and any other with open
    commitments), with its open commitments by due date. Two queries."""
    products = session.scalars(
        select(Product)
        .where(
            Product.cooperative_id == cooperative_id,
            Product.made_to_order.is_(True)
            | Product.id.in_(
                select(CapacityCommitment.product_id).where(CapacityCommitment.fulfilled.is_(False))
            ),
        )
        .order_by(Product.sku)
    ).all()
    plans = {p.id: CapacityPlan(p) for p in products}
    if not plans:
        return []
    commitments = session.scalars(
        select(CapacityCommitment)
        .where(
            CapacityCommitment.product_id.in_(list(plans)),
            CapacityCommitment.fulfilled.is_(False),
        )
        .order_by(CapacityCommitment.product_id, CapacityCommitment.due_on, CapacityCommitment.id)
    ).all()
    by_product: dict[int, dict[date, list[CapacityCommitment]]] = {}
    for c in commitments:
        by_product.setdefault(c.product_id, {}).setdefault(c.due_on, []).append(c)
    for product_id, by_day in by_product.items():
        plan = plans[product_id]
        cumulative = 0
        for day in sorted(by_day):
            items = by_day[day]
            due = sum(c.quantity for c in items)
            cumulative += due
            plan.committed += due
            if day < today:
                plan.overdue += due
            plan.days.append(
                DueDay(
                    day=day,
                    due=due,
                    cumulative=cumulative,
                    can_make=capacity_between(plan.product, today, day + timedelta(days=1)),
                    references=tuple(c.reference for c in items if c.reference),
                )
            )
    return list(plans.values())
