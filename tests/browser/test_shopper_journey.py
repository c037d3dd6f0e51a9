"""Journeys 1 and 4: a shopper on a 360×740 phone, in Arabic, searches, filters by region,
fills a cart from two cooperatives, checks out as a guest paying cash on delivery, and finds
the order again on the tracking page; then the same with JavaScript turned off."""

from __future__ import annotations

import re

import pytest

from tests.browser import flows
from tests.browser.support import Console

pytestmark = pytest.mark.browser

HONEY = "عسل"
SOUSS_MASSA = "09"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_guest_on_a_phone_orders_from_two_cooperatives_and_tracks_the_order(
    javascript, open_context, shots
):
    page = open_context("ar", javascript=javascript).new_page()
    console = Console(page)
    page.goto("/")
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    shots(page, "01-home")

    # search from the header, then keep one region
    page.locator("#q").fill(HONEY)
    page.locator("form.search button[type=submit]").click()
    page.wait_for_load_state()
    assert "/search" in page.url
    page.locator("details.filters-drawer > summary").click()  # the filters come first
    page.locator(f"form.facets input[name=region][value='{SOUSS_MASSA}']").check()
    page.locator("form.facets button[type=submit]").click()
    page.wait_for_load_state()
    assert f"region={SOUSS_MASSA}" in page.url
    shots(page, "02-results-souss-massa")
    cards = page.locator("ul.grid li.card")
    coops = [cards.nth(i).locator(".coop").inner_text() for i in range(cards.count())]
    first = 0
    second = next(i for i, c in enumerate(coops) if c != coops[0])
    results_url = page.url

    # one product from each of two cooperatives
    for n, index in enumerate((first, second), start=1):
        page.goto(results_url)
        page.locator("ul.grid li.card").nth(index).locator("a").first.click()
        page.wait_for_load_state()
        if n == 1:
            shots(page, "03-product")
        page.locator("form.add-to-cart input[name=quantity]").fill(str(n))
        page.locator("form.add-to-cart button[type=submit]").click()
        page.wait_for_load_state()
    page.goto("/cart/")
    cart_text = page.locator("main").inner_text()
    assert coops[first].split(" · ")[0] in cart_text
    assert coops[second].split(" · ")[0] in cart_text
    shots(page, "04-cart")

    # guest checkout, cash on delivery
    page.goto("/checkout/")
    assert page.locator("input[name=payment_method][value=cod]").is_checked()
    flows.fill_details(page, "ar")
    shots(page, "05-details")
    flows.submit(page)
    assert page.url.endswith("/checkout/review")
    assert page.locator("section.parcel").count() == 2
    shots(page, "06-review")
    placed = flows.confirm(page)
    assert re.fullmatch(r"TW-[A-Z0-9]{3}-[A-Z0-9]{3}", placed.number)
    assert placed.number in page.locator(".flashes").inner_text()
    # the order number reads left to right inside the Arabic sentence
    assert page.locator(f"bdi:has-text('{placed.number}')").count() >= 1
    shots(page, "07-order-placed")

    # later, on another visit (no cookie): the tracking page finds it by number and phone
    again = open_context("ar", javascript=javascript).new_page()
    again.goto("/")
    again.locator("details.menu > summary").click()  # every destination is in the menu
    again.locator("nav.main-nav a[href='/orders/track']").click()
    again.wait_for_load_state()
    shots(again, "08-tracking")
    flows.track(again, placed)
    assert placed.number in again.locator("main").inner_text()
    shots(again, "09-order-found")
    assert console.errors == []
