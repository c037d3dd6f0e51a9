"""Helpers for the cart, checkout and order page tests: the guest's checkout as a
browser does it (forms posted in order). Their fixtures (``shop``, ``stripe_app``,
``english_pages``...) are in ``conftest.py``."""

from __future__ import annotations

import re

DETAILS = {
    "name": "Amina Alaoui",
    "email": "amina@example.ma",
    "phone": "06 12 34 56 78",
    "province": "06.141",
    "city": "Casablanca",
    "address": "12 rue des Orangers, Maarif",
    "delivery_option": "home",
    "payment_method": "cod",
}


def add(client, product, quantity=1):
    return client.post("/cart/add", data={"product_id": product.id, "quantity": quantity})


def checkout(client, **details):
    """Post the details form, open the review, confirm; returns the confirm response."""
    data = dict(DETAILS, **details)
    response = client.post("/checkout/", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    review = client.get("/checkout/review")
    assert review.status_code == 200, review.headers.get("Location")
    return client.post("/checkout/confirm", data=confirm_fields(review.get_data(as_text=True)))


def confirm_fields(page: str) -> dict[str, str]:
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page)
    total = re.search(r'name="expected_total" type="hidden" value="([^"]+)"', page)
    assert token and total, "the review page carries the confirmation fields"
    return {"token": token.group(1), "expected_total": total.group(1)}
