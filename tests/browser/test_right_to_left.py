"""Arabic reads right to left: the page says so per request, the layout mirrors (CSS
logical properties only), left-to-right tokens (prices, phones, order numbers, ICE) are
isolated so they keep their order, dates use Moroccan month names (ar_MA), and nothing is
wider than a 360 px phone."""

from __future__ import annotations

import re

import pytest

from storefront.demo.orders import MEMBER_EMAILS
from tests.browser import conftest, flows
from tests.browser.support import login

pytestmark = pytest.mark.browser

#: Month names of ar_MA (Babel/CLDR); the Mashriq names must not appear instead.
MOROCCAN_MONTHS = "يناير فبراير مارس أبريل ماي يونيو يوليوز غشت شتنبر أكتوبر نونبر دجنبر".split()
MASHRIQ_MONTHS = ("مايو", "يوليو", "أغسطس", "سبتمبر", "نوفمبر", "ديسمبر", "كانون", "تشرين")
#: Physical properties that would not mirror in Arabic.
PHYSICAL = re.compile(
    r"(?<![-\w])(margin|padding|border)-(left|right)\b|(?<![-\w])(left|right)\s*:"
    r"|text-align\s*:\s*(left|right)|float\s*:\s*(left|right)|clear\s*:\s*(left|right)"
)

#: Text nodes holding a left-to-right token that must sit inside <bdi> or dir="ltr".
UNISOLATED_JS = """() => {
    const tokens = [
        /TW-[A-Z0-9]{3}-[A-Z0-9]{3}/,       // order numbers
        /\\+212\\d{9}/,                       // phones
        /(^|\\D)\\d{15}(\\D|$)/,              // ICE
        /\\d[\\d.,\\u00a0\\u202f ]*\\u00a0?د\\.م\\./,   // prices
    ];
    const walker = document.createTreeWalker(document.querySelector("main"),
                                             NodeFilter.SHOW_TEXT);
    const bad = [];
    while (walker.nextNode()) {
        const node = walker.currentNode;
        if (!tokens.some(t => t.test(node.data))) continue;
        const el = node.parentElement;
        if (el.closest("bdi, [dir=ltr], input, textarea, option, script")) continue;
        bad.push(el.tagName + ": " + node.data.trim().slice(0, 60));
    }
    return bad;
}"""


@pytest.mark.parametrize(("lang", "direction"), [("fr", "ltr"), ("ar", "rtl"), ("en", "ltr")])
def test_each_request_says_its_language_and_direction(lang, direction, open_context):
    page = open_context(lang).new_page()
    page.goto("/")
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == (lang, direction)
    # the header's start is on the right in Arabic, on the left otherwise
    brand = page.locator(".brand").bounding_box()
    width = page.viewport_size["width"]
    if direction == "rtl":
        assert brand["x"] + brand["width"] > width * 0.6
    else:
        assert brand["x"] < width * 0.4


def test_the_language_switcher_changes_language_and_direction_on_the_next_request(
    open_context,
):
    page = open_context("fr").new_page()
    page.goto("/search?q=argan")
    page.locator("details.menu > summary").click()  # the switcher is in the menu
    page.locator("nav.lang a[hreflang=ar]").click()
    page.wait_for_load_state()
    assert "/search?q=argan" in page.url
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")


def test_the_stylesheet_uses_logical_properties_only():
    css = (conftest.ROOT / "storefront" / "static" / "css" / "site.css").read_text()
    found = [
        line.strip() for line in css.splitlines() if PHYSICAL.search(re.sub(r"/\*.*?\*/", "", line))
    ]
    assert found == []


def test_prices_phones_order_numbers_and_ice_are_isolated_in_arabic(open_context, samples):
    page = open_context("ar").new_page()
    visited = {}
    for path in (
        "/",
        f"/c/{samples.category}",
        f"/p/{samples.products[0]}",
        f"/coop/{samples.cooperatives[0]}",
    ):
        page.goto(path)
        visited[path] = page.evaluate(UNISOLATED_JS)
    assert page.locator("main bdi", has_text=re.compile(r"\d{15}")).count() == 1  # the ICE
    flows.add_to_cart(page, samples.products[0])
    flows.add_to_cart(page, samples.products[1])
    page.goto("/cart/")
    visited["/cart/"] = page.evaluate(UNISOLATED_JS)
    page.goto("/checkout/")
    flows.fill_details(page, "ar")
    flows.submit(page)
    visited["/checkout/review"] = page.evaluate(UNISOLATED_JS)
    assert page.locator("main bdi", has_text="+212612345678").count() == 1
    placed = flows.confirm(page)
    visited["/orders/<number>"] = page.evaluate(UNISOLATED_JS)
    assert page.locator("main bdi", has_text=placed.number).count() >= 1
    assert {path: bad for path, bad in visited.items() if bad} == {}


def test_an_arabic_price_reads_amount_then_currency(open_context, samples):
    """Right to left, the amount comes first (on the right), then د.م. — with no stray dot."""
    page = open_context("ar").new_page()
    page.goto(f"/p/{samples.products[0]}")
    layout = page.evaluate(
        """() => {
            const bdi = document.querySelector("main .money");
            const text = bdi.firstChild;
            const cut = text.data.indexOf("\\u00a0");
            const box = (a, b) => {
                const r = document.createRange();
                r.setStart(text, a); r.setEnd(text, b);
                return r.getBoundingClientRect();
            };
            return {amount: box(0, cut).left, mark: box(cut + 1, text.data.length).left};
        }"""
    )
    assert layout["amount"] > layout["mark"], layout


def test_arabic_dates_use_moroccan_month_names(open_context):
    page = open_context("ar", phone=False).new_page()
    login(page, MEMBER_EMAILS["ayadi-el-fath"])
    page.goto("/back-office/certificates")
    text = page.locator("main").inner_text()
    assert any(month in text for month in MOROCCAN_MONTHS), text
    assert not any(month in text for month in MASHRIQ_MONTHS), text


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_no_page_is_wider_than_a_360_px_phone(lang, open_context, samples):
    page = open_context(lang).new_page()
    wide = {}

    def check(name: str) -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > conftest.PHONE["width"]:
            wide[name] = width

    for path in ("/", f"/c/{samples.category}", "/search?q=argan", f"/p/{samples.products[0]}"):
        page.goto(path)
        check(path)
    flows.add_to_cart(page, samples.products[0])
    flows.add_to_cart(page, samples.products[1])
    page.goto("/cart/")
    check("/cart/")
    page.goto("/checkout/")
    check("/checkout/")
    flows.fill_details(page, lang)
    flows.submit(page)
    check("/checkout/review")
    page.goto("/orders/track")
    check("/orders/track")
    assert wide == {}
