"""No surprise costs: the delivery fee and day on the product page and in the cart for
the province the shopper chose once, cash on delivery shown by the price, and the
operator's delivery charges (free from an amount; per parcel or one capped fee) applied
to the estimate and to checkout totals alike."""

import re

import pytest
from sqlalchemy import select

from catalog import settings
from catalog.audit import AuditEntry
from tests.storefront.backoffice import login, operator
from tests.storefront.shopping import DETAILS, add, confirm_fields

CASABLANCA = "06.141"


def _choose(client, province=CASABLANCA, next_path="/cart/"):
    return client.post("/cart/deliver-to", data={"province": province, "next": next_path})


def _fee(page: str) -> str:
    found = re.search(r'class="delivery-fee">(.*?)</strong>', page, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


def test_the_product_page_asks_for_a_province_then_shows_fee_and_day(client, shop) -> None:
    argan = shop[0]  # from Casablanca-Settat
    page = client.get(f"/fr/p/{argan.slug}").get_data(as_text=True)
    assert "Choose where to deliver to see the delivery fee and day." in page
    assert "Pay cash on delivery" in page
    response = _choose(client, next_path=f"/fr/p/{argan.slug}")
    assert response.headers["Location"] == f"/fr/p/{argan.slug}"
    page = client.get(f"/fr/p/{argan.slug}").get_data(as_text=True)
    # same region, under 1 kg: 25 DH + 10 DH cash-on-delivery fee
    assert _fee(page) == "35,00\xa0DH"
    assert "Arrives around" in page
    assert "Includes the cash-on-delivery fee (10,00\xa0DH)." in page
    assert f'<option selected value="{CASABLANCA}">' in page


def test_the_cart_shows_every_parcels_delivery_and_the_total_with_it(client, shop) -> None:
    for product in shop:
        add(client, product)
    page = client.get("/cart/").get_data(as_text=True)
    assert "Choose where to deliver" in page and "Total with delivery" not in page
    _choose(client)
    page = client.get("/cart/").get_data(as_text=True)
    # 25 + 35 + 55 DH (same region, other region, remote) and three 10 DH fees
    assert _fee(page) == "145,00\xa0DH"
    assert "(3 parcels)" in page
    total = re.search(r"Total with delivery: <strong>(.*?)</strong>", page, re.S)
    assert "361,00" in total.group(1)  # 216 DH of goods and 145 DH of delivery
    # the checkout starts on the remembered province, and charges the same
    details = client.get("/checkout/").get_data(as_text=True)
    assert f'<option selected value="{CASABLANCA}">' in details
    client.post("/checkout/", data=DETAILS)
    fields = confirm_fields(client.get("/checkout/review").get_data(as_text=True))
    assert fields["expected_total"] == "36100"


def test_a_capped_fee_shows_in_the_cart_and_at_checkout(client, session, shop) -> None:
    settings.update(session, delivery_charging="capped", delivery_cap_minor=4_500)
    session.commit()
    for product in shop:
        add(client, product)
    _choose(client)
    page = client.get("/cart/").get_data(as_text=True)
    assert _fee(page) == "45,00\xa0DH"
    client.post("/checkout/", data=DETAILS)
    review = client.get("/checkout/review").get_data(as_text=True)
    assert confirm_fields(review)["expected_total"] == str(21_600 + 4_500)
    assert "price for you." in review  # Taawun pays the rest of the carriers' price


def test_free_delivery_and_what_is_missing_for_it(client, session, shop) -> None:
    settings.update(session, free_delivery_from_minor=20_000)
    session.commit()
    add(client, shop[0])  # 120 DH
    _choose(client)
    page = client.get("/cart/").get_data(as_text=True)
    assert "Add 80,00\xa0DH more for free delivery." in page
    add(client, shop[1])  # 210 DH of goods
    page = client.get("/cart/").get_data(as_text=True)
    assert "Free delivery to" in page and "more for free delivery" not in page


@pytest.mark.parametrize("province", ["", "99.999", "06.141.01"])
def test_a_bad_province_is_refused_and_nothing_is_remembered(client, shop, province) -> None:
    response = _choose(client, province)
    assert response.status_code == 302
    with client.session_transaction() as s:
        assert "deliver_to" not in s
        assert s["_flashes"]


def test_the_operator_sets_the_delivery_charges(client, session) -> None:
    boss = operator(session)
    session.commit()
    login(client, boss)
    page = client.get("/admin/delivery-charges").get_data(as_text=True)
    assert 'value="45.00"' in page
    assert re.search(r'<input checked[^>]*value="per_parcel"', page)
    response = client.post(
        "/admin/delivery-charges", data={"free_from": "400", "charging": "capped", "cap": "40"}
    )
    assert response.status_code == 302
    rules = settings.current(session)
    assert (rules.free_delivery_from_minor, rules.delivery_charging, rules.delivery_cap_minor) == (
        40_000,
        "capped",
        4_000,
    )
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "delivery_charging.update")
    )
    assert entry.details["delivery_cap_minor"] == [4_500, 4_000]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"free_from": "beaucoup", "charging": "capped", "cap": "40"}, "Enter an amount"),
        ({"free_from": "0", "charging": "capped", "cap": "-5"}, "from 0 to"),
        ({"free_from": "0", "charging": "by_weight", "cap": "40"}, "Not a valid choice"),
    ],
)
def test_bad_delivery_charges_change_nothing(client, session, data, expected) -> None:
    boss = operator(session)
    session.commit()
    login(client, boss)
    response = client.post("/admin/delivery-charges", data=data)
    assert response.status_code == 200
    assert expected in response.get_data(as_text=True)
    assert settings.current(session).delivery_charging == "per_parcel"
