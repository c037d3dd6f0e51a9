"""Steps a shopper takes, shared by the journeys and the accessibility runs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

#: Casablanca (prefecture), in Casablanca-Settat.
PROVINCE = "06.141"
GUEST = {
    "ar": {"name": "فاطمة الزهراء بناني", "address": "زنقة 12، حي المعاريف، قرب المسجد"},
    "fr": {
        "name": "Fatima Zahra Bennani",
        "address": "Rue 12, quartier Maârif, près de la mosquée",
    },
    "en": {"name": "Fatima Zahra Bennani", "address": "12 Street, Maarif, near the mosque"},
}
PHONE_TYPED = "06 12 34 56 78"


@dataclass
class Placed:
    number: str
    phone: str


def add_to_cart(page: Any, slug: str, quantity: int = 1) -> None:
    page.goto(f"/p/{slug}")
    form = page.locator("form.add-to-cart")
    form.locator("input[name=quantity]").fill(str(quantity))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def fill_details(page: Any, lang: str, *, email: str = "fatima@example.ma") -> None:
    """Step 1 of the checkout, as a guest paying cash on delivery."""
    guest = GUEST[lang]
    page.locator("#name").fill(guest["name"])
    page.locator("#email").fill(email)
    page.locator("#phone").fill(PHONE_TYPED)
    page.locator("#province").select_option(PROVINCE)
    page.locator("#address").fill(guest["address"])
    page.locator("input[name=payment_method][value=cod]").check()


def submit(page: Any, *, past_the_browser: bool = False) -> None:
    """Send the page's form; ``past_the_browser`` skips the browser's own checks
    (``required``), to see the server's messages."""
    if past_the_browser:
        page.locator("main form.form").evaluate("form => { form.noValidate = true; }")
    page.locator("main form.form button[type=submit]").click()
    page.wait_for_load_state()


def confirm(page: Any) -> Placed:
    """Step 2: confirm the order; returns its number from the order page."""
    page.locator("form[action$='/checkout/confirm'] button[type=submit]").click()
    page.wait_for_load_state()
    match = re.search(r"/orders/([A-Z0-9-]+)$", page.url)
    assert match, f"no order page after confirming: {page.url}"
    return Placed(number=match.group(1), phone=PHONE_TYPED)


def track(page: Any, placed: Placed) -> None:
    page.goto("/orders/track")
    page.locator("#number").fill(placed.number)
    page.locator("#phone").fill(placed.phone)
    submit(page)
    assert page.url.endswith(f"/orders/{placed.number}"), page.url
