"""Values a person reads in the formats of their language: megabytes with the locale's
decimal sign, English examples with a decimal point, French "de" elided before a place
that starts with a vowel, and "pay cash on delivery" wherever a price is shown."""

from __future__ import annotations

import pytest
from flask_babel import gettext

from catalog.money import Money
from catalog.rules import refresh_products
from storefront.filters import amount_field, elide_de, elided
from storefront.messages import message

pytestmark = pytest.mark.translated

MB_2_5 = int(2.5 * 1024 * 1024)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("fr", "2,5 Mo au plus"), ("ar", "2,5 ميغابايت"), ("en", "at most 2.5 MB")],
)
def test_the_upload_limit_is_written_with_the_locale_decimal(app, lang, expected):
    with app.test_request_context(headers={"Cookie": f"lang={lang}"}):
        text = message("too_large", {"max_bytes": MB_2_5, "size": MB_2_5 + 1})
    assert expected in text, text


def test_english_examples_of_amounts_use_a_decimal_point(app):
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        texts = [
            gettext(
                "category: the category's address, e.g. huile-argan. price: in DH, e.g. 45,50."
            ),
            gettext("For example 45 or 45,50."),
            gettext("Enter an amount such as 450 or 450,50."),
        ]
    assert all("45,50" not in t and "450,50" not in t for t in texts), texts
    assert "e.g. 45.50" in texts[0] and "MAD" in texts[0]


@pytest.mark.parametrize(
    ("lang", "minor", "expected"),
    [("fr", 4_550, "45,50"), ("en", 4_550, "45.50"), ("fr", -650, "-6,50"), ("en", 0, "0.00")],
)
def test_an_amount_to_edit_is_shown_in_the_locale_and_reads_back(app, lang, minor, expected):
    """The operator's, cooperative's and organisation's forms show a saved amount this
    way (a negative one was "-7,50" for -6.50 and English had a comma)."""
    with app.test_request_context(headers={"Cookie": f"lang={lang}"}):
        text = amount_field(minor)
    assert text == expected
    assert Money.parse(text).amount_minor == minor


def test_french_elides_de_before_a_vowel():
    assert elide_de("pour des familles de Oued Ed-Dahab") == "pour des familles d'Oued Ed-Dahab"
    assert elide_de("Tribunal de première instance de El Jadida").endswith("d'El Jadida")
    assert elide_de("de Casablanca-Settat, de Youssoufia") == "de Casablanca-Settat, de Youssoufia"


def test_only_french_pages_elide(app):
    with app.test_request_context(headers={"Cookie": "lang=fr"}):
        assert elided("de Oued Ed-Dahab") == "d'Oued Ed-Dahab"
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        assert elided("de Oued Ed-Dahab") == "de Oued Ed-Dahab"


def test_product_cards_say_cash_on_delivery_where_the_price_is(client, make, session):
    coop = make.cooperative()
    honey = make.category("miel", name_fr="Miel")
    make.product(coop, honey, slug="miel-thym", title_fr="Miel de thym", price_minor=9_000)
    make.product(coop, honey, slug="miel-vide", title_fr="Miel épuisé", on_hand=0)
    refresh_products(session, make.today)
    session.commit()
    page = client.get("/fr/c/miel").get_data(as_text=True)
    cards = page.split('<li class="card">')[1:]
    assert len(cards) == 2
    thyme = next(c for c in cards if "Miel de thym" in c)
    assert '<span class="pay-on-delivery">Paiement à la livraison</span>' in thyme
    sold_out = next(c for c in cards if "Miel épuisé" in c)
    assert "pay-on-delivery" not in sold_out


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", "Page 1\u202f200 sur 1\u202f486"),
        ("ar", "الصفحة 1.200 من 1.486"),
        ("en", "Page 1,200 of 1,486"),
    ],
)
def test_page_numbers_are_written_as_the_language_writes_numbers(app, lang, expected):
    """A common word's results run to thousands of pages: "Page 1 200 sur 1 486",
    as the count of products above them is written, not "1486"."""
    with app.test_request_context(f"/{lang}/search?q=huile&page=1200"):
        app.preprocess_request()
        macros = app.jinja_env.get_template("_macros/pages.html").module
        html = str(macros.pages_nav(1_200, 1_486))
    assert expected in html, html


@pytest.mark.parametrize(
    ("lang", "basket", "created"),
    [
        ("fr", "Panier 1\u202f204 sur 5\u202f000", "1\u202f500 produits créés"),
        ("ar", "السلة 1.204 من 5.000", "1.500"),
        ("en", "Basket 1,204 of 5,000", "1,500 products created"),
    ],
)
def test_counts_said_outside_templates_are_written_as_the_language_writes_numbers(
    app, lang, basket, created
):
    """The basket tags' "Basket n of total", a file import's flash: Flask-Babel's own
    gettext would write "1204" and "5000"."""
    from storefront.filters import numbered_gettext, numbered_ngettext

    with app.test_request_context(f"/{lang}/"):
        app.preprocess_request()
        assert numbered_gettext("Basket %(n)d of %(total)d", n=1_204, total=5_000) == basket
        said = numbered_ngettext("%(num)d product created", "%(num)d products created", 1_500)
        assert created in said, said
        assert numbered_gettext("Products") == gettext("Products")
