from datetime import date

from catalog.models import Product
from catalog.stock import available_by, promise_date, working_days

MONDAY = date(2026, 3, 2)


def test_working_days_skip_sundays() -> None:
    assert working_days(MONDAY, date(2026, 3, 9)) == 6  # Mon..Sat
    assert working_days(MONDAY, MONDAY) == 0
    assert working_days(date(2026, 3, 8), date(2026, 3, 9)) == 0  # a Sunday


def test_holidays_are_not_working_days() -> None:
    assert working_days(MONDAY, date(2026, 3, 9), holidays={date(2026, 3, 3)}) == 5


def test_available_by_adds_capacity_and_subtracts_commitments() -> None:
    p = Product(stock=10, made_to_order=True, units_per_day=100, lead_days=0)
    assert available_by(p, date(2026, 3, 5), today=MONDAY, committed_units=0) == 310
    assert available_by(p, date(2026, 3, 5), today=MONDAY, committed_units=250) == 60
    assert available_by(p, date(2026, 3, 5), today=MONDAY, committed_units=1000) == 0


def test_stock_only_products_promise_only_their_stock() -> None:
    p = Product(stock=4, made_to_order=False, units_per_day=0, lead_days=0)
    assert available_by(p, date(2026, 4, 1), today=MONDAY, committed_units=0) == 4
    assert promise_date(p, 5, today=MONDAY, committed_units=0) is None


def test_large_made_to_order_quantity_gets_a_promised_date() -> None:
    masks = Product(stock=0, made_to_order=True, units_per_day=2500, lead_days=0)
    # 10,000 masks at 2,500 a day: four working days, Mon-Thu, ready Friday
    assert promise_date(masks, 10_000, today=MONDAY, committed_units=0) == date(2026, 3, 6)
