"""A sold-out product on a 360 px phone, in Arabic: the badge on its card and its page,
no "add to cart", and for a signed-in shopper a "tell me when it is back" that is
remembered."""

from __future__ import annotations

import pytest

from storefront.demo.orders import DEMO_PASSWORD
from tests.browser.support import login

pytestmark = pytest.mark.browser

SHOPPER = "salma.soldout@example.ma"


@pytest.fixture(scope="module")
def sold_out(live_server) -> tuple[str, str]:
    """A sold-out product of the demo (its slug and its cooperative's), and a shopper."""
    from sqlalchemy import select

    from catalog.accounts.users import NewUser, Role, register_user
    from catalog.db import utcnow
    from catalog.models import Cooperative, Product
    from storefront.extensions import db

    with live_server.app.app_context():
        row = db.session.execute(
            select(Product.slug, Cooperative.slug)
            .join(Cooperative, Product.cooperative_id == Cooperative.id)
            .where(
                Product.sellable.is_(True),
                Product.made_to_order.is_(False),
                Product.on_hand - Product.allocated <= 0,
            )
            .order_by(Product.id)
        ).first()
        assert row is not None, "the demo has no sold-out product"
        register_user(
            db.session,
            NewUser(email=SHOPPER, password=DEMO_PASSWORD, name="Salma"),
            role=Role.SHOPPER,
            now=utcnow(),
        )
        db.session.commit()
    return row[0], row[1]


def _fits_the_phone(page) -> None:  # noqa: ANN001
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width} px wide"


def test_a_sold_out_product_on_a_phone_in_arabic(open_context, live_server, sold_out, shots):
    product, cooperative = sold_out
    page = open_context("ar").new_page()
    assert page.viewport_size["width"] == 360
    ar = lambda msgid: live_server.text("ar", msgid)  # noqa: E731

    page.goto(f"/coop/{cooperative}")
    card = page.locator(f"li.card:has(a[href$='/p/{product}'])")
    assert card.locator(".badge.sold-out").inner_text() == ar("Sold out")
    _fits_the_phone(page)
    shots(page, "01-card")

    page.goto(f"/p/{product}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator(".availability .badge.sold-out").inner_text() == ar("Sold out")
    assert page.locator("form.add-to-cart").count() == 0, "no add button"
    assert page.get_by_role("button", name=ar("Add to cart")).count() == 0
    sign_in = page.get_by_role("link", name=ar("Sign in to be told by e-mail when it is back"))
    assert sign_in.is_visible()
    _fits_the_phone(page)
    shots(page, "02-product-guest")

    login(page, SHOPPER)
    page.goto(f"/p/{product}")
    page.get_by_role("button", name=ar("Tell me when it is back")).click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/p/{product}")
    status = page.locator(".notify-me [role=status]")
    assert status.inner_text() == ar("We will e-mail you as soon as it is back.")
    assert page.get_by_role("button", name=ar("Tell me when it is back")).count() == 0
    _fits_the_phone(page)
    shots(page, "03-product-notify-asked")
