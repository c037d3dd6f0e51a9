"""Journey 2: a cooperative member, in French, lists a new product with a photo and a
certificate; it waits for the operator; once the operator verifies the certificate the
product is on sale in the shop."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from storefront.demo.orders import MEMBER_EMAILS, OPERATOR_EMAIL
from tests.browser.support import PDF, Console, login, png

pytestmark = pytest.mark.browser

TITLE = "Miel de jujubier de Laâyoune"


def test_a_members_new_food_product_goes_on_sale_once_its_certificate_is_verified(
    open_context, shots, tmp_path, live_server
):
    def fr(msgid: str) -> str:
        return live_server.text("fr", msgid)

    member = open_context("fr", phone=False).new_page()
    console = Console(member)
    login(member, MEMBER_EMAILS["al-jil-al-jadid"])
    assert member.locator("html").get_attribute("lang") == "fr"

    # a food product: the category asks for an ONSSA certificate the cooperative lacks
    member.goto("/back-office/products/new")
    member.locator("#title_fr").fill(TITLE)
    member.locator("#title_ar").fill("عسل السدر من العيون")
    member.locator("#category_id").select_option(label="— Miel")
    member.locator("#price").fill("85,50")
    member.locator("#unit").select_option("g")
    member.locator("#net_quantity").fill("500")
    member.locator("#shipping_weight_g").fill("650")
    member.locator("#on_hand").fill("20")
    member.locator("#description_fr").fill("Miel récolté dans les jujubiers du Sahara.")
    shots(member, "01-new-product-form")
    member.get_by_role("button", name=fr("Save")).click()
    assert re.search(r"/back-office/products/\d+$", member.url)
    product_url = member.url

    member.locator("#photo").set_input_files(str(png(tmp_path / "miel.png")))
    member.get_by_role("button", name=fr("Add the photo")).click()
    assert member.locator("ul.photos img").count() == 1

    member.get_by_role("button", name=fr("Publish")).click()
    status = member.locator("section.product-status")
    assert fr("On sale") not in status.inner_text()
    shots(member, "02-published-waiting-for-certificate")

    # the certificate, for this product, with its scanned document
    status.get_by_role("link", name=fr("Send a certificate")).click()
    member.locator("#kind").select_option("onssa")
    member.locator("#number").fill("ONSSA-LAA-2026-0142")
    member.locator("#issuer").fill("ONSSA Laâyoune")
    member.locator("#issued_on").fill((date.today() - timedelta(days=30)).isoformat())
    member.locator("#expires_on").fill((date.today() + timedelta(days=365)).isoformat())
    assert TITLE in member.locator("#product_id option:checked").inner_text()
    (tmp_path / "onssa.pdf").write_bytes(PDF)
    member.locator("#document").set_input_files(str(tmp_path / "onssa.pdf"))
    shots(member, "03-certificate-form")
    member.get_by_role("button", name=fr("Send")).click()
    assert member.url.endswith("/back-office/certificates")
    row = member.locator("tr", has_text="ONSSA-LAA-2026-0142")
    assert fr("Being checked") in row.inner_text()
    shots(member, "04-certificate-pending")

    # not in the shop while pending
    member.goto(f"/search?q={TITLE.split()[0]}+{TITLE.split()[2]}")
    assert member.get_by_role("link", name=TITLE).count() == 0

    # the operator verifies it
    operator = open_context("fr", phone=False).new_page()
    login(operator, OPERATOR_EMAIL)
    operator.goto("/admin/certificates")
    row = operator.locator("tr", has_text="ONSSA-LAA-2026-0142")
    assert TITLE in row.inner_text()
    shots(operator, "05-operator-pending-certificates")
    row.get_by_role("button", name=fr("Verify")).click()
    assert "ONSSA-LAA-2026-0142" in operator.locator(".flashes").inner_text()

    # on sale: the member sees it, and so does any shopper
    member.goto(product_url)
    assert fr("On sale") in member.locator("section.product-status").inner_text()
    shopper = open_context("fr").new_page()
    shopper.goto("/search?q=jujubier")
    shopper.get_by_role("link", name=TITLE).first.click()
    assert shopper.locator("h1").inner_text() == TITLE
    assert "85,50" in shopper.locator("main").inner_text()
    assert shopper.get_by_role("button", name=fr("Add to cart")).is_visible()
    shots(shopper, "06-on-sale-in-the-shop")
    assert console.errors == []
