"""Placing orders: one order, one part per cooperative, stock reserved, figures
snapshotted; bad input changes nothing."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from catalog import settings
from catalog.errors import InsufficientStock
from catalog.models import CapacityCommitment, Product
from orders import cart, placing, refunds
from orders.errors import CheckoutError, OrderError
from orders.models import Fulfilment, Order, OrderLine
from orders.placing import Address, Customer, place_order
from orders.status import FulfilmentStatus, OrderStatus
from tests.conftest import NOW, TODAY

CASABLANCA = Address("06", "06.141", "12 rue des Orangers, Maarif")
AMINA = Customer(name="Amina Alaoui", email="Amina@Example.ma", phone="06 12 34 56 78")


@pytest.fixture
def three_coops(make):
    make.shipping()
    casa = make.cooperative(name_fr="A — Casablanca", region_code="06", province_code="06.141")
    agadir = make.cooperative(
        name_fr="B — Agadir", region_code="09", province_code="09.001", vat_exempt=False
    )
    laayoune = make.cooperative(name_fr="C — Laâyoune", region_code="11", province_code="11.321")
    products = (
        make.product(casa, on_hand=5, price_minor=4_500, shipping_weight_g=400),
        make.product(agadir, on_hand=3, price_minor=22_000, shipping_weight_g=1_200),
        make.product(laayoune, on_hand=9, price_minor=600, shipping_weight_g=100),
    )
    make.session.commit()
    return products


def _place(session, items, **kw):
    values = {
        "customer": AMINA,
        "address": CASABLANCA,
        "delivery_option": "home",
        "payment_method": "cod",
        "now": NOW,
    }
    values.update(kw)
    return place_order(session, items, **values)


def test_one_checkout_makes_one_order_with_one_part_per_cooperative(session, three_coops) -> None:
    oil, honey, masks = three_coops
    order = _place(session, {oil.id: 2, honey.id: 1, masks.id: 5})
    session.commit()

    assert order.number.startswith("TW-") and order.status == OrderStatus.CONFIRMED
    assert [p.cooperative_name for p in order.fulfilments] == [
        "A — Casablanca",
        "B — Agadir",
        "C — Laâyoune",
    ]
    assert all(p.status == FulfilmentStatus.TO_PREPARE for p in order.fulfilments)
    # one parcel each, priced by zone and weight, plus the COD fee per parcel
    casa, agadir, laayoune = order.fulfilments
    assert (casa.zone, casa.weight_g, casa.shipping_minor) == ("same_region", 800, 2_500)
    assert (agadir.zone, agadir.weight_g, agadir.shipping_minor) == ("other_region", 1_200, 4_200)
    assert (laayoune.zone, laayoune.weight_g, laayoune.shipping_minor) == ("remote", 500, 5_500)
    assert [p.cod_fee_minor for p in order.fulfilments] == [1_000] * 3
    assert order.goods_minor == 2 * 4_500 + 22_000 + 5 * 600
    assert order.total_minor == order.goods_minor + 12_200 + 3_000
    assert order.total_minor == sum(p.total_minor for p in order.fulfilments)
    # stock reserved
    session.expire_all()
    assert (oil.available, honey.available, masks.available) == (3, 2, 4)
    assert [e.kind for e in order.events][:2] == ["placed", "confirmed"]
    assert order.phone == "+212612345678" and order.email == "amina@example.ma"


def test_lines_snapshot_what_was_sold(session, make, three_coops) -> None:
    oil, honey, _ = three_coops
    settings.update(session, commission_bps=1250)
    order = _place(session, {oil.id: 2, honey.id: 1})
    session.commit()
    oil.title_fr, oil.price_minor, oil.cooperative.name_fr = "Renamed", 9_900, "Renamed coop"
    oil.cooperative.ice = None
    settings.update(session, commission_bps=500)
    session.commit()
    session.expire_all()

    line = session.scalar(select(OrderLine).where(OrderLine.product_id == oil.id))
    assert (line.title_fr, line.unit_price_minor, line.cooperative_name) != (
        "Renamed",
        9_900,
        "Renamed coop",
    )
    assert (line.quantity, line.total_minor, line.commission_bps) == (2, 9_000, 1250)
    assert line.commission_minor == 1_125  # 12.5 % of 90.00, rounded half up
    part = session.get(Fulfilment, line.fulfilment_id)
    assert part.cooperative_ice is not None and part.cooperative_vat_exempt is True
    agadir = order.fulfilments[1]
    assert agadir.cooperative_vat_exempt is False
    assert agadir.invoice_number == f"{order.number}-2"


def test_card_and_transfer_orders_wait_for_payment_with_stock_reserved(session, three_coops):
    oil, honey, _ = three_coops
    card = _place(session, {oil.id: 1}, payment_method="card")
    transfer = _place(session, {honey.id: 1}, payment_method="bank_transfer")
    assert card.status == transfer.status == OrderStatus.PENDING_PAYMENT
    assert card.cod_fee_minor == 0
    assert card.reserved_until == NOW + timedelta(minutes=60)
    assert transfer.reserved_until == NOW + timedelta(days=10)
    assert all(p.status == FulfilmentStatus.NEW for p in card.fulfilments + transfer.fulfilments)
    session.expire_all()
    assert (oil.available, honey.available) == (4, 2)


def test_every_shortage_is_reported_at_once_and_nothing_is_kept(session, three_coops) -> None:
    oil, honey, masks = three_coops
    with pytest.raises(InsufficientStock) as caught:
        _place(session, {oil.id: 6, honey.id: 4, masks.id: 1})
    session.rollback()
    assert {(s.product_id, s.requested, s.available) for s in caught.value.shortages} == {
        (oil.id, 6, 5),
        (honey.id, 4, 3),
    }
    assert session.scalar(select(func.count(Order.id))) == 0
    assert session.scalar(select(Product.available).where(Product.id == masks.id)) == 9


@pytest.mark.parametrize(
    ("items", "code"),
    [
        ({}, "empty_cart"),
        ({"oil": -1}, "invalid_quantity"),
        ({"oil": 0}, "invalid_quantity"),
        ({"oil": 10**9}, "quantity_too_large"),
        ({"oil": "1; DROP"}, "invalid_quantity"),
        ({987654: 1}, "unknown_product"),
        ({"1": 1}, "unknown_product"),
    ],
)
def test_bad_carts_are_refused_with_codes(session, three_coops, items, code) -> None:
    oil = three_coops[0]
    items = {(oil.id if k == "oil" else k): v for k, v in items.items()}
    with pytest.raises(CheckoutError) as caught:
        _place(session, items)
    assert code in caught.value.codes
    assert session.scalar(select(func.count(Order.id))) == 0


@pytest.mark.parametrize(
    ("customer", "address", "code"),
    [
        (Customer("Amina", "amina@example.ma", "123"), CASABLANCA, "invalid_phone"),
        (Customer("Amina", "not-an-email", "0612345678"), CASABLANCA, "invalid_email"),
        (Customer("   ", "a@example.ma", "0612345678"), CASABLANCA, "invalid_name"),
        (AMINA, Address("06", "09.001", "12 rue X"), "province_mismatch"),
        (AMINA, Address("99", "06.141", "12 rue X"), "unknown_region"),
        (AMINA, Address("06", "06.141", "x"), "invalid_address"),
        (AMINA, Address("06", "06.141", "x" * 501), "invalid_address"),
    ],
)
def test_bad_delivery_details_are_refused(session, three_coops, customer, address, code) -> None:
    with pytest.raises(CheckoutError) as caught:
        _place(session, {three_coops[0].id: 1}, customer=customer, address=address)
    assert caught.value.codes == [code]


def test_tampered_choices_are_refused(session, three_coops) -> None:
    for field in ({"payment_method": "free"}, {"delivery_option": "drone"}):
        with pytest.raises(CheckoutError) as caught:
            _place(session, {three_coops[0].id: 1}, **field)
        assert "invalid_choice" in caught.value.codes


def test_a_product_no_longer_sold_cannot_be_ordered(session, three_coops) -> None:
    oil = three_coops[0]
    oil.sellable = False
    session.flush()
    with pytest.raises(CheckoutError) as caught:
        _place(session, {oil.id: 1})
    assert caught.value.problems[0].code == "not_sellable"


def test_a_product_unpublished_between_check_and_reservation_is_not_sold(session, three_coops):
    """The reservation's conditional update re-checks sellability itself."""
    oil = three_coops[0]
    session.execute(
        Product.__table__.update().where(Product.id == oil.id).values(sellable=False)
    )  # behind the ORM's back, as another transaction would
    with pytest.raises(InsufficientStock):
        _place(session, {oil.id: 1})


def test_the_confirmed_total_must_still_hold(session, three_coops) -> None:
    oil = three_coops[0]
    prepared = placing.prepare(
        session,
        {oil.id: 1},
        destination_region="06",
        delivery_option="home",
        payment_method="cod",
        today=TODAY,
    )
    shown = prepared.quote.total.amount_minor
    oil.price_minor += 100
    session.flush()
    with pytest.raises(CheckoutError) as caught:
        _place(session, {oil.id: 1}, expected_total_minor=shown)
    assert caught.value.problems[0].code == "total_changed"
    assert caught.value.problems[0].data["total_minor"] == shown + 100
    order = _place(session, {oil.id: 1}, expected_total_minor=shown + 100)
    assert order.total_minor == shown + 100


def test_the_review_quote_is_what_the_order_records(session, three_coops) -> None:
    items = {p.id: 1 for p in three_coops}
    prepared = placing.prepare(
        session,
        items,
        destination_region="06",
        delivery_option="relay",
        payment_method="cod",
        today=TODAY,
    )
    assert prepared.problems == []
    order = _place(session, items, delivery_option="relay")
    assert order.total_minor == prepared.quote.total.amount_minor
    assert [p.shipping_minor for p in order.fulfilments] == [
        p.shipping.amount_minor for p in prepared.quote.parcels
    ]
    assert order.fulfilments[0].shipping_minor == 2_000, "agency pick-up is 5 DH cheaper"


def test_a_double_submit_returns_the_same_order(session, three_coops) -> None:
    oil = three_coops[0]
    first = _place(session, {oil.id: 1}, idempotency_key="form-token-1")
    again = _place(session, {oil.id: 1}, idempotency_key="form-token-1")
    assert again.id == first.id
    session.expire_all()
    assert oil.available == 4


def test_made_to_order_products_promise_a_date_from_capacity(session, make) -> None:
    make.shipping()
    masks = make.product(on_hand=100, made_to_order=True, units_per_day=1_000, price_minor=600)
    order = _place(session, {masks.id: 2_600})
    line = order.lines[0]
    assert (line.qty_from_stock, line.qty_made_to_order) == (100, 2_500)
    # 2,500 more at 1,000 a day: Monday, Tuesday and Wednesday's production
    assert line.promised_on == date(2026, 3, 5)
    assert order.fulfilments[0].promised_on == date(2026, 3, 5)
    session.expire_all()
    assert masks.available == 0
    commitment = session.scalar(select(CapacityCommitment))
    assert (commitment.quantity, commitment.due_on) == (2_500, date(2026, 3, 5))
    # the next buyer is promised a later date: capacity already committed counts
    second = _place(session, {masks.id: 1_000})
    assert second.lines[0].promised_on == date(2026, 3, 6)


def test_made_to_order_beyond_a_year_of_capacity_is_refused(session, make) -> None:
    make.shipping()
    rugs = make.product(on_hand=0, made_to_order=True, units_per_day=1, price_minor=90_000)
    with pytest.raises(InsufficientStock):
        _place(session, {rugs.id: 400})


def test_cancelling_an_unshipped_order_puts_the_stock_back(session, three_coops) -> None:
    oil, honey, _ = three_coops
    order = _place(session, {oil.id: 2, honey.id: 1})
    refunds.cancel_order(session, order, now=NOW, reason="changed_mind")
    session.commit()
    session.expire_all()
    assert order.status == OrderStatus.CANCELLED
    assert {p.status for p in order.fulfilments} == {FulfilmentStatus.CANCELLED}
    assert (oil.available, honey.available) == (5, 3)
    with pytest.raises(OrderError):
        refunds.cancel_order(session, order, now=NOW, reason="again")


def test_unpaid_card_orders_expire_and_release_their_stock(session, make) -> None:
    make.shipping()
    oil = make.product(on_hand=2)
    masks = make.product(on_hand=0, made_to_order=True, units_per_day=10)
    card = _place(session, {oil.id: 2, masks.id: 5}, payment_method="card")
    cod = _place(session, {make.product(on_hand=1).id: 1})
    session.commit()
    assert refunds.expire_reservations(session, now=NOW + timedelta(minutes=59)) == []
    expired = refunds.expire_reservations(session, now=NOW + timedelta(minutes=61))
    session.commit()
    assert [o.id for o in expired] == [card.id]
    session.expire_all()
    assert card.status == OrderStatus.EXPIRED and cod.status == OrderStatus.CONFIRMED
    assert oil.available == 2
    assert session.scalar(select(func.count(CapacityCommitment.id))) == 0
    assert "reservation_expired" in [e.kind for e in card.events]
    assert refunds.expire_reservations(session, now=NOW + timedelta(hours=5)) == []


def test_the_cart_view_groups_by_cooperative_and_explains_problems(session, make, three_coops):
    oil, honey, masks = three_coops
    gone = make.product(on_hand=4)
    gone.sellable = False
    mto = make.product(oil.cooperative, on_hand=0, made_to_order=True, units_per_day=5)
    session.flush()
    items = {oil.id: 9, honey.id: 1, gone.id: 1, 424242: 2, mto.id: 10}
    view = cart.view(session, items, today=TODAY)
    by_id = {line.product_id: line for line in view.lines}
    assert [p.code for p in by_id[oil.id].problems] == ["insufficient_stock"]
    assert by_id[oil.id].problems[0].data == {"available": 5}
    assert [p.code for p in by_id[gone.id].problems] == ["unavailable"]
    assert [p.code for p in by_id[424242].problems] == ["unavailable"]
    assert by_id[honey.id].ok and by_id[mto.id].ok
    assert by_id[mto.id].promised_on == date(2026, 3, 4)
    assert not view.ok
    casa = next(g for g in view.groups if g.cooperative.id == oil.cooperative_id)
    assert casa.subtotal.amount_minor == 10 * mto.price_minor, "only lines that can be ordered"
    assert {line.product_id: line.quantity for line in view.lines if line.ok} == {
        honey.id: 1,
        mto.id: 10,
    }


def test_the_cart_view_costs_a_fixed_number_of_queries(session, make, count_queries) -> None:
    small = {make.product().id: 1}
    big = {make.product(made_to_order=True, units_per_day=3).id: 1 for _ in range(1)}
    big.update({make.product().id: 2 for _ in range(15)})
    session.commit()
    count_queries.clear()
    cart.view(session, small, today=TODAY)
    few = len(count_queries)
    count_queries.clear()
    cart.view(session, big, today=TODAY)
    assert len(count_queries) == few + 1 <= 4, "the commitments query only when needed"


def test_a_saved_cart_round_trips_and_drops_deleted_products(session, make) -> None:
    from catalog.accounts.users import User

    user = User(email="a@example.ma", password_hash="x")
    session.add(user)
    a, b = make.product(), make.product()
    session.flush()
    cart.save(session, user.id, {b.id: 2, a.id: 1, 999_999: 1})
    assert cart.load(session, user.id) == {b.id: 2, a.id: 1}
    cart.save(session, user.id, {})
    assert cart.load(session, user.id) == {}


def test_time_is_aware_utc(session, three_coops) -> None:
    order = _place(session, {three_coops[0].id: 1}, now=datetime(2026, 3, 2, 23, 30, tzinfo=UTC))
    session.commit()
    session.expire_all()
    assert order.placed_at.tzinfo is not None
