"""With ``REDIS_URL`` set, two app instances (two hosts in front of one database and
one Redis) share rate-limit counters, the anonymous page cache and the facet counts,
and a catalog change committed on one is seen on the other at once (a real
``redis-server``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from redis import Redis
from sqlalchemy import event

from catalog.models import Product
from catalog.rules import refresh_products
from storefront import create_app
from storefront.extensions import db
from storefront.sharing import redis_of
from storefront.shop import facets
from tests.redis_server import redis_db, redis_url  # noqa: F401 (fixtures)
from tests.storefront.conftest import app_settings, close_app


def _host(database_url: str, tmp_path, redis: str, name: str) -> Flask:  # noqa: ANN001
    return create_app(
        app_settings(
            database_url,
            tmp_path / name,
            REDIS_URL=redis,
            RATELIMIT_ENABLED=True,
            RATELIMIT_LOGIN="3 per minute",
            CATALOG_PAGE_CACHE_SECONDS=60,
            CATALOG_FACET_CACHE_SECONDS=300,
            CATALOG_FACET_WARM=False,
        )
    )


@pytest.fixture
def hosts(database_url, tmp_path, session, redis_db) -> Iterator[tuple[Flask, Flask]]:  # noqa: F811
    apps = (
        _host(database_url, tmp_path, redis_db, "a"),
        _host(database_url, tmp_path, redis_db, "b"),
    )
    yield apps
    for app in apps:
        close_app(app)


@pytest.fixture
def argan(make, session) -> Product:
    coop = make.cooperative()
    oil = make.category("huile-argan", name_fr="Huile d'argan")
    product = make.product(coop, oil, title_fr="Huile d'argan", slug="argan", price_minor=9_000)
    refresh_products(session, make.today)
    session.commit()
    return product


def _statements(app: Flask) -> list[str]:
    seen: list[str] = []
    with app.app_context():
        event.listen(
            db.engine, "before_cursor_execute", lambda c, cur, statement, *a: seen.append(statement)
        )
    return seen


def test_without_redis_url_the_embedded_defaults_stay(app) -> None:
    assert redis_of(app) is None
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_a_rate_limit_holds_across_hosts(hosts) -> None:
    a, b = (app.test_client() for app in hosts)
    form = {"email": "a@b.ma", "password": "x"}
    codes = [client.post("/account/login", data=form).status_code for client in (a, b, a)]
    assert codes == [200, 200, 200]
    assert b.post("/account/login", data=form).status_code == 429, "the 4th try, on host B"
    assert a.post("/account/login", data=form).status_code == 429


def test_a_page_made_on_one_host_is_served_by_the_other(hosts, argan) -> None:
    a, b = hosts
    page = a.test_client().get("/fr/p/argan").get_data(as_text=True)
    assert "Huile d&#39;argan" in page or "Huile d'argan" in page
    seen = _statements(b)
    again = b.test_client().get("/fr/p/argan").get_data(as_text=True)
    assert len(seen) == 1 and "catalog_stamp" in seen[0], "only the stamp: the page came from Redis"
    assert again.count("argan") == page.count("argan")
    assert Redis.from_url(hosts[0].config["REDIS_URL"]).keys("taawun:page:*")


def test_a_change_committed_on_one_host_is_seen_on_the_other_at_once(hosts, argan) -> None:
    a, b = hosts
    for host in hosts:
        assert "90,00" in host.test_client().get("/fr/c/huile-argan").get_data(as_text=True)
    with a.app_context():
        db.session.get(Product, argan.id).price_minor = 12_000
        db.session.commit()
    page = b.test_client().get("/fr/c/huile-argan").get_data(as_text=True)
    assert "120,00" in page and "90,00" not in page


def _shopper(app: Flask, product_id: int):  # noqa: ANN202 (test client)
    """A client with a cart: the page cache never serves them, the facet counts do."""
    client = app.test_client()
    with client.session_transaction() as s:
        s["cart"] = [[product_id, 1]]
    return client


def _counting(statements: list[str]) -> list[str]:
    """The facet cube's counts (not the search vocabulary's)."""
    return [s for s in statements if "GROUP BY catalog_product.category_id" in s]


def test_facet_counts_made_on_one_host_are_read_by_the_other(hosts, argan) -> None:
    a, b = hosts
    seen_a, seen_b = _statements(a), _statements(b)
    page = _shopper(a, argan.id).get("/fr/search?q=argan").get_data(as_text=True)
    assert _counting(seen_a), "host A counted"
    assert Redis.from_url(a.config["REDIS_URL"]).keys("taawun:counts:*")
    again = _shopper(b, argan.id).get("/fr/search?q=argan").get_data(as_text=True)
    assert seen_b and _counting(seen_b) == [], "host B read A's counts from Redis"
    assert again.count('class="card"') == page.count('class="card"') == 1


def test_facet_counts_follow_a_change_committed_on_the_other_host(hosts, argan, make) -> None:
    a, b = hosts
    assert 'value="09"' in _shopper(b, argan.id).get("/fr/c/huile-argan").get_data(as_text=True)
    with a.app_context():
        moved = db.session.get(Product, argan.id)
        assert moved is not None
        moved.region_code = "01"  # from Souss-Massa to Tanger-Tétouan-Al Hoceïma
        db.session.commit()
    seen_b = _statements(b)
    page = _shopper(b, argan.id).get("/fr/c/huile-argan").get_data(as_text=True)
    assert _counting(seen_b), "a new stamp: counted again"
    assert 'value="01"' in page and 'value="09"' not in page


def _text_index(statements: list[str]) -> list[str]:
    return [s for s in statements if " MATCH " in s.upper() or "@@" in s]


def test_what_a_search_word_matches_is_read_by_one_host_for_both(hosts, argan) -> None:
    """A common word's list of matches takes PostgreSQL tens of milliseconds to read:
    read once for every host, until the searchable texts change."""
    a, b = hosts
    for host in hosts:
        facets.Warmer(host, every_seconds=0).warm()  # each host's thread's work, here
    seen_a, seen_b = _statements(a), _statements(b)
    assert "/fr/p/argan" in _shopper(a, argan.id).get("/fr/search?q=huile&sort=newest").text
    assert _text_index(seen_a), "host A read the word's matches"
    assert Redis.from_url(a.config["REDIS_URL"]).keys("taawun:terms:*")
    assert "/fr/p/argan" in _shopper(b, argan.id).get("/fr/search?q=huile&sort=newest").text
    assert seen_b and _text_index(seen_b) == [], "host B took them from Redis"

    with a.app_context():
        renamed = db.session.get(Product, argan.id)
        assert renamed is not None
        renamed.title_fr = "Amlou de la maison"
        refresh_products(db.session, renamed.updated_at.date())
        db.session.commit()  # the searchable texts changed: what was kept is the old text's
    seen_b.clear()
    assert "/fr/p/argan" in _shopper(b, argan.id).get("/fr/search?q=amlou&sort=newest").text
    assert _text_index(seen_b), "read again under the new texts counter"
