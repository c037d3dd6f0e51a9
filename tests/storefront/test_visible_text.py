"""Nothing raw reaches a person: the key pages (public, cooperative back office, NGO,
operator console) rendered with the demo's data in French, Arabic and English show no
enum value, no ``_minor`` name, no snake_case field name and no number left unformatted."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from orders.models import OrderLine
from storefront.extensions import db
from tests.storefront.keypages import key_pages, seed_demo
from tests.storefront.visible_text import raw_enum_values, raw_values, visible_text

pytestmark = pytest.mark.translated

ENUMS = raw_enum_values()


def test_the_scanner_finds_raw_values() -> None:
    """The checks themselves: each kind of raw value is found, formatted text is not."""
    bad = {
        "fr": [
            "<p><code>amount_minor</code>: 10500</p>",
            "<p>Statut : open</p><p>open</p>",
            "<p>order:TW-3D5-DXT</p>",
            "<p>(-6.00)</p>",
            "<p>0.2 kg</p>",
            "<p>2026-12</p>",
            "<p><strong>7</strong> refusé</p>",
            "<p><strong>1</strong> certificats à vérifier</p>",
            "<p>price_minor</p>",
            "<p>12 MAD</p>",
        ],
        "ar": [
            "<p>86 عضوا, 86 امرأة</p>",
            "<p>1.5 كلغ</p>",
            "<p>يكلف 20,00 د.م..</p>",
            "<td>48.428 kcal</td>",
            "<td>1.250 g</td>",
            '<p>يكلف <bdi class="money" dir="ltr">20,00 د.م.</bdi>.</p>',
        ],
        "en": ["<p>Under 50 DH</p>", "<p>14999 baskets</p>"],
    }
    for lang, snippets in bad.items():
        for snippet in snippets:
            assert raw_values(snippet, lang, ENUMS), (lang, snippet)
    good = {
        "fr": "<p>1\u202f234,50\u00a0DH · 0,2\u00a0kg · <strong>7</strong> refusés · "
        "<bdi dir='ltr'>TW-3D5-DXT</bdi> · Fondée en 2015 · <code>price</code></p>",
        "ar": "<p>1.234,50\u00a0د.م. · 86 عضوا، 86 امرأة · 26 مارس 2027</p>",
        "en": "<p>1,234.50\u00a0MAD · sent · 14,999 baskets</p>",
    }
    for lang, snippet in good.items():
        assert raw_values(snippet, lang, ENUMS) == [], (lang, snippet)
    assert visible_text('<p title="Aide">a<script>x_y = 1</script><span hidden>b_c</span></p>') == [
        "Aide",
        "a",
    ]


@pytest.fixture
def demo(app, runner, session) -> None:
    seed_demo(app, runner)


def test_key_pages_show_no_raw_value_in_any_language(app, client, demo) -> None:
    findings = [
        f"{lang} {url} | {finding}"
        for lang, url, html in key_pages(app, client)
        for finding in raw_values(html, lang, ENUMS)
    ]
    assert findings == [], "\n".join(findings)


def test_quantities_in_the_thousands_are_grouped_on_every_key_page(app, client, demo) -> None:
    """A line of 1,234 units (an NGO-sized order) reads "1 234" on the shopper's, the
    cooperative's and the operator's pages, never "1234"."""
    with app.app_context():
        line = db.session.scalar(select(OrderLine).order_by(OrderLine.id))
        extra = 1234 - line.quantity
        line.quantity, line.qty_from_stock = 1234, line.qty_from_stock + extra
        db.session.commit()
    findings = [
        f"{lang} {url} | {finding}"
        for lang, url, html in key_pages(app, client)
        for finding in raw_values(html, lang, ENUMS)
    ]
    assert findings == [], "\n".join(findings)
