"""A guest buying through the storefront's pages over HTTP, as the race tests' buyers
do: product page, cart, delivery form, review, confirm (cash on delivery)."""

from __future__ import annotations

import requests

from bench.checkout import CONFIRM_TOKEN, DETAILS, SAME_ORIGIN, TOKEN, TOTAL
from catalog.models import Product


def buy(base: str, product: Product) -> str:
    """One guest's visit; returns how it ended."""
    web = requests.Session()
    page = web.get(f"{base}/p/{product.slug}", timeout=60)
    assert page.status_code == 200, page.status_code
    if 'action="/cart/add"' not in page.text:
        return "sold out on the product page"
    added = web.post(
        f"{base}/cart/add",
        data={"product_id": product.id, "quantity": 1},
        headers=SAME_ORIGIN,  # what a browser says; this form has no CSRF token
        allow_redirects=False,
        timeout=60,
    )
    assert added.status_code == 302, added.status_code
    if not added.headers["Location"].endswith("/cart/"):
        return "refused by the cart"
    gate = web.get(f"{base}/checkout/", allow_redirects=False, timeout=60)
    if gate.status_code == 302:
        return "refused at the checkout gate"
    assert gate.status_code == 200, gate.status_code
    csrf = TOKEN.search(gate.text).group(1)  # type: ignore[union-attr]
    details = web.post(
        f"{base}/checkout/", data=dict(DETAILS, csrf_token=csrf), allow_redirects=False, timeout=60
    )
    assert details.status_code == 302, details.status_code
    review = web.get(f"{base}/checkout/review", allow_redirects=False, timeout=60)
    if review.status_code == 302:
        return "refused at review"
    assert review.status_code == 200, review.status_code
    confirm = web.post(
        f"{base}/checkout/confirm",
        data={
            "token": CONFIRM_TOKEN.search(review.text).group(1),  # type: ignore[union-attr]
            "expected_total": TOTAL.search(review.text).group(1),  # type: ignore[union-attr]
            "csrf_token": csrf,
        },
        allow_redirects=False,
        timeout=60,
    )
    assert confirm.status_code == 302, confirm.status_code
    return "bought" if "/orders/TW-" in confirm.headers["Location"] else "refused at confirm"
