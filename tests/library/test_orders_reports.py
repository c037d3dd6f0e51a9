from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from orders import fulfilment, ledger, payment_attempts, reports
from storefront.demo.identifiers import make_rib
from tests.conftest import NOW

CASABLANCA = ZoneInfo("Africa/Casablanca")


@pytest.fixture
def coop_sales(make, session):
    coop = make.cooperative()
    oil = make.product(coop, sku="ARG", title_fr="Huile", on_hand=100, price_minor=10_000)
    honey = make.product(coop, sku="MIEL", title_fr="Miel", on_hand=100, price_minor=5_000)
    # delivered on 31 March at 23:30 UTC: already April in Casablanca (UTC+1)
    late_march = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    cash = make.order({oil: 1, honey: 2}, method="cod", now=NOW)
    fulfilment.mark_shipped(session, cash.fulfilments[0], "T", now=NOW)
    fulfilment.record_cash_collected(session, cash.fulfilments[0], now=late_march)
    paid = make.order({oil: 3}, method="bank_transfer", now=NOW)
    payment_attempts.record_bank_transfer(session, paid, paid.total, reference="V", now=NOW)
    fulfilment.mark_shipped(session, paid.fulfilments[0], "T", now=NOW)
    fulfilment.mark_delivered(session, paid.fulfilments[0], now=NOW + timedelta(days=1))
    undelivered = make.order({honey: 1}, method="cod", now=NOW)
    return coop, cash.fulfilments[0], paid.fulfilments[0], undelivered.fulfilments[0]


YEAR = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def test_sales_count_delivered_parcels_by_local_month(session, coop_sales) -> None:
    coop, cash, paid, _ = coop_sales
    parts = reports.delivered_parts(session, coop.id, start=YEAR[0], end=YEAR[1])
    assert parts == [paid, cash]
    march, april = reports.sales_by_month(parts, tz=CASABLANCA)
    assert (march.period, march.parts, march.units, march.goods_minor) == ("2026-03", 1, 3, 30_000)
    assert (april.period, april.units, april.goods_minor) == ("2026-04", 3, 20_000)
    assert april.net_minor == cash.total_minor - cash.commission_minor
    in_utc = reports.sales_by_month(parts)
    assert [(m.period, m.parts) for m in in_utc] == [("2026-03", 2)], "both in March in UTC"


def test_sales_by_product_best_first(session, coop_sales) -> None:
    coop, *_ = coop_sales
    parts = reports.delivered_parts(session, coop.id, start=YEAR[0], end=YEAR[1])
    rows = reports.sales_by_product(parts)
    assert [(r.sku, r.units, r.goods_minor) for r in rows] == [
        ("ARG", 4, 40_000),
        ("MIEL", 2, 10_000),
    ]


def test_money_comes_from_the_ledger(session, coop_sales) -> None:
    coop, cash, paid, _ = coop_sales
    money = reports.money_summary(session, coop.id, start=YEAR[0], end=YEAR[1])
    assert money.earned_minor == (cash.total_minor - cash.commission_minor) + (
        paid.total_minor - paid.commission_minor
    )
    assert money.cash_kept_minor == cash.total_minor
    assert money.balance_minor == ledger.balance_of(session, coop.id).amount_minor
    ledger.set_payout_account(session, coop.id, holder_name="C", rib=make_rib(1, 2, 3))
    batch = ledger.create_payout_batch(session, now=NOW + timedelta(days=2))
    money = reports.money_summary(session, coop.id, start=YEAR[0], end=YEAR[1])
    assert (money.in_payment_minor, money.paid_out_minor) == (batch.total_minor, 0)
    ledger.mark_batch_paid(session, batch, now=NOW + timedelta(days=3), bank_reference="B")
    money = reports.money_summary(session, coop.id, start=YEAR[0], end=YEAR[1])
    assert (money.in_payment_minor, money.paid_out_minor, money.balance_minor) == (
        0,
        batch.total_minor,
        0,
    )
    last_year = reports.money_summary(
        session, coop.id, start=datetime(2025, 1, 1, tzinfo=UTC), end=YEAR[0]
    )
    assert last_year.earned_minor == 0 and last_year.balance_minor == 0
