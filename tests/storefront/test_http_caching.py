"""What browsers and shared caches may keep: catalog pages shareable for a short
while when seen anonymously, with validators and 304s; nothing personal ever
shareable."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import url_for
from werkzeug.http import http_date, parse_date

from catalog import stock
from catalog.db import utcnow
from catalog.models import Product
from catalog.rules import refresh_products
from storefront.extensions import db
from tests.storefront.backoffice import login, operator, shopper

CASABLANCA = "06.141"
CATALOG = ["/fr/", "/fr/c/miel", "/fr/r/09", "/fr/search?q=miel", "/fr/coop/nour", "/fr/regions"]


@pytest.fixture
def souk(make, session):
    coop = make.cooperative(slug="nour", region_code="09")
    honey = make.category("miel", name_fr="Miel")
    product = make.product(coop, honey, slug="miel-thym", title_fr="Miel de thym")
    refresh_products(session, make.today)
    session.commit()
    return product


def shared(response) -> bool:
    """Whether a shared cache (proxy, CDN) may keep the response."""
    cc = response.cache_control
    return not cc.private and not cc.no_store and (cc.public or cc.s_maxage is not None)


@pytest.mark.parametrize("url", [*CATALOG, "/fr/privacy"])
def test_anonymous_catalog_pages_are_shared_briefly_and_vary_on_nothing_personal(
    app, client, souk, url
):
    app.config.update(CATALOG_SHARED_SECONDS=120, CATALOG_STALE_SECONDS=45)
    response = client.get(url)
    assert response.status_code == 200
    cc = response.cache_control
    assert cc.public and cc.s_maxage == 120 and cc.stale_while_revalidate == 45
    assert cc.max_age == 0, "browsers check again (cheaply, with the ETag)"
    assert "Cookie" not in response.vary and "Set-Cookie" not in response.headers
    assert response.headers["Content-Language"] == "fr"


@pytest.mark.parametrize("url", [*CATALOG, "/fr/p/miel-thym"])
def test_catalog_pages_answer_a_conditional_get_with_304(client, souk, url):
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag


def test_catalog_pages_carry_the_date_and_refuse_an_if_match_that_differs(client, souk):
    first = client.get("/fr/c/miel")
    assert abs(parse_date(first.headers["Date"]) - utcnow()) < timedelta(seconds=5)
    assert client.get("/fr/c/miel", headers={"If-Match": '"another"'}).status_code == 412
    again = client.get("/fr/c/miel", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Date"]


def test_a_catalog_change_changes_the_etag(client, souk, session):
    etag = client.get("/fr/c/miel").headers["ETag"]
    souk.price_minor = 4_200
    session.commit()
    response = client.get("/fr/c/miel", headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag


@pytest.fixture
def later(app, monkeypatch):
    """The clock a few seconds on: a Last-Modified is sent once its second is over."""
    from storefront import httpcache

    app.extensions[httpcache.STARTED] = utcnow() - timedelta(hours=1)
    ahead = [timedelta(seconds=5)]
    monkeypatch.setattr(httpcache, "utcnow", lambda: utcnow() + ahead[0])
    return ahead


@pytest.mark.parametrize("url", [*CATALOG, "/fr/p/miel-thym", "/fr/privacy"])
def test_catalog_pages_carry_last_modified_and_answer_if_modified_since(client, souk, later, url):
    first = client.get(url)
    stamped = first.headers["Last-Modified"]
    assert first.last_modified <= utcnow() + later[0]
    again = client.get(url, headers={"If-Modified-Since": stamped})
    assert again.status_code == 304 and again.data == b""
    earlier = http_date(first.last_modified - timedelta(seconds=1))
    assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200


@pytest.mark.parametrize(
    "value",
    ["garbage", "Mon, 99 Foo 2020 00:00:00 GMT", "Sat, 01 Jan 0001 00:00:00 GMT", "\x7f", ""],
)
def test_an_if_modified_since_that_is_not_a_date_gets_the_page(client, souk, later, value):
    response = client.get("/fr/p/miel-thym", headers={"If-Modified-Since": value})
    assert response.status_code == 200 and "Last-Modified" in response.headers
    assert "miel" in response.get_data(as_text=True).lower()


def test_a_catalog_change_moves_last_modified(app, client, souk, later):
    """Made through the app (as an operator or a cooperative would), a change of a
    text no facet counts moves the catalog stamp and its time."""
    stamped = client.get("/fr/p/miel-thym").headers["Last-Modified"]
    later[0] += timedelta(seconds=2)
    with app.app_context():
        product = db.session.get(Product, souk.id)
        product.description_fr = "Récolté à la main dans l'Atlas."
        db.session.commit()
    for url in ("/fr/p/miel-thym", "/fr/c/miel"):
        response = client.get(url, headers={"If-Modified-Since": stamped})
        assert response.status_code == 200, url
        assert response.last_modified > parse_date(stamped), url
    page = client.get("/fr/p/miel-thym", headers={"If-Modified-Since": stamped})
    assert "Récolté à la main" in page.get_data(as_text=True)


def test_a_text_set_to_what_it_was_leaves_the_stamp(app, souk, session):
    """Only a real change moves the stamp (and so every kept page and Last-Modified):
    an edit that writes a field back unchanged does not."""
    before = stock.stamped(session)
    with app.app_context():
        product = db.session.get(Product, souk.id)
        product.description_fr = str(product.description_fr)
        product.on_hand = product.on_hand
        db.session.commit()
    session.expire_all()
    assert stock.stamped(session) == before
    with app.app_context():
        product = db.session.get(Product, souk.id)
        product.description_fr = "Autre texte."
        db.session.commit()
    session.expire_all()
    assert stock.stamped(session)[0] != before[0]


def test_no_last_modified_within_the_second_of_a_change(app, client, souk, session, monkeypatch):
    from storefront import httpcache

    app.extensions[httpcache.STARTED] = utcnow() - timedelta(hours=1)
    with app.app_context():
        product = db.session.get(Product, souk.id)
        product.description_fr = "Changé à l'instant."
        db.session.commit()
    changed = stock.stamped(session)[1].replace(microsecond=0)
    clock = [changed.replace(microsecond=999_999)]
    monkeypatch.setattr(httpcache, "utcnow", lambda: clock[0])
    assert "Last-Modified" not in client.get("/fr/p/miel-thym").headers, "the same second"
    clock[0] = changed + timedelta(seconds=1)
    assert client.get("/fr/p/miel-thym").last_modified == changed


def test_personal_catalog_pages_carry_no_last_modified(client, souk, session, later):
    who = shopper(session)
    session.commit()
    login(client, who)
    assert "Last-Modified" not in client.get("/fr/p/miel-thym").headers


def test_product_pages_carry_no_form_token_and_are_shared(client, souk):
    response = client.get("/fr/p/miel-thym")
    page = response.get_data(as_text=True)
    assert 'action="/cart/add"' in page and 'action="/cart/deliver-to"' in page
    assert "csrf_token" not in page
    assert shared(response) and "Set-Cookie" not in response.headers
    with client.session_transaction() as s:
        assert not dict(s), "nothing was kept for this visitor"


SAME_ORIGIN = [
    {"Sec-Fetch-Site": "same-origin"},
    {"Origin": "http://localhost"},
    {"Referer": "http://localhost/fr/p/miel-thym"},
]
FORGED = [
    {},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site", "Origin": "http://localhost"},
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Referer": "https://evil.example/fr/p/miel-thym"},
    {"Referer": "http://[::1/fr/p/miel-thym"},  # a host urllib cannot read
    {"Referer": "http://[evil]/fr/p/miel-thym"},
]


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.mark.parametrize("headers", SAME_ORIGIN)
def test_add_to_cart_from_our_page_works_without_a_token(client, souk, csrf_on, headers):
    response = client.post(
        "/cart/add", data={"product_id": souk.id, "quantity": 2}, headers=headers
    )
    assert response.status_code == 302
    with client.session_transaction() as s:
        assert s.get("cart_n") == 2


@pytest.mark.parametrize("headers", FORGED)
def test_add_to_cart_from_elsewhere_is_refused_and_changes_nothing(client, souk, csrf_on, headers):
    response = client.post(
        "/cart/add", data={"product_id": souk.id, "quantity": 2}, headers=headers
    )
    assert response.status_code == 400
    assert "only be sent from a page of this site" in response.get_data(as_text=True)
    with client.session_transaction() as s:
        assert not s.get("cart_n")


@pytest.mark.parametrize("headers", FORGED)
def test_choosing_the_province_from_elsewhere_is_refused(client, souk, csrf_on, headers):
    response = client.post("/cart/deliver-to", data={"province": CASABLANCA}, headers=headers)
    assert response.status_code == 400
    with client.session_transaction() as s:
        assert "deliver_to" not in s


def test_other_forms_still_need_their_csrf_token(client, souk, csrf_on):
    client.post(
        "/cart/add",
        data={"product_id": souk.id, "quantity": 1},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    for url in (f"/cart/{souk.id}", f"/cart/{souk.id}/remove"):
        response = client.post(url, data={"quantity": 3}, headers={"Sec-Fetch-Site": "same-origin"})
        assert response.status_code == 400, url
    with client.session_transaction() as s:
        assert s.get("cart_n") == 1


def test_a_visitor_with_a_cart_gets_private_catalog_pages(client, souk):
    client.post("/cart/add", data={"product_id": souk.id, "quantity": 1})
    for url in CATALOG:
        response = client.get(url)
        assert not shared(response), url
        assert response.cache_control.private and response.cache_control.no_store, url


def _get_pages(app) -> list[str]:
    """Every GET page of the site without a variable in its path, plus the given ones."""
    with app.test_request_context():
        rules = [
            rule
            for rule in app.url_map.iter_rules()
            if "GET" in rule.methods
            and not rule.arguments - {"lang_code"}
            and rule.endpoint not in ("static", "site.media")
        ]
        return sorted(
            {
                url_for(rule.endpoint, **({"lang_code": "fr"} if rule.arguments else {}))
                for rule in rules
            }
        )


def test_no_personal_page_is_ever_marked_shareable(app, client, session, souk):
    """Walk every GET page as a signed-in shopper, then as an operator: none may be
    kept by a shared cache, catalog pages included."""
    pages = _get_pages(app)
    assert len(pages) > 30 and "/cart/" in pages and "/admin/" in pages
    for who in (shopper(session), operator(session)):
        session.commit()
        login(client, who)
        for url in pages:
            response = client.get(url)
            assert not shared(response), (who.email, url, response.headers.get("Cache-Control"))
            if response.status_code < 300:
                cc = response.cache_control
                assert cc.private or cc.no_store, (who.email, url)
        client.post("/account/logout")


@pytest.mark.parametrize(
    "url", ["/cart/", "/checkout/details", "/account/login", "/account/signup", "/orders/track"]
)
def test_anonymous_personal_pages_are_private(client, souk, url):
    response = client.get(url)
    assert not shared(response), url
    assert response.cache_control.private or response.cache_control.no_store


def test_the_api_with_credentials_is_private(client):
    response = client.get("/api/v1/regions", headers={"Authorization": "Bearer nope"})
    assert not shared(response)


def test_uploaded_media_are_cached_for_a_year_as_immutable(app, client):
    from pathlib import Path

    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "0a1b2c3d4e5f.jpg").write_bytes(b"\xff\xd8\xff\xe0 jpeg")
    with client.get("/media/0a1b2c3d4e5f.jpg") as response:
        cc = response.cache_control
        assert cc.public and cc.immutable and cc.max_age == 365 * 24 * 3600
        assert not cc.no_cache


def test_the_redirect_to_a_language_is_never_shared(client, souk):
    response = client.get("/c/miel", headers={"Accept-Language": "ar"})
    assert response.status_code == 302 and not shared(response)
    assert re.search(r"/ar/c/miel$", response.headers["Location"])


def test_a_photo_copy_is_made_on_first_request_and_cached_immutably(app, client):
    from pathlib import Path

    from PIL import Image

    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    stem = "0123456789abcdef0123"
    Image.new("RGB", (900, 600), (10, 80, 30)).save(folder / f"{stem}.jpg", "JPEG")
    with client.get(f"/media/{stem}-w400.webp") as response:
        assert response.status_code == 200 and response.mimetype == "image/webp"
        assert response.cache_control.immutable and not response.cache_control.no_cache
    with Image.open(folder / f"{stem}-w400.webp") as copy:
        assert copy.size == (400, 267)
    assert client.get(f"/media/{stem}-w401.webp").status_code == 404
