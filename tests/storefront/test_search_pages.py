"""The search page as a shopper meets it: corrections and the way back, nothing found,
autocomplete; and the console page where operators add synonyms."""

from __future__ import annotations

import html
import re

import pytest

from catalog.models import SearchSynonym
from catalog.rules import refresh_products
from tests.storefront.backoffice import login, operator


@pytest.fixture
def souk(make, session):
    coop = make.cooperative(slug="nour", name_fr="Coopérative Nour", name_ar="تعاونية النور")
    honey = make.category("miel", name_fr="Miel", name_ar="عسل", name_en="Honey")
    rugs = make.category("tapis", name_fr="Tapis", name_ar="زرابي", name_en="Rugs")
    make.product(coop, honey, slug="miel-thym", title_fr="Miel de thym", title_ar="عسل الزعتر")
    make.product(coop, rugs, slug="tapis", title_fr="Tapis berbère", title_ar="زربية أمازيغية")
    make.product(coop, rugs, slug="couscous", title_fr="Couscous roulé", title_ar="كسكس")
    refresh_products(session, make.today)
    session.commit()
    return coop, honey


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def product_links(page: str) -> list[str]:
    return re.findall(r'href="/(?:fr|ar|en)/p/([^"]+)"', page)


@pytest.mark.translated
@pytest.mark.parametrize(
    ("lang", "showing", "instead"),
    [
        ("fr", "Résultats pour « couscous ».", "Rechercher plutôt « couscouss »"),
        ("ar", "نتائج البحث عن «couscous».", "ابحث بدلا من ذلك عن «couscouss»"),
        ("en", "Showing results for “couscous”.", "Search instead for “couscouss”"),
    ],
)
def test_a_typo_shows_the_correction_with_a_way_back(client, souk, lang, showing, instead):
    page = text_of(client.get(f"/{lang}/search?q=couscouss"))
    assert showing in page and instead in page
    assert product_links(page) == ["couscous"]
    undo = re.search(r'href="([^"]*exact=1[^"]*)"', page).group(1)
    back = text_of(client.get(html.unescape(undo)))
    assert product_links(back) == []
    assert "couscous" in back and showing not in back  # offered, not applied


@pytest.mark.translated
@pytest.mark.parametrize(
    ("lang", "title", "category"),
    [
        ("fr", "Catégories proches", "Tapis"),
        ("ar", "أصناف قريبة", "زرابي"),
        ("en", "Closest categories", "Rugs"),
    ],
)
def test_nothing_found_suggests_the_closest_categories(client, souk, lang, title, category):
    page = text_of(client.get(f"/{lang}/search?q=tapiiis+qqqzz"))
    assert product_links(page) == []
    assert title in page
    assert f'href="/{lang}/c/tapis">{category}</a>' in page


@pytest.mark.translated
def test_nothing_close_offers_every_top_category(client, souk):
    page = text_of(client.get("/fr/search?q=qqqzzzkk"))
    assert "Parcourir les catégories" in page
    assert 'href="/fr/c/miel"' in page and 'href="/fr/c/tapis"' in page


@pytest.mark.parametrize("q", ["العسل", "بالعسل", "honey", "l3sel", "3sel", "mile"])
def test_honey_is_found_however_it_is_typed(client, souk, q):
    assert product_links(text_of(client.get("/fr/search", query_string={"q": q}))) == ["miel-thym"]


@pytest.mark.parametrize("q", ["miel 500g", "500g", "عسل 500غ"])
def test_a_quantity_run_into_its_unit_finds_the_jar_without_a_correction(client, souk, make, q):
    coop, honey = souk
    make.product(
        coop, honey, slug="miel-500", title_fr="Miel d'euphorbe 500 g", title_ar="عسل 500 غ"
    )
    refresh_products(make.session, make.today)
    make.session.commit()
    page = text_of(client.get("/fr/search", query_string={"q": q}))
    assert product_links(page) == ["miel-500"]
    assert "Search instead" not in page and "Did you mean" not in page


def test_the_search_page_sends_a_fixed_number_of_queries(client, souk, count_queries):
    client.get("/fr/search?q=miel")  # synonyms read once, then kept
    count_queries.clear()
    client.get("/fr/search?q=miel")
    few = len(count_queries)
    count_queries.clear()
    client.get("/fr/search?q=l3sel")  # synonyms expand the words, not the queries
    assert len(count_queries) == few <= 6, count_queries


@pytest.mark.parametrize(
    ("q", "kind", "text", "url"),
    [
        ("mie", "category", "Miel", "/fr/c/miel"),
        ("tapis ber", "product", "Tapis berbère", "/fr/search?q=Tapis+berb%C3%A8re"),
        ("زرا", "category", "زرابي", "/fr/c/tapis"),
        ("nou", "cooperative", "Coopérative Nour", "/fr/coop/nour"),
        ("تعاونية الن", "cooperative", "تعاونية النور", "/fr/coop/nour"),
    ],
)
def test_autocomplete_suggests_products_categories_and_cooperatives(
    client, souk, q, kind, text, url
):
    response = client.get("/fr/search/suggest", query_string={"q": q})
    assert response.status_code == 200 and response.is_json
    found = [(s["kind"], s["text"], s["url"]) for s in response.get_json()["suggestions"]]
    assert (kind, text, url) in found


@pytest.mark.parametrize("q", ["", "a", "zzzzqq", "'; DROP TABLE x; --", "x" * 500])
def test_autocomplete_answers_nothing_for_nothing(client, souk, q):
    response = client.get("/fr/search/suggest", query_string={"q": q})
    assert response.status_code == 200
    assert response.get_json()["suggestions"] == []


def test_the_search_box_works_without_javascript_and_loads_a_static_script(client, souk):
    page = client.get("/fr/").get_data(as_text=True)
    assert re.search(r'<form class="search" action="/fr/search" method="get"', page)
    script = re.search(r'<script src="(/static/js/search-suggest\.js[^"]*)" defer>', page)
    assert script and "<script>" not in page
    response = client.get(script.group(1))
    assert response.status_code == 200 and b"data-suggest" in response.data
    response.close()


@pytest.mark.translated
def test_operators_add_and_remove_synonyms_from_the_console(client, session, souk):
    boss = operator(session)
    session.commit()
    login(client, boss)
    client.get("/lang/fr")
    assert product_links(text_of(client.get("/fr/search?q=kesra"))) == []
    page = text_of(client.get("/admin/synonyms"))
    assert "Synonymes de recherche" in page and "l3sel" in page  # the curated list
    response = client.post("/admin/synonyms", data={"terms": "kesra, couscous"})
    assert response.status_code == 302
    assert "Synonymes ajoutés" in text_of(client.get(response.location))
    assert product_links(text_of(client.get("/fr/search?q=kesra"))) == ["couscous"]
    entry = session.query(SearchSynonym).one()
    assert entry.terms == "kesra, couscous"
    client.post(f"/admin/synonyms/{entry.id}/delete")
    assert product_links(text_of(client.get("/fr/search?q=kesra"))) == []


@pytest.mark.translated
@pytest.mark.parametrize("terms", ["kesra", "kesra, kesra", " , "])
def test_a_group_of_one_word_is_refused_with_a_message(client, session, souk, terms):
    boss = operator(session)
    session.commit()
    login(client, boss)
    client.get("/lang/fr")
    page = text_of(client.post("/admin/synonyms", data={"terms": terms}))
    assert "Saisissez au moins deux mots" in page or "Ce champ est obligatoire" in page
    assert session.query(SearchSynonym).count() == 0
