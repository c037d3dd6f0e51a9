"""Sales and money reports, and the bank account the cooperative is paid to."""

import re
from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from catalog.db import utcnow
from orders import fulfilment, ledger, payment_attempts
from orders.models import PayoutAccount
from storefront.demo.identifiers import make_rib
from tests.storefront.backoffice import login, member


@pytest.fixture
def sold(make, session, client):
    """A cooperative with two delivered parcels: one paid online, one in cash."""
    coop = make.cooperative(slug="tafoukt")
    user = member(session, coop)
    oil = make.product(
        coop, sku="ARG-250", title_fr="Huile d'argan", title_ar="زيت الأركان", on_hand=50
    )
    honey = make.product(coop, sku="MIEL-1", title_fr="Miel", on_hand=50)
    now = utcnow()
    online = make.order({oil: 2}, method="bank_transfer", now=now)
    payment_attempts.record_bank_transfer(session, online, online.total, reference="VIR-9", now=now)
    cash = make.order({oil: 1, honey: 3}, method="cod", now=now)
    for order in (online, cash):
        part = order.fulfilments[0]
        fulfilment.mark_shipped(session, part, "T-1", now=now)
    fulfilment.mark_delivered(session, online.fulfilments[0], now=now)
    fulfilment.record_cash_collected(session, cash.fulfilments[0], now=now)
    session.commit()
    login(client, user)
    return coop, online.fulfilments[0], cash.fulfilments[0]


def test_sales_by_month_and_product_with_the_money(client, session, sold) -> None:
    coop, online, cash = sold
    page = client.get("/back-office/reports").get_data(as_text=True)
    month = format_date(utcnow().date(), "MMMM y", locale="en")  # "December 2026"
    cells = f'<td data-label="Month">{month}</td><td data-label="Parcels">2</td>'
    assert f'<tr>{cells}<td data-label="Units">6</td>' in page
    assert "Huile d&#39;argan" in page and "Miel" in page
    balance = ledger.balance_of(session, coop.id).amount_minor
    expected = (online.total_minor - online.commission_minor) - cash.commission_minor
    assert balance == expected
    assert "Owed to you today" in page


def test_the_reports_download_as_csv(client, sold) -> None:
    coop, online, cash = sold
    sales = client.get("/back-office/reports/sales.csv")
    assert sales.mimetype == "text/csv" and sales.data.startswith(b"\xef\xbb\xbf")
    text = sales.data.decode("utf-8-sig")
    header, row = text.splitlines()[:2]
    assert header == (
        "Month,Parcels,Units,Products (MAD),Shipping (MAD),Commission (MAD),Net (MAD)"
    )
    month = format_date(utcnow().date(), "MMMM y", locale="en")
    assert row.split(",")[:3] == [month, "2", "6"]
    products = client.get("/back-office/reports/products.csv").data.decode("utf-8-sig")
    assert "ARG-250,Huile d'argan,زيت الأركان,3,300.00," in products
    statement = client.get("/back-office/reports/ledger.csv").data.decode("utf-8-sig")
    assert statement.startswith("Date,Entry,Reference,Amount (MAD)\r\n")
    assert "Cash you collected" in statement and "cash_collected" not in statement
    assert "order:" not in statement and online.order.number in statement


def test_every_kind_of_statement_entry_has_words() -> None:
    """The statement page and its CSV name each entry; a kind without words would show
    its code (a delivery subsidy read ``delivery_subsidy``)."""
    from storefront.labels import LEDGER_KINDS

    assert {str(kind) for kind in ledger.EntryKind} <= set(LEDGER_KINDS)


@pytest.mark.translated
def test_a_french_cooperative_reads_its_statement_in_french_excel(client, sold) -> None:
    """Column names, months and entries in French, ``;`` between cells and decimal
    commas, as French Excel opens them in columns."""
    coop, online, cash = sold
    client.set_cookie("lang", "fr")
    text = client.get("/back-office/reports/sales.csv").data.decode("utf-8-sig")
    header, row = text.splitlines()[:2]
    assert header.startswith("Mois;Colis;Unités;")
    cells = row.split(";")
    assert cells[0] == format_date(utcnow().date(), "MMMM y", locale="fr")
    assert re.fullmatch(r"\d+,\d\d", cells[3]), cells
    statement = client.get("/back-office/reports/ledger.csv").data.decode("utf-8-sig")
    assert "cash_collected" not in statement and ";-" in statement


def test_a_period_without_sales_and_bad_dates(client, sold) -> None:
    last_year = utcnow().year - 1
    page = client.get(f"/back-office/reports?from={last_year}-01-01&to={last_year}-12-31")
    assert "No parcel delivered in this period." in page.get_data(as_text=True)
    for bad in ("from=yesterday", "from=2030-01-01&to=2020-01-01", "to=2026-02-30"):
        response = client.get(f"/back-office/reports?{bad}")
        assert response.status_code == 200, bad
    assert client.get("/back-office/reports/other.csv").status_code == 404


def test_the_bank_account_is_checked(client, session, sold) -> None:
    coop, *_ = sold
    bad = client.post("/back-office/bank", data={"holder_name": "Coop", "rib": "1234"})
    assert "This RIB is not valid" in bad.get_data(as_text=True)
    assert session.get(PayoutAccount, coop.id) is None
    rib = make_rib(7, 780, 42)
    ok = client.post("/back-office/bank", data={"holder_name": "Coop Tafoukt", "rib": rib})
    assert ok.status_code == 302
    account = session.scalar(select(PayoutAccount))
    assert (account.cooperative_id, account.rib) == (coop.id, rib)


def test_the_reports_page_sends_a_fixed_number_of_queries(
    client, session, make, sold, count_queries
) -> None:
    coop, *_ = sold
    client.get("/back-office/reports")
    count_queries.clear()
    client.get("/back-office/reports")
    few = len(count_queries)
    product = make.product(coop, on_hand=100)
    now = utcnow() - timedelta(minutes=1)
    for _ in range(10):
        order = make.order({product: 1}, method="cod", now=now)
        fulfilment.mark_shipped(session, order.fulfilments[0], "T", now=now)
        fulfilment.record_cash_collected(session, order.fulfilments[0], now=now)
    session.commit()
    count_queries.clear()
    assert client.get("/back-office/reports").status_code == 200
    assert len(count_queries) == few <= 10, count_queries
