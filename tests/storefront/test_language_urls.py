"""One URL, one language: public pages live under /fr/, /ar/ and /en/, bare URLs
redirect by preference, and each page tells crawlers and link previews what it is
(canonical, hreflang alternates, descriptions, Open Graph, schema.org data)."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
from flask import url_for

from catalog.models import ProductImage
from catalog.rules import refresh_products

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture
def shop(make, session):
    coop = make.cooperative(
        slug="tighanimine",
        name_fr="Coopérative Tighanimine",
        name_ar="تعاونية تيغانيمين",
        story_fr="Des femmes d'Agadir pressent l'huile d'argan depuis 1998.",
        city="Agadir",
        region_code="09",
        founded_year=1998,
    )
    oil = make.category("huile-argan", name_fr="Huile d'argan", name_ar="زيت الأركان")
    product = make.product(
        coop,
        oil,
        slug="argan-250",
        sku="ARG-250",
        title_fr="Huile d'argan",
        title_ar="زيت الأركان",
        title_en="Argan oil",
        description_fr="Huile d'argan pressée à froid <b>bio</b>.",
        price_minor=123_450,
        on_hand=4,
    )
    product.images.append(ProductImage(filename="argan.jpg", width=1200, height=900))
    refresh_products(session, make.today)
    session.commit()
    return product


def head_links(page: str, rel: str) -> dict[str, str]:
    return dict(re.findall(rf'<link rel="{rel}" hreflang="([^"]+)" href="([^"]+)">', page))


def meta(page: str, key: str) -> str | None:
    found = re.search(rf'<meta (?:name|property)="{key}" content="([^"]*)">', page)
    return found.group(1) if found else None


def json_ld(page: str) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert found, "the page carries schema.org data"
    return json.loads(found.group(1))


@pytest.mark.parametrize(
    ("headers", "cookie", "lang"),
    [
        ({}, None, "fr"),
        ({"Accept-Language": "ar-MA,ar;q=0.9"}, None, "ar"),
        ({"Accept-Language": "en-GB,en;q=0.8"}, None, "en"),
        ({"Accept-Language": "en"}, "ar", "ar"),  # the switcher's choice wins
    ],
)
def test_a_bare_url_redirects_to_the_preferred_language(client, shop, headers, cookie, lang):
    if cookie:
        client.set_cookie("lang", cookie)
    response = client.get("/p/argan-250?ref=x", headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/{lang}/p/argan-250?ref=x"
    assert {"Cookie", "Accept-Language"} <= set(response.vary)
    assert client.get("/", headers=headers).headers["Location"] == f"/{lang}/"


def test_the_url_language_wins_over_cookie_and_browser(client, shop):
    client.set_cookie("lang", "fr")
    response = client.get("/ar/p/argan-250", headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page and "زيت الأركان" in page
    assert response.headers["Content-Language"] == "ar"
    assert 'href="/ar/c/huile-argan"' in page, "links stay in the page's language"


def test_unknown_languages_and_pages_are_not_redirected(client, shop):
    assert client.get("/de/p/argan-250").status_code == 404
    assert client.get("/no-such-page").status_code == 404
    assert client.post("/p/argan-250/notify").status_code == 404, "only GET is redirected"


@pytest.mark.parametrize(
    "path",
    ["/", "/p/argan-250", "/c/huile-argan", "/r/09", "/coop/tighanimine", "/regions", "/privacy"],
)
def test_every_public_page_has_a_canonical_url_and_its_alternates(client, shop, path):
    page = client.get(f"/en{path}?page=1&sort=price_asc").get_data(as_text=True)
    assert f'<link rel="canonical" href="http://localhost/en{path}">' in page
    assert head_links(page, "alternate") == {
        "fr": f"http://localhost/fr{path}",
        "ar": f"http://localhost/ar{path}",
        "en": f"http://localhost/en{path}",
        "x-default": f"http://localhost{path}",
    }
    assert meta(page, "og:url") == f"http://localhost/en{path}"
    assert meta(page, "og:locale") == "en_US"
    assert meta(page, "robots") is None, "catalog pages are indexed"


def test_the_canonical_keeps_the_page_number(client, shop):
    page = client.get("/fr/c/huile-argan?page=2&price=low").get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/fr/c/huile-argan?page=2">' in page


def test_the_language_switcher_leads_to_the_same_page_in_the_other_language(client, shop):
    page = client.get("/fr/c/huile-argan?women=1").get_data(as_text=True)
    switch = re.search(r'<a lang="ar" hreflang="ar" href="([^"]+)">', page).group(1)
    response = client.get(switch.replace("&amp;", "&"))
    assert response.headers["Location"] == "/ar/c/huile-argan?women=1"
    assert "lang=ar" in response.headers["Set-Cookie"], "the choice is remembered"
    assert client.get("/cart/").headers["Content-Language"] == "ar"


@pytest.mark.parametrize(
    "query", ["q=huile+d%27argan&page=2", "q=%D8%B2%D9%8A%D8%AA+%26+miel%3F%23", "q=a%2Fb%3Dc%25"]
)
def test_the_switchers_links_are_the_ones_url_for_writes(app, client, shop, query):
    """The switcher's links are built from a kept path: each is the very URL
    ``url_for`` writes for it, whatever the page's query holds."""
    page = client.get(f"/fr/search?{query}").get_data(as_text=True)
    shown = {
        code: html.unescape(href)
        for code, href in re.findall(r'<a lang="(\w+)" hreflang="\w+" href="([^"]+)">', page)
    }
    assert set(shown) == {"ar", "en"}
    with app.test_request_context():
        for code, href in shown.items():
            (target,) = parse_qs(urlsplit(href).query)["next"]
            assert target.startswith(f"/{code}/search?q=")
            assert href == url_for("site.set_language", code=code, next=target)
            assert client.get(href).headers["Location"] == target


@pytest.mark.parametrize(
    "query", ["_external=1", "_anchor=x", "_scheme=javascript", "_method=POST", "slug=other"]
)
def test_query_arguments_named_like_url_parts_change_no_page_url(client, shop, query):
    """Arguments the URL builder reads as its own (``_anchor``…) or as the page's path
    (``slug``) are no part of the page in another language, and make no error."""
    response = client.get(f"/fr/p/argan-250?women=1&{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert head_links(page, "alternate")["ar"] == "http://localhost/ar/p/argan-250"
    switch = re.search(r'<a lang="ar" hreflang="ar" href="([^"]+)">', page).group(1)
    location = client.get(switch.replace("&amp;", "&")).headers["Location"]
    assert location == "/ar/p/argan-250?women=1"
    assert client.get(f"/fr/p/nope?{query}").status_code == 404


def test_personal_pages_keep_one_url_and_take_the_chosen_language(client, shop):
    client.get("/lang/en?next=/cart/")
    response = client.get("/cart/")
    assert response.status_code == 200 and response.headers["Content-Language"] == "en"
    page = response.get_data(as_text=True)
    assert '<link rel="canonical"' not in page
    assert meta(page, "robots") == "noindex, follow"


def test_search_is_not_indexed(client, shop):
    page = client.get("/fr/search?q=argan").get_data(as_text=True)
    assert meta(page, "robots") == "noindex, follow"


def test_error_pages_have_no_canonical(client, shop):
    response = client.get("/fr/p/nope")
    assert response.status_code == 404
    assert '<link rel="canonical"' not in response.get_data(as_text=True)


def test_each_page_describes_itself(client, shop):
    descriptions = {
        meta(client.get(url).get_data(as_text=True), "description")
        for url in ("/fr/", "/fr/p/argan-250", "/fr/c/huile-argan", "/fr/coop/tighanimine")
    }
    assert len(descriptions) == 4, "one description per page"
    product = client.get("/fr/p/argan-250").get_data(as_text=True)
    assert meta(product, "description").startswith("Huile d&#39;argan pressée à froid")
    assert meta(product, "og:type") == "product"
    assert meta(product, "og:image") == "http://localhost/media/argan.jpg"
    assert meta(product, "og:title").startswith("Huile d&#39;argan")


def test_the_product_page_carries_its_offer(client, shop, session):
    data = json_ld(client.get("/en/p/argan-250").get_data(as_text=True))
    assert data["@type"] == "Product" and data["name"] == "Argan oil"
    assert data["sku"] == "ARG-250" and data["image"] == ["http://localhost/media/argan.jpg"]
    offer = data["offers"]
    assert offer["price"] == "1234.50" and offer["priceCurrency"] == "MAD"
    assert offer["availability"] == "https://schema.org/InStock"
    assert offer["url"] == "http://localhost/en/p/argan-250"
    assert offer["seller"]["url"] == "http://localhost/en/coop/tighanimine"
    shop.on_hand = 0
    session.commit()
    data = json_ld(client.get("/en/p/argan-250").get_data(as_text=True))
    assert data["offers"]["availability"] == "https://schema.org/OutOfStock"


def test_the_schema_data_cannot_close_its_script(client, shop, session):
    shop.description_fr = "</script><script>alert(1)</script>"
    session.commit()
    page = client.get("/fr/p/argan-250").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert json_ld(page)["description"] == "</script><script>alert(1)</script>"


def test_the_cooperative_page_describes_the_organisation(client, shop):
    data = json_ld(client.get("/fr/coop/tighanimine").get_data(as_text=True))
    assert data["@type"] == "Organization" and data["name"] == "Coopérative Tighanimine"
    assert data["address"] == {
        "@type": "PostalAddress",
        "addressCountry": "MA",
        "addressLocality": "Agadir",
        "addressRegion": "Souss-Massa",
    }
    assert data["foundingDate"] == "1998"


def test_robots_txt_keeps_crawlers_out_of_personal_pages(client):
    response = client.get("/robots.txt")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    for path in ("/cart", "/checkout", "/account", "/back-office", "/admin", "/ngo"):
        assert f"Disallow: {path}\n" in text
    assert "Sitemap: http://localhost/sitemap.xml" in text


def sitemap_urls(client, url: str) -> list[tuple[str, dict[str, str]]]:
    root = ElementTree.fromstring(client.get(url).data)
    return [
        (
            entry.find(f"{SITEMAP}loc").text,
            {link.get("hreflang"): link.get("href") for link in entry.iter(f"{XHTML}link")},
        )
        for entry in root.iter(f"{SITEMAP}url")
    ]


def test_the_sitemap_lists_every_public_page_in_every_language(app, client, make, session, shop):
    for n in range(7):
        make.product(shop.cooperative, shop.category, slug=f"miel-{n}")
    hidden = make.product(shop.cooperative, shop.category, slug="brouillon", status="draft")
    session.commit()
    app.config["SITEMAP_URLS_PER_FILE"] = 9  # 3 products, each in 3 languages, per file
    index = ElementTree.fromstring(client.get("/sitemap.xml").data)
    files = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert files[0] == "http://localhost/sitemaps/pages-0.xml"
    products = [f for f in files if "/sitemaps/products-" in f]
    assert len(products) == hidden.id // 3 + 1
    listed: list[tuple[str, dict[str, str]]] = []
    for url in products:
        chunk = sitemap_urls(client, url.removeprefix("http://localhost"))
        assert len(chunk) <= 9
        listed += chunk
    locs = [loc for loc, _ in listed]
    assert len(locs) == 8 * 3 and len(set(locs)) == len(locs)
    assert "http://localhost/ar/p/miel-3" in locs
    assert not any("brouillon" in loc for loc in locs), "only what can be bought"
    alternates = dict(listed)["http://localhost/fr/p/argan-250"]
    assert alternates == {
        "fr": "http://localhost/fr/p/argan-250",
        "ar": "http://localhost/ar/p/argan-250",
        "en": "http://localhost/en/p/argan-250",
    }
    pages = [loc for loc, _ in sitemap_urls(client, "/sitemaps/pages-0.xml")]
    assert "http://localhost/en/c/huile-argan" in pages and "http://localhost/fr/r/09" in pages
    coops = [f for f in files if "/sitemaps/cooperatives-" in f]
    coop_locs = [
        loc for f in coops for loc, _ in sitemap_urls(client, f.removeprefix("http://localhost"))
    ]
    assert "http://localhost/fr/coop/tighanimine" in coop_locs
    assert client.get("/sitemaps/pages-1.xml").status_code == 404
    past_the_end = f"/sitemaps/products-{len(products)}.xml"
    assert client.get(past_the_end).status_code == 404


def test_a_sitemap_file_is_one_range_read(app, client, shop, count_queries):
    assert b"/fr/p/argan-250" in client.get("/sitemaps/products-0.xml").data
    count_queries.clear()
    assert b"/fr/p/argan-250" in client.get("/sitemaps/products-0.xml").data
    assert len(count_queries) == 2, "the last id, then one range"
    assert "max(catalog_product.id)" in count_queries[0].replace('"', "")
    assert "catalog_product.id <" in count_queries[1].replace('"', "")
