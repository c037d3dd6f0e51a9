"""Solidarity baskets at scale, on a 360 px phone, through the screens only:

- an NGO imports its 83 distribution points from an .xlsx file, gets a short quote,
  applies the "complete baskets in total" fix, picks a fairness level from the trade-off
  table, confirms, and opens the donors' report in the other language too; first in
  French, then in Arabic, where the tea the first order took is no longer offered by
  anyone, so the organisation takes it out of the basket first;
- a cooperative unticks "rural": the basket supply an NGO is quoted from does not change
  until the operator accepts the change; it changes once accepted (and back again).

This module confirms an order that takes every complete basket the demo can supply by
its date, and changes a cooperative: its name sorts it after the other browser journeys,
whose basket quotes need the demo's supply untouched."""

from __future__ import annotations

import importlib.util
import io
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

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
COOP_EMAIL = "oqba@taawun.ma"  # a demo cooperative that supplies the SAC basket
OPERATOR_EMAIL = "operator@taawun.ma"
BASKETS_PER_POINT = 100  # 8,300 in all: more than the demo's rural supply by the date
SLOW = 180_000  # ms: a quote over 83 points, or confirming thousands of baskets


def _points_xlsx(folder: Path) -> Path:
    """83 provinces and prefectures, named in French, in Arabic or by code, as an NGO's
    own list would have them."""
    from openpyxl import Workbook

    from catalog import regions

    book = Workbook()
    sheet = book.active
    sheet.append(["Province", "Paniers", "Adresse", "Contact", "Créneau"])
    for i, p in enumerate(regions.provinces()):
        name = (p.name_fr, p.name_ar, p.code)[i % 3]
        sheet.append([name, BASKETS_PER_POINT, f"Dépôt {i + 1}", "+212 600 000 000", "8h-12h"])
    out = io.BytesIO()
    book.save(out)
    path = folder / "points.xlsx"
    path.write_bytes(out.getvalue())
    return path


def _first_number(text: str) -> int:
    """The first number of a text, as the page writes it (1 234, 1,234 or 1.234)."""
    found = re.search(r"\d[\d\s\u202f\u00a0.,]*", text)
    assert found is not None, text
    return int(re.sub(r"\D", "", found.group()))


#: The elements past the phone's width that are not mere boxes (what to fix on failure).
WIDE = """() => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > 361 && !e.closest(".table-wrap")
    && !["DIV", "SECTION", "MAIN", "P", "H1", "H2", "H3", "NAV", "UL", "LI", "ARTICLE",
         "FORM", "FIELDSET", "HEADER", "FOOTER", "DL", "DD", "DT"].includes(e.tagName))
  .slice(0, 8).map(e => e.tagName + "." + e.className + " " + e.textContent.slice(0, 50))"""


def _fits_the_phone(page: Any) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width} px wide: {page.evaluate(WIDE)}"


def _click_and_wait(page: Any, locator: Any) -> None:
    with page.expect_navigation(timeout=SLOW):
        locator.click(timeout=SLOW)


#: Each order takes every complete basket the demo can supply by its date: the second
#: finds the first one's scarcest line (the tea, sold from stock only) gone.
@pytest.mark.parametrize(("lang", "gone"), [("fr", None), ("ar", "the")])
def test_83_points_from_a_spreadsheet_to_a_confirmed_order_and_its_donor_report(
    open_context, shots, tmp_path, lang, gone
):
    page = open_context(lang, phone=True).new_page()
    console = Console(page)
    login(page, NGO_EMAIL)
    page.goto("/ngo/orders/new")
    sac = page.locator("#template_id option", has_text="SAC").first.get_attribute("value")
    page.locator("#template_id").select_option(sac)

    # the points come from the file, into rows to check before quoting
    page.locator("#points_file").set_input_files(str(_points_xlsx(tmp_path)))
    _click_and_wait(page, page.locator("button[name=action][value=import]"))
    provinces = page.locator("select[id^=destinations-][id$=-province_code]")
    chosen = [v for v in provinces.evaluate_all("els => els.map(e => e.value)") if v]
    assert len(chosen) == 83 and len(set(chosen)) == 83, page.locator(".notice").all_inner_texts()
    assert page.locator("#destinations-82-baskets").input_value() == str(BASKETS_PER_POINT)
    assert page.locator("#destinations-0-address").input_value() == "Dépôt 1"
    shots(page, "01-points-imported")
    _fits_the_phone(page)

    page.locator("#deliver_by").fill((date.today() + timedelta(weeks=3)).isoformat())
    _click_and_wait(page, page.locator("button[name=action][value=quote]:not(.visually-hidden)"))
    assert "/ngo/quotes/" in page.url, page.locator(".flashes, .field-error").all_inner_texts()

    # short: the total fix serves the most complete baskets there are
    assert page.locator("#short").count() == 1, "8,300 baskets are more than the demo has"
    shots(page, "02-quote-short")
    _fits_the_phone(page)
    if gone is not None:  # no complete basket without taking the line out
        assert page.locator("form[data-fix=complete_total]").count() == 0
        _click_and_wait(page, page.locator(f"form[data-fix=drop_line][data-line={gone}] button"))
        assert "/ngo/quotes/" in page.url
        assert page.locator(f"form[data-fix=drop_line][data-line={gone}]").count() == 0
        shots(page, "02b-line-taken-out")
    total_fix = page.locator("form[data-fix=complete_total] button")
    promised = _first_number(total_fix.inner_text())
    assert promised > 0, total_fix.inner_text()
    _click_and_wait(page, total_fix)
    assert page.locator("#short").count() == 0, "the fix holds: nothing is short any more"
    assert _first_number(page.locator("main h1 + p").inner_text()) == promised
    shots(page, "03-quote-fixed")

    # a fairness level from the trade-off table: the quote is made again at that level
    table = page.locator("table.tradeoff")
    choices = table.locator("form button")
    assert choices.count() >= 1
    picked_row = table.locator("tbody tr", has=page.locator("form")).last
    level = picked_row.locator("th").inner_text()
    _click_and_wait(page, picked_row.locator("form button"))
    assert page.locator("table.tradeoff tr.current th").inner_text() == level
    assert page.locator("#short").count() == 0
    shots(page, "04-fairness-picked")
    _fits_the_phone(page)

    # confirm, by bank transfer (and over the budget if it is)
    page.locator("input[name=payment_method][value=bank_transfer]").check()
    if page.locator("#over_budget").count():
        page.locator("#over_budget").check()
    _click_and_wait(page, page.locator("form[action$='/confirm'] button[type=submit]"))
    assert re.search(r"/ngo/orders/\d+$", page.url), page.locator(".flashes").all_inner_texts()
    _fits_the_phone(page)  # too long a page for a full-page screenshot

    # the donors' report: reachable from the order, one bar per region, fits the phone
    _click_and_wait(page, page.locator("main a[href$='/impact']").first)
    assert page.locator(".chart-row").count() == 12, "the 83 points cover Morocco's 12 regions"
    assert page.locator("button[data-print]").is_visible()
    shots(page, "05-donor-report")
    _fits_the_phone(page)
    assert console.errors == []

    # the same report in the other language, as a donor reading it gets it
    other = {"ar": "fr", "fr": "ar"}[lang]
    report_url = page.url
    reader = open_context(other, phone=True).new_page()
    login(reader, NGO_EMAIL)
    reader.goto(report_url)
    assert reader.locator("html").get_attribute("dir") == ("rtl" if other == "ar" else "ltr")
    assert reader.locator(".chart-row").count() == 12
    shots(reader, f"06-donor-report-{other}")
    _fits_the_phone(reader)


def _eligible(page: Any, quote_url: str) -> int:
    """The number of rural cooperatives the quote says can supply its basket."""
    page.goto(quote_url)
    return _first_number(page.locator("#fairness + p").inner_text())


def _requote(page: Any) -> str:
    """The same request quoted again from the quote's "change this request" screen."""
    _click_and_wait(page, page.locator("main a[href*='from_quote']"))
    _click_and_wait(page, page.locator("button[name=action][value=quote]:not(.visually-hidden)"))
    assert "/ngo/quotes/" in page.url, page.locator(".flashes, .field-error").all_inner_texts()
    return page.url


def _operator_decides(context: Any, shots: Any, name: str) -> None:
    desk = context.new_page()
    login(desk, OPERATOR_EMAIL)
    desk.goto("/admin/claims")
    # the change this cooperative just asked for (the demo has another one waiting)
    desk.locator("main a[href*='/admin/claims/']", has_text="Oqba").click()
    desk.wait_for_load_state()
    shots(desk, name)
    _fits_the_phone(desk)
    _click_and_wait(desk, desk.locator("form[action$='/accept'] button[type=submit]").first)
    desk.close()


def _untick_or_tick_rural(page: Any, rural: bool, evidence: str) -> None:
    page.goto("/back-office/profile")
    box = page.locator("#rural")
    box.set_checked(rural)
    page.locator("#evidence").fill(evidence)
    _click_and_wait(page, page.locator("form:has(#rural) button[type=submit]").last)


def test_unticking_rural_changes_the_basket_supply_only_once_the_operator_accepts(
    open_context, shots
):
    ngo = open_context("fr", phone=True).new_page()
    login(ngo, NGO_EMAIL)
    ngo.goto("/ngo/orders/new")
    sac = ngo.locator("#template_id option", has_text="SAC").first.get_attribute("value")
    ngo.locator("#template_id").select_option(sac)
    ngo.locator("#destinations-0-province_code").select_option("06.141")
    ngo.locator("#destinations-0-baskets").fill("20")
    _click_and_wait(ngo, ngo.locator("button[name=action][value=quote]:not(.visually-hidden)"))
    before = _eligible(ngo, ngo.url)

    coop_context = open_context("fr", phone=True)
    coop = coop_context.new_page()
    login(coop, COOP_EMAIL)
    _untick_or_tick_rural(coop, False, "Notre atelier a déménagé en ville.")
    shots(coop, "01-cooperative-unticked-rural")

    # the change waits for review: the same request is quoted from the same supply
    assert _eligible(ngo, _requote(ngo)) == before
    shots(ngo, "02-quote-while-pending")

    _operator_decides(open_context("fr", phone=True), shots, "03-operator-review")
    after = _eligible(ngo, _requote(ngo))
    assert after == before - 1, (before, after)
    shots(ngo, "04-quote-after-accept")

    # and back: ticked again and accepted, the cooperative supplies baskets again
    _untick_or_tick_rural(coop, True, "Erreur de saisie : l'atelier est resté au douar.")
    assert _eligible(ngo, _requote(ngo)) == after
    _operator_decides(open_context("fr", phone=True), shots, "05-operator-review-back")
    assert _eligible(ngo, _requote(ngo)) == before
