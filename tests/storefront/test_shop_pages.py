import re

import pytest

from catalog.models import CapacityCommitment, ProductImage
from catalog.rules import refresh_products


@pytest.fixture
def shop(make, session):
    coop = make.cooperative(
        slug="tighanimine",
        name_fr="Coopérative Tighanimine",
        name_ar="تعاونية تيغانيمين",
        women_led=True,
        story_fr="Histoire.",
    )
    oil = make.category(
        "huile-argan", name_fr="Huile d'argan", name_ar="زيت الأركان", name_en="Argan oil"
    )
    make.certificate(coop, "igp", number="IGP-123")
    product = make.product(
        coop,
        oil,
        slug="argan-250",
        title_fr="Huile d'argan",
        title_ar="زيت الأركان",
        title_en="Argan oil",
        price_minor=123_450,
    )
    refresh_products(session, make.today)
    session.commit()
    return product


def test_home_lists_categories_products_and_regions(client, shop) -> None:
    page = client.get("/fr/").get_data(as_text=True)
    assert "Huile d&#39;argan" in page
    assert "Souss-Massa" in page and "Dakhla-Oued Ed-Dahab" in page


def test_french_is_the_default_with_moroccan_price_format(client, shop) -> None:
    page = client.get("/p/argan-250", follow_redirects=True).get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in page
    assert re.search(r"1\u202f234,50\u00a0DH", page), "fr_MA groups with a narrow no-break space"


def test_arabic_is_right_to_left_with_arabic_texts(client, shop) -> None:
    client.get("/lang/ar")
    page = client.get("/p/argan-250", follow_redirects=True).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert "زيت الأركان" in page and "تعاونية تيغانيمين" in page
    assert '<bdi class="money" dir="rtl">1.234,50\u00a0د.م.</bdi>' in page


def test_english_from_the_browser_language(client, shop) -> None:
    page = client.get(
        "/p/argan-250", headers={"Accept-Language": "en-GB,en;q=0.8"}, follow_redirects=True
    ).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page and "Argan oil" in page


def test_language_switch_only_redirects_inside_the_site(client) -> None:
    assert client.get("/lang/ar?next=/regions").headers["Location"] == "/regions"
    for bad in ("https://evil.example/", "//evil.example/", "/\\evil.example", "http://[::1"):
        assert client.get("/lang/ar", query_string={"next": bad}).headers["Location"] == "/ar/"
    assert client.get("/lang/xx").status_code == 404


def test_product_page_shows_certificates_and_cooperative(client, shop) -> None:
    page = client.get("/fr/p/argan-250").get_data(as_text=True)
    assert "IGP-123" in page and "Coopérative Tighanimine" in page
    assert '<p class="badge">' in page, "women-led is shown"


def test_category_region_search_and_cooperative_pages(client, shop) -> None:
    for url in (
        "/fr/c/huile-argan",
        "/fr/r/09",
        "/fr/search?q=argan",
        "/fr/coop/tighanimine",
        "/fr/regions",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Huile d&#39;argan" in response.get_data(as_text=True) or url == "/fr/regions"


@pytest.mark.parametrize(
    "url",
    ["/fr/p/nope", "/fr/c/nope", "/fr/r/99", "/fr/coop/nope", "/nothing-here"],
)
def test_unknown_things_are_404_pages(client, url) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert "<html" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "qs",
    [
        "page=-1",
        "page=abc",
        "per_page=100000",
        "sort=evil",
        "price=zzz",
        "region=<script>",
        "q=%22%27*",
        "cert=nope&women=maybe",
    ],
)
def test_tampered_query_strings_never_break_the_listing(client, shop, qs) -> None:
    response = client.get(f"/fr/search?{qs}")
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True)


def test_unsellable_product_page_is_404(client, shop, session) -> None:
    shop.status = "unpublished"
    refresh_products(session, shop.cooperative.created_at.date())
    session.commit()
    assert client.get("/fr/p/argan-250").status_code == 404


def test_a_made_to_order_page_counts_the_capacity_already_promised(client, make, session) -> None:
    masks = make.product(
        slug="masques", title_fr="Masques", made_to_order=True, units_per_day=3, on_hand=0
    )
    session.commit()

    def week() -> int:
        page = client.get("/en/p/masques").get_data(as_text=True)
        found = re.search(r"Made to order: (\d+) can be ready within a week", page)
        assert found is not None, page
        return int(found.group(1))

    free = week()
    assert free >= 3, "a week of three a day"
    today = masks.created_at.date()
    session.add(CapacityCommitment(product_id=masks.id, quantity=2, due_on=today))
    session.add(CapacityCommitment(product_id=masks.id, quantity=1, due_on=today, fulfilled=True))
    session.commit()
    assert week() == free - 2, "what is promised and not delivered yet"


@pytest.mark.parametrize(
    ("url", "statements"),
    [
        # every page: the catalog stamp first (its time is an anonymous page's
        # Last-Modified; outside tests the category tree is kept under it, so the
        # categories' statement below is not sent)
        # categories, featured cooperatives, the cards (with their cooperatives and
        # first pictures)
        ("/fr/", 4),
        # categories, facet cube (2: caching is off in tests), the page's cards (ids,
        # product, cooperative and first picture columns in one statement)
        ("/fr/c/huile-argan", 5),
        ("/fr/search?q=huile", 5),
        ("/fr/r/09", 5),
        # product with its cooperative, the cooperative's certificates, the images and
        # the promised capacity (one statement), the category tree
        ("/fr/p/argan-250", 3),
        # cooperative, its certificates, the count, the cards with their pictures
        ("/fr/coop/tighanimine", 5),
    ],
)
def test_pages_send_a_fixed_small_number_of_queries(
    client, shop, make, session, count_queries, url, statements
) -> None:
    coop, cat = shop.cooperative, shop.category
    for i in range(30):
        make.product(coop, cat, title_fr=f"Huile {i}")
    session.commit()
    client.get(url)  # warm-up (first connection)
    count_queries.clear()
    assert client.get(url).status_code == 200
    assert len(count_queries) == statements, count_queries


@pytest.mark.parametrize("url", ["/fr/c/huile-argan", "/fr/search?q=huile", "/fr/r/09"])
def test_the_page_size_never_changes_the_number_of_queries(
    client, shop, make, session, count_queries, url
) -> None:
    coop, cat = shop.cooperative, shop.category
    for i in range(70):
        make.product(coop, cat, title_fr=f"Huile {i}")
    session.commit()
    client.get(url)
    counts = []
    for per_page in (1, 24, 60):
        count_queries.clear()
        page = client.get(f"{url}{'&' if '?' in url else '?'}per_page={per_page}")
        assert page.get_data(as_text=True).count('class="card"') == per_page
        counts.append(len(count_queries))
    assert counts == [5, 5, 5]


@pytest.mark.translated
def test_french_and_arabic_pages_are_translated(client, shop) -> None:
    page = client.get("/fr/p/argan-250").get_data(as_text=True)
    assert "Dirigée par des femmes" in page and "Women-led" not in page
    page = client.get("/ar/p/argan-250").get_data(as_text=True)
    assert "تسيرها نساء" in page and "Women-led" not in page


def test_cards_show_the_thumbnail_and_the_product_page_the_full_photo(
    client, shop, session
) -> None:
    shop.images.append(
        ProductImage(filename="photo.jpg", thumbnail="photo-t.jpg", width=1200, height=900)
    )
    session.commit()
    listing = client.get("/fr/c/huile-argan").get_data(as_text=True)
    assert "/media/photo-t.jpg" in listing and "/media/photo.jpg" not in listing
    page = client.get("/fr/p/argan-250").get_data(as_text=True)
    assert "/media/photo.jpg" in page
