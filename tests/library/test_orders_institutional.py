"""Orders an organisation places with its purchase already planned: explicit parts
(several per cooperative when it serves several points), quoted prices checked, bank
transfer or card only, stock reserved like any order."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from catalog.errors import InsufficientStock
from orders.errors import CheckoutError
from orders.fulfilment import parts_for_cooperative
from orders.institutional import PlannedLine, PlannedPart, place_institutional_order
from orders.models import Order
from orders.placing import Address, Customer
from orders.status import FulfilmentStatus, OrderStatus
from tests.baskets import organisation
from tests.conftest import NOW

CUSTOMER = Customer("Association Al Amal", "contact@alamal.example.ma", "0522334455")
ADDRESS = Address("06", "06.141", "140 boulevard Zerktouni, Casablanca")


@pytest.fixture
def org(session):
    found, _ = organisation(session)
    return found


def _parts(product, other=None, *, quantity=10, price=None):
    price = product.price_minor if price is None else price
    parts = [
        PlannedPart(
            product.cooperative_id, "06", (PlannedLine(product.id, quantity, price),), 1500
        ),
        PlannedPart(product.cooperative_id, "09", (PlannedLine(product.id, 5, price),), 900),
    ]
    if other is not None:
        parts.append(
            PlannedPart(
                other.cooperative_id, "09", (PlannedLine(other.id, 3, other.price_minor),), 400
            )
        )
    return parts


def _place(session, org, parts, **kw):
    values = {"customer": CUSTOMER, "address": ADDRESS, "payment_method": "bank_transfer"}
    values.update(kw)
    return place_institutional_order(session, org, parts, now=NOW, **values)


def test_a_cooperative_gets_one_part_per_delivery_point(session, make, org):
    oil, dates = make.product(on_hand=50), make.product(on_hand=50)
    order, lines = _place(session, org, _parts(oil, dates))
    assert order.status == OrderStatus.PENDING_PAYMENT and order.organisation_id == org.id
    assert [f.cooperative_id for f in order.fulfilments] == [
        oil.cooperative_id,
        oil.cooperative_id,
        dates.cooperative_id,
    ]
    assert [f.zone for f in order.fulfilments] == ["other_region", "same_region", "same_region"]
    assert all(f.status == FulfilmentStatus.NEW for f in order.fulfilments)
    assert [len(group) for group in lines] == [1, 1, 1]
    assert order.goods_minor == (10 + 5) * oil.price_minor + 3 * dates.price_minor
    assert order.shipping_minor == 1500 + 900 + 400
    assert order.total_minor == order.goods_minor + order.shipping_minor
    assert order.commission_minor == sum(f.commission_minor for f in order.fulfilments) > 0
    assert order.reserved_until is not None
    session.expire_all()
    assert oil.available == 50 - 15
    assert len(parts_for_cooperative(session, oil.cooperative_id)) == 2


def test_placing_twice_with_the_same_key_gives_the_same_order(session, make, org):
    oil = make.product(on_hand=50)
    first, _ = _place(session, org, _parts(oil), idempotency_key="basket-quote:1")
    again, lines = _place(session, org, _parts(oil), idempotency_key="basket-quote:1")
    assert again.id == first.id and len(lines) == 2
    assert session.scalar(select(func.count(Order.id))) == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"payment_method": "cod"}, "invalid_choice"),
        ({"payment_method": "cheque"}, "invalid_choice"),
        ({"customer": Customer("Association", "x", "12")}, "invalid_phone"),
    ],
)
def test_bad_details_are_refused(session, make, org, change, code):
    oil = make.product(on_hand=50)
    with pytest.raises(CheckoutError) as caught:
        _place(session, org, _parts(oil), **change)
    assert code in caught.value.codes


def test_a_price_that_moved_since_the_quote_stops_the_order(session, make, org):
    oil = make.product(on_hand=50, price_minor=8000)
    with pytest.raises(CheckoutError) as caught:
        _place(session, org, _parts(oil, price=7000))
    assert caught.value.codes == ["price_changed", "price_changed"]


def test_a_product_of_another_cooperative_or_not_on_sale_is_refused(session, make, org):
    oil, other = make.product(on_hand=50), make.product(on_hand=50)
    wrong = [
        PlannedPart(oil.cooperative_id, "06", (PlannedLine(other.id, 1, other.price_minor),), 0)
    ]
    with pytest.raises(CheckoutError) as caught:
        _place(session, org, wrong)
    assert caught.value.codes == ["wrong_cooperative"]
    other.sellable = False
    session.flush()
    right = [
        PlannedPart(other.cooperative_id, "06", (PlannedLine(other.id, 1, other.price_minor),), 0)
    ]
    with pytest.raises(CheckoutError) as caught:
        _place(session, org, right)
    assert caught.value.codes == ["not_sellable"]


def test_an_unverified_organisation_cannot_order(session, make):
    pending, _ = organisation(session, verified=False, email="pending@example.ma")
    oil = make.product(on_hand=50)
    with pytest.raises(CheckoutError) as caught:
        _place(session, pending, _parts(oil))
    assert "organisation_not_verified" in caught.value.codes


def test_stock_short_for_any_part_stops_everything(session, make, org):
    oil = make.product(on_hand=12)
    with pytest.raises(InsufficientStock):
        _place(session, org, _parts(oil))  # 10 + 5 > 12


def test_made_to_order_units_commit_capacity_with_a_promised_date(session, make, org):
    bags = make.product(on_hand=2, made_to_order=True, units_per_day=5)
    order, _ = _place(session, org, _parts(bags, quantity=20))
    first, second = order.fulfilments
    assert first.lines[0].qty_from_stock == 2 and first.lines[0].qty_made_to_order == 18
    assert second.lines[0].qty_made_to_order == 5
    assert first.promised_on is not None and first.promised_on > date(2026, 3, 2)
