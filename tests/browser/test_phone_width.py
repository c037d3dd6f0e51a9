"""Every page fits a 360×740 phone, in French and in Arabic: public pages as a guest with
a cart, the cooperative back office, the NGO area and the operator console, each signed
in as its demo account (the basket purchase orders as a cooperative that supplies the
demo's basket order). The pages come from the app's url_map, so a new page is checked
(or must be named below as not HTML); the demo has a record for every page that needs
one. A full-page screenshot of each is saved under the test's output folder."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import url_for
from sqlalchemy import select

from catalog.claims import ClaimChange
from catalog.models import Category, Cooperative, Product, ProductImport
from orders.models import Fulfilment, Order, PayoutBatch
from solidarity_baskets.models import (
    BasketJob,
    BasketOrder,
    BasketQuote,
    BasketTemplate,
    JobStatus,
    PackingWave,
    QuoteDestination,
    QuoteStatus,
)
from storefront.demo.baskets import NGO_EMAIL
from storefront.demo.orders import MEMBER_DOMAIN, MEMBER_EMAILS, OPERATOR_EMAIL
from storefront.extensions import db
from tests.browser import conftest, flows
from tests.browser.support import login

pytestmark = pytest.mark.browser

#: Endpoints that answer something other than an HTML page, or need a one-time secret.
NOT_PAGES = {
    "static",
    "site.media",
    "site.robots",
    "site.sitemap",
    "site.sitemap_index",
    "shop.suggest",
    "site.set_language",
    "account.reset",
    "join.invitation",
    "checkout.returned",
    "data_requests.my_data_download",
    "data_requests.order_data_download",
    "admin.certificate_document",
    "admin.payout_csv",
    "coop.certificate_document",
    "coop.export",
    "coop.report_csv",
    "ngo.order_impact_table",
    "ngo.order_impact_pdf",
    "ngo.order_invoice_pdf",
    "ngo.order_tags_pdf",
    "ngo.quote_plan",
}
#: The member whose back office is visited.
MEMBER = "ayadi-el-fath"

#: Measures a page on a screen ``edge`` px wide (given, not read from window.innerWidth: on
#: a mobile viewport a page wider than the screen widens innerWidth with it).
WIDTH_JS = """(edge) => ({
    scroll: document.documentElement.scrollWidth,
    // boxes that scroll sideways inside the page hide part of it just the same
    scrollers: [...document.querySelectorAll("body *")].filter(el => {
        const x = getComputedStyle(el).overflowX;
        return (x === "auto" || x === "scroll") && el.scrollWidth > el.clientWidth + 1
            && !el.closest("pre");
    }).map(el => el.tagName.toLowerCase() + (el.className ? "." + el.className : "")),
    // what lies beyond the screen's edges without widening the page (say, left-to-right
    // text past the right edge of an Arabic page), unless a box clips or scrolls it
    outside: [...document.querySelectorAll("main *")].filter(el => {
        const r = el.getBoundingClientRect();
        if (r.width < 2 || r.height < 2 || (r.left >= -1 && r.right <= edge + 1)) {
            return false;
        }
        for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
            if (getComputedStyle(box).overflowX !== "visible") return false;
        }
        return true;
    }).slice(0, 5).map(el => el.tagName.toLowerCase() + " " + el.textContent.trim().slice(0, 40)),
})"""


@dataclass(frozen=True)
class Visit:
    role: str  # guest, cooperative, organisation, operator
    endpoint: str
    url: str


def _first(statement: Any) -> Any:
    return db.session.scalar(statement.limit(1))


def _arguments(lang: str) -> dict[str, dict[str, Any]]:
    """Values for each endpoint's URL arguments, taken from the demo data."""
    member = _first(select(Cooperative).where(Cooperative.slug == MEMBER))
    basket_order = _first(select(BasketOrder).order_by(BasketOrder.id))
    basket_part = _supplier_part()[0]
    wave = _first(select(PackingWave).order_by(PackingWave.id))
    shop_order = _first(select(Order).where(Order.organisation_id.is_(None)).order_by(Order.id))
    member_part = _first(select(Fulfilment.id).where(Fulfilment.cooperative_id == member.id))
    return {
        "shop.category": {"slug": _first(select(Category.slug).order_by(Category.id))},
        "shop.product": {"slug": _first(select(Product.slug).where(Product.sellable))},
        "shop.cooperative": {"slug": member.slug},
        "shop.region": {"code": member.region_code},
        "trace.basket": {"serial": wave.serial(1)},
        "orders.detail": {"number": shop_order.number},
        "orders.invoice": {"number": shop_order.number, "position": 1},
        "admin.category_edit": {"category_id": _first(select(Category.id))},
        "admin.cooperative": {"coop_id": member.id},
        "admin.order": {"number": shop_order.number},
        "admin.payout": {"batch_id": _first(select(PayoutBatch.id))},
        "admin.claim_review": {"change_id": _first(select(ClaimChange.id))},
        "coop.order_part": {"part_id": member_part},
        "coop.packing_slip": {"part_id": member_part},
        "coop.product_edit": {
            "product_id": _first(select(Product.id).where(Product.cooperative_id == member.id))
        },
        "supply.part": {"part_id": basket_part},
        "coop.import_plan": {
            "import_id": _first(
                select(ProductImport.id).where(ProductImport.cooperative_id == member.id)
            )
        },
        "ngo.order_detail": {"basket_order_id": basket_order.id},
        "ngo.order_impact": {"basket_order_id": basket_order.id},
        "ngo.order_tags": {"basket_order_id": basket_order.id},
        # an open quote: its fixes, fairness table and confirmation form
        "ngo.quote_detail": {
            "quote_id": _first(select(BasketQuote.id).where(BasketQuote.status == QuoteStatus.OPEN))
        },
        "ngo.template_detail": {"template_id": _first(select(BasketTemplate.id))},
        # a job still shown as a job (a finished one opens its quote or order)
        "ngo.job_detail": {
            "job_id": _first(select(BasketJob.id).where(BasketJob.status != JobStatus.DONE))
        },
    }


def _supplier_part() -> tuple[int, str]:
    """The demo basket order's first purchase order and its cooperative's slug: the
    basket pages of the back office are visited as that cooperative."""
    basket_order = _first(select(BasketOrder).order_by(BasketOrder.id))
    part_id, slug = db.session.execute(
        select(Fulfilment.id, Cooperative.slug)
        .join(Cooperative, Cooperative.id == Fulfilment.cooperative_id)
        .where(Fulfilment.order_id == basket_order.order_id)
        .order_by(Fulfilment.id)
        .limit(1)
    ).one()
    return part_id, slug


def _query_arguments() -> dict[str, dict[str, Any]]:
    """Query-string values a page needs besides its path (the tags of one point)."""
    basket_order = _first(select(BasketOrder).order_by(BasketOrder.id))
    point = _first(
        select(QuoteDestination.id)
        .where(QuoteDestination.quote_id == basket_order.quote_id)
        .order_by(QuoteDestination.id)
    )
    return {"ngo.order_tags": {"point": point}}


def _role(path: str, endpoint: str) -> str:
    if endpoint in ("orders.detail", "orders.invoice"):
        return "operator"  # a demo order, which the operator may open
    if endpoint.startswith("supply."):
        return "supplier"  # a cooperative that supplies the demo basket order
    for prefix, role in (
        ("/back-office", "cooperative"),
        ("/ngo/", "organisation"),
        ("/admin", "operator"),
    ):
        if prefix in path and "/ngo/signup" not in path:
            return role
    return "guest"


def pages(app: Any, lang: str) -> list[Visit]:
    """Every HTML page the app serves to a browser (GET), with demo arguments."""
    visits: dict[str, Visit] = {}
    unknown: list[str] = []
    with app.test_request_context("/"):
        known = _arguments(lang)
        queries = _query_arguments()
        for rule in app.url_map.iter_rules():
            endpoint = rule.endpoint
            if "GET" not in rule.methods or endpoint in NOT_PAGES:
                continue
            if endpoint.startswith("api_") and endpoint != "api_docs.docs_page":
                continue
            needed = set(rule.arguments) - {"lang", "lang_code"}
            values = dict(known.get(endpoint, {})) if needed else {}
            if set(values) != needed:
                unknown.append(f"{endpoint} {rule.rule}")
                continue
            values.update(queries.get(endpoint, {}))
            assert None not in values.values(), f"the demo has no record for {endpoint}"
            for language_argument in {"lang", "lang_code"} & set(rule.arguments):
                values[language_argument] = lang
            url = url_for(endpoint, **values)
            visits[url] = Visit(_role(url, endpoint), endpoint, url)
    assert unknown == [], "name demo arguments for these pages in _arguments()"
    return sorted(visits.values(), key=lambda v: (v.role, v.url))


@pytest.fixture
def signed_in(open_context, live_server) -> Iterator[Callable[[str, str], Any]]:
    """``signed_in(role, lang)``: one page per role, logged in as its demo account,
    the guest with two products in the cart."""
    opened: dict[str, Any] = {}
    with live_server.app.app_context():
        supplier = _supplier_part()[1]

    def _page(role: str, lang: str) -> Any:
        if role not in opened:
            page = open_context(lang).new_page()
            email = {
                "cooperative": MEMBER_EMAILS[MEMBER],
                "supplier": MEMBER_EMAILS.get(supplier, f"{supplier}@{MEMBER_DOMAIN}"),
                "organisation": NGO_EMAIL,
                "operator": OPERATOR_EMAIL,
            }.get(role)
            if email:
                login(page, email)
            opened[role] = page
        return opened[role]

    yield _page


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_no_page_is_wider_than_a_360_px_phone(lang, live_server, signed_in, samples, shots):
    visits = pages(live_server.app, lang)
    assert len(visits) > 50
    guest = signed_in("guest", lang)
    flows.add_to_cart(guest, samples.products[0])
    flows.add_to_cart(guest, samples.products[1])
    wide, scrolling, beyond, failed, widths = {}, {}, {}, {}, {}
    for visit in visits:
        page = signed_in(visit.role, lang)
        response = page.goto(visit.url)
        if response is None or response.status >= 400:
            failed[visit.url] = response.status if response else None
            continue
        measured = page.evaluate(WIDTH_JS, conftest.PHONE["width"])
        widths[visit.url] = measured["scroll"]
        if measured["scroll"] > conftest.PHONE["width"]:
            wide[visit.url] = measured["scroll"]
        if measured["scrollers"]:
            scrolling[visit.url] = measured["scrollers"]
        if measured["outside"]:
            beyond[visit.url] = measured["outside"]
        name = visit.endpoint.replace(".", "-")
        shot = shots(page, f"{visit.role}-{name}")
    # the checkout's second step, reached through the first
    page = signed_in("guest", lang)
    page.goto(url_for_live(live_server, "checkout.details"))
    flows.fill_details(page, lang)
    flows.submit(page)
    measured = page.evaluate(WIDTH_JS, conftest.PHONE["width"])
    if measured["scroll"] > conftest.PHONE["width"]:
        wide[page.url] = measured["scroll"]
    if measured["scrollers"]:
        scrolling[page.url] = measured["scrollers"]
    if measured["outside"]:
        beyond[page.url] = measured["outside"]
    shots(page, "guest-checkout-review-filled")
    # every page's width, beside the screenshots, for whoever reads the run
    widths[page.url] = measured["scroll"]
    (shot.parent / "widths.json").write_text(json.dumps(widths, indent=1, sort_keys=True))
    # pages that failed to load, pages wider than the phone, pages with parts that scroll
    # sideways (a long table stacks its rows instead) or lie beyond the screen
    assert (failed, wide, scrolling, beyond) == ({}, {}, {}, {}), (
        f"phone: {conftest.PHONE['width']} px"
    )


def url_for_live(live_server: Any, endpoint: str, lang: str = "fr", **values: Any) -> str:
    """``endpoint``'s URL as a visitor reading ``lang`` is given it."""
    with live_server.app.test_request_context("/", headers={"Accept-Language": lang}):
        return url_for(endpoint, **values)


#: Where a guest can go from every page, in the menu's order.
GUEST_MENU = (
    "shop.home",
    "shop.regions",
    "shop.search",
    "orders.track",
    "join.cooperative",
    "ngo.signup",
    "account.login",
)


@pytest.mark.parametrize("javascript", [True, False])
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_phone_header_is_compact_and_its_menu_shows_every_destination(
    lang, javascript, live_server, open_context, samples
):
    page = open_context(lang, javascript=javascript).new_page()
    flows.add_to_cart(page, samples.products[0], quantity=3)
    page.goto(url_for_live(live_server, "shop.home", lang))
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 130, header  # a sixth of a 740 px screen at most
    cart = page.locator(".site-header a.cart-link")
    assert cart.get_attribute("href") == url_for_live(live_server, "cart.show")
    assert cart.locator(".count").inner_text().strip().endswith("3")
    menu = page.locator("nav.main-nav a")
    assert not menu.first.is_visible()  # closed until asked for
    page.locator("details.menu > summary").click()
    hrefs = [url_for_live(live_server, endpoint, lang) for endpoint in GUEST_MENU]
    assert [menu.nth(i).get_attribute("href") for i in range(menu.count())] == hrefs
    for i in range(menu.count()):  # every destination on screen, none beside it
        box = menu.nth(i).bounding_box()
        assert menu.nth(i).is_visible() and box["height"] >= 44, (hrefs[i], box)
        assert 0 <= box["x"] and box["x"] + box["width"] <= conftest.PHONE["width"], hrefs[i]
    assert page.locator("nav.lang a[hreflang]").count() == 2
    page.locator("nav.main-nav a", has_text=live_server.text(lang, "Track an order")).click()
    page.wait_for_load_state()
    assert page.url.endswith(url_for_live(live_server, "orders.track"))


def test_on_a_wide_screen_the_menu_is_open_without_a_click(live_server, open_context):
    page = open_context("fr", phone=False).new_page()
    page.goto(url_for_live(live_server, "shop.home"))
    assert not page.locator("details.menu > summary").is_visible()
    assert page.locator("nav.main-nav a").last.is_visible()
    assert page.locator(".site-header").bounding_box()["height"] <= 140


def test_signed_in_pages_have_one_logout_form_outside_any_span_and_no_repeated_ids(
    live_server, open_context
):
    page = open_context("fr").new_page()
    login(page, MEMBER_EMAILS[MEMBER])
    page.goto(url_for_live(live_server, "coop.products"))
    logout = url_for_live(live_server, "account.logout")
    assert page.locator(f"form[action='{logout}']").count() == 1
    assert page.locator(f"span form, span form[action='{logout}']").count() == 0
    repeated = page.evaluate(
        """() => { const seen = {}; const twice = new Set();
            for (const el of document.querySelectorAll('[id]')) {
                if (seen[el.id]) twice.add(el.id); seen[el.id] = true; }
            return [...twice]; }"""
    )
    assert repeated == []
    assert page.locator("form").count() >= 2
    page.locator("details.menu > summary").click()
    page.locator(f"form[action='{logout}'] button").click()
    page.wait_for_load_state()
    assert page.locator("a.cart-link").count() == 1
    page.locator("details.menu > summary").click()
    assert page.locator("nav.main-nav a", has_text="Se connecter").is_visible()


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_cart_lines_stack_on_a_phone_with_totals_and_remove_on_screen(
    lang, live_server, open_context, samples, shots
):
    page = open_context(lang).new_page()
    flows.add_to_cart(page, samples.products[0], quantity=2)
    flows.add_to_cart(page, samples.products[1])
    page.goto(url_for_live(live_server, "cart.show"))
    assert page.locator("main table").count() == 0
    lines = page.locator(".cart-line")
    assert lines.count() == 2
    for i in range(lines.count()):
        line = lines.nth(i)
        parts = (
            ".line-total",
            ".line-remove button",
            ".qty-form [name=quantity]",
            ".qty-form button",
        )
        for part in parts:
            box = line.locator(part).bounding_box()
            assert box and 0 <= box["x"] and box["x"] + box["width"] <= 360, (part, box)
        assert line.locator(".line-remove button").bounding_box()["height"] >= 44
    assert page.locator(".subtotal").count() == 2
    assert all(s.is_visible() for s in page.locator(".subtotal").all())
    checkout = page.locator("main a.button")
    assert checkout.bounding_box()["height"] >= 44
    shots(page, "cart")
    page.locator(".cart-line .line-remove button").first.click()
    page.wait_for_load_state()
    assert page.locator(".cart-line").count() == 1
