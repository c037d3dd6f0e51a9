"""A catalog page stays light on a weak mobile link: under 100 KB of HTML, CSS and
JavaScript before images; pictures reserve their space and load lazily; static files
are fingerprinted so that browsers keep them for a year."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from catalog.models import ProductImage
from catalog.rules import refresh_products

BUDGET = 100 * 1024
ASSET = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="([^"]+)"')
IMG = re.compile(r"<img\b[^>]*>")


@pytest.fixture
def full_page(make, session):
    """A category with more products than fit on a page, with long names, all with a
    picture: the heaviest listing page the shop renders by default."""
    coop = make.cooperative(
        slug="tighanimine",
        name_fr="Coopérative féminine Tighanimine pour la valorisation de l'argan",
        name_ar="تعاونية تيغانيمين النسوية لتثمين الأركان",
        women_led=True,
    )
    oil = make.category("huile-argan", name_fr="Huile d'argan", name_ar="زيت الأركان")
    for i in range(30):
        product = make.product(
            coop,
            oil,
            title_fr=f"Huile d'argan alimentaire pressée à froid, bouteille en verre n° {i}",
            title_ar=f"زيت أركان غذائي معصور على البارد، قنينة زجاجية رقم {i}",
        )
        session.add(ProductImage(product=product, filename=f"p{i}.jpg", width=320, height=320))
    refresh_products(session, make.today)
    session.commit()
    return "/fr/c/huile-argan"


@pytest.mark.translated
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_listing_page_weighs_under_100_kb_before_images(client, full_page, lang) -> None:
    page = client.get(full_page.replace("/fr/", f"/{lang}/"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('class="card"') == 24
    assets = ASSET.findall(html)
    assert assets, "the page links its stylesheet"
    weight = len(page.data)
    for url in assets:
        assert url.startswith("/"), "no CSS or JavaScript from the internet"
        with client.get(url) as asset:  # a static file is streamed: close it
            assert asset.status_code == 200, url
            weight += len(asset.data)
    assert weight < BUDGET, f"{weight / 1024:.1f} KB"


def test_pictures_reserve_their_space_and_the_first_row_loads_first(client, full_page) -> None:
    page = client.get(full_page).get_data(as_text=True)
    images = IMG.findall(page)
    assert len(images) == 24
    for n, tag in enumerate(images):
        assert re.search(r'\swidth="\d+"', tag) and re.search(r'\sheight="\d+"', tag), tag
        if n < 4:  # what the shopper sees first (the largest paint): at once, early
            assert 'fetchpriority="high"' in tag and "loading=" not in tag, tag
        else:
            assert 'loading="lazy"' in tag and "fetchpriority" not in tag, tag


def test_cards_offer_webp_and_a_size_for_each_screen(client, full_page) -> None:
    page = client.get(full_page).get_data(as_text=True)
    pictures = re.findall(r"<picture>.*?</picture>", page, re.S)
    assert len(pictures) == 24
    for picture in pictures:
        stem = re.search(r'src="/media/(p\d+)\.jpg"', picture).group(1)
        # 320 px photos: a 240 px copy for phones, the photo itself is the largest
        source = re.search(r'<source type="image/webp" srcset="([^"]+)" sizes="([^"]+)">', picture)
        assert source.group(1) == f"/media/{stem}-w240.webp 240w, /media/{stem}.webp 320w"
        assert source.group(2) == "(max-width: 30rem) 50vw, 16rem"
        assert f'srcset="/media/{stem}-w240.jpg 240w, /media/{stem}.jpg 320w"' in picture


def test_the_product_page_offers_every_size_and_a_webp(client, full_page, app) -> None:
    from catalog.models import Product
    from storefront.extensions import db

    with app.app_context():
        product = db.session.query(Product).first()
        product.images[0].width, product.images[0].height = 1200, 900
        slug, name = product.slug, product.images[0].filename.removesuffix(".jpg")
        db.session.commit()
    page = client.get(f"/fr/p/{slug}").get_data(as_text=True)
    picture = re.search(r"<picture>.*?</picture>", page, re.S).group(0)
    assert (
        f'srcset="/media/{name}-w400.webp 400w, /media/{name}-w800.webp 800w, '
        f'/media/{name}.webp 1200w" sizes="(min-width: 48rem) 50vw, 100vw"'
    ) in picture
    assert f"/media/{name}-w800.jpg 800w, /media/{name}.jpg 1200w" in picture
    assert 'fetchpriority="high"' in picture, "the main photo is the largest paint"


def test_static_files_are_fingerprinted_and_cached_for_a_year(app, client, full_page) -> None:
    html = client.get(full_page).get_data(as_text=True)
    (url,) = [u for u in ASSET.findall(html) if "site.css" in u]
    assert re.search(r"\?v=[0-9a-f]{12}$", url), url
    with client.get(url) as response:
        assert response.cache_control.max_age == 365 * 24 * 3600
        assert response.cache_control.public and response.cache_control.immutable
        assert not response.cache_control.no_cache, "no revalidation on every navigation"
    # an old or made-up version is served, but not promised to stay
    with client.get(url.split("?")[0] + "?v=000000000000") as stale:
        assert stale.status_code == 200
        assert stale.cache_control.max_age != 365 * 24 * 3600


def test_a_changed_file_gets_a_new_url(app, tmp_path) -> None:
    from storefront.filters import asset_version

    (tmp_path / "a.css").write_text("body { color: red }")
    first = asset_version(tmp_path, "a.css")
    (tmp_path / "a.css").write_text("body { color: blue }")
    assert asset_version(tmp_path, "a.css") not in (None, first)
    assert asset_version(tmp_path, "missing.css") is None


@pytest.mark.parametrize(
    ("encoding", "decode"), [("gzip", gzip.decompress), ("br", brotli.decompress)]
)
def test_pages_are_sent_compressed(client, full_page, encoding, decode) -> None:
    plain = client.get(full_page)
    packed = client.get(full_page, headers={"Accept-Encoding": f"{encoding}, identity"})
    assert packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.vary and "Cookie" not in packed.vary
    assert decode(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 4, (len(packed.data), len(plain.data))
    etag = packed.headers["ETag"]
    again = client.get(full_page, headers={"Accept-Encoding": encoding, "If-None-Match": etag})
    assert again.status_code == 304
