from datetime import date

from catalog.models import Product
from catalog.stock import available_by, promise_date

MONDAY = date(2026, 3, 2)


def test_available_by_adds_capacity_and_subtracts_commitments() -> None:
    p = Product(on_hand=10, allocated=0, made_to_order=True, units_per_day=100, lead_days=0)
    assert available_by(p, date(2026, 3, 5), today=MONDAY, committed_units=0) == 310
    assert available_by(p, date(2026, 3, 5), today=MONDAY, committed_units=250) == 60
    assert available_by(p, date(2026, 3, 5), today=MONDAY, committed_units=1000) == 0


def test_lead_days_delay_production_not_the_stock() -> None:
    p = Product(on_hand=10, allocated=0, made_to_order=True, units_per_day=100, lead_days=2)
    # production starts on Wednesday 4 March: Wednesday and Thursday before Friday
    assert available_by(p, date(2026, 3, 6), today=MONDAY, committed_units=0) == 210
    assert promise_date(p, 10, today=MONDAY, committed_units=0) == MONDAY
    assert promise_date(p, 110, today=MONDAY, committed_units=0) == date(2026, 3, 5)


def test_stock_only_products_promise_only_their_stock() -> None:
    p = Product(on_hand=4, allocated=0, made_to_order=False, units_per_day=0, lead_days=0)
    assert available_by(p, date(2026, 4, 1), today=MONDAY, committed_units=0) == 4
    assert promise_date(p, 5, today=MONDAY, committed_units=0) is None


def test_large_made_to_order_quantity_gets_a_promised_date() -> None:
    masks = Product(on_hand=0, allocated=0, made_to_order=True, units_per_day=2500, lead_days=0)
    # 10,000 masks at 2,500 a day: four working days, Mon-Thu, ready Friday
    assert promise_date(masks, 10_000, today=MONDAY, committed_units=0) == date(2026, 3, 6)


def test_promised_dates_skip_moroccan_public_holidays() -> None:
    rugs = Product(on_hand=0, allocated=0, made_to_order=True, units_per_day=1, lead_days=0)
    # Monday 27 July 2026: Throne Day is Thursday 30 July, so the fourth production day
    # is Friday 31 July (not Thursday) and the rugs are ready on Saturday 1 August
    assert promise_date(rugs, 4, today=date(2026, 7, 27), committed_units=0) == date(2026, 8, 1)
    # Eid al-Fitr 2026 (estimated) is Friday 20 and Saturday 21 March: a week from
    # Monday 16 March has four production days, not six
    assert available_by(rugs, date(2026, 3, 23), today=date(2026, 3, 16), committed_units=0) == 4


def test_production_beyond_a_year_is_not_promised() -> None:
    rugs = Product(on_hand=0, allocated=0, made_to_order=True, units_per_day=1, lead_days=3)
    # 368 days from Thursday 5 March 2026 hold 297 production days (Sundays and holidays off)
    assert promise_date(rugs, 297, today=MONDAY, committed_units=0) is not None
    assert promise_date(rugs, 298, today=MONDAY, committed_units=0) is None
