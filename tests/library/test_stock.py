"""On hand and allocated: what orders promise, ship and give back, and edits that
cannot overwrite what was sold."""

from datetime import timedelta
from unittest.mock import ANY

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from catalog import csv_io, listings, stock, upsert
from catalog.audit import Actor, AuditEntry
from catalog.errors import BelowAllocated, InsufficientStock, InvalidInput, StockChanged
from catalog.listings import Listing
from catalog.models import Product
from orders import fulfilment, refunds
from tests.conftest import NOW

ME = Actor(None, "membre@example.ma")
LATER = NOW + timedelta(hours=2)


def counts(session, product) -> tuple[int, int]:
    level = stock.level(session, product.id)
    return level.on_hand, level.allocated


def test_an_order_allocates_shipping_consumes_and_cancelling_releases(session, make) -> None:
    jars = make.product(on_hand=5)
    order = make.order({jars: 3})
    assert counts(session, jars) == (5, 3), "the shelf still holds the 3 jars promised"
    assert jars.available == 2
    fulfilment.mark_shipped(session, order.fulfilments[0], "CB1", now=LATER)
    assert counts(session, jars) == (2, 0), "shipping takes them off the shelf"
    other = make.order({jars: 2})
    assert counts(session, jars) == (2, 2)
    refunds.cancel_order(session, other, now=LATER, reason="changed my mind")
    assert counts(session, jars) == (2, 0), "a cancelled order gives its units back"


def test_a_refused_parcel_comes_back_to_the_shelf_once(session, make) -> None:
    jars = make.product(on_hand=4)
    order = make.order({jars: 3})
    part = order.fulfilments[0]
    fulfilment.mark_shipped(session, part, "CB1", now=LATER)
    fulfilment.cancel_part(session, part, now=LATER, reason="refused")
    assert counts(session, jars) == (4, 0)
    logged = session.scalars(
        select(AuditEntry.details).where(AuditEntry.action == "product.stock")
    ).all()
    assert [(d["reason"], d["on_hand"]) for d in logged] == [
        ("shipped", [4, 1]),
        ("returned", [1, 4]),
    ]


def test_an_expired_card_reservation_releases_its_units(session, make) -> None:
    jars = make.product(on_hand=2)
    order = make.order({jars: 2}, method="card")
    assert counts(session, jars) == (2, 2)
    with pytest.raises(InsufficientStock):
        with session.begin_nested():
            make.order({jars: 1})
    refunds.expire_order(session, order, now=LATER)
    assert counts(session, jars) == (2, 0)


def test_counting_the_shelf_does_not_sell_the_promised_units_again(session, make) -> None:
    """The cooperative counts 5 jars (3 of them promised) and types 5: the shop can
    sell 2 more, not 5."""
    jars = make.product(on_hand=5)
    make.order({jars: 3})
    stock.set_on_hand(session, jars.id, 5, seen=5, actor=ME, now=LATER)
    assert stock.level(session, jars.id).available == 2
    with pytest.raises(InsufficientStock):
        with session.begin_nested():
            make.order({jars: 3})


def test_a_stale_count_is_refused_with_the_count_now(session, make) -> None:
    jars = make.product(on_hand=10)
    order = make.order({jars: 3})
    fulfilment.mark_shipped(session, order.fulfilments[0], "CB1", now=LATER)  # 10 -> 7
    with pytest.raises(StockChanged) as caught:
        stock.set_on_hand(session, jars.id, 12, seen=10, actor=ME, now=LATER)
    assert caught.value.data == {"on_hand": 7, "allocated": 0, "available": 7, "seen": 10}
    assert counts(session, jars) == (7, 0)
    stock.set_on_hand(session, jars.id, 12, seen=7, actor=ME, now=LATER)
    assert counts(session, jars) == (12, 0)


def test_the_shelf_cannot_hold_less_than_is_promised(session, make) -> None:
    jars = make.product(on_hand=5)
    make.order({jars: 4})
    with pytest.raises(BelowAllocated) as caught:
        stock.set_on_hand(session, jars.id, 3, seen=5, actor=ME, now=LATER)
    assert caught.value.data["allocated"] == 4
    with pytest.raises(BelowAllocated):
        stock.adjust_on_hand(session, jars.id, -2, reason="damaged", actor=ME, now=LATER)
    assert counts(session, jars) == (5, 4)


def test_adjustments_need_a_reason_and_are_logged(session, make) -> None:
    jars = make.product(on_hand=5)
    stock.adjust_on_hand(session, jars.id, 24, reason="received", actor=ME, now=LATER)
    stock.adjust_on_hand(
        session, jars.id, -2, reason="damaged", note="broken lids", actor=ME, now=LATER
    )
    assert counts(session, jars) == (27, 0)
    with pytest.raises(InvalidInput) as caught:
        stock.adjust_on_hand(session, jars.id, 0, reason="because", actor=ME, now=LATER)
    assert {p.field for p in caught.value.problems} == {"by", "reason"}
    logged = session.scalars(
        select(AuditEntry.details).where(AuditEntry.action == "product.stock")
    ).all()
    assert [(d["reason"], d["by"], d["on_hand"], d["note"]) for d in logged] == [
        ("received", 24, [5, 29], ""),
        ("damaged", -2, [29, 27], "broken lids"),
    ]


def test_saving_a_form_opened_before_a_sale_keeps_the_sale(session, make) -> None:
    """A member opens the form (10), a buyer buys 3, the member saves a new
    description: the 3 units stay promised and the shelf count is untouched."""
    jars = make.product(on_hand=10)
    opened = Listing.of(jars)
    make.order({jars: 3})
    listings.update_product(
        session,
        jars,
        Listing(**{**opened.as_dict(), "description_fr": "Nouveau"}),
        actor=ME,
        now=LATER,
    )
    assert counts(session, jars) == (10, 3)
    assert jars.description_fr == "Nouveau"


def test_allocating_many_pairs_at_once_reports_every_shortage(session, make) -> None:
    a, b, c = make.product(on_hand=5), make.product(on_hand=1), make.product(on_hand=0)
    assert stock.allocate_many(session, [(a.id, 2), (b.id, 1), (a.id, 1)]) == []
    assert (counts(session, a), counts(session, b)) == ((5, 3), (1, 1))
    shortages = stock.allocate_many(session, [(c.id, 1), (a.id, 3)])
    assert [(s.product_id, s.requested, s.available) for s in shortages] == [
        (a.id, 3, 2),
        (c.id, 1, 0),
    ]


def test_many_shortages_are_read_in_one_statement(session, make, count_queries) -> None:
    short = [make.product(on_hand=1) for _ in range(6)]
    session.flush()
    count_queries.clear()
    shortages = stock.allocate_many(session, [(p.id, 2) for p in short])
    assert [(s.product_id, s.requested, s.available) for s in shortages] == [
        (p.id, 2, 1) for p in sorted(short, key=lambda p: p.id)
    ]
    reads = [q for q in count_queries if q.lstrip().upper().startswith("SELECT")]
    assert len(reads) <= 2, reads  # the row locks (PostgreSQL) and what is left


def test_the_database_refuses_more_allocated_than_on_hand(session, make) -> None:
    jars = make.product(on_hand=2)
    for values in ({"allocated": 3}, {"allocated": -1}, {"on_hand": -1}):
        with pytest.raises(IntegrityError), session.begin_nested():
            session.execute(update(Product).where(Product.id == jars.id).values(**values))


def test_a_stale_csv_row_is_refused_with_the_count_now(session, make) -> None:
    coop = make.cooperative()
    jars = make.product(coop, on_hand=10, sku="JAR")
    exported = csv_io.export_csv(session, coop)
    header, row = exported.splitlines()[:2]
    assert header.split(";")[12:16] == ["on_hand", "on_hand_exported", "reserved", "available"]
    make.order({jars: 3})
    fulfilment.mark_shipped(session, jars_part(session, jars), "CB1", now=LATER)  # 10 -> 7
    plan = csv_io.plan_import(session, coop, "sku;on_hand;on_hand_exported\nJAR;15;10\n")
    assert [(p.column, p.code, p.data) for p in plan.all_problems()] == [
        ("on_hand", "stock_changed", {"on_hand": 7, "allocated": 0, "seen": 10})
    ]
    plan = csv_io.plan_import(session, coop, "sku;on_hand;on_hand_exported\nJAR;15;7\n")
    upsert.upsert_listings(session, coop, plan, actor=ME, now=LATER, source="import")
    assert counts(session, jars) == (15, 0)


def jars_part(session, product):
    from orders.models import Fulfilment, OrderLine

    return session.scalar(
        select(Fulfilment)
        .join(OrderLine, OrderLine.fulfilment_id == Fulfilment.id)
        .where(OrderLine.product_id == product.id)
    )


def test_a_change_of_what_pages_show_moves_the_catalog_stamp(session, make) -> None:
    jars = make.product(on_hand=40, low_stock_threshold=5)
    before = stock.stamped(session)[0]
    with session.begin_nested():  # each order in its own transaction, as in production
        make.order({jars: 2})
    assert stock.stamped(session)[0] == before, "38 left still reads 'in stock'"
    with session.begin_nested():
        make.order({jars: 34})
    assert stock.stamped(session)[0] == before + 1, "4 left: 'only 4 left' is shown"
    with session.begin_nested():
        make.order({jars: 3})
        make.order({jars: 1})
    assert stock.stamped(session)[0] == before + 2, "sold out: one move for the transaction"


def test_the_texts_and_facets_counters_move_only_with_what_they_count(session, make) -> None:
    jars = make.product(on_hand=4, low_stock_threshold=5)
    version, _, texts, counted = stock.stamped(session)
    with session.begin_nested():
        make.order({jars: 4})
    assert stock.stamped(session) == (version + 1, ANY, texts, counted), "sold out, no more"
    with session.begin_nested():
        stock.touch(session)
        stock.touch(session, texts=True)  # a later flush of the transaction renamed one
        stock.touch(session, texts=True)
        stock.touch(session, facets=True)  # and another put one off sale
        stock.touch(session, texts=True, facets=True)
    assert stock.stamped(session) == (version + 4, ANY, texts + 1, counted + 1)


def test_a_shopper_who_asked_is_due_a_message_once_stock_is_back(session, make) -> None:
    jars = make.product(on_hand=1)
    make.order({jars: 1})
    stock.ask_alert(session, jars.id, user_id=5, email="a@example.ma", language="ar", now=NOW)
    assert stock.due_alerts(session) == []
    assert not session.info.get(stock.BACK_IN_STOCK)
    stock.adjust_on_hand(session, jars.id, 6, reason="received", actor=ME, now=LATER)
    assert session.info.get(stock.BACK_IN_STOCK)
    [due] = stock.due_alerts(session)
    assert (due.product_id, due.email, due.language) == (jars.id, "a@example.ma", "ar")


def test_the_migration_counts_units_of_unshipped_parts_as_allocated(session, make) -> None:
    """What the data migration computes, run on this database."""
    from importlib import import_module

    migration = import_module("storefront.migrations.versions.0010_stock_on_hand_allocated")
    jars = make.product(on_hand=9)
    make.order({jars: 2})
    shipped = make.order({jars: 3})
    fulfilment.mark_shipped(session, shipped.fulfilments[0], "CB1", now=LATER)
    session.flush()
    held = dict(session.execute(text(migration._HELD)).all())
    assert held == {jars.id: 2}
