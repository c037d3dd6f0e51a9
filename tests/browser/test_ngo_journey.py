"""Journey 3: an NGO member orders solidarity baskets for two distribution points, reads the
quote and which cooperatives supply it, confirms, and downloads the supply manifest (the
plan: which cooperative sends what where) and the impact report."""

from __future__ import annotations

import importlib.util

import pytest

from tests.browser.support import Console, login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        importlib.util.find_spec("storefront.demo.baskets") is None,
        reason="the organisations' area (storefront/ngo) is not there",
    ),
]

NGO_EMAIL = "ngo@taawun.ma"
#: (province or prefecture, hub, baskets): Casablanca and Agadir, as in the SAC drive
POINTS = [("06.141", "Hay Mohammadi", 60), ("09.001", "Anza", 40)]


def test_an_ngo_orders_baskets_for_two_points_and_downloads_manifest_and_impact(
    open_context, shots
):
    page = open_context("fr", phone=False).new_page()
    console = Console(page)
    login(page, NGO_EMAIL)
    page.goto("/ngo/")
    shots(page, "01-dashboard")
    page.locator("main a[href$='/ngo/orders/new']").first.click()
    page.wait_for_load_state()

    sac = page.locator("#template_id option", has_text="SAC").first.get_attribute("value")
    page.locator("#template_id").select_option(sac)
    for row, (province, hub, baskets) in enumerate(POINTS):
        page.locator(f"#destinations-{row}-province_code").select_option(province)
        page.locator(f"#destinations-{row}-hub_name").fill(hub)
        page.locator(f"#destinations-{row}-baskets").fill(str(baskets))
    shots(page, "02-order-form")
    page.get_by_role("button", name="Obtenir un devis").click()
    page.wait_for_load_state()
    assert "/ngo/quotes/" in page.url, page.locator(".flashes, .field-error").all_inner_texts()

    # the quote: its cost, the cooperatives that supply it, no shortfall for 100 baskets
    main = page.locator("main")
    assert "100" in main.locator("h1 + p").inner_text()
    plan = page.locator("table.plan tbody th[scope=rowgroup]")
    assert plan.count() >= 2, "a basket comes from several cooperatives"
    assert page.locator("#short").count() == 0
    shots(page, "03-quote")
    with page.expect_download() as plan_csv:
        page.locator("a[href$='/plan.csv']").click()
    manifest = plan_csv.value.path().read_text(encoding="utf-8-sig")
    first_coop = plan.first.inner_text().splitlines()[0].strip()
    assert first_coop in manifest
    assert all(f"{province}/" in manifest for province, _, _ in POINTS)

    # confirm, paying by bank transfer
    page.locator("form[action$='/confirm'] button[type=submit]").click()
    page.wait_for_load_state()
    assert "/ngo/orders/" in page.url, page.locator(".flashes").all_inner_texts()
    assert page.locator("section.point").count() == 2
    number = page.locator("h1 bdi").inner_text()
    assert number in page.locator(".flashes").inner_text()
    shots(page, "04-order-confirmed")

    # the impact report, on the page and as a file for the donors
    page.locator("main a[href$='/impact']").click()
    page.wait_for_load_state()
    shots(page, "05-impact")
    with page.expect_download() as impact_csv:
        page.locator("a[href$='/impact.csv']").click()
    assert impact_csv.value.suggested_filename == f"impact-{number}.csv"
    assert number in impact_csv.value.path().read_text(encoding="utf-8-sig")
    with page.expect_download() as impact_pdf:
        page.locator("a[href$='/impact.pdf']").click()
    assert impact_pdf.value.suggested_filename == f"impact-{number}.pdf"
    assert impact_pdf.value.path().read_bytes().startswith(b"%PDF-")
    assert console.errors == []
