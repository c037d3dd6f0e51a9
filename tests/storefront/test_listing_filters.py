"""Listing filters on a phone: a disclosure that comes before the products, the chosen
filters as chips that each remove one, "clear all", and the filters kept when moving
to a sub-category."""

import re
from html import unescape

import pytest
from flask import url_for

from catalog.rules import refresh_products

#: the women-led filter, as French pages say it
WOMEN_LED = "Dirigée par des femmes"


@pytest.fixture
def listing(make, session):
    food = make.category("alimentation", name_fr="Alimentation")
    honey = make.category("miel", name_fr="Miel", parent_id=food.id)
    souss = make.cooperative(region_code="09", province_code="09.001", women_led=True)
    casa = make.cooperative(region_code="06", province_code="06.141")
    for coop in (souss, casa):
        make.product(coop, honey, title_fr="Miel de thym")
        make.product(coop, food, title_fr="Couscous")
    refresh_products(session, make.today)
    session.commit()


def _url(app, slug: str, **args: str) -> str:
    """A category listing's address, as the app writes it."""
    with app.test_request_context("/", headers={"Cookie": "lang=fr"}):
        return url_for("shop.category", slug=slug, **args)


def _links(page: str, css_class: str) -> list[tuple[str, str]]:
    block = re.search(rf'<ul class="{css_class}"[^>]*>(.*?)</ul>', page, re.S)
    assert block, css_class
    return [
        (unescape(href), " ".join(re.sub(r"<[^>]+>", " ", text).split()))
        for href, text in re.findall(r'<a[^>]*href="([^"]*)"[^>]*>(.*?)</a>', block.group(1), re.S)
    ]


def test_the_filters_come_first_in_a_disclosure(app, client, listing) -> None:
    page = client.get(_url(app, "alimentation")).get_data(as_text=True)
    drawer = page.index('<details class="filters-drawer">')
    assert drawer < page.index('<form class="facets"') < page.index('<ul class="grid">')
    assert "chips active-filters" not in page  # nothing chosen, nothing to clear


@pytest.mark.translated
def test_each_chosen_filter_is_a_chip_that_removes_it_and_clear_all_removes_all(
    app, client, listing
) -> None:
    client.set_cookie("lang", "fr")
    chosen = {"region": "09", "women": "1", "sort": "price_asc"}
    page = client.get(_url(app, "alimentation", **chosen, page="2"))
    chips = _links(page.get_data(as_text=True), "chips active-filters")
    assert chips == [
        (
            _url(app, "alimentation", women="1", sort="price_asc"),
            "Souss-Massa × (retirer ce filtre)",
        ),
        (
            _url(app, "alimentation", region="09", sort="price_asc"),
            f"{WOMEN_LED} × (retirer ce filtre)",
        ),
        (_url(app, "alimentation", sort="price_asc"), "Tout effacer"),
    ]
    assert '<summary>Filtres <span class="count">2</span></summary>' in page.get_data(as_text=True)


def test_sub_category_links_keep_region_women_led_and_sort(app, client, listing) -> None:
    chosen = {"region": "09", "women": "1", "sort": "price_asc"}
    page = client.get(_url(app, "alimentation", **chosen)).get_data(as_text=True)
    honey = _url(app, "miel")
    links = re.findall(rf'<a href="({re.escape(honey)}[^"]*)"', page)
    assert [unescape(link) for link in links] == [_url(app, "miel", **chosen)]
    page = client.get(_url(app, "miel", **chosen)).get_data(as_text=True)
    assert 'value="09" checked' in page and 'name="women" value="1" checked' in page


def test_an_unknown_filter_value_makes_no_chip(app, client, listing) -> None:
    page = client.get(_url(app, "alimentation", region="99")).get_data(as_text=True)
    assert "chips active-filters" not in page


@pytest.mark.parametrize(
    "query", ["_external=1", "_anchor=x", "_scheme=javascript", "_method=POST", "lang_code=xx"]
)
@pytest.mark.parametrize("path", ["/fr/c/alimentation", "/fr/search"])
def test_query_arguments_named_like_url_options_make_no_error(client, listing, path, query):
    """``url_for`` reads ``_anchor``, ``_scheme``… as its own options: a listing's
    links to its other pages keep none of them."""
    response = client.get(f"{path}?per_page=1&page=2&{query}")
    assert response.status_code == 200
    page = unescape(response.get_data(as_text=True))
    links = re.findall(r'<a rel="(?:prev|next)" href="([^"]+)"', page)
    assert links == [f"{path}?per_page=1&page=1", f"{path}?per_page=1&page=3"]


@pytest.mark.parametrize("query", ["slug=miel", "_method=POST", "lang_code=xx"])
def test_chips_leave_out_arguments_named_like_url_parts(client, listing, query):
    """A chip leads to the same page without its filter: ``slug`` in the query is not
    the path's, ``_method`` not url_for's."""
    response = client.get(f"/fr/c/alimentation?women=1&{query}")
    assert response.status_code == 200
    chips = _links(response.get_data(as_text=True), "chips active-filters")
    assert chips == [
        ("/fr/c/alimentation", "Women-led × (remove this filter)"),
        ("/fr/c/alimentation", "Clear all"),
    ]
