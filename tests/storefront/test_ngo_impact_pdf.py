"""The donors' impact report as a PDF, beside the HTML page and the CSV: the same
figures, in the organisation's language (Arabic shaped and right to left), money as
on the page, no personal data, and nothing for another organisation."""

from __future__ import annotations

import io
import os
import re
from datetime import UTC, date, datetime

import pypdfium2 as pdfium
import pytest
from flask import g
from flask_babel import gettext
from pypdf import PdfReader
from sqlalchemy import select

from catalog import regions
from solidarity_baskets import impact, nutrition
from solidarity_baskets.models import BasketOrder, BasketQuote, QuoteDestination
from storefront.filters import money_text, number
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
    _keep(body, f"impact-{lang}")
    reader = PdfReader(io.BytesIO(body))
    return body, "\n".join(page.extract_text() for page in reader.pages)


def _keep(body: bytes, name: str) -> None:
    """With TAAWUN_PDF_OUTPUT set to a folder, the PDF and each of its pages as a PNG
    (rendered by pdfium) go there, to be looked at."""
    folder = os.environ.get("TAAWUN_PDF_OUTPUT")
    if not folder:
        return
    with open(os.path.join(folder, f"{name}.pdf"), "wb") as out:
        out.write(body)
    document = pdfium.PdfDocument(body)
    for rank, page in enumerate(document, start=1):
        page.render(scale=1.6).to_pil().save(os.path.join(folder, f"{name}-{rank}.png"))


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
    # the nutrition table's units are Arabic too
    assert all(word in flat for word in ("سعرة", "حرارية")) and " kcal" not in flat
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


# -- a national drive: the page for the donors, and amounts that never break ---------------
def _national_report() -> impact.ImpactReport:
    """13,529 baskets over every province of Morocco, most received, and cooperatives
    paid up to tens of millions of dirhams (the widest amounts a column can hold)."""
    points = []
    for i, province in enumerate(regions.provinces()):
        baskets = 40 + 3 * i
        dest = QuoteDestination(
            province_code=province.code,
            hub_name=None,
            region_code=province.region_code,
            baskets=baskets,
        )
        points.append(impact.PointImpact(dest, baskets, baskets - 10 * (i % 4)))
    cooperatives = [
        impact.CooperativeImpact(
            cooperative_id=n,
            name_fr=f"Coopérative Atlas {n}",
            name_ar=f"تعاونية الأطلس {n}",
            region_code=region.code,
            women_led=n % 2 == 0,
            rural=n % 5 != 0,
            goods_minor=9_876_543_210 // n,
            shipping_minor=12_345_678 // n,
            commission_minor=987_654_321 // n,
        )
        for n, region in enumerate(regions.regions(), start=1)
    ]
    return impact.ImpactReport(
        order_number="TW-ABC-DEF",
        deliver_by=date(2027, 3, 1),
        baskets=sum(p.baskets for p in points),
        points=points,
        cooperatives=cooperatives,
        regions=[impact.RegionImpact(c.region_code, 1, c.goods_minor) for c in cooperatives],
        goods_minor=sum(c.goods_minor for c in cooperatives),
        shipping_minor=sum(c.shipping_minor for c in cooperatives),
        commission_minor=sum(c.commission_minor for c in cooperatives),
        family_size=5,
        coverage=nutrition.basket_coverage(
            [nutrition.LineFood("couscous_wheat", 5000, "g")], family_size=5
        ),
    )


def _render(app, report: impact.ImpactReport, lang: str) -> tuple[PdfReader, dict[str, str]]:
    """The PDF in ``lang``, and the figures as that language writes them."""
    with app.test_request_context():
        g.lang = lang
        body = impact_pdf.impact_pdf(
            report, organisation="Association Al Amal", now=datetime(2027, 3, 5, 9, tzinfo=UTC)
        )
        expected = {
            "families": number(report.families_reached),
            "people": number(report.people_reached),
            "kept": money_text(report.money(report.to_cooperatives_minor), lang),
            "In short": gettext("In short"),
            "caption": gettext("Baskets ordered and received per region"),
            "per region": gettext("Baskets per region"),
            "point": gettext("Distribution point"),
        }
        expected.update({r.code: r.name(lang) for r in regions.regions()})
        expected["amounts"] = "\n".join(
            money_text(report.money(minor), lang)
            for c in report.cooperatives
            for minor in (c.goods_minor, c.shipping_minor, c.received_minor)
        )
    _keep(body, f"national-{lang}")
    return PdfReader(io.BytesIO(body)), expected


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s\-]+", text) if w]


@pytest.mark.translated
@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_the_first_page_is_the_one_for_the_donors(app, lang) -> None:
    report = _national_report()
    reader, expected = _render(app, report, lang)
    first = _flat(reader.pages[0].extract_text())
    rest = _flat("\n".join(page.extract_text() for page in reader.pages[1:]))
    for key in ("families", "people", "In short", "caption"):
        assert all(w in first for w in _words(_flat(expected[key]))), key
    assert report.families_reached > 1_000  # written with the group separator
    # every region of Morocco is in the chart, on this one page
    for r in regions.regions():
        assert all(w in first for w in _words(expected[r.code])), r.code
    # the full tables follow, from the second page
    assert _flat(expected["point"]) not in first
    assert _flat(expected["point"]) in rest and _flat(expected["per region"]) in rest


@pytest.mark.translated
@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_an_amount_is_never_cut_across_two_lines(app, lang) -> None:
    reader, expected = _render(app, _national_report(), lang)
    lines = [_flat(line) for page in reader.pages for line in page.extract_text().splitlines()]
    amounts = [_flat(a) for a in [expected["kept"], *expected["amounts"].splitlines()]]
    assert any(len(a) >= len("98,765,432.10 MAD") - 1 for a in amounts)
    for amount in amounts:
        # Arabic comes out in visual order: the figure and the mark are looked for apart
        parts = amount.rsplit(" ", 1) if lang == "ar" else [amount]
        assert any(all(p in line for p in parts) for line in lines), amount


def test_the_bars_are_as_long_as_the_baskets(app) -> None:
    """Ordered bars (5 mm high) and received bars (2.5 mm) against the longest one."""
    report = _national_report()
    reader, _ = _render(app, report, "en")
    stream = reader.pages[0].get_contents().get_data().decode("latin-1")
    rects = [
        tuple(float(v) for v in m.groups())
        for m in re.finditer(r"([\d.]+) ([\d.]+) ([\d.]+) (-?[\d.]+) re f", stream)
    ]
    mm = 72 / 25.4

    def widths(height_mm: float) -> list[float]:
        return sorted(w for _, _, w, h in rects if abs(abs(h) - height_mm * mm) < 0.05)

    by_region = report.baskets_by_region
    most = max(r.baskets for r in by_region)
    ordered, received = widths(5), widths(2.5)
    longest = max(ordered)
    assert len(ordered) == len(by_region) == 12
    assert ordered == pytest.approx(sorted(longest * r.baskets / most for r in by_region), abs=0.02)
    assert received == pytest.approx(
        sorted(longest * r.baskets_received / most for r in by_region), abs=0.02
    )
