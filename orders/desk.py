"""The operator's order desk: every order (shop and institutional) found by number,
phone, e-mail, cooperative or organisation, the queues that wait for the operator,
and the operator's verbs that are not payment or refund verbs themselves::

    find_orders(session, query="TW-7K3", queue="awaiting_transfer", now=now)
    queue_counts(session, now=now)
    clear_attention(session, order, note="Checked with the bank", now=now, actor_id=1)
    record_refund_paid(session, order, amount, reference="VIR-55", now=now, actor_id=1)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from catalog.accounts.users import Organisation
from catalog.money import Money
from orders.errors import OrderError
from orders.events import record
from orders.models import Fulfilment, Order
from orders.status import EventKind, FulfilmentStatus, OrderStatus, PaymentMethod

#: a confirmed part not shipped this many days after confirmation is late
LATE_TO_SHIP_DAYS = 5
MAX_NOTE_LENGTH = 2000


class Queue(StrEnum):
    AWAITING_TRANSFER = "awaiting_transfer"
    NEEDS_ATTENTION = "needs_attention"
    REFUND_DUE = "refund_due"
    REFUSED_AT_DOOR = "refused_at_door"
    LATE_TO_SHIP = "late_to_ship"


def _refund_owed_sql() -> ColumnElement[int]:
    refunded = case(
        (Order.payment_method == PaymentMethod.CARD, 0), else_=Order.amount_refunded_minor
    )
    overpaid = case(
        (Order.amount_paid_minor > Order.total_minor, Order.amount_paid_minor - Order.total_minor),
        else_=0,
    )
    return refunded + overpaid - Order.refund_paid_minor


def _queue_filter(queue: Queue, now: datetime) -> ColumnElement[bool]:
    if queue == Queue.AWAITING_TRANSFER:
        return and_(
            Order.payment_method == PaymentMethod.BANK_TRANSFER,
            Order.status.in_([OrderStatus.PENDING_PAYMENT, OrderStatus.EXPIRED]),
        )
    if queue == Queue.NEEDS_ATTENTION:
        return Order.needs_attention.is_(True)
    if queue == Queue.REFUND_DUE:
        return _refund_owed_sql() > 0
    if queue == Queue.REFUSED_AT_DOOR:
        return exists().where(
            Fulfilment.order_id == Order.id,
            Fulfilment.status == FulfilmentStatus.REFUSED,
        )
    late = now - timedelta(days=LATE_TO_SHIP_DAYS)
    return and_(
        Order.status == OrderStatus.CONFIRMED,
        Order.confirmed_at < late,
        exists().where(
            Fulfilment.order_id == Order.id, Fulfilment.status == FulfilmentStatus.TO_PREPARE
        ),
    )


def _search(stmt: Select[Order], query: str) -> Select[Order]:
    text = " ".join(query.split())[:100]
    if not text:
        return stmt
    like = f"%{text.lower()}%"
    digits = "".join(ch for ch in text if ch.isdigit())
    conditions = [
        func.lower(Order.number).like(like),
        func.lower(Order.email).like(like),
        func.lower(Order.customer_name).like(like),
        exists().where(
            Fulfilment.order_id == Order.id, func.lower(Fulfilment.cooperative_name).like(like)
        ),
        exists().where(
            Organisation.id == Order.organisation_id, func.lower(Organisation.name).like(like)
        ),
    ]
    if len(digits) >= 6:  # a phone number, written 06 12… or +212 6 12…
        conditions.append(Order.phone.like(f"%{digits.removeprefix('0')[-9:]}%"))
    return stmt.where(or_(*conditions))


def find_orders(
    session: Session,
    *,
    query: str = "",
    queue: Queue | None = None,
    now: datetime,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Order], int]:
    """Orders matching ``query`` (and in ``queue``), newest first, with the total."""
    stmt = _search(select(Order), query)
    if queue is not None:
        stmt = stmt.where(_queue_filter(queue, now))
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = session.scalars(
        stmt.options(selectinload(Order.fulfilments), selectinload(Order.organisation))
        .order_by(Order.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


def queue_counts(session: Session, *, now: datetime) -> dict[Queue, int]:
    """How many orders wait in each queue, in one query."""
    columns = [
        func.coalesce(func.sum(case((_queue_filter(queue, now), 1), else_=0)), 0) for queue in Queue
    ]
    row = session.execute(select(*columns).select_from(Order)).one()
    return {queue: int(n) for queue, n in zip(Queue, row, strict=True)}


def clear_attention(
    session: Session, order: Order, *, note: str, now: datetime, actor_id: int | None
) -> None:
    """The operator looked at a flagged order and says what was done.

    :raises OrderError: ``note_required``, ``not_flagged``.
    """
    note = note.strip()[:MAX_NOTE_LENGTH]
    if not note:
        raise OrderError("note_required")
    if not order.needs_attention:
        raise OrderError("not_flagged")
    order.needs_attention = False
    record(
        order, EventKind.ATTENTION_CLEARED, now=now, source="operator", actor_id=actor_id, note=note
    )
    session.flush()


def record_refund_paid(
    session: Session,
    order: Order,
    amount: Money,
    *,
    reference: str,
    now: datetime,
    actor_id: int | None,
) -> None:
    """The operator gave money owed back to the buyer (a transfer, cash).

    :raises OrderError: ``reference_required``, ``amount_not_positive``,
        ``more_than_owed`` (``owed_minor``).
    """
    reference = " ".join(reference.split())[:120]
    if not reference:
        raise OrderError("reference_required")
    if amount.amount_minor <= 0 or amount.currency != order.currency:
        raise OrderError("amount_not_positive")
    if amount.amount_minor > order.refund_owed_minor:
        raise OrderError("more_than_owed", owed_minor=order.refund_owed_minor)
    order.refund_paid_minor += amount.amount_minor
    record(
        order,
        EventKind.REFUND_PAID,
        now=now,
        source="operator",
        actor_id=actor_id,
        amount_minor=amount.amount_minor,
        reference=reference,
    )
    session.flush()
