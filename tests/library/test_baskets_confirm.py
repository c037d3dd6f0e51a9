"""Confirming a quote: one order of the orders library, one part per (cooperative,
distribution point), stock reserved and capacity committed, the rural rule and the
supply checked again, manifests and the impact report adding up to the order."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from catalog.errors import InsufficientStock, InvalidInput
from catalog.models import CapacityCommitment
from orders.fulfilment import mark_shipped, parts_for_cooperative
from orders.models import Fulfilment, Order
from orders.status import FulfilmentStatus, OrderStatus, PaymentMethod
from solidarity_baskets.errors import BasketError
from solidarity_baskets.impact import CSV_HEADER, impact_report, impact_rows
from solidarity_baskets.manifests import parse_serial, point_manifests, trace
from solidarity_baskets.models import BasketOrder, QuoteStatus
from solidarity_baskets.receipts import LineProblem, confirm_receipt
from solidarity_baskets.request import DestinationRequest
from solidarity_baskets.service import Confirmed, Requoted, confirm_basket_order, quote_baskets
from tests.baskets import basket_world
from tests.conftest import NOW, TODAY


def _confirmed(session, make, **kw):
    world = basket_world(session, make, **kw)
    quote = quote_baskets(session, world.request(TODAY), today=TODAY, now=NOW)
    result = confirm_basket_order(session, quote, now=NOW, user=world.member)
    assert isinstance(result, Confirmed)
    basket_order = result.basket_order
    return world, quote, basket_order


def test_confirming_places_one_order_with_one_part_per_cooperative_and_point(session, make):
    world, quote, basket_order = _confirmed(session, make)
    assert session.scalar(select(func.count(Order.id))) == 1
    order = basket_order.order
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.payment_method == PaymentMethod.BANK_TRANSFER
    assert order.organisation_id == world.organisation.id
    assert order.user_id == world.member.id
    pairs = Counter(
        (a.cooperative_id, a.destination_id, a.fulfilment_id) for a in basket_order.allocation
    )
    parts = {(coop, dest): part for coop, dest, part in pairs}
    assert len(parts) == len(order.fulfilments) == len({f.id for f in order.fulfilments})
    assert order.total_minor == quote.total_minor
    assert order.goods_minor == quote.goods_minor and order.shipping_minor == quote.shipping_minor
    assert sum(f.total_minor for f in order.fulfilments) == order.total_minor
    assert quote.status == QuoteStatus.CONFIRMED


def test_each_cooperative_sees_its_parts_like_any_order(session, make):
    world, _, basket_order = _confirmed(session, make)
    for key in ("weavers", "souss", "chaouia"):
        parts = parts_for_cooperative(session, world.coops[key].id)
        assert parts and all(p.order_id == basket_order.order_id for p in parts)
        assert all(
            line.product.cooperative_id == world.coops[key].id for p in parts for line in p.lines
        )
    assert parts_for_cooperative(session, world.coops["city"].id) == []


def test_confirming_reserves_stock_and_commits_capacity(session, make):
    world = basket_world(session, make, plenty=False)
    request = world.request(TODAY, destinations=(DestinationRequest("09.001", 40),))
    quote = quote_baskets(session, request, today=TODAY, now=NOW)
    confirm_basket_order(session, quote, now=NOW, user=world.member)
    session.expire_all()
    assert world.products["oil"].available == 150 - 40
    assert world.products["couscous_1kg"].available == 300 - 80
    committed = session.scalar(
        select(func.sum(CapacityCommitment.quantity)).where(
            CapacityCommitment.product_id == world.products["bag"].id
        )
    )
    assert committed == 40  # the bags are made to order


def test_a_quote_is_confirmed_once(session, make):
    world, quote, _ = _confirmed(session, make)
    with pytest.raises(BasketError) as caught:
        confirm_basket_order(session, quote, now=NOW, user=world.member)
    assert caught.value.code == "quote_not_open"


def test_a_quote_with_shortfalls_cannot_be_confirmed(session, make):
    world = basket_world(session, make)
    request = world.request(TODAY, destinations=(DestinationRequest("06.141", 5000),))
    quote = quote_baskets(session, request, today=TODAY, now=NOW)
    with pytest.raises(BasketError) as caught:
        confirm_basket_order(session, quote, now=NOW, user=world.member)
    assert caught.value.code == "shortfall"
    assert session.scalar(select(func.count(Order.id))) == 0


def test_stock_that_moved_gives_a_new_quote_instead_of_an_order(session, make):
    world = basket_world(session, make)
    quote = quote_baskets(session, world.request(TODAY), today=TODAY, now=NOW)
    world.products["oil"].on_hand = 70  # someone bought oil meanwhile
    session.flush()
    result = confirm_basket_order(session, quote, now=NOW, user=world.member)
    assert isinstance(result, Requoted)
    fresh = result.quote
    assert fresh.id != quote.id and fresh.status == QuoteStatus.OPEN
    assert quote.status == QuoteStatus.SUPERSEDED and quote.superseded_by_id == fresh.id
    assert fresh.shortage_units == 30
    assert session.scalar(select(func.count(Order.id))) == 0


def test_a_change_that_leaves_the_plan_alone_does_not_stop_the_order(session, make):
    world = basket_world(session, make)
    quote = quote_baskets(session, world.request(TODAY), today=TODAY, now=NOW)
    world.products["oil"].on_hand += 5
    session.flush()
    result = confirm_basket_order(session, quote, now=NOW, user=world.member)
    assert isinstance(result, Confirmed)
    basket_order = result.basket_order
    assert basket_order.order.total_minor == quote.total_minor


def test_a_cooperative_no_longer_rural_is_never_ordered_from(session, make):
    world = basket_world(session, make)
    quote = quote_baskets(session, world.request(TODAY), today=TODAY, now=NOW)
    world.coops["chaouia"].rural = False  # the only rural oil
    session.flush()
    result = confirm_basket_order(session, quote, now=NOW, user=world.member)
    assert isinstance(result, Requoted)
    assert str(world.coops["chaouia"].id) not in result.quote.result["cooperatives"]
    assert session.scalar(select(func.count(Fulfilment.id))) == 0


def test_stock_gone_between_reading_and_reserving_stops_everything(session, make, monkeypatch):
    world = basket_world(session, make)
    quote = quote_baskets(session, world.request(TODAY), today=TODAY, now=NOW)
    from catalog import stock

    real = stock.allocate_many
    oil = world.products["oil"]

    def race(session_, items):  # another buyer wins the oil just before
        assert stock.allocate(session_, oil.id, stock.level(session_, oil.id).available)
        return real(session_, items)

    monkeypatch.setattr(stock, "allocate_many", race)
    with pytest.raises(InsufficientStock):
        confirm_basket_order(session, quote, now=NOW, user=world.member)


def test_manifests_add_up_to_the_order(session, make):
    world, quote, basket_order = _confirmed(session, make)
    points = point_manifests(session, basket_order)
    assert [p.destination.key for p in points] == ["06.141", "09.001"]
    order_units = Counter()
    for line in basket_order.order.lines:
        order_units[line.product_id] += line.quantity
    arrived = Counter()
    for point in points:
        for arrival in point.arrivals:
            arrived[arrival.product_id] += arrival.product_units
        assert sum(w.baskets for w in point.waves) == point.destination.baskets
        # every basket of every wave holds one of each line, the container first
        for wave in point.waves:
            assert sorted(m.line_key for m in wave.manifest) == sorted(
                ln["key"] for ln in quote.inputs["lines"]
            )
            assert wave.manifest[0].is_container
    assert arrived == order_units
    packed = Counter()
    for point in points:
        for wave in point.waves:
            for m in wave.manifest:
                packed[m.product_id] += m.units_per_basket * wave.baskets
    assert packed == order_units


def test_a_basket_serial_leads_to_its_manifest(session, make):
    _, _, basket_order = _confirmed(session, make)
    wave = basket_order.waves[0]
    record = trace(session, wave.serial(wave.baskets))
    assert record is not None and record.wave.id == wave.id
    assert {m.cooperative_name_fr for m in record.manifest} >= {"Coopérative Tissage Doum"}
    assert trace(session, wave.serial(wave.baskets + 1)) is None
    assert trace(session, "NOTASERIAL") is None
    assert parse_serial(wave.serial(3).lower()) == (wave.token, 3)


def test_the_impact_report_reconciles_with_the_order(session, make):
    world, quote, basket_order = _confirmed(session, make)
    order = basket_order.order
    report = impact_report(session, basket_order)
    assert report.baskets == 100 and report.baskets_received == 0
    assert report.total_minor == order.total_minor
    assert report.goods_minor == order.goods_minor
    assert report.commission_minor == order.commission_minor
    assert report.to_cooperatives_minor == sum(f.cooperative_share_minor for f in order.fulfilments)
    assert sum(c.goods_minor for c in report.cooperatives) == order.goods_minor
    assert sum(r.goods_minor for r in report.regions) == order.goods_minor
    assert {r.region_code for r in report.regions} == {"06", "07", "09"}
    assert report.rural_goods_minor == report.goods_minor
    women = sum(c.goods_minor for c in report.cooperatives if c.women_led)
    assert report.women_led_goods_minor == women > 0
    assert 0 < report.coverage.days


def _shipped_point(session, basket_order, index=0):
    from orders.payment_attempts import record_bank_transfer

    order = basket_order.order
    if order.status == OrderStatus.PENDING_PAYMENT:
        record_bank_transfer(session, order, order.total, reference="VIR-1", now=NOW)
    point = basket_order.quote.destinations[index]
    parts = {a.fulfilment_id for a in basket_order.allocation if a.destination_id == point.id}
    for part in order.fulfilments:
        if part.id in parts:
            mark_shipped(session, part, "CB123456789MA", now=NOW + timedelta(days=2))
    return point, parts


def test_baskets_count_as_received_on_the_organisations_word(session, make):
    _, _, basket_order = _confirmed(session, make)
    order = basket_order.order
    casablanca, parts = _shipped_point(session, basket_order)
    later = NOW + timedelta(days=3)
    # the suppliers saying they delivered does not count
    report = impact_report(session, basket_order)
    assert {p.destination.key: p.baskets_received for p in report.points} == {
        "06.141": 0,
        "09.001": 0,
    }
    line = basket_order.quote.inputs["lines"][0]["key"]
    confirm_receipt(
        session,
        basket_order,
        casablanca,
        baskets_received=58,
        problems={line: LineProblem(short=2)},
        note="Deux sacs de farine manquants",
        now=later,
        user_id=None,
    )
    report = impact_report(session, basket_order)
    assert {p.destination.key: p.baskets_received for p in report.points} == {
        "06.141": 58,
        "09.001": 0,
    }
    assert all(f.status == FulfilmentStatus.DELIVERED for f in order.fulfilments if f.id in parts)
    assert all(
        f.status == FulfilmentStatus.TO_PREPARE for f in order.fulfilments if f.id not in parts
    )
    assert basket_order.receipts[0].problems == [{"line": line, "short": 2, "damaged": 0}]


def test_receipt_is_refused_before_every_part_shipped_and_only_once(session, make):
    _, _, basket_order = _confirmed(session, make)
    point = basket_order.quote.destinations[0]
    args = dict(baskets_received=60, problems={}, note="", now=NOW, user_id=None)
    with pytest.raises(BasketError) as unpaid:
        confirm_receipt(session, basket_order, point, **args)
    assert unpaid.value.code == "not_paid"
    _shipped_point(session, basket_order)
    other = basket_order.quote.destinations[1]
    with pytest.raises(BasketError) as waiting:
        confirm_receipt(session, basket_order, other, **args)
    assert waiting.value.code == "parts_not_shipped" and waiting.value.data["count"] >= 1
    confirm_receipt(session, basket_order, point, **args)
    with pytest.raises(BasketError) as twice:
        confirm_receipt(session, basket_order, point, **args)
    assert twice.value.code == "already_received"


def test_receipt_input_is_checked_and_changes_nothing_when_wrong(session, make):
    _, _, basket_order = _confirmed(session, make)
    point, parts = _shipped_point(session, basket_order)
    line = basket_order.quote.inputs["lines"][0]["key"]
    with pytest.raises(InvalidInput) as bad:
        confirm_receipt(
            session,
            basket_order,
            point,
            baskets_received=61,
            problems={line: LineProblem(short=10_000), "nope": LineProblem(short=1)},
            note="",
            now=NOW,
            user_id=None,
        )
    fields = {(p.field, p.code) for p in bad.value.problems}
    assert fields == {
        ("baskets", "out_of_range"),
        (f"line-{line}", "out_of_range"),
        ("line-nope", "unknown_line"),
    }
    with pytest.raises(InvalidInput) as no_note:
        confirm_receipt(
            session,
            basket_order,
            point,
            baskets_received=59,
            problems={},
            note=" ",
            now=NOW,
            user_id=None,
        )
    assert [(p.field, p.code) for p in no_note.value.problems] == [("note", "required")]
    assert basket_order.receipts == []
    order = basket_order.order
    assert all(f.status == FulfilmentStatus.SHIPPED for f in order.fulfilments if f.id in parts)


def test_the_report_table_has_a_row_per_cooperative_and_no_person(session, make):
    world, _, basket_order = _confirmed(session, make)
    rows = impact_rows(impact_report(session, basket_order))
    assert len(rows[0]) == len(CSV_HEADER) and rows[0][0] == "summary"
    assert sum(1 for row in rows if row[0] == "cooperative") == 3
    assert {row[4] for row in rows if row[0] == "cooperative"} == {True, False}
    text = repr(rows)
    for personal in (world.member.email, world.member.name, world.member.phone, "Khadija"):
        assert personal not in text
    assert session.scalar(select(func.count(BasketOrder.id))) == 1


def test_confirming_sends_as_many_statements_whatever_the_number_of_parts(
    session, make, count_queries, is_postgres
):
    """Reservation is one UPDATE per product, whatever the number of parts: more
    distribution points (so more parts, lines and waves) send no more reads or
    updates. PostgreSQL gets the new rows in batches too; SQLite one INSERT per row
    (it cannot say which generated id belongs to which row of a batch)."""
    world = basket_world(session, make)
    few = (DestinationRequest("06.141", 30), DestinationRequest("09.001", 20))
    many = tuple(
        DestinationRequest(code, n)
        for code, n in (
            ("06.141", 10),
            ("09.001", 8),
            ("07.427", 8),
            ("06.181", 8),
            ("09.273", 8),
            ("07.351", 8),
        )
    )
    sent, parts = [], []
    for destinations in (few, many):
        quote = quote_baskets(
            session, world.request(TODAY, destinations=destinations), today=TODAY, now=NOW
        )
        session.flush()
        count_queries.clear()
        result = confirm_basket_order(session, quote, now=NOW, user=world.member)
        sent.append(
            [q for q in count_queries if is_postgres or not q.lstrip().startswith("INSERT")]
        )
        assert isinstance(result, Confirmed)
        parts.append(len(result.basket_order.order.fulfilments))
    assert parts[1] > parts[0] * 2
    assert len(sent[1]) == len(sent[0]), parts
