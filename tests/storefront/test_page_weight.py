"""A catalog page stays light on a weak mobile link: under 100 KB of HTML, CSS and
JavaScript before images; pictures reserve their space and load lazily; static files
are fingerprinted so that browsers keep them for a year."""

from __future__ import annotations

import re

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
    return "/c/huile-argan"


@pytest.mark.translated
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_listing_page_weighs_under_100_kb_before_images(client, full_page, lang) -> None:
    client.get(f"/lang/{lang}")
    page = client.get(full_page)
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


def test_pictures_reserve_their_space_and_load_lazily(client, full_page) -> None:
    images = IMG.findall(client.get(full_page).get_data(as_text=True))
    assert len(images) == 24
    for tag in images:
        assert re.search(r'\swidth="\d+"', tag) and re.search(r'\sheight="\d+"', tag), tag
        assert 'loading="lazy"' in tag, tag


def test_static_files_are_fingerprinted_and_cached_for_a_year(app, client, full_page) -> None:
    html = client.get(full_page).get_data(as_text=True)
    (url,) = [u for u in ASSET.findall(html) if "site.css" in u]
    assert re.search(r"\?v=[0-9a-f]{12}$", url), url
    with client.get(url) as response:
        assert response.cache_control.max_age == 365 * 24 * 3600
        assert response.cache_control.public and response.cache_control.immutable
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
