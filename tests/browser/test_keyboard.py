"""Keyboard only: a shopper who cannot use a pointer adds a product, checks out and sees
every focused control highlighted; a form sent with mistakes names them to a screen
reader."""

from __future__ import annotations

import pytest

from tests.browser.support import Console

pytestmark = pytest.mark.browser

#: The focused element, and whether the focus is drawn (outline or ring).
FOCUS_JS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const cs = getComputedStyle(el);
    const drawn = (cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0)
                  || cs.boxShadow !== "none";
    const id = el.id ? "#" + el.id : "";
    const name = el.name ? "[name=" + el.name + "]" : "";
    return {tag: el.tagName.toLowerCase() + id + name, text: (el.innerText || el.value || "")
            .trim().slice(0, 40), drawn};
}"""


class Keyboard:
    def __init__(self, page) -> None:
        self.page = page
        self.undrawn: list[str] = []

    def tab_to(self, selector: str, limit: int = 80) -> None:
        """Press Tab until ``selector`` has the focus, checking each stop is visible."""
        trail = []
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            focused = self.page.evaluate(FOCUS_JS)
            trail.append(focused and focused["tag"])
            if focused and not focused["drawn"]:
                self.undrawn.append(f"{focused['tag']} {focused['text']}")
            if self.page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector} on {self.page.url}: {trail}")

    def type(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.type(text)

    def replace(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)

    def enter(self, selector: str) -> None:
        self.tab_to(selector)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")


def choose_casablanca(page, keys: Keyboard) -> None:
    """Arrow through the provinces to Casablanca's prefecture."""
    keys.tab_to("#province")
    for _ in range(120):
        if page.locator("#province").input_value() == "06.141":
            break
        page.keyboard.press("ArrowDown")
    assert page.locator("#province").input_value() == "06.141"


def test_a_shopper_checks_out_with_the_keyboard_alone(open_context, samples, shots):
    page = open_context("fr", phone=False).new_page()
    console = Console(page)
    keys = Keyboard(page)
    page.goto(f"/p/{samples.products[0]}")
    keys.tab_to("form.add-to-cart input[name=quantity]")
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    keys.enter("form.add-to-cart button[type=submit]")
    page.goto("/cart/")
    keys.enter("main a[href$='/checkout/']")
    assert page.url.endswith("/checkout/")

    # the browser's own checks stop empty or too-short fields; what only the server can
    # judge (an e-mail domain without a dot, a phone that is not Moroccan) comes back
    # tied to its field and announced
    keys.type("#name", "Fatima Zahra Bennani")
    keys.type("#email", "fatima.keyboard@example")
    keys.type("#phone", "12")
    choose_casablanca(page, keys)
    keys.type("#address", "Rue 12, quartier Maârif")
    keys.enter("main form.form button[type=submit]")
    for field in ("email", "phone"):
        box = page.locator(f"#{field}")
        assert box.get_attribute("aria-invalid") == "true", field
        described = box.get_attribute("aria-describedby").split()
        alert = page.locator(f"#{field}-errors")
        assert f"{field}-errors" in described and alert.get_attribute("role") == "alert"
        assert alert.inner_text().strip()
    for field in ("name", "address"):
        assert page.locator(f"#{field}").get_attribute("aria-invalid") != "true", field
    shots(page, "01-errors")

    keys.replace("#email", "fatima.keyboard@example.ma")
    keys.replace("#phone", "0612345678")
    assert page.locator("#province").input_value() == "06.141", "the choice is kept"
    keys.tab_to("input[name=payment_method]")
    assert page.locator("input[name=payment_method][value=cod]").is_checked()
    keys.enter("main form.form button[type=submit]")
    assert page.url.endswith("/checkout/review"), page.locator(".field-error").all_inner_texts()
    shots(page, "02-review")
    keys.enter("form[action$='/checkout/confirm'] button[type=submit]")
    assert "/orders/TW-" in page.url
    shots(page, "03-placed")
    assert keys.undrawn == [], "focus not visible on these controls"
    assert console.errors == []
