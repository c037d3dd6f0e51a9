"""The demo catalogue looks real: pictures of the product kind, a placeholder where a
product has no photo, descriptions and stories in the three languages, and text that
falls back to French marked as French."""

import re
from datetime import date

import pytest
from flask import url_for
from PIL import ImageChops, ImageStat
from sqlalchemy import select

from catalog.models import Cooperative, Product
from catalog.rules import refresh_products
from storefront.demo import images
from storefront.demo.baskets import STAPLES
from storefront.demo.catalog_data import KINDS
from storefront.demo.seed import seed_catalog

TODAY = date(2026, 12, 4)


def _url(app, endpoint, **values):
    with app.test_request_context():
        return url_for(endpoint, **values)


def _page(client, app, lang, endpoint, **values) -> str:
    response = client.get(_url(app, endpoint, lang_code=lang, **values))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_every_demo_kind_has_its_own_drawing() -> None:
    kinds = set(KINDS) | set(STAPLES)
    assert kinds <= set(images.DRAWINGS), "a demo kind would get the fallback picture"
    pictures = {kind: images.draw(7, kind) for kind in sorted(kinds)}
    for kind, picture in pictures.items():
        assert picture.size == (images.SIZE, images.SIZE)
        # a drawing, not a flat backdrop: the picture has contrast
        assert max(ImageStat.Stat(picture).stddev) > 20, kind
    # same backdrop (same seed), different objects: no two kinds draw the same picture
    # (the demo's twin kinds, such as olive oil in the catalogue and in baskets, aside)
    twins = {frozenset({"olive_oil", "oil"}), frozenset({"woven_bag", "bag"})}
    names = sorted(pictures)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if frozenset({a, b}) in twins:
                continue
            diff = ImageChops.difference(pictures[a], pictures[b]).getbbox()
            assert diff is not None, f"{a} and {b} look the same"


def test_the_demo_has_three_languages_and_clean_stories(session, tmp_path) -> None:
    seed_catalog(session, tmp_path, today=TODAY)
    products = session.scalars(select(Product)).all()
    assert len(products) > 150
    for p in products:
        assert p.description_fr and p.description_ar and p.description_en, p.sku
        assert re.search(r"[\u0600-\u06ff]", p.description_ar), p.description_ar
        assert len(p.images) == 1 and (tmp_path / p.images[0].filename).is_file()
    for coop in session.scalars(select(Cooperative)):
        assert coop.story_fr and coop.story_ar and coop.story_en
        assert "coopérative Coopérative" not in coop.story_fr, coop.story_fr
        assert "تعاونية تعاونية" not in coop.story_ar, coop.story_ar
        # the city and region names are written in Arabic in the Arabic story
        assert not re.search(r"[A-Za-z]", coop.story_ar), coop.story_ar
        assert "Coopérative" not in coop.story_en, coop.story_en


@pytest.fixture
def plain_product(make, session):
    """A product as a cooperative may leave it: French only, no photo."""
    coop = make.cooperative(slug="tifawin", name_fr="Coopérative Tifawin", story_fr="Histoire.")
    cat = make.category("miel", name_fr="Miel", name_ar="عسل", name_en="Honey")
    product = make.product(
        coop,
        cat,
        slug="miel-tifawin",
        title_fr="Miel de thym",
        description_fr="Récolté en montagne.",
        made_to_order=True,
        units_per_day=3,
        on_hand=0,
    )
    refresh_products(session, make.today)
    session.commit()
    return product


def test_french_fallback_is_marked_french_on_arabic_and_english_pages(
    app, client, plain_product
) -> None:
    fr = _page(client, app, "fr", "shop.product", slug="miel-tifawin")
    assert '<div class="description">Récolté en montagne.</div>' in fr
    assert 'lang="fr" dir="ltr">Récolté' not in fr
    for lang in ("ar", "en"):
        page = _page(client, app, lang, "shop.product", slug="miel-tifawin")
        assert '<span lang="fr" dir="ltr">Récolté en montagne.</span>' in page, lang
        assert '<h1><span lang="fr" dir="ltr">Miel de thym</span></h1>' in page, lang
        coop = _page(client, app, lang, "shop.cooperative", slug="tifawin")
        assert '<span lang="fr" dir="ltr">Histoire.</span>' in coop, lang
        listing = _page(client, app, lang, "shop.category", slug="miel")
        assert '<span class="title"><span lang="fr" dir="ltr">Miel de thym</span>' in listing


def test_a_product_without_photo_shows_the_placeholder(app, client, plain_product) -> None:
    placeholder = _url(app, "static", filename="img/no-photo.svg").split("?")[0]
    listing = _page(client, app, "fr", "shop.category", slug="miel")
    card = listing[listing.index('<li class="card">') :]
    assert re.search(rf'<img class="no-photo" src="{re.escape(placeholder)}[^"]*" alt=""', card)
    page = _page(client, app, "en", "shop.product", slug="miel-tifawin")
    assert re.search(rf'src="{re.escape(placeholder)}[^"]*" alt="No photo yet"', page)
    with client.get(placeholder) as response:
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"


def test_the_made_to_order_label_is_shown_once(app, client, plain_product) -> None:
    page = _page(client, app, "en", "shop.product", slug="miel-tifawin")
    availability = page[page.index('<p class="availability">') :]
    availability = availability[: availability.index("</p>")]
    assert availability.count("Made to order") == 1
    assert re.search(r"Made to order: \d+ can be ready within a week \(3 a day\)\.", availability)
