"""Order rules that need no database: states, numbers, cart arithmetic, shipping."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orders import cart, numbers
from orders.errors import CartError, LedgerError
from orders.ledger import clean_rib
from orders.models import ShippingRate, ShippingTariff
from orders.shipping import ShippingZone, parcel_price, zone_for
from orders.status import (
    FULFILMENT_TRANSITIONS,
    ORDER_TRANSITIONS,
    FulfilmentStatus,
    OrderStatus,
    can_fulfil,
    can_order,
)
from storefront.demo.identifiers import make_rib


def test_every_state_has_a_transition_row() -> None:
    assert set(ORDER_TRANSITIONS) == set(OrderStatus)
    assert set(FULFILMENT_TRANSITIONS) == set(FulfilmentStatus)


def test_a_part_goes_new_to_prepare_shipped_delivered_and_never_back() -> None:
    path = ["new", "to_prepare", "shipped", "delivered"]
    for current, target in zip(path, path[1:], strict=False):
        assert can_fulfil(FulfilmentStatus(current), FulfilmentStatus(target))
    assert not can_fulfil(FulfilmentStatus.DELIVERED, FulfilmentStatus.SHIPPED)
    assert not can_fulfil(FulfilmentStatus.NEW, FulfilmentStatus.SHIPPED)
    assert not can_fulfil(FulfilmentStatus.REFUNDED, FulfilmentStatus.TO_PREPARE)
    assert not can_fulfil(FulfilmentStatus.DELIVERED, FulfilmentStatus.CANCELLED)


def test_closed_orders_stay_closed() -> None:
    assert not ORDER_TRANSITIONS[OrderStatus.CANCELLED]
    assert not ORDER_TRANSITIONS[OrderStatus.REFUNDED]
    assert not can_order(OrderStatus.COMPLETED, OrderStatus.CONFIRMED)
    assert can_order(OrderStatus.EXPIRED, OrderStatus.CONFIRMED), "a late payment reinstates"


def test_order_numbers_are_readable_and_unambiguous() -> None:
    rng = random.Random(4)
    for _ in range(200):
        number = numbers.generate(rng.choice)
        assert len(number) == 10 and number[:3] == "TW-" and number[6] == "-"
        assert not set(number[3:].replace("-", "")) & set("01OIL")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("TW-7K3-9QX", "TW-7K3-9QX"),
        (" tw 7k3 9qx ", "TW-7K3-9QX"),
        ("7K39QX", "TW-7K3-9QX"),
        ("tw-7k3-9qx\n", "TW-7K3-9QX"),
        ("TW-7K3-9Q0", None),  # 0 is never used
        ("TW-7K3", None),
        ("", None),
        ("'; DROP TABLE orders_order; --", None),
    ],
)
def test_typed_order_numbers_are_normalised(typed: str, expected: str | None) -> None:
    assert numbers.normalise(typed) == expected


def test_cart_add_change_remove() -> None:
    items = cart.add({}, 7, "2")
    items = cart.add(items, 3, 1)
    items = cart.add(items, 7, 1)
    assert items == {7: 3, 3: 1}
    assert list(items) == [7, 3], "the cart keeps the order products were added in"
    assert cart.set_quantity(items, 3, 5) == {7: 3, 3: 5}
    assert cart.set_quantity(items, 3, 0) == {7: 3}
    assert cart.remove(items, 7) == {3: 1}
    assert items == {7: 3, 3: 1}, "operations never change the cart they are given"


@pytest.mark.parametrize(
    ("quantity", "code"),
    [
        (-1, "invalid_quantity"),
        (0, "invalid_quantity"),
        ("2.5", "invalid_quantity"),
        ("abc", "invalid_quantity"),
        (True, "invalid_quantity"),
        (10**12, "quantity_too_large"),
        ("9" * 400, "quantity_too_large"),
    ],
)
def test_bad_quantities_are_refused_with_a_code(quantity: object, code: str) -> None:
    with pytest.raises(CartError) as caught:
        cart.add({1: 1}, 2, quantity)
    assert caught.value.code == code


def test_a_cart_has_a_size_limit() -> None:
    items = {pid: 1 for pid in range(1, cart.MAX_LINES + 1)}
    with pytest.raises(CartError) as caught:
        cart.add(items, 999, 1)
    assert caught.value.code == "too_many_lines"
    with pytest.raises(CartError):
        cart.add({1: cart.MAX_QUANTITY}, 1, 1)


def test_merging_at_login_never_doubles_a_cart() -> None:
    saved = {1: 2, 2: 1}
    guest = {2: 3, 5: 1}
    assert cart.merge(saved, guest) == {1: 2, 2: 3, 5: 1}
    assert cart.merge(cart.merge(saved, guest), guest) == {1: 2, 2: 3, 5: 1}


@given(st.lists(st.tuples(st.integers(-5, 50), st.integers(-5, 900)), max_size=60))
def test_a_tampered_session_cart_is_read_safely(pairs: list[tuple[int, int]]) -> None:
    raw = [list(p) for p in pairs] + ["x", [1], None, [True, 2]]
    items = cart.from_session(raw)
    assert len(items) <= cart.MAX_LINES
    assert all(pid > 0 and 0 < qty <= cart.MAX_QUANTITY for pid, qty in items.items())
    assert cart.from_session(cart.to_session(items)) == items


def test_shipping_zones() -> None:
    assert zone_for("06", "06") == ShippingZone.SAME_REGION
    assert zone_for("06", "09") == ShippingZone.OTHER_REGION
    assert zone_for("06", "11") == ShippingZone.REMOTE
    assert zone_for("12", "04") == ShippingZone.REMOTE
    assert zone_for("11", "11") == ShippingZone.SAME_REGION


def _tariff() -> ShippingTariff:
    tariff = ShippingTariff(
        carrier="t", delivery_option="home", cod_fee_minor=1000, extra_kg_minor=500, currency="MAD"
    )
    tariff.rates = [
        ShippingRate(zone="same_region", max_weight_g=1000, price_minor=2500),
        ShippingRate(zone="same_region", max_weight_g=3000, price_minor=3000),
        ShippingRate(zone="same_region", max_weight_g=10000, price_minor=5000),
    ]
    return tariff


@pytest.mark.parametrize(
    ("weight", "price"),
    [(0, 2500), (1000, 2500), (1001, 3000), (10000, 5000), (10001, 5500), (12500, 6500)],
)
def test_a_parcel_is_priced_by_weight_band_then_per_started_kilogram(weight, price) -> None:
    assert parcel_price(_tariff(), ShippingZone.SAME_REGION, weight).amount_minor == price


def test_a_zone_without_bands_is_reported() -> None:
    from orders.errors import CheckoutError

    with pytest.raises(CheckoutError) as caught:
        parcel_price(_tariff(), ShippingZone.REMOTE, 500)
    assert caught.value.codes == ["no_tariff"]


def test_moroccan_rib_key() -> None:
    rib = make_rib(7, 780, 1234567890)
    assert len(rib) == 24 and clean_rib(rib[:6] + " " + rib[6:]) == rib
    for bad in (rib[:-1] + str((int(rib[-1]) + 1) % 10), "123", "x" * 24):
        with pytest.raises(LedgerError) as caught:
            clean_rib(bad)
        assert caught.value.code == "invalid_rib"
