"""The donors' impact report as a PDF, beside the HTML page and the CSV: the same
figures, in the organisation's language (Arabic shaped and right to left), money as
on the page, no personal data, and nothing for another organisation."""

from __future__ import annotations

import io
import os
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from solidarity_baskets import impact
from solidarity_baskets.models import BasketOrder, BasketQuote
from storefront.filters import money_text
from storefront.ngo import impact_pdf
from tests.baskets import app_queries, basket_world, order_form, organisation
from tests.storefront.backoffice import login

PERSONAL = ("Khadija", "Bennani", "ngo@example.ma", "+212612345678", "612345678")


@pytest.fixture
def confirmed(client, session, make):
    world = basket_world(session, make)
    session.commit()
    login(client, world.member)
    client.post("/ngo/orders/new", data=order_form(world))
    quote = session.scalar(select(BasketQuote))
    response = client.post(
        f"/ngo/quotes/{quote.id}/confirm", data={"payment_method": "bank_transfer"}
    )
    assert response.status_code == 302
    session.expire_all()
    return world, session.scalar(select(BasketOrder))


def _pdf(client, basket_order, lang: str) -> tuple[bytes, str]:
    client.get(f"/lang/{lang}")
    response = client.get(f"/ngo/orders/{basket_order.id}/impact.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    number = basket_order.order.number
    assert response.headers["Content-Disposition"] == f"attachment; filename=impact-{number}.pdf"
    body = response.get_data()
    assert body.startswith(b"%PDF-")
    folder = os.environ.get("TAAWUN_PDF_OUTPUT")
    if folder:  # to look at the pages: pdftoppm -png impact-fr.pdf page
        with open(os.path.join(folder, f"impact-{lang}.pdf"), "wb") as out:
            out.write(body)
    reader = PdfReader(io.BytesIO(body))
    return body, "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    """Extracted text with every kind of space made one plain space."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def test_the_page_links_to_the_pdf(client, confirmed) -> None:
    _, basket_order = confirmed
    page = client.get(f"/ngo/orders/{basket_order.id}/impact").get_data(as_text=True)
    assert f"/ngo/orders/{basket_order.id}/impact.pdf" in page
    assert f"/ngo/orders/{basket_order.id}/impact.csv" in page


def test_the_pdf_carries_the_reports_figures(app, client, session, confirmed) -> None:
    world, basket_order = confirmed
    report = impact.impact_report(session, basket_order)
    _, text = _pdf(client, basket_order, "en")
    flat = _flat(text)
    assert f"Impact report — order {report.order_number}" in flat
    assert world.organisation.name in flat
    assert "100 ordered" in flat and "0 received" in flat
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        amounts = [
            report.goods_minor,
            report.shipping_minor,
            report.total_minor,
            report.commission_minor,
            report.to_cooperatives_minor,
            report.cost_per_basket_minor,
            *(c.received_minor for c in report.cooperatives),
        ]
        for minor in amounts:
            assert _flat(money_text(report.money(minor), "en")) in flat, minor
    for c in report.cooperatives:
        assert c.name_fr in flat
    assert "Hub Anza" in flat and "Casablanca" in flat
    assert f"{len(report.cooperatives)} cooperatives paid" in flat
    assert "Page 1" in flat
    for secret in PERSONAL:
        assert secret not in flat


@pytest.mark.translated
def test_the_pdf_is_in_french_with_french_amounts(client, session, confirmed) -> None:
    _, basket_order = confirmed
    report = impact.impact_report(session, basket_order)
    _, text = _pdf(client, basket_order, "fr")
    flat = _flat(text)
    assert "Rapport d'impact" in flat or "Rapport d’impact" in flat
    total = _flat(money_text(report.money(report.total_minor), "fr"))
    assert total.endswith(" DH") and total in flat
    assert "Coopérative Tissage Doum" in flat


@pytest.mark.translated
def test_the_pdf_is_in_arabic_shaped_right_to_left(client, session, confirmed) -> None:
    world, basket_order = confirmed
    report = impact.impact_report(session, basket_order)
    body, text = _pdf(client, basket_order, "ar")
    flat = _flat(text)
    # the embedded font has the Arabic glyphs, and the words come out as written
    assert b"DejaVuSans" in body
    assert "تقرير" in flat  # "report", joined letters mapped back to the letters
    assert "م." in flat  # the dirham mark
    assert report.order_number in flat
    # extraction gives the words in visual order (right to left): look for each word
    arabic = [c for c in report.cooperatives if c.name_ar]
    assert arabic and all(word in flat for c in arabic for word in c.name_ar.split())
    for secret in PERSONAL:
        assert secret not in flat


def test_another_organisation_gets_no_pdf(client, session, confirmed) -> None:
    _, basket_order = confirmed
    client.post("/account/logout")
    _, stranger = organisation(session, name="Autre association", email="other@example.ma")
    session.commit()
    login(client, stranger)
    assert client.get(f"/ngo/orders/{basket_order.id}/impact.pdf").status_code == 404
    assert client.get("/ngo/orders/999999/impact.pdf").status_code == 404


def test_a_long_list_of_cooperatives_ends_with_a_pointer_to_the_csv(
    client, session, confirmed, monkeypatch
) -> None:
    _, basket_order = confirmed
    monkeypatch.setattr(impact_pdf, "MAX_COOPERATIVE_ROWS", 2)
    report = impact.impact_report(session, basket_order)
    _, text = _pdf(client, basket_order, "en")
    flat = _flat(text)
    assert [c.name_fr in flat for c in report.cooperatives] == [True, True, False]
    assert "And 1 more cooperative: the CSV file lists them all." in flat


def test_the_pdf_sends_as_many_queries_as_the_page(app, client, confirmed) -> None:
    _, basket_order = confirmed
    counts = []
    for url in (
        f"/ngo/orders/{basket_order.id}/impact",
        f"/ngo/orders/{basket_order.id}/impact.pdf",
    ):
        with app_queries(app) as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts == [8, 8]
