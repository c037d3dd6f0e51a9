"""Each cooperative fulfils its own part; the order follows its parts."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from catalog.models import CapacityCommitment
from orders import fulfilment, payment_attempts, refunds
from orders.errors import InvalidTransition, OrderError
from orders.models import OrderEvent
from orders.status import FulfilmentStatus, OrderStatus
from tests.conftest import NOW

LATER = NOW + timedelta(days=2)


@pytest.fixture
def two_part_order(make):
    a, b = make.cooperative(), make.cooperative()
    return make.order({make.product(a): 1, make.product(b): 2})


def test_a_part_is_shipped_with_tracking_then_delivered(session, two_part_order) -> None:
    order = two_part_order
    first, second = order.fulfilments
    fulfilment.mark_shipped(session, first, "  CB 123456789 MA ", now=NOW, actor_id=None)
    assert (first.status, first.tracking_number) == (FulfilmentStatus.SHIPPED, "CB 123456789 MA")
    assert second.status == FulfilmentStatus.TO_PREPARE, "each part has its own state"
    fulfilment.mark_delivered(session, first, now=LATER)
    assert order.status == OrderStatus.CONFIRMED, "one part still on its way"
    fulfilment.mark_shipped(session, second, "CB2", now=LATER)
    fulfilment.mark_delivered(session, second, now=LATER)
    assert order.status == OrderStatus.COMPLETED and order.closed_at == LATER
    shipped = session.scalar(
        select(OrderEvent).where(OrderEvent.kind == "shipped").order_by(OrderEvent.id)
    )
    assert shipped.data["tracking_number"] == "CB 123456789 MA"
    assert shipped.fulfilment_id == first.id


@pytest.mark.parametrize("tracking", ["", "   ", "x" * 61])
def test_shipping_needs_a_tracking_number(session, two_part_order, tracking) -> None:
    part = two_part_order.fulfilments[0]
    with pytest.raises(OrderError) as caught:
        fulfilment.mark_shipped(session, part, tracking, now=NOW)
    assert caught.value.code == "tracking_required"
    assert part.status == FulfilmentStatus.TO_PREPARE


def test_illegal_transitions_raise_and_change_nothing(session, make, two_part_order) -> None:
    part = two_part_order.fulfilments[0]
    events = len(two_part_order.events)
    with pytest.raises(InvalidTransition) as caught:
        fulfilment.mark_delivered(session, part, now=NOW)
    assert caught.value.data == {
        "entity": "fulfilment",
        "current": "to_prepare",
        "target": "delivered",
    }
    fulfilment.mark_shipped(session, part, "T1", now=NOW)
    with pytest.raises(InvalidTransition):
        fulfilment.mark_shipped(session, part, "T2", now=NOW)
    assert part.tracking_number == "T1"
    assert len(two_part_order.events) == events + 1
    card = make.order(method="card")
    with pytest.raises(InvalidTransition):
        fulfilment.mark_shipped(session, card.fulfilments[0], "T3", now=NOW)


def test_cash_collected_marks_a_shipped_part_delivered(session, two_part_order) -> None:
    part = two_part_order.fulfilments[0]
    with pytest.raises(OrderError) as caught:
        fulfilment.record_cash_collected(session, part, now=NOW)
    assert caught.value.code == "not_delivered"
    fulfilment.mark_shipped(session, part, "T1", now=NOW)
    fulfilment.record_cash_collected(session, part, now=LATER)
    assert part.status == FulfilmentStatus.DELIVERED
    assert part.cash_collected_minor == part.total_minor
    assert two_part_order.amount_paid_minor == part.total_minor
    with pytest.raises(OrderError) as caught:
        fulfilment.record_cash_collected(session, part, now=LATER)
    assert caught.value.code == "cash_already_collected"


def test_cash_is_only_collected_on_cash_orders(session, make) -> None:
    order = make.order(method="card")
    with pytest.raises(OrderError) as caught:
        fulfilment.record_cash_collected(session, order.fulfilments[0], now=NOW)
    assert caught.value.code == "not_cash_on_delivery"


def test_cancelling_one_part_keeps_the_other_and_restores_stock(session, make) -> None:
    a, b = make.product(on_hand=4), make.product(on_hand=4)
    order = make.order({a: 1, b: 3})
    part_a, part_b = order.fulfilments
    fulfilment.cancel_part(session, part_b, now=NOW, reason="out_of_stock", source="cooperative")
    session.expire_all()
    assert (a.available, b.available) == (3, 4)
    assert order.status == OrderStatus.CONFIRMED
    fulfilment.mark_shipped(session, part_a, "T", now=NOW)
    fulfilment.mark_delivered(session, part_a, now=NOW)
    assert order.status == OrderStatus.COMPLETED


def test_a_parcel_refused_at_the_door_comes_back_to_stock(session, make) -> None:
    p = make.product(on_hand=4)
    order = make.order({p: 2})
    part = order.fulfilments[0]
    fulfilment.mark_shipped(session, part, "T", now=NOW)
    fulfilment.cancel_part(session, part, now=LATER, reason="refused")
    session.expire_all()
    assert p.available == 4 and order.status == OrderStatus.CANCELLED


def test_a_paid_part_is_refunded_not_cancelled(session, make) -> None:
    order = make.order(method="card")
    payment = payment_attempts.new_payment_attempt(session, order, now=NOW)
    payment_attempts.mark_paid(session, order, payment, now=NOW, source="stripe")
    with pytest.raises(OrderError) as caught:
        fulfilment.cancel_part(session, order.fulfilments[0], now=NOW, reason="x")
    assert caught.value.code == "part_is_paid"


def test_shipping_made_to_order_units_fulfils_their_commitment(session, make) -> None:
    masks = make.product(on_hand=0, made_to_order=True, units_per_day=100)
    order = make.order({masks: 150})
    fulfilment.mark_shipped(session, order.fulfilments[0], "T", now=NOW)
    assert session.scalar(select(CapacityCommitment.fulfilled)) is True


def test_parts_are_read_only_through_their_cooperative(session, make, count_queries) -> None:
    a, b = make.cooperative(), make.cooperative()
    for _ in range(3):
        make.order({make.product(a): 1, make.product(b): 1})
    session.commit()
    count_queries.clear()
    parts = fulfilment.parts_for_cooperative(session, a.id)
    assert len(parts) == 3 and {p.cooperative_id for p in parts} == {a.id}
    for part in parts:
        assert part.order.number and part.lines[0].product.images == []
    assert len(count_queries) <= 5
    assert {p.cooperative_id for p in fulfilment.parts_for_cooperative(session, b.id)} == {b.id}
    assert fulfilment.count_parts_by_status(session, a.id) == {"to_prepare": 3}


def test_units_taken_off_before_leaving_come_off_production_then_the_shelf(session, make) -> None:
    masks = make.product(on_hand=2, made_to_order=True, units_per_day=100, price_minor=600)
    soap = make.product(masks.cooperative, on_hand=5, price_minor=2_000)
    order = make.order({masks: 5, soap: 1}, now=NOW)
    line = next(ln for ln in order.lines if ln.product_id == masks.id)
    assert (line.qty_from_stock, line.qty_made_to_order, line.commitment.quantity) == (2, 3, 3)
    refunds.refund_line(session, line, 2, gateway=None, reason="Plus besoin", now=NOW)
    assert (line.qty_from_stock, line.qty_made_to_order, line.commitment.quantity) == (2, 1, 1)
    assert masks.allocated == 2 and line.quantity_to_send == 3
    refunds.refund_line(session, line, 2, gateway=None, reason="Plus besoin", now=NOW)
    assert (line.qty_from_stock, line.qty_made_to_order, line.commitment) == (1, 0, None)
    assert session.scalar(select(CapacityCommitment)) is None
    session.refresh(masks)
    assert masks.allocated == 1 and line.removed_quantity == 4
    # the rest ships and, refused and back, only what was sent returns to the shelf
    part = line.fulfilment
    soap_line = part.lines[-1]
    refunds.refund_line(session, soap_line, 1, gateway=None, reason="x", now=NOW)
    with pytest.raises(OrderError, match="whole_part"):
        refunds.refund_line(session, line, 1, gateway=None, reason="x", now=NOW)
    fulfilment.mark_shipped(session, part, "CB123456789MA", carrier="amana", now=NOW)
    session.refresh(masks)
    session.refresh(soap)
    assert (masks.on_hand, masks.allocated, soap.on_hand, soap.allocated) == (1, 0, 5, 0)
    fulfilment.mark_refused_at_door(session, part, now=NOW)
    fulfilment.mark_returned(session, part, now=NOW)
    session.refresh(masks)
    session.refresh(soap)
    assert (masks.on_hand, soap.on_hand) == (2, 5)


def test_line_refunds_are_offered_where_refund_line_takes_them(session, make) -> None:
    soap = make.product(on_hand=5, price_minor=2_000)
    part = make.order({soap: 2}, now=NOW).fulfilments[0]  # cash on delivery
    line = part.lines[0]
    assert refunds.takes_units_off(part) and refunds.lines_refundable(part)
    fulfilment.mark_shipped(session, part, "CB123456789MA", carrier="amana", now=NOW)
    # on its way, its cash not collected: refused at the door, not refunded by units
    assert not refunds.takes_units_off(part) and not refunds.lines_refundable(part)
    with pytest.raises(OrderError, match="part_not_paid"):
        refunds.refund_line(session, line, 1, gateway=None, reason="x", now=NOW)
    fulfilment.record_cash_collected(session, part, now=NOW)
    assert refunds.lines_refundable(part)
    refunds.refund_line(session, line, 1, gateway=None, reason="Cassé", now=NOW)
    assert (line.refunded_quantity, line.removed_quantity) == (1, 0)
    other = make.order({soap: 1}, now=NOW).fulfilments[0]
    fulfilment.cancel_part(session, other, reason="x", now=NOW)
    assert not refunds.lines_refundable(other)
    with pytest.raises(OrderError, match="part_closed"):
        refunds.refund_line(session, other.lines[0], 1, gateway=None, reason="x", now=NOW)
