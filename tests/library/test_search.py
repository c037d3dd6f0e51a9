import numpy as np
import pytest
from sqlalchemy import func, select, update

from catalog.models import CooperativeStatus, Product, ProductImage, ProductLabel
from catalog.search import (
    FacetCache,
    Known,
    Postings,
    ProductQuery,
    Sort,
    _ranked_ids,
    changes_facets,
    compile_text,
    facet_cells,
    facet_cube,
    featured_cooperatives,
    find_products,
    products_by_region,
    search_products,
    warm_terms,
    warm_whole_catalog,
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


@pytest.mark.parametrize("sort", [Sort.PRICE_ASC, Sort.PRICE_DESC])
@pytest.mark.parametrize("band", [None, "50-150"])
def test_one_category_by_price_pages_in_price_then_id_order(make, session, sort, band) -> None:
    """Read from the category's own price index on SQLite: the same order and pages as
    the catalog-wide one, ties broken by id."""
    from catalog.rules import refresh_products

    coop = make.cooperative()
    cat, other = make.category(), make.category()
    for i in range(14):
        make.product(coop, cat, title_fr=f"Miel {i}", price_minor=4_000 + (i % 5) * 3_000)
        make.product(coop, other, title_fr=f"Thé {i}", price_minor=4_500 + i * 1_000)
    refresh_products(session, make.today)
    rows = sorted(
        (p.price_minor, p.id)
        for p in session.scalars(select(Product).where(Product.category_id == cat.id))
        if band is None or 5_000 <= p.price_minor < 15_000
    )
    if sort == Sort.PRICE_DESC:
        rows.reverse()
    pages = [
        search_products(
            session,
            ProductQuery(category_ids=(cat.id,), sort=sort, price_band=band, per_page=4, page=n),
            as_cards=True,
        )
        for n in (1, 2, 3, 4)
    ]
    assert [(c.price_minor, c.id) for r in pages for c in r.cards] == rows
    assert pages[0].total == len(rows)


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


@pytest.mark.parametrize("per_page", [1, 24])
def test_cards_come_as_rows_in_a_fixed_number_of_queries(
    make, session, count_queries, per_page
) -> None:
    coop = make.cooperative(name_ar="تعاونية")
    cat = make.category()
    for i in range(30):
        product = make.product(coop, cat, title_fr=f"Miel {i}", title_ar=f"عسل {i}", on_hand=i % 2)
        for position in (1, 0)[: i % 3]:  # none, one, or two pictures (the first is shown)
            session.add(
                ProductImage(product=product, filename=f"{i}-{position}.jpg", position=position,
                             thumbnail=f"{i}-{position}-t.jpg" if i % 2 else "", width=8, height=6)
            )  # fmt: skip
    session.commit()
    count_queries.clear()
    query = ProductQuery(text="miel", per_page=per_page, sort=Sort.NEWEST)
    r = search_products(session, query, as_cards=True)
    # the facet cube (two), the page's cards with their cooperatives and first pictures
    assert len(count_queries) == 3
    assert len(r.cards) == per_page and r.products == []
    entities = search_products(session, query).products
    assert [c.id for c in r.cards] == [p.id for p in entities]
    for card, product in zip(r.cards, entities, strict=True):
        for lang in ("fr", "ar", "en"):
            assert card.title(lang) == product.title(lang)
            assert card.cooperative(lang) == product.cooperative.name(lang)
        assert (card.slug, card.price, card.sold_out, card.unit, card.net_quantity) == (
            product.slug,
            product.price,
            product.sold_out,
            product.unit,
            product.net_quantity,
        )
        first = min(product.images, key=lambda image: image.position, default=None)
        assert card.image == (first.thumbnail or first.filename if first else "")


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


@pytest.fixture
def spread(make):
    """Products over several cells (regions, categories, women-led, price bands) and
    labels, some unsellable, for comparing the two ways of counting a word's cube."""
    from catalog.rules import refresh_products

    coops = [
        make.cooperative(region_code="09", province_code="09.001", women_led=True),
        make.cooperative(region_code="06", province_code="06.141"),
        make.cooperative(region_code="01", province_code="01.051"),
    ]
    cats = [make.category("huile", name_fr="Huiles"), make.category("tapis", name_fr="Tapis")]
    make.certificate(coops[0], "igp")
    make.certificate(coops[1], "organic")
    prices = [3_000, 8_000, 20_000, 45_000]
    for i in range(24):
        make.product(
            coops[i % 3],
            cats[i % 2],
            title_fr=f"Huile {'bio' if i % 4 else 'fine'} numéro {i}",
            price_minor=prices[i % 4],
            status="draft" if i % 7 == 6 else "published",
        )
    refresh_products(make.session, make.today)


@pytest.mark.parametrize("text", ["huile", "bio", "fine huile", "zit", "absent"])
def test_a_word_cube_counted_from_the_cells_equals_the_grouped_queries(
    session, spread, count_queries, text
) -> None:
    words = compile_text(text)
    cells = facet_cells(session)
    count_queries.clear()
    from_cells = facet_cube(session, ProductQuery(text=text), words, cells)
    assert len(count_queries) == 1, "the matching ids in one statement"
    counted = facet_cube(session, ProductQuery(text=text), words)
    assert from_cells == counted
    if text != "absent":
        assert counted.labels and sum(counted.products.values()) > 0


@pytest.mark.parametrize("sort", [Sort.RELEVANCE, Sort.PRICE_ASC, Sort.PRICE_DESC, Sort.NEWEST])
@pytest.mark.parametrize(
    ("certificate", "filters"),
    [
        ("igp", {}),
        ("organic", {}),
        ("igp", {"text": "huile"}),
        ("organic", {"text": "bio"}),
        ("igp", {"region_code": "09"}),
        ("organic", {"region_code": "06", "price_band": "lt50"}),
        ("igp", {"price_band": "50-150", "women_led": True}),
    ],
)
def test_a_certificate_asked_product_by_product_lists_the_same_pages(
    session, spread, monkeypatch, sort, filters, certificate
) -> None:
    """On SQLite a certificate is tested per product (EXISTS) when the page is read in
    its order or the other filters leave few products, else as the list of its holders
    (IN): the pages are the same either way."""
    import catalog.search as search

    ordered_scan = search.ORDERED_SCAN_LIMIT

    def pages(limit: int) -> list[list[int]]:
        monkeypatch.setattr(search, "PROBED_LABELS_LIMIT", limit)
        # no ordered scan either when the label is listed: it would probe too
        monkeypatch.setattr(search, "ORDERED_SCAN_LIMIT", ordered_scan if limit >= 0 else -1)
        out = []
        for page in (1, 2, 3):
            q = ProductQuery(certificate=certificate, sort=sort, page=page, per_page=3, **filters)
            out.append([p.id for p in search_products(session, q, cache=FacetCache(300)).products])
        return out

    probed, listed = pages(10_000), pages(-1)
    assert probed == listed
    assert any(probed), "the certificate selects products"


@pytest.mark.parametrize(
    "text",
    [
        "العسل", "والعسل", "عسل", "زيت", "الزيت", "بالزيت", "زيوت", "زيت الاركان", "الأركان",
        "huile", "huiles", "huil", "miel", "mieller", "argan", "huile miel", "absent",
    ],
)  # fmt: skip
def test_postgresql_matches_each_column_on_its_own_index_as_the_weighted_vector_does(
    make, session, is_postgres, text
) -> None:
    """The facet counts' ids come from an unweighted index on each text, every word
    sent to its own column's: the very products the weighted ``search_vector`` finds
    (exact words weigh A, stems B), whatever the Arabic article and clitics do to a
    word's prefix."""
    if not is_postgres:
        pytest.skip("PostgreSQL's indexes (SQLite's FTS5 table holds both columns apart)")
    from catalog.search import _fts_match, _matching_ids

    coop = make.cooperative(region_code="09", province_code="09.001")
    cats = [make.category(), make.category()]
    titles = [
        ("عسل الزعتر", "Miel de thym"),
        ("زيت بالعسل", "Huile au miel"),
        ("والعسل الحر", "Miellerie du Souss"),
        ("زيت الزيتون", "Huilerie d'olive"),
        ("زيوت طبيعية", "Huiles naturelles"),
        ("للزيت الأركان", "Argan à l'huile"),
        ("الأركاني", "Arganier"),
        ("صابون", "Savon noir"),
        ("الزيتون الأخضر", "Olives vertes"),
    ]
    ids = [
        make.product(
            coop,
            cats[i % 2],
            title_ar=title_ar,
            title_fr=title_fr,
            status="draft" if i == 2 else "published",
        ).id
        for i, (title_ar, title_fr) in enumerate(titles)
    ]
    session.flush()
    words = compile_text(text)
    weighted = set(
        session.scalars(select(Product.id).where(_fts_match("postgresql", words.fts("postgresql"))))
    )
    assert set(_matching_ids(session, "postgresql", words)) == weighted
    if text in ("العسل", "والعسل"):
        # عسل, بالعسل, والعسل (a draft too): the word's prefix finds none of the others,
        # its stem finds them all
        assert weighted == set(ids[:3])
    if text == "زيت":
        # the olives' stem زيتون begins with the word, none of their words does
        assert ids[-1] not in weighted and ids[3] in weighted


def test_postgresql_reads_each_column_match_from_its_index(session, is_postgres) -> None:
    """The match's expressions are the indexes' own (any difference and PostgreSQL
    would parse every row's text instead)."""
    if not is_postgres:
        pytest.skip("PostgreSQL's indexes")
    from sqlalchemy import text as sql

    from catalog.search import _column_filter

    stmt = select(Product.id).where(_column_filter(compile_text("huile العسل").expr))
    compiled = stmt.compile(session.get_bind())
    session.execute(sql("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(
        session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars()
    )
    assert "ix_catalog_product_search_document" in plan
    assert "ix_catalog_product_search_stems" in plan


def test_the_whole_catalog_cube_counted_from_the_cells_equals_the_grouped_queries(
    session, spread
) -> None:
    assert facet_cells(session).whole() == facet_cube(session, ProductQuery())


def test_a_product_newer_than_the_cells_is_counted_all_the_same(make, session, spread) -> None:
    cells = facet_cells(session)
    coop = make.cooperative(region_code="09", province_code="09.001")
    make.product(coop, make.category("miel", name_fr="Miel"), title_fr="Huile nouvelle")
    from catalog.rules import refresh_products

    refresh_products(session, make.today)
    words = compile_text("nouvelle")
    cube = facet_cube(session, ProductQuery(text="nouvelle"), words, cells)
    assert sum(cube.products.values()) == 1
    assert cube == facet_cube(session, ProductQuery(text="nouvelle"), words)


def test_the_cells_are_kept_with_the_whole_catalog_cube_and_dropped_with_it(
    session, spread
) -> None:
    cache = FacetCache(ttl_seconds=60)
    warm_whole_catalog(session, cache)
    assert cache.cells is not None
    search = search_products(session, ProductQuery(text="huile"), cache=cache)
    assert search.total == search_products(session, ProductQuery(text="huile")).total
    cache.clear()
    assert cache.cells is None


def _page(result):
    return [card.id for card in result.cards] or [p.id for p in result.products]


@pytest.mark.parametrize("text", ["", "huile", "bio", "fine huile", "zit", "numéro", "absent"])
def test_a_search_page_picked_in_memory_is_the_one_sql_picks(make, session, spread, text) -> None:
    """A search's page, or a listing's (no words), in every sort, with facet filters."""
    for product in session.scalars(select(Product).where(Product.id % 5 == 2)):
        product.featured = True
    session.flush()
    cache = FacetCache(ttl_seconds=60, texts=lambda: 1)
    warm_whole_catalog(session, cache)
    cats = tuple(session.scalars(select(Product.category_id).distinct()))
    for filters in (
        {},
        {"region_code": "09"},
        {"category_ids": cats[:1], "women_led": True},
        {"price_band": "lt50", "certificate": "organic"},
        {"certificate": "igp"},
        {"certificate": "made-up"},
    ):
        for sort in Sort:
            for page in (1, 2, 3):
                q = ProductQuery(text=text, sort=sort, page=page, per_page=4, **filters)
                for as_cards in (True, False):
                    kept = search_products(session, q, cache=cache, as_cards=as_cards)
                    read = search_products(session, q, as_cards=as_cards)
                    assert (kept.total, _page(kept)) == (read.total, _page(read)), (q, as_cards)
    assert (len(cache.terms or ()) > 0) == bool(text), "the words' terms kept"


def test_a_listing_page_is_picked_in_memory(session, spread, count_queries) -> None:
    cache = FacetCache(ttl_seconds=60, texts=lambda: 1)
    warm_whole_catalog(session, cache)
    q = ProductQuery(region_code="09", sort=Sort.PRICE_DESC, page=2, per_page=3)
    count_queries.clear()
    kept = search_products(session, q, cache=cache, as_cards=True)
    assert len(count_queries) == 1 and " AS page" not in count_queries[0], "the cards by id"
    assert _page(kept) == _page(search_products(session, q, as_cards=True)) != []


def test_a_searched_term_is_read_once_per_texts_stamp(make, session, spread, count_queries):
    stamp = [1]
    cache = FacetCache(ttl_seconds=60, texts=lambda: stamp[0])
    warm_whole_catalog(session, cache)
    search_products(session, ProductQuery(text="huile bio"), cache=cache, as_cards=True)
    count_queries.clear()
    result = search_products(
        session, ProductQuery(text="bio", page=2, per_page=4), cache=cache, as_cards=True
    )
    assert len(count_queries) == 1, "the page's cards only: the word's ids and cube are kept"
    assert result.total == search_products(session, ProductQuery(text="bio")).total

    product = session.scalars(
        select(Product).where(Product.title_fr == "Huile fine numéro 4")
    ).one()
    fine = ProductQuery(text="fine", per_page=60)
    assert product.id in _page(search_products(session, fine, cache=cache, as_cards=True))
    product.title_fr = "Huile bio renommée"
    from catalog.rules import refresh_products

    refresh_products(session, make.today)
    stamp[0] = 2  # what a change of the searchable texts moves
    found = search_products(session, fine, cache=cache, as_cards=True)
    assert product.id not in _page(found)
    assert _page(found) == _page(search_products(session, fine, as_cards=True))


def test_warmed_words_are_searched_without_the_text_index(session, spread, count_queries):
    cache = FacetCache(ttl_seconds=60, texts=lambda: 1)
    warm_whole_catalog(session, cache)
    assert warm_terms(session, cache, ["huile", "numéro", "bio"]) == len(cache.terms or ())
    count_queries.clear()
    result = search_products(session, ProductQuery(text="bio huile"), cache=cache, as_cards=True)
    assert len(count_queries) == 1, "the page's cards only"
    assert _page(result) == _page(search_products(session, ProductQuery(text="bio huile")))
    assert result.total == 16  # "bio" in 18 titles of 24, 2 of them drafts


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
    argan.on_hand += 5
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


# -- analysis, synonyms, corrections (on SQLite and PostgreSQL alike) -------------------


@pytest.fixture
def souk(make):
    """A small shop as the demo has it: titles in French and Arabic (no English for the
    honey), category names in the three languages."""
    coop = make.cooperative(name_fr="Coopérative Nour")
    honey_cat = make.category("miel", name_fr="Miel", name_ar="عسل", name_en="Honey")
    oil_cat = make.category("huile-argan", name_fr="Huile d'argan", name_ar="زيت الأركان")
    cosmetics = make.category("cosmetiques", name_fr="Cosmétiques", name_en="Cosmetics")
    rugs = make.category("tapis", name_fr="Tapis", name_ar="زرابي", name_en="Rugs")
    items = {
        "honey": make.product(coop, honey_cat, title_fr="Miel de thym", title_ar="عسل الزعتر"),
        "food_argan": make.product(
            coop, oil_cat, title_fr="Huile d'argan alimentaire", title_ar="زيت أركان غذائي"
        ),
        "cosmetic_argan": make.product(
            coop, cosmetics, title_fr="Huile d'argan cosmétique", title_ar="زيت أركان تجميلي"
        ),
        "rug": make.product(
            coop, rugs, title_fr="Tapis berbère en laine", title_ar="زربية أمازيغية من الصوف"
        ),
        "couscous": make.product(
            coop, make.category(), title_fr="Couscous roulé à la main", title_ar="كسكس مفتول"
        ),
    }
    from catalog.rules import refresh_products

    refresh_products(make.session, make.today)
    return items


def found(session, text, **kw):
    return {p.title_fr for p in search_products(session, ProductQuery(text=text, **kw)).products}


@pytest.mark.parametrize("text", ["العسل", "بالعسل", "عسل", "honey", "l3sel", "miel", "3sel"])
def test_honey_is_found_in_every_language_with_article_clitics_or_darija(
    session, souk, text
) -> None:
    assert found(session, text) == {"Miel de thym"}


def test_the_search_box_example_finds_culinary_and_cosmetic_argan_oil(session, souk) -> None:
    both = {"Huile d'argan alimentaire", "Huile d'argan cosmétique"}
    assert found(session, "زيت الأركان") == both
    assert found(session, "زيت أركان") == both
    assert found(session, "argane") == both
    assert found(session, "zit l'argan") == both


@pytest.mark.parametrize("text", ["الزربية", "zerbia", "rugs", "زرابي", "tapis berbères"])
def test_rugs_by_article_darija_english_plural_or_category(session, souk, text) -> None:
    assert found(session, text) == {"Tapis berbère en laine"}


def test_exact_words_rank_above_stems(make, session) -> None:
    coop, cat = make.cooperative(), make.category()
    stemmed = make.product(coop, cat, title_fr="Huile vierge", description_fr="huile " * 10)
    exact = make.product(coop, cat, title_fr="Huiles pressées")
    from catalog.rules import refresh_products

    refresh_products(session, make.today)
    r = search_products(session, ProductQuery(text="huiles"))
    assert r.products == [exact, stemmed]
    r = search_products(session, ProductQuery(text="huile"))
    assert r.products[0] == stemmed


def test_operator_synonyms_apply_to_the_next_search(session, souk) -> None:
    from catalog import synonyms
    from catalog.audit import Actor

    assert found(session, "kesra") == set()
    synonyms.add(session, "kesra, couscous", actor=Actor(None), now=souk["rug"].created_at)
    assert found(session, "kesra") == set(), "without them: the curated file alone"
    loaded = synonyms.load(session)
    r = search_products(session, ProductQuery(text="kesra"), synonyms=loaded)
    assert [p.title_fr for p in r.products] == ["Couscous roulé à la main"]


def test_a_typo_is_corrected_when_nothing_matches(session, souk) -> None:
    from catalog import vocabulary

    def vocab():
        return vocabulary.build(session)

    f = find_products(session, ProductQuery(text="couscouss"), vocab)
    assert f.corrected_from == "couscouss" and f.text == "couscous"
    assert [p.title_fr for p in f.result.products] == ["Couscous roulé à la main"]
    undone = find_products(session, ProductQuery(text="couscouss"), vocab, exact=True)
    assert undone.result.total == 0 and undone.suggestion == "couscous"
    known = find_products(session, ProductQuery(text="couscous"), vocab)
    assert known.corrected_from is None and known.suggestion is None


def test_nothing_found_offers_the_closest_categories(session, souk) -> None:
    from catalog import vocabulary

    f = find_products(session, ProductQuery(text="tapiis zzqq"), lambda: vocabulary.build(session))
    assert f.result.total == 0
    assert "tapis" in f.categories


def test_a_search_with_synonyms_sends_a_fixed_number_of_queries(
    session, souk, count_queries
) -> None:
    count_queries.clear()
    r = search_products(session, ProductQuery(text="l3sel"))
    assert r.total == 1
    # the facet cube (two), the page, its cooperatives and images: synonyms cost nothing
    assert len(count_queries) == 5


@pytest.mark.parametrize("ids", [[], [7], [3, 90, 4_000], list(range(5, 200, 3))])
def test_a_terms_matches_read_back_from_their_bytes_are_the_same(ids) -> None:
    """As another process reads them from the store they share (a list of ids, or a
    bitmap when the matches are dense)."""
    kept = Postings.of(np.array(ids, dtype=np.int32))
    back = Postings.from_bytes(kept.to_bytes())
    assert (back.dense, back.end) == (kept.dense, kept.end)
    assert np.flatnonzero(back.mask(5_000)).tolist() == ids


def test_the_words_as_typed_come_first_in_memory_as_in_sql(make, session) -> None:
    """Products holding the words as typed (tier 0) come before those found only
    through their stems; with the matches known in memory the tiers are theirs: a
    product they call exact comes first whatever its rank."""
    coop, cat = make.cooperative(), make.category()
    typed = make.product(coop, cat, title_fr="Huiles de table")
    stemmed = [make.product(coop, cat, title_fr="Huile") for _ in range(3)]
    cache = FacetCache(ttl_seconds=60, texts=lambda: 1)
    warm_whole_catalog(session, cache)
    q = ProductQuery(text="huiles", sort=Sort.RELEVANCE)
    kept = search_products(session, q, cache=cache)
    assert kept.products == search_products(session, q).products
    assert kept.products[0] == typed and kept.total == 4

    dialect = session.get_bind().dialect.name
    matches = sorted(p.id for p in (typed, *stemmed))
    for exact in ([stemmed[1].id], [], matches):
        known = Known(matches=matches, exact=exact)
        rows = session.execute(_ranked_ids(q, dialect, compile_text("huiles"), known)).all()
        assert sorted(row.id for row in rows) == matches
        assert [row.tier for row in rows] == sorted(row.tier for row in rows), "tier 0 first"
        assert {row.id for row in rows if row.tier == 0} == set(exact)


def test_pages_within_the_exact_matches_rank_them_alone_in_the_same_order(make, session) -> None:
    """With the matches known in memory, a page that lies within the exact matches
    ranks only those (bm25 weighs fewer phrases); the pages read one after the other
    are the database's own ranking of every match."""
    coop, cat = make.cooperative(), make.category()
    exact = [
        make.product(coop, cat, title_fr="Huiles " + " ".join(["de table"] * n)) for n in range(5)
    ]
    stemmed = [make.product(coop, cat, title_fr="Huile " + "vierge " * n) for n in range(3)]
    cache = FacetCache(ttl_seconds=60, texts=lambda: 1)
    warm_whole_catalog(session, cache)

    def pages(cache: FacetCache | None) -> list[list[Product]]:
        return [
            search_products(
                session, ProductQuery(text="huiles", page=n, per_page=2), cache=cache
            ).products
            for n in (1, 2, 3, 4)
        ]

    kept = pages(cache)
    assert kept == pages(None)
    shown = [p for page in kept for p in page]
    assert set(shown[:5]) == set(exact) and set(shown[5:]) == set(stemmed)
    assert len(shown) == 8


def test_a_product_no_longer_on_sale_leaves_a_ranked_page_picked_from_memory(make, session) -> None:
    """The kept matches are read before the product left sale (another process, the
    stamp not yet read): the page's own rows are tested again."""
    coop, cat = make.cooperative(), make.category()
    oils = [make.product(coop, cat, title_fr="Huiles " + "fines " * n) for n in range(4)]
    cache = FacetCache(ttl_seconds=60, texts=lambda: 1)
    warm_whole_catalog(session, cache)
    session.execute(update(Product).where(Product.id == oils[0].id).values(sellable=False))
    q = ProductQuery(text="huiles", per_page=2)
    shown = search_products(session, q, cache=cache).products
    assert shown and set(shown) <= set(oils[1:])


def test_products_by_region_come_from_the_kept_cube_with_the_same_counts(
    session, spread, count_queries
) -> None:
    read = products_by_region(session)
    assert read and sum(read.values()) == session.scalar(
        select(func.count()).select_from(Product).where(Product.sellable.is_(True))
    )
    cache = FacetCache(ttl_seconds=60)
    warm_whole_catalog(session, cache)
    count_queries.clear()
    assert products_by_region(session, cache) == read
    assert count_queries == [], "summed from the whole catalog's cube"


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("250ml", ["Huile vierge 250 ml"]),
        ("huile 250ml", ["Huile vierge 250 ml"]),
        ("1kg", ["Couscous 1 kg"]),
        ("1كلغ", ["Couscous 1 kg"]),
        ("100g", ["Savon 100g"]),  # written run together in the title too
        ("250", ["Huile vierge 250 ml"]),
        ("250kg", []),
    ],
)
def test_a_quantity_typed_against_its_unit_finds_the_title_that_spaces_them(
    make, session, typed, found
) -> None:
    coop = make.cooperative()
    food = make.category("epicerie", name_fr="Épicerie")
    make.product(coop, food, title_fr="Huile vierge 250 ml", title_ar="زيت بكر 250 مل")
    make.product(coop, food, title_fr="Couscous 1 kg", title_ar="كسكس 1 كلغ")
    make.product(coop, food, title_fr="Savon 100g")
    from catalog.rules import refresh_products

    refresh_products(make.session, make.today)
    assert titles(search_products(session, ProductQuery(text=typed))) == found


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("miel 500g", ["Miel de thym"]),
        ("miel 500 g", ["Miel de thym"]),
        ("عسل 500غ", ["Miel de thym"]),
        ("huile 1l", ["Huile d'olive"]),
        ("huile 100cl", ["Huile d'olive"]),
        ("huile 1000 ml", ["Huile d'olive"]),
        ("couscous 1kg", ["Couscous"]),
        ("miel 1kg", []),
    ],
)
def test_the_net_quantity_is_found_when_the_title_does_not_say_it(
    make, session, engine, typed, found
) -> None:
    """The index holds each product's quantity as shoppers write it, and a rebuild (the
    migration's) writes what saving a product writes."""
    from catalog.rules import refresh_products
    from catalog.text import rebuild_search_texts

    coop = make.cooperative()
    food = make.category("epicerie", name_fr="Épicerie")
    make.product(
        coop, food, title_fr="Miel de thym", title_ar="عسل الزعتر", unit="g", net_quantity=500
    )
    make.product(coop, food, title_fr="Huile d'olive", unit="ml", net_quantity=1000)
    make.product(coop, food, title_fr="Couscous", unit="g", net_quantity=1000)
    make.product(coop, food, title_fr="Savon", unit="piece", net_quantity=3)
    refresh_products(make.session, make.today)
    session.commit()
    saved = dict(session.execute(select(Product.id, Product.search_document)).all())
    assert titles(search_products(session, ProductQuery(text=typed))) == found
    with engine.begin() as connection:
        assert rebuild_search_texts(connection) == 4
    session.expire_all()
    assert dict(session.execute(select(Product.id, Product.search_document)).all()) == saved
