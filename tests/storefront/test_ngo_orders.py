"""Confirming a quote in the storefront: one order, purchase orders in each
cooperative's back office, manifests, packing lists, printable tags, the public
traceability page and the impact report — with no personal data where the public or
donors look, and nothing visible to another organisation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from orders.models import Order
from solidarity_baskets.models import BasketOrder, BasketQuote, PackingWave
from tests.baskets import app_queries, basket_world, order_form, organisation
from tests.storefront.backoffice import login, member

#: what must never appear on public pages and donor exports
PERSONAL = ("Khadija", "Bennani", "ngo@example.ma", "+212612345678", "612345678")


@pytest.fixture
def world(session, make, app):
    found = basket_world(session, make)
    session.commit()
    return found


def _confirmed(client, world, session):
    login(client, world.member)
    client.post("/ngo/orders/new", data=order_form(world))
    quote = session.scalar(select(BasketQuote))
    response = client.post(
        f"/ngo/quotes/{quote.id}/confirm", data={"payment_method": "bank_transfer"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    basket_order = session.scalar(select(BasketOrder))
    assert response.headers["Location"].endswith(f"/ngo/orders/{basket_order.id}")
    client.get(response.headers["Location"])  # read the flash message
    return basket_order


def test_confirming_places_one_order_and_shows_its_manifests(client, world, session):
    basket_order = _confirmed(client, world, session)
    assert session.scalar(select(func.count(Order.id))) == 1
    page = client.get(f"/ngo/orders/{basket_order.id}").get_data(as_text=True)
    assert basket_order.order.number in page
    assert "What arrives, from whom" in page and "Packing list" in page
    # two points: each one's deliveries fold behind their count
    assert page.count('<details class="arrivals">') == 2 and "deliveries</span>" in page
    assert "Coopérative Tissage Doum" in page and "Hub Anza" in page
    assert page.count("Wave 1:") == 2  # one per distribution point


def test_each_cooperative_sees_its_purchase_order(client, world, session):
    basket_order = _confirmed(client, world, session)
    client.post("/account/logout")
    weaver = member(session, world.coops["weavers"], email="weaver@example.ma")
    session.commit()
    login(client, weaver)
    orders_page = client.get("/back-office/orders?status=new").get_data(as_text=True)
    assert basket_order.order.number in orders_page
    baskets_page = client.get("/back-office/baskets/").get_data(as_text=True)
    parts = [
        f for f in basket_order.order.fulfilments if f.cooperative_id == world.coops["weavers"].id
    ]
    assert len(parts) == 2  # one per distribution point
    for part in parts:
        assert part.invoice_number in baskets_page
        detail = client.get(f"/back-office/baskets/{part.id}").get_data(as_text=True)
        assert "Couffin en doum" in detail
    assert "Agadir" in baskets_page and "Casablanca" in baskets_page
    others = [
        f for f in basket_order.order.fulfilments if f.cooperative_id != world.coops["weavers"].id
    ]
    assert client.get(f"/back-office/baskets/{others[0].id}").status_code == 404


def test_the_traceability_page_is_public_and_names_no_person(client, world, session):
    basket_order = _confirmed(client, world, session)
    wave = session.scalar(select(PackingWave).order_by(PackingWave.id))
    client.post("/account/logout")
    response = client.get(f"/t/{wave.serial(1)}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Coopérative Tissage Doum" in page and "led by women" in page
    for secret in (*PERSONAL, world.organisation.name, basket_order.order.number):
        assert secret not in page
    assert client.get(f"/t/{wave.token}-{wave.baskets + 1}").status_code == 404
    assert client.get("/t/not-a-serial").status_code == 404
    assert client.get("/t/" + "A" * 500).status_code == 404


def test_tags_carry_a_qr_code_to_the_traceability_page(client, world, session):
    basket_order = _confirmed(client, world, session)
    point = basket_order.quote.destinations[0]
    page = client.get(f"/ngo/orders/{basket_order.id}/tags?point={point.id}").get_data(as_text=True)
    assert page.count('class="segno"') == 48  # the first page of tags
    serials = re.findall(r"[2-9A-Z]{8}-\d+", page)
    assert serials and client.get(f"/t/{serials[0]}").status_code == 200
    last = client.get(f"/ngo/orders/{basket_order.id}/tags?point={point.id}&page=2")
    assert last.get_data(as_text=True).count('class="segno"') == point.baskets - 48
    assert client.get(f"/ngo/orders/{basket_order.id}/tags?point=999999").status_code == 404
    assert (
        client.get(f"/ngo/orders/{basket_order.id}/tags?page=abc&point={point.id}").status_code
        == 200
    )


def test_the_impact_report_is_there_in_html_and_csv(client, world, session):
    basket_order = _confirmed(client, world, session)
    html = client.get(f"/ngo/orders/{basket_order.id}/impact").get_data(as_text=True)
    assert "Where the money goes" in html and "Coopérative Chaouia" in html
    response = client.get(f"/ngo/orders/{basket_order.id}/impact.csv")
    assert response.mimetype == "text/csv"
    text = response.data.decode("utf-8-sig")
    rows = text.splitlines()
    assert rows[0].startswith("Section,Code,Name")
    assert sum(1 for r in rows if r.startswith("Cooperative,")) == 3
    assert sum(1 for r in rows if r.startswith("Distribution point,")) == 2
    xlsx = client.get(f"/ngo/orders/{basket_order.id}/impact.xlsx")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    for secret in PERSONAL:
        assert secret not in text


@pytest.mark.translated
@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fr", ("En bref", "Paniers par région", "Paniers commandés et reçus par région")),
        ("ar", ("باختصار", "السلال حسب الجهة", "السلال المطلوبة والمستلمة حسب الجهة")),
        ("en", ("In short", "Baskets per region", "Baskets ordered and received per region")),
    ],
)
def test_the_donor_report_reads_in_each_language(client, world, session, lang, words):
    basket_order = _confirmed(client, world, session)
    client.set_cookie("lang", lang)
    page = client.get(f"/ngo/orders/{basket_order.id}/impact").get_data(as_text=True)
    for text in words:
        assert text in page, text
    assert page.count('class="chart-row"') == 2
    direction = "rtl" if lang == "ar" else "ltr"
    assert f'<html lang="{lang}" dir="{direction}">' in page


def test_another_organisation_sees_nothing_of_this_one(client, world, session, make):
    basket_order = _confirmed(client, world, session)
    quote_id = basket_order.quote_id
    own_template = client.post(f"/ngo/templates/{world.template.id}/copy", data={}).headers[
        "Location"
    ]
    client.post("/account/logout")
    _, stranger = organisation(session, name="Autre association", email="other@example.ma")
    session.commit()
    login(client, stranger)
    for url in (
        f"/ngo/quotes/{quote_id}",
        f"/ngo/quotes/{quote_id}/plan.csv",
        f"/ngo/orders/{basket_order.id}",
        f"/ngo/orders/{basket_order.id}/impact",
        f"/ngo/orders/{basket_order.id}/impact.csv",
        f"/ngo/orders/{basket_order.id}/impact.xlsx",
        f"/ngo/quotes/{quote_id}/plan.xlsx",
        f"/ngo/orders/{basket_order.id}/invoice.pdf",
        f"/ngo/orders/{basket_order.id}/tags?point={basket_order.quote.destinations[0].id}",
        own_template,
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/ngo/quotes/{quote_id}/confirm",
        f"/ngo/quotes/{quote_id}/requote",
        own_template + "/copy",
        own_template + "/lines",
    ):
        assert client.post(url, data={"payment_method": "bank_transfer"}).status_code == 404, url
    assert "Coopérative Tissage Doum" not in client.get("/ngo/").get_data(as_text=True)


def test_the_order_area_is_for_organisations_only(client, world, session):
    weaver = member(session, world.coops["weavers"], email="weaver@example.ma")
    session.commit()
    login(client, weaver)
    assert client.get("/ngo/").status_code == 403
    client.post("/account/logout")
    login(client, world.member)
    assert client.get("/back-office/baskets/").status_code == 403


def test_a_confirmed_quote_cannot_be_confirmed_again(client, world, session):
    basket_order = _confirmed(client, world, session)
    response = client.post(
        f"/ngo/quotes/{basket_order.quote_id}/confirm", data={"payment_method": "bank_transfer"}
    )
    assert response.status_code == 302
    assert session.scalar(select(func.count(Order.id))) == 1


def test_a_forged_payment_method_orders_nothing(client, world, session):
    login(client, world.member)
    client.post("/ngo/orders/new", data=order_form(world))
    quote = session.scalar(select(BasketQuote))
    for method in ("cod", "card", ""):
        response = client.post(f"/ngo/quotes/{quote.id}/confirm", data={"payment_method": method})
        assert response.status_code == 302
    assert session.scalar(select(func.count(Order.id))) == 0


def test_stock_that_moved_shows_the_new_quote(client, world, session):
    login(client, world.member)
    client.post("/ngo/orders/new", data=order_form(world))
    quote = session.scalar(select(BasketQuote))
    world.products["oil"].on_hand = 70
    session.commit()
    response = client.post(
        f"/ngo/quotes/{quote.id}/confirm", data={"payment_method": "bank_transfer"}
    )
    session.expire_all()
    fresh = session.scalar(select(BasketQuote).order_by(BasketQuote.id.desc()))
    assert fresh.id != quote.id
    assert response.headers["Location"].endswith(f"/ngo/quotes/{fresh.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Stock or prices changed" in page and "Not enough supply" in page
    assert session.scalar(select(func.count(Order.id))) == 0


def test_order_pages_run_a_fixed_number_of_queries(client, world, session, app):
    basket_order = _confirmed(client, world, session)
    point = basket_order.quote.destinations[0]
    pages = {
        f"/ngo/orders/{basket_order.id}": 12,  # with the receipts per point
        f"/ngo/orders/{basket_order.id}/impact": 8,
        f"/ngo/orders/{basket_order.id}/tags?point={point.id}": 10,
        f"/t/{basket_order.waves[0].serial(1)}": 5,
        "/ngo/": 5,
    }
    for url, expected in pages.items():
        with app_queries(app) as statements:
            assert client.get(url).status_code == 200
        assert len(statements) == expected, (url, statements)


def test_a_large_order_shows_its_points_a_page_at_a_time(client, world, session, app, monkeypatch):
    from storefront.ngo import views

    basket_order = _confirmed(client, world, session)
    first, second = basket_order.quote.destinations
    monkeypatch.setattr(views, "POINTS_PER_PAGE", 1)
    seen = []
    for page in (1, 2):
        with app_queries(app) as statements:
            response = client.get(f"/ngo/orders/{basket_order.id}?page={page}")
        assert response.status_code == 200
        seen.append((response.get_data(as_text=True), len(statements)))
    (one, one_queries), (two, two_queries) = seen
    # the same queries whatever the page: the page's points, and every point summed up
    assert one_queries == two_queries == 13, (one_queries, two_queries)
    for page in (one, two):
        assert "Distribution points" in page and "Page" in page
        assert f"page=1#point-{first.id}" in page and f"page=2#point-{second.id}" in page
    assert f'id="point-{first.id}"' in one and f'id="point-{second.id}"' not in one
    assert f'id="point-{second.id}"' in two and f'id="point-{first.id}"' not in two
    assert one.count("Wave 1:") == two.count("Wave 1:") == 1
    # a page past the end shows the last one
    last = client.get(f"/ngo/orders/{basket_order.id}?page=9").get_data(as_text=True)
    assert f'id="point-{second.id}"' in last


def test_a_page_number_that_is_not_one_shows_a_page_not_an_error(
    client, world, session, app, monkeypatch
):
    from storefront.ngo import views

    basket_order = _confirmed(client, world, session)
    first, second = basket_order.quote.destinations
    monkeypatch.setattr(views, "POINTS_PER_PAGE", 1)
    shown = {
        "abc": first,
        "-5": first,
        "0": first,
        "1.5": first,
        "²": first,
        "99999999999999999999999": second,  # past the end: the last page
    }
    for asked, point in shown.items():
        response = client.get(f"/ngo/orders/{basket_order.id}", query_string={"page": asked})
        assert response.status_code == 200, asked
        assert f'id="point-{point.id}"' in response.get_data(as_text=True), asked
