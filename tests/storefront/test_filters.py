"""Numbers, shares and prices are written the way each language writes them."""

from __future__ import annotations

import pytest
from babel.numbers import format_decimal
from flask import render_template_string
from markupsafe import Markup

from storefront.config import FORMAT_LOCALES
from storefront.filters import money_text, number, one_stop, percent


@pytest.mark.parametrize(
    ("lang", "share", "kept", "kcal", "days"),
    [
        ("fr", "90\u00a0%", "90,2\u00a0%", "12\u202f600", "6,4"),
        ("ar", "90%", "90,2%", "12.600", "6,4"),
        ("en", "90%", "90.2%", "12,600", "6.4"),
    ],
)
def test_shares_and_quantities_follow_the_language(app, lang, share, kept, kcal, days) -> None:
    with app.test_request_context(headers={"Cookie": f"lang={lang}"}):
        assert percent(0.9024) == share
        assert percent(0.9024, 1) == kept
        assert number(12_600.4) == kcal
        assert number(6.44, 1) == days


def test_a_whole_share_has_no_decimals_and_money_keeps_two(app) -> None:
    with app.test_request_context(headers={"Cookie": "lang=fr"}):
        assert percent(1) == "100\u00a0%"
        assert percent(0.6, 1) == "60\u00a0%"
        assert money_text(123_450) == "1\u202f234,50\u00a0DH"


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_whole_numbers_are_grouped_as_babel_groups_them(app, lang) -> None:
    """Whole counts skip Babel's pattern parsing: the same text all the same."""
    values = [0, 7, 999, 1_000, 12_345, 250_294, 1_234_567, 10**9 + 1, -4_000]
    with app.test_request_context(headers={"Cookie": f"lang={lang}"}):
        for value in values:
            assert number(value) == format_decimal(
                value, format="#,##0", locale=FORMAT_LOCALES[lang]
            ), value
        assert number(1234.5, 1) == format_decimal(
            1234.5, format="#,##0.0", locale=FORMAT_LOCALES[lang]
        )


@pytest.mark.translated
def test_a_template_given_another_language_gets_the_locale_in_force(app) -> None:
    """The page language's translations are kept between requests, but only a template
    whose ``lang`` is the request's uses them: one rendered with another ``lang`` and
    no switch of locale reads the locale in force, as Flask-Babel did."""
    with app.test_request_context(headers={"Cookie": "lang=ar"}):
        assert render_template_string("{{ _('Cart') }}") == "السلة"  # Arabic now kept
    with app.test_request_context(headers={"Cookie": "lang=fr"}):
        assert render_template_string("{{ _('Cart') }}") == "Panier"
        assert render_template_string("{{ _('Cart') }}", lang="ar") == "Panier"


def test_a_sentence_ending_on_an_arabic_amount_has_one_full_stop() -> None:
    assert one_stop("يكلف 20,00\u00a0د.م..") == "يكلف 20,00\u00a0د.م."
    marked = one_stop(Markup('يكلف <bdi dir="ltr">20,00\u00a0د.م.</bdi>.'))
    assert isinstance(marked, Markup) and marked == Markup(
        'يكلف <bdi dir="ltr">20,00\u00a0د.م.</bdi>'
    )
    for kept in ("يكلف 20,00\u00a0د.م.؛ وهذا", "Il coûte 20,00\u00a0DH.", "1.234,50 د.م. · 3"):
        assert one_stop(kept) == kept
