"""Anonymous visitors share recently rendered catalog pages; nobody else does, and a
catalog change committed here drops them."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from catalog.models import Category, Product
from catalog.rules import refresh_products
from storefront.cart.link import cart_link
from storefront.extensions import db
from storefront.shop import facets, pagecache
from tests.storefront.backoffice import login, shopper


@pytest.fixture
def caching(app, make, session):
    app.config.update(CATALOG_PAGE_CACHE_SECONDS=60, CATALOG_FACET_CACHE_SECONDS=300)
    pagecache.init_app(app)
    facets.init_app(app)
    coop = make.cooperative()
    oil = make.category("huile-argan", name_fr="Huile d'argan")
    product = make.product(coop, oil, title_fr="Huile d'argan", slug="argan", price_minor=9_000)
    refresh_products(session, make.today)
    session.commit()
    return product


@pytest.fixture
def app_queries(app):
    """Statements sent through the app's own engine."""
    statements: list[str] = []

    def before(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    yield statements
    event.remove(engine, "before_cursor_execute", before)


def test_an_anonymous_visitor_gets_the_page_without_a_query(client, caching, app_queries):
    first = client.get("/fr/c/huile-argan").get_data(as_text=True)
    app_queries.clear()
    assert client.get("/fr/c/huile-argan").get_data(as_text=True) == first
    assert len(app_queries) == 1 and "catalog_stamp" in app_queries[0], "the stamp, nothing else"


def _rendered(statements: list[str]) -> list[str]:
    """The statements beyond the catalog stamp's read: a page rendered, not kept."""
    return [q for q in statements if "catalog_stamp" not in q]


def _add_to_cart(client, product_id: int, quantity: int) -> None:
    response = client.post(
        "/cart/add",
        data={"product_id": product_id, "quantity": quantity},
        headers={"Origin": "http://localhost"},
        follow_redirects=True,  # where the "added" message is shown
    )
    assert response.status_code == 200
    with client.session_transaction() as s:
        assert "_flashes" not in s


@pytest.mark.translated
def test_a_guest_with_a_cart_gets_the_kept_page_with_their_own_cart(app, caching, app_queries):
    anonymous = app.test_client().get("/fr/c/huile-argan").get_data(as_text=True)
    assert "(1 article)" not in anonymous
    guest = app.test_client()
    _add_to_cart(guest, caching.id, 1)
    app_queries.clear()
    response = guest.get("/fr/c/huile-argan")
    page = response.get_data(as_text=True)
    assert not _rendered(app_queries), "served from the cache"
    assert response.cache_control.private and response.cache_control.no_store  # theirs only
    assert '<span class="visually-hidden">(1 article)</span>' in page
    assert page.replace(str(cart_link_html(app, 1)), str(cart_link_html(app, 0))) == anonymous
    _add_to_cart(guest, caching.id, 2)
    assert "(3 articles)" in guest.get("/fr/c/huile-argan").get_data(as_text=True)
    assert app.test_client().get("/fr/c/huile-argan").get_data(as_text=True) == anonymous


@pytest.mark.translated
def test_a_page_rendered_for_a_guest_with_a_cart_is_kept_without_it(app, caching, app_queries):
    guest = app.test_client()
    _add_to_cart(guest, caching.id, 2)
    app_queries.clear()
    mine = guest.get("/ar/p/argan").get_data(as_text=True)
    assert _rendered(app_queries), "nothing kept yet: rendered"
    assert '<span class="visually-hidden">(منتجان)</span>' in mine
    app_queries.clear()
    shared = app.test_client().get("/ar/p/argan").get_data(as_text=True)
    assert not _rendered(app_queries), "served from the cache"
    assert '<span aria-hidden="true">2</span>' not in shared
    assert shared == mine.replace(
        str(cart_link_html(app, 2, "ar")), str(cart_link_html(app, 0, "ar"))
    )


def cart_link_html(app, n: int, lang: str = "fr") -> str:
    with app.test_request_context(f"/{lang}/"):
        app.preprocess_request()
        return str(cart_link(n))


@pytest.mark.parametrize("holding", ["signed in", "a delivery province", "a message"])
def test_anybody_else_with_a_session_never_gets_a_kept_page(
    client, caching, session, app_queries, holding
):
    client.get("/fr/c/huile-argan")  # kept by an anonymous visit
    if holding == "signed in":
        user = shopper(session)
        session.commit()
        login(client, user)
    else:
        with client.session_transaction() as s:
            if holding == "a delivery province":
                s["deliver_to"] = "06.141"
            else:
                s["_flashes"] = [("info", "Bienvenue")]
    app_queries.clear()
    page = client.get("/fr/c/huile-argan").get_data(as_text=True)
    assert _rendered(app_queries), "rendered for this visitor"
    if holding == "a message":
        assert "Bienvenue" in page


def test_a_catalog_change_committed_here_drops_the_pages(app, client, caching, app_queries):
    assert "90,00" in client.get("/fr/c/huile-argan").get_data(as_text=True)
    with app.app_context():
        product = db.session.get(Product, caching.id)
        product.price_minor = 12_000
        db.session.commit()
    assert "120,00" in client.get("/fr/c/huile-argan").get_data(as_text=True)


def test_product_pages_are_the_same_for_every_anonymous_visitor(app, caching, app_queries):
    first, second = app.test_client(), app.test_client()
    page = first.get("/fr/p/argan").get_data(as_text=True)
    app_queries.clear()
    again = second.get("/fr/p/argan").get_data(as_text=True)
    assert len(app_queries) == 1 and "catalog_stamp" in app_queries[0], "served from the cache"
    assert again == page and "csrf_token" not in page


def test_a_page_asked_on_another_host_is_not_the_kept_one(app, caching, app_queries):
    """A page holds absolute links made for the host it was asked on (its canonical URL,
    its language alternates, its picture for sharing): one host's never reaches another."""
    client = app.test_client()
    page = client.get("/fr/p/argan", base_url="https://www.taawun.example").get_data(as_text=True)
    assert "https://www.taawun.example/fr/p/argan" in page
    app_queries.clear()
    other = client.get("/fr/p/argan", base_url="http://localhost").get_data(as_text=True)
    assert _rendered(app_queries), "rendered for this host, not served from the cache"
    assert "http://localhost/fr/p/argan" in other and "taawun.example" not in other
    app_queries.clear()
    assert client.get("/fr/p/argan", base_url="http://localhost").get_data(as_text=True) == other
    assert not _rendered(app_queries), "then kept for it"


def test_a_kept_product_page_adds_to_the_cart(app, caching):
    app.config["WTF_CSRF_ENABLED"] = True
    app.test_client().get("/fr/p/argan")  # renders and keeps the page
    visitor = app.test_client()
    assert 'action="/cart/add"' in visitor.get("/fr/p/argan").get_data(as_text=True)
    response = visitor.post(
        "/cart/add",
        data={"product_id": caching.id, "quantity": 2},
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 302
    with visitor.session_transaction() as s:
        assert s.get("cart_n") == 2


def test_a_visitor_who_only_holds_a_csrf_token_still_gets_shared_pages(
    client, caching, app_queries
):
    client.get("/fr/p/argan")
    with client.session_transaction() as s:
        assert set(s) <= {"csrf_token", "_fresh"}
    client.get("/fr/c/huile-argan")  # kept
    app_queries.clear()
    client.get("/fr/c/huile-argan")
    assert len(app_queries) == 1 and "catalog_stamp" in app_queries[0]


def test_a_sale_committed_by_another_process_drops_the_pages(app, client, caching, make, session):
    """The change is made outside this app (another worker, another host): only the
    catalog stamp in the database tells this process."""
    caching.on_hand = 1
    session.commit()
    client.set_cookie("lang", "en")
    first = client.get("/en/p/argan").get_data(as_text=True)
    assert "Only 1 left" in first and "Add to cart" in first
    caching.on_hand = 2  # behind every app's back: no stamp move, the kept page stays
    session.commit()
    assert "Only 1 left" in client.get("/en/p/argan").get_data(as_text=True)
    make.order({caching: 2})
    session.commit()
    page = client.get("/en/p/argan").get_data(as_text=True)
    assert "Sold out" in page and "Add to cart" not in page


def test_the_stamp_is_read_at_most_every_check_interval(app, caching):
    ticks = [0.0]
    cache = pagecache.PageCache(60, check_seconds=2, timer=lambda: ticks[0])
    reads = []

    def read() -> int:
        reads.append(1)
        return len(reads) // 2  # moves on the second read

    dropped: list[tuple[int, int]] = []

    def moved(before: int, now: int) -> None:
        dropped.append((before, now))

    cache.put(("/p/argan", "fr"), "page", cache.current_stamp(read, moved))
    ticks[0] = 1.9
    assert cache.get(("/p/argan", "fr"), cache.current_stamp(read, moved)) == "page"
    ticks[0] = 2.0
    stamp = cache.current_stamp(read, moved)
    assert (len(reads), stamp, dropped) == (2, 1, [(0, 1)])
    assert cache.get(("/p/argan", "fr"), stamp) is None


def test_the_category_tree_is_read_once_per_catalog_stamp(app, client, caching, app_queries):
    with client.session_transaction() as s:
        s["cart"] = [[caching.id, 1]]  # no page cache: every page is rendered
    client.get("/fr/c/huile-argan")
    app_queries.clear()
    assert client.get("/fr/c/huile-argan").status_code == 200
    assert not [q for q in app_queries if "FROM catalog_category" in q], "kept"
    with app.app_context():
        category = db.session.get(Category, caching.category_id)
        assert category is not None
        category.name_fr = "Huile d'argan pure"
        db.session.commit()  # a category change moves the stamp
    page = client.get("/fr/c/huile-argan").get_data(as_text=True)
    assert "Huile d&#39;argan pure" in page


def test_a_product_moved_to_a_category_the_kept_tree_has_not_seen(
    app, client, caching, make, session, app_queries
):
    """Another process made the category and moved the product after this one read the
    stamp (or within CATALOG_STAMP_CHECK_SECONDS): the product page reads the tree again."""
    app.config["CATALOG_PAGE_CACHE_SECONDS"] = 0
    pagecache.init_app(app)  # no page cache: each page is rendered
    assert client.get("/fr/p/argan").status_code == 200  # the tree is kept
    caching.category = make.category("huile-cosmetique", name_fr="Huile cosmétique")
    session.commit()  # behind the app's back: the stamp stays
    response = client.get("/fr/p/argan")
    assert response.status_code == 200
    assert "Huile cosmétique" in response.get_data(as_text=True)
    app_queries.clear()
    assert client.get("/fr/p/argan").status_code == 200
    assert not [q for q in app_queries if "FROM catalog_category" in q], "the tree read is kept"
