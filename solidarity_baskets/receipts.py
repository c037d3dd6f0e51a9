"""The organisation confirms what arrived at each distribution point: how many complete
baskets, and the lines short or damaged with a note. That word — not the supplier's —
moves the point's parts to delivered (the cooperatives are then owed their share) and
is what the impact report counts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.errors import FieldProblem, InvalidInput
from orders import fulfilment as parts_of_orders
from orders.models import Fulfilment
from orders.status import CLOSED_FULFILMENT, FulfilmentStatus, OrderStatus
from solidarity_baskets.errors import BasketError
from solidarity_baskets.models import AllocationLine, BasketOrder, PointReceipt, QuoteDestination

MAX_NOTE = 1000


@dataclass(frozen=True, slots=True)
class LineProblem:
    """Units of one basket line that did not arrive, or arrived unusable."""

    short: int = 0
    damaged: int = 0


def point_parts(
    session: Session, basket_order: BasketOrder, destination_id: int
) -> list[Fulfilment]:
    """The parts (one per cooperative) sending goods to one distribution point."""
    ids = select(AllocationLine.fulfilment_id).where(
        AllocationLine.basket_order_id == basket_order.id,
        AllocationLine.destination_id == destination_id,
    )
    return list(
        session.scalars(select(Fulfilment).where(Fulfilment.id.in_(ids)).order_by(Fulfilment.id))
    )


def expected_units(
    session: Session, basket_order: BasketOrder, destination_id: int
) -> dict[str, int]:
    """Units of each basket line bought for the point (what ``short`` and ``damaged``
    are counted against)."""
    units: dict[str, int] = {}
    for key, line_units in session.execute(
        select(AllocationLine.line_key, AllocationLine.line_units).where(
            AllocationLine.basket_order_id == basket_order.id,
            AllocationLine.destination_id == destination_id,
        )
    ):
        units[key] = units.get(key, 0) + line_units
    return units


def receivable(
    basket_order: BasketOrder, destination_id: int, part_statuses: Iterable[str]
) -> bool:
    """Whether the organisation can confirm receipt at the point now: the order is
    paid, the point has no receipt yet, and every part sending to it (``part_statuses``,
    as :func:`solidarity_baskets.manifests.point_manifests` reads them) has shipped or
    is closed, at least one shipped."""
    if basket_order.order.status not in (OrderStatus.CONFIRMED, OrderStatus.COMPLETED):
        return False
    if any(r.destination_id == destination_id for r in basket_order.receipts):
        return False
    open_parts = [s for s in part_statuses if s not in CLOSED_FULFILMENT]
    return bool(open_parts) and all(s == FulfilmentStatus.SHIPPED for s in open_parts)


def confirm_receipt(
    session: Session,
    basket_order: BasketOrder,
    destination: QuoteDestination,
    *,
    baskets_received: int,
    problems: Mapping[str, LineProblem],
    note: str,
    now: datetime,
    user_id: int | None,
) -> PointReceipt:
    """Record what arrived at ``destination`` and move its shipped parts to delivered.

    :raises BasketError: ``not_this_order`` (the point belongs to another order),
        ``already_received``, ``not_paid`` (the order is not confirmed),
        ``parts_not_shipped`` (``count``: parts not shipped yet).
    :raises InvalidInput: ``baskets`` / ``out_of_range`` (``max``),
        ``line-<key>`` / ``out_of_range`` (``max``), ``note`` / ``required`` (a short or
        damaged line needs a note) or ``too_long``; nothing changes.
    """
    if destination.quote_id != basket_order.quote_id:
        raise BasketError("not_this_order")
    if any(r.destination_id == destination.id for r in basket_order.receipts):
        raise BasketError("already_received")
    if basket_order.order.status not in (OrderStatus.CONFIRMED, OrderStatus.COMPLETED):
        raise BasketError("not_paid")
    parts = point_parts(session, basket_order, destination.id)
    waiting = [
        p
        for p in parts
        if p.status not in CLOSED_FULFILMENT and p.status != FulfilmentStatus.SHIPPED
    ]
    if waiting:
        raise BasketError("parts_not_shipped", count=len(waiting))
    found: list[FieldProblem] = []
    if not 0 <= baskets_received <= destination.baskets:
        found.append(
            FieldProblem("baskets", "out_of_range", {"min": 0, "max": destination.baskets})
        )
    expected = expected_units(session, basket_order, destination.id)
    kept: list[dict[str, int | str]] = []
    for key, problem in problems.items():
        most = expected.get(key)
        if most is None:
            found.append(FieldProblem(f"line-{key}", "unknown_line"))
            continue
        if not (0 <= problem.short <= most and 0 <= problem.damaged <= most - problem.short):
            found.append(FieldProblem(f"line-{key}", "out_of_range", {"min": 0, "max": most}))
            continue
        if problem.short or problem.damaged:
            kept.append({"line": key, "short": problem.short, "damaged": problem.damaged})
    note = note.strip()
    if len(note) > MAX_NOTE:
        found.append(FieldProblem("note", "too_long", {"max": MAX_NOTE}))
    elif (kept or baskets_received < destination.baskets) and not note:
        found.append(FieldProblem("note", "required"))
    if found:
        raise InvalidInput(found)
    receipt = PointReceipt(
        basket_order=basket_order,
        destination_id=destination.id,
        baskets_received=baskets_received,
        problems=kept,
        note=note,
        confirmed_by_id=user_id,
        confirmed_at=now,
    )
    session.add(receipt)
    for part in parts:
        if part.status == FulfilmentStatus.SHIPPED:
            parts_of_orders.mark_delivered(
                session, part, now=now, actor_id=user_id, source="organisation"
            )
    session.flush()
    return receipt


def received_by_point(basket_order: BasketOrder) -> dict[int, PointReceipt]:
    return {r.destination_id: r for r in basket_order.receipts}
