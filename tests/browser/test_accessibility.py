"""axe-core on every page a shopper, a cooperative or an NGO uses, in French and Arabic:
no serious or critical violation. Each run also records the page's weight; both go to
test-output/browser/report.md."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import pytest

from storefront.demo.orders import MEMBER_EMAILS
from tests.browser import flows
from tests.browser.support import blocking, describe, login, page_weight, run_axe

pytestmark = pytest.mark.browser
#: the organisations' area (storefront/ngo) and its demo account (storefront/demo/baskets.py)
NGO_LANDED = importlib.util.find_spec("storefront.demo.baskets") is not None
NGO_EMAIL = "ngo@taawun.ma"


def _cart(page: Any, s: Any) -> None:
    flows.add_to_cart(page, s.products[0])
    flows.add_to_cart(page, s.products[1])
    page.goto("/cart/")


def _review(page: Any, s: Any) -> None:
    page.goto("/checkout/")
    flows.fill_details(page, page.locator("html").get_attribute("lang"))
    flows.submit(page)


def _order(page: Any, s: Any) -> None:
    flows.track(page, flows.Placed(*s.order))


def _go(path: str) -> Callable[[Any, Any], None]:
    return lambda page, s: page.goto(path)


#: area -> who logs in (None: a guest) and its pages, each reached as a person would
AREAS: dict[str, tuple[str | None, dict[str, Callable[[Any, Any], None]]]] = {
    "shop": (
        None,
        {
            "home": _go("/"),
            "listing": lambda page, s: page.goto(f"/c/{s.category}"),
            "region": lambda page, s: page.goto(f"/r/{s.region}"),
            "search": _go("/search?q=argan"),
            "product": lambda page, s: page.goto(f"/p/{s.products[0]}"),
            "cooperative": lambda page, s: page.goto(f"/coop/{s.cooperatives[0]}"),
        },
    ),
    "checkout": (
        None,
        {
            "cart": _cart,
            "checkout": _go("/checkout/"),
            "checkout-errors": lambda page, s: flows.submit(page, past_the_browser=True),
            "checkout-review": _review,
            "tracking": _go("/orders/track"),
            "order": _order,
        },
    ),
    "cooperative": (
        MEMBER_EMAILS["ibdaat-rehamna"],
        {
            "coop-dashboard": _go("/back-office/"),
            "coop-products": _go("/back-office/products"),
            "coop-product-form": _go("/back-office/products/new"),
            "coop-orders": _go("/back-office/orders"),
        },
    ),
    "ngo": (
        NGO_EMAIL,
        {
            "ngo-dashboard": _go("/ngo/"),
            "ngo-order-form": _go("/ngo/orders/new"),
        },
    ),
}


@pytest.mark.parametrize("lang", ["fr", "ar"])
@pytest.mark.parametrize(
    "area",
    [
        pytest.param(
            area,
            marks=pytest.mark.skipif(
                area == "ngo" and not NGO_LANDED, reason="the organisations' area is not there"
            ),
        )
        for area in AREAS
    ],
)
def test_pages_have_no_serious_accessibility_violation(
    area, lang, open_context, samples, axe_js, report
):
    account, pages = AREAS[area]
    page = open_context(lang, bypass_csp=True).new_page()
    if account:
        login(page, account)
    failures = {}
    for name, reach in pages.items():
        reach(page, samples)
        assert page.locator("html").get_attribute("lang") == lang, name
        weight = page_weight(page)
        violations = run_axe(page, axe_js)
        report[f"{name} ({lang})"] = {
            "page": name,
            "lang": lang,
            "path": "/" + page.url.split("://", 1)[1].partition("/")[2],
            "violations": violations,
            "weight": weight,
        }
        if blocking(violations):
            failures[name] = blocking(violations)
    assert failures == {}, describe(failures)
