import pytest

from catalog.models import CooperativeStatus, ProductLabel
from catalog.search import (
    FacetCache,
    ProductQuery,
    Sort,
    changes_facets,
    featured_cooperatives,
    search_products,
)


@pytest.fixture
def shelf(make):
    souss = make.cooperative(
        region_code="09", province_code="09.001", women_led=True, name_fr="Coopérative Tighanimine"
    )
    casa = make.cooperative(region_code="06", province_code="06.141")
    oil = make.category("huile", name_fr="Huiles", name_ar="زيوت")
    textile = make.category("textile", name_fr="Textile")
    make.certificate(souss, "igp")
    items = {
        "argan": make.product(
            souss,
            oil,
            title_fr="Huile d'argan alimentaire",
            title_ar="زَيْتُ الأَرْكَان",
            price_minor=15_000,
        ),
        "olive": make.product(
            casa, oil, title_fr="Huile d'olive", title_ar="زيت الزيتون", price_minor=8_000
        ),
        "rug": make.product(
            casa, textile, title_fr="Tapis berbère", title_en="Berber rug", price_minor=250_000
        ),
        "hidden": make.product(casa, oil, title_fr="Huile cachée", status="draft"),
    }
    from catalog.rules import refresh_products

    refresh_products(make.session, make.today)
    return items


def titles(result):
    return sorted(p.title_fr for p in result.products)


def test_french_search_folds_accents_and_plurals(session, shelf) -> None:
    r = search_products(session, ProductQuery(text="huiles"))
    assert titles(r) == ["Huile d'argan alimentaire", "Huile d'olive"]
    assert r.total == 2


def test_arabic_search_ignores_diacritics_and_hamza_forms(session, shelf) -> None:
    r = search_products(session, ProductQuery(text="زيت الاركان"))
    assert titles(r) == ["Huile d'argan alimentaire"]


def test_english_search_and_prefixes(session, shelf) -> None:
    assert titles(search_products(session, ProductQuery(text="berb"))) == ["Tapis berbère"]


def test_search_finds_by_cooperative_name(session, shelf) -> None:
    assert titles(search_products(session, ProductQuery(text="tighanimine"))) == [
        "Huile d'argan alimentaire"
    ]


def test_unsellable_products_never_show(session, shelf) -> None:
    assert search_products(session, ProductQuery(text="cachée")).total == 0


def test_hostile_search_text_is_just_text(session, shelf) -> None:
    for text in ['"', "huile OR 1=1", "*", "NEAR(", "'; DROP TABLE x; --", "a" * 500, "\x00"]:
        search_products(session, ProductQuery(text=text))


def test_facets_are_disjunctive_and_counted(session, shelf) -> None:
    r = search_products(session, ProductQuery(region_code="09"))
    assert titles(r) == ["Huile d'argan alimentaire"]
    regions = {f.value: f.count for f in r.facets["region"]}
    assert regions == {"06": 2, "09": 1}, "the region facet ignores the region filter"
    assert {f.value: f.count for f in r.facets["certificate"]} == {"igp": 1}
    assert r.facets["women_led"][0].count == 1
    prices = {f.value: f.count for f in r.facets["price"]}
    assert prices == {"lt50": 0, "50-150": 0, "150-300": 1, "gt300": 0}


def test_filters_combine(session, shelf) -> None:
    oil_ids = (shelf["argan"].category_id,)
    r = search_products(session, ProductQuery(category_ids=oil_ids, price_band="50-150"))
    assert titles(r) == ["Huile d'olive"]
    assert titles(search_products(session, ProductQuery(women_led=True))) == [
        "Huile d'argan alimentaire"
    ]
    assert titles(search_products(session, ProductQuery(certificate="igp"))) == [
        "Huile d'argan alimentaire"
    ]


def test_sorting_by_price(session, shelf) -> None:
    r = search_products(session, ProductQuery(sort=Sort.PRICE_DESC))
    assert [p.price_minor for p in r.products] == [250_000, 15_000, 8_000]


def test_relevance_sort_with_text(session, shelf) -> None:
    r = search_products(session, ProductQuery(text="huile argan", sort=Sort.RELEVANCE))
    assert r.products[0].title_fr == "Huile d'argan alimentaire"


def test_pagination_is_bounded(session, shelf) -> None:
    r = search_products(session, ProductQuery(per_page=1, page=2, sort=Sort.PRICE_ASC))
    assert [p.price_minor for p in r.products] == [15_000]
    assert r.pages == 3
    r = search_products(session, ProductQuery(per_page=10_000, page=-4))
    assert r.per_page == 60 and r.page == 1


@pytest.mark.parametrize("per_page", [1, 3, 24])
def test_query_count_does_not_grow_with_page_size(make, session, count_queries, per_page) -> None:
    coop = make.cooperative()
    cat = make.category()
    for i in range(30):
        make.product(coop, cat, title_fr=f"Miel {i}")
    count_queries.clear()
    r = search_products(session, ProductQuery(text="miel", per_page=per_page))
    assert len(r.products) == per_page
    # two for the facet cube (total and every facet come from it), the page,
    # its cooperatives and its images
    assert len(count_queries) == 5


def test_a_cached_cube_spares_the_counting_queries(make, session, shelf, count_queries) -> None:
    cache = FacetCache(ttl_seconds=60)
    first = search_products(session, ProductQuery(region_code="09"), cache=cache)
    count_queries.clear()
    again = search_products(session, ProductQuery(region_code="06"), cache=cache)
    # the filters differ, the words do not: same cube; only the page, cooperatives, images
    assert len(count_queries) == 3
    assert first.total == 1 and again.total == 2
    assert {f.value: f.count for f in again.facets["region"]} == {"06": 2, "09": 1}
    count_queries.clear()
    nothing = search_products(session, ProductQuery(region_code="06", women_led=True), cache=cache)
    assert nothing.total == 0 and nothing.products == []
    assert count_queries == [], "an empty page needs no query at all"


def test_cached_counts_expire_after_their_time(session, shelf) -> None:
    clock = [0.0]
    cache = FacetCache(ttl_seconds=60, timer=lambda: clock[0])
    assert search_products(session, ProductQuery(text="huile"), cache=cache).total == 2
    shelf["olive"].status = "unpublished"
    from catalog.rules import refresh_products

    refresh_products(session, shelf["olive"].created_at.date())
    assert search_products(session, ProductQuery(text="huile"), cache=cache).total == 2
    clock[0] = 61
    assert search_products(session, ProductQuery(text="huile"), cache=cache).total == 1


def test_a_zero_time_to_live_turns_caching_off(session, shelf) -> None:
    cache = FacetCache(ttl_seconds=0)
    search_products(session, ProductQuery(), cache=cache)
    assert len(cache) == 0


def test_only_changes_to_counted_columns_touch_the_facets(session, shelf) -> None:
    argan = shelf["argan"]
    argan.stock += 5
    argan.description_fr = "Nouvelle description"
    assert not changes_facets([argan])
    argan.price_minor = 99_000
    assert changes_facets([argan])
    assert changes_facets([], [ProductLabel(product_id=argan.id, kind="organic")])


def test_common_words_list_featured_then_newest_and_rare_ones_by_relevance(
    make, session, monkeypatch
) -> None:
    coop, cat = make.cooperative(), make.category()
    plain = make.product(coop, cat, title_fr="Miel", description_fr="miel " * 30)
    rich = make.product(coop, cat, title_fr="Miel de thym", description_fr="du miel")
    star = make.product(coop, cat, title_fr="Miel d'euphorbe", featured=True)
    ranked = search_products(session, ProductQuery(text="miel thym"))
    assert ranked.products[0] == rich
    monkeypatch.setattr("catalog.search.RANKED_MATCHES", 1)
    common = search_products(session, ProductQuery(text="miel"))
    assert common.products == [star, rich, plain]


def test_the_home_page_shows_featured_cooperatives_first_then_the_newest(session, make) -> None:
    old_star = make.cooperative(featured=True)
    old, new = make.cooperative(), make.cooperative()
    new_star = make.cooperative(featured=True)
    make.cooperative(featured=True, status=CooperativeStatus.PENDING)
    assert featured_cooperatives(session, limit=3) == [new_star, old_star, new]
    assert old in featured_cooperatives(session, limit=4)
