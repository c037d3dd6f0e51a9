"""Many buyers race for the last units on PostgreSQL: exactly the stock is sold.

SQLite serialises writers and does not lock rows, so the race only means something
on PostgreSQL; the rest of the suite runs on both."""

import threading
from collections import Counter

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from catalog.errors import InsufficientStock
from catalog.models import Product
from orders.models import Order, OrderLine
from orders.placing import Address, Customer, place_order
from tests.conftest import NOW

pytestmark = pytest.mark.postgres

BUYERS = 60
UNITS = 10


def _race(engine, product_id: int, quantities: list[int]) -> Counter:
    """Every buyer in its own thread and session, released at the same instant."""
    racing = create_engine(
        engine.url.render_as_string(hide_password=False),
        pool_size=len(quantities),
        max_overflow=0,
    )
    start = threading.Barrier(len(quantities))
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def buy(i: int, quantity: int) -> None:
        with Session(racing) as session:
            session.connection()  # connect before the start line
            start.wait()
            try:
                place_order(
                    session,
                    {product_id: quantity},
                    customer=Customer(f"Buyer {i}", f"b{i}@example.ma", "0612345678"),
                    address=Address("06", "06.141", "12 rue des Orangers"),
                    delivery_option="home",
                    payment_method="cod",
                    now=NOW,
                )
                session.commit()
                result = "sold"
            except InsufficientStock:
                session.rollback()
                result = "short"
        with lock:
            outcomes[result] += quantity if result == "sold" else 1

    threads = [threading.Thread(target=buy, args=(i, q)) for i, q in enumerate(quantities)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    racing.dispose()
    return outcomes


@pytest.fixture
def last_units(session, make, is_postgres):
    if not is_postgres:
        pytest.skip("row locking races need PostgreSQL (TAAWUN_TEST_DATABASE_URL)")
    make.shipping()
    product = make.product(on_hand=UNITS)
    session.commit()
    return product


def _sold(session, product_id: int) -> tuple[int, int, int]:
    session.expire_all()
    stock = session.scalar(select(Product.available).where(Product.id == product_id))
    units = session.scalar(
        select(func.coalesce(func.sum(OrderLine.quantity), 0)).where(
            OrderLine.product_id == product_id
        )
    )
    return stock, units, session.scalar(select(func.count(Order.id)))


def test_fifty_and_more_buyers_for_the_last_ten_units_buy_exactly_ten(engine, session, last_units):
    outcomes = _race(engine, last_units.id, [1] * BUYERS)
    assert outcomes["sold"] == UNITS and outcomes["short"] == BUYERS - UNITS
    assert _sold(session, last_units.id) == (0, UNITS, UNITS)


def test_buyers_of_several_units_never_oversell(engine, session, last_units):
    quantities = [1 + i % 3 for i in range(BUYERS)]
    outcomes = _race(engine, last_units.id, quantities)
    stock, units, _ = _sold(session, last_units.id)
    assert units == outcomes["sold"] == UNITS
    # a one-unit buyer is only refused when nothing is left, and demand far exceeds
    # supply: the shelf ends empty, never below zero
    assert stock == 0
