"""The whole-catalog facet cube is built in the background, not on a visitor's time."""

from __future__ import annotations

import re
import threading

import pytest
from flask import Flask

from catalog import search, stock
from catalog.models import Product
from catalog.rules import refresh_products
from catalog.search import warm_whole_catalog
from storefront import create_app
from storefront.extensions import db
from storefront.shop import facets
from tests.storefront.conftest import app_settings, close_app


@pytest.fixture
def catalog(make, session):
    coop = make.cooperative(region_code="09")
    oil = make.category("huile-argan", name_fr="Huile d'argan")
    make.product(coop, oil, slug="argan", price_minor=9_000)
    refresh_products(session, make.today)
    session.commit()


def _caching(app: Flask, *, warm: bool) -> Flask:
    app.config.update(CATALOG_FACET_CACHE_SECONDS=300, CATALOG_FACET_WARM=warm)
    facets.init_app(app)
    return app


def _counting(statements: list[str]) -> list[str]:
    return [s for s in statements if "GROUP BY" in s.upper()]


def test_a_warm_cube_spares_the_listing_its_counting_queries(app, catalog, count_queries):
    warm_app = _caching(app, warm=False)  # no thread: the cube is built here, once
    with warm_app.app_context():
        warm_whole_catalog(db.session, facets.facet_cache())
    count_queries.clear()
    page = warm_app.test_client().get("/fr/c/huile-argan")
    assert page.status_code == 200
    assert count_queries, "the page itself is read live"
    assert _counting(count_queries) == []


def test_without_warming_the_first_listing_counts(app, catalog, count_queries):
    _caching(app, warm=False).test_client().get("/fr/search")
    assert _counting(count_queries), "the cube was built on the visitor's time"


def test_the_warmer_starts_with_the_first_request_and_rebuilds_after_a_change(app, catalog):
    warm_app = _caching(app, warm=True)
    warmer = warm_app.extensions[facets.WARMER]
    try:
        _rebuilds_after_a_change(warm_app, warmer)
    finally:
        warmer.stop()
    assert not warmer._thread.is_alive()


def _rebuilds_after_a_change(warm_app: Flask, warmer: facets.Warmer) -> None:
    built = threading.Event()
    original = warmer.warm

    def warm() -> None:
        original()
        built.set()

    warmer.warm = warm
    warm_app.test_client().get("/fr/")
    assert built.wait(30), "the thread built the cube"
    cache = warm_app.extensions[facets.KEY]
    assert len(cache) == 1
    built.clear()
    with warm_app.app_context():
        product = db.session.scalar(db.select(Product).where(Product.slug == "argan"))
        product.region_code = "01"
        db.session.commit()  # drops the cube and wakes the thread
    assert built.wait(30), "rebuilt right after the change"
    with warm_app.app_context():
        cube = cache.get(((), None))
    assert {cell[0] for cell in cube.products} == {"01"}


def _text_index(statements: list[str]) -> list[str]:
    return [s for s in statements if " MATCH " in s.upper() or "@@" in s]


def _rename(app: Flask, title: str) -> None:
    with app.app_context():
        product = db.session.scalar(db.select(Product).where(Product.slug == "argan"))
        product.title_fr = title
        product.title_ar = product.title_en = ""
        refresh_products(db.session, product.updated_at.date())
        db.session.commit()  # moves the catalog stamp


def test_a_search_reads_a_word_once_and_again_after_a_product_is_renamed(
    app, catalog, count_queries
):
    warm_app = _caching(app, warm=False)
    _rename(warm_app, "Amlou de la maison")
    warmer = facets.Warmer(warm_app, every_seconds=0)  # its thread's work, called here
    warmer.warm()
    client = warm_app.test_client()
    count_queries.clear()
    assert "/fr/p/argan" in client.get("/fr/search?q=amlou").text
    assert _text_index(count_queries), "a word met for the first time is read"
    for url in ("/fr/search?q=amlou&sort=newest", "/fr/search?q=amlou&sort=price_desc"):
        count_queries.clear()
        assert "/fr/p/argan" in client.get(url).text
        assert _text_index(count_queries) == [], "then its matches are kept"
        assert len(count_queries) == 2, "the catalog stamp and the page's cards"

    with warm_app.app_context():
        before = stock.stamped(db.session)
        product = db.session.scalar(db.select(Product).where(Product.slug == "argan"))
        product.cooperative.story_fr = "Fondée en 2004."  # on the pages, not searched
        db.session.commit()
        after = stock.stamped(db.session)
    assert after[0] == before[0] + 1 and after[2] == before[2]
    client.get("/fr/")  # sees the stamp move: the facet counts go, the warmer rebuilds them
    warmer.warm()
    count_queries.clear()
    assert "/fr/p/argan" in client.get("/fr/search?q=amlou&sort=newest").text
    assert _text_index(count_queries) == [], "the word's matches outlive the stamp's move"

    _rename(warm_app, "Savon de la maison")
    count_queries.clear()
    assert "/fr/p/argan" not in client.get("/fr/search?q=amlou&sort=newest").text
    assert _text_index(count_queries), "read again: the kept matches were the old text's"
    assert "/fr/p/argan" in client.get("/fr/search?q=savon").text


def test_a_sale_elsewhere_keeps_the_facet_counts_a_price_change_drops_them(
    app, catalog, session, make, database_url, tmp_path, count_queries
):
    """Another worker's sale that leaves the product sold out moves the catalog stamp
    (its pages change) but not what the facet counts count: this process keeps its
    counts and cells, which take seconds to rebuild at national scale. Another worker's
    price change moves them: they are counted again."""
    product = session.scalar(db.select(Product).where(Product.slug == "argan"))
    product.on_hand = 2
    session.commit()
    warm_app = _caching(app, warm=False)
    facets.Warmer(warm_app, every_seconds=0).warm()  # its thread's work, called here
    cache = warm_app.extensions[facets.KEY]
    cells = cache.cells
    client = warm_app.test_client()
    page = client.get("/en/c/huile-argan").text
    assert "Sold out" not in page and _price_counts(page)["50-150"] == 1

    make.order({product: 2})  # by another process: only the stamp tells this one
    session.commit()
    count_queries.clear()
    assert "Sold out" in client.get("/en/c/huile-argan").text, "the page is new"
    assert _counting(count_queries) == [] and cache.cells is cells, "the counts are kept"

    other = create_app(app_settings(database_url, tmp_path / "other"))  # another worker
    try:
        with other.app_context():
            moved = db.session.scalar(db.select(Product).where(Product.slug == "argan"))
            moved.price_minor = 30_000  # from 50-150 MAD to over 300
            db.session.commit()
    finally:
        close_app(other)
    count_queries.clear()
    page = client.get("/en/c/huile-argan").text
    assert _counting(count_queries), "counted again"
    assert cache.cells is not cells
    assert _price_counts(page) == {"lt50": 0, "50-150": 0, "150-300": 0, "gt300": 1}


def _price_counts(page: str) -> dict[str, int]:
    """The price facet's count of each band, as the page shows them."""
    found = re.findall(r'name="price" value="([^"]+)"[^<]*<span class="n">\((\d+)\)', page)
    return {band: int(n) for band, n in found}


def test_counts_built_across_another_process_change_are_not_kept(
    app, catalog, session, monkeypatch
):
    """Reading the whole catalog's cells takes seconds at national scale: a change of
    what they count committed meanwhile by another process, and seen by a page of this
    one, must not leave the counts read before it in place (until the next rebuild,
    minutes later)."""
    warm_app = _caching(app, warm=False)
    read = search.facet_cells

    def read_while_another_process_commits(s):  # noqa: ANN001, ANN202
        cells = read(s)
        product = session.scalar(db.select(Product).where(Product.slug == "argan"))
        product.region_code = "01"
        stock.touch(session, facets=True)  # as the other process's commit hook does
        session.commit()
        assert warm_app.test_client().get("/fr/c/huile-argan").status_code == 200
        return cells

    monkeypatch.setattr(search, "facet_cells", read_while_another_process_commits)
    facets.Warmer(warm_app, every_seconds=0).warm()
    cache = warm_app.extensions[facets.KEY]
    assert cache.cells is None and len(cache) == 0, "dropped: counted before the change"
    monkeypatch.setattr(search, "facet_cells", read)
    page = warm_app.test_client().get("/fr/c/huile-argan").text
    assert 'value="01"' in page and 'value="09"' not in page


def test_the_warmer_reads_the_cells_again_only_when_what_they_count_changed(
    app, catalog, session, count_queries
):
    """Every few minutes the warmer counts the whole catalog's cube again: from the
    kept cells while nothing they count changed (a sale does not), from the database
    after a change that does."""
    warmer = facets.Warmer(_caching(app, warm=False), every_seconds=0)
    warmer.warm()
    count_queries.clear()
    warmer.warm()
    assert _cells_read(count_queries) == [], "counted from the kept cells"
    product_id = session.scalar(db.select(Product.id))
    before = stock.stamped(session)
    stock.allocate(session, product_id, stock.level(session, product_id).available)
    session.commit()
    assert stock.stamped(session).version != before.version, "sold out: the pages change"
    warmer.warm()
    assert _cells_read(count_queries) == [], "a sale changes no count"
    product = session.scalar(db.select(Product).where(Product.slug == "argan"))
    product.price_minor = 40_000
    stock.touch(session, facets=True)  # as another process's commit hook does
    session.commit()
    warmer.warm()
    assert _cells_read(count_queries), "a price changes the price facet"
    with app.app_context():
        cube = facets.facet_cache().get(((), None))
    assert cube is not None and {cell[3] for cell in cube.products} == {"gt300"}


def _cells_read(statements: list[str]) -> list[str]:
    return [s for s in statements if "catalog_product.featured" in s]
