"""Public catalog reads: the shop's search, filters and facets, as JSON."""

from __future__ import annotations

import pytest

from catalog.models import CapacityCommitment, ProductStatus
from tests.baskets import app_queries


@pytest.fixture
def catalog(make, session):
    coop = make.cooperative(slug="tighanimine", name_fr="Coopérative Tighanimine", women_led=True)
    other = make.cooperative(slug="atlas", name_fr="Coopérative Atlas", region_code="06")
    food = make.category("alimentation", name_fr="Alimentation")
    oil = make.category("huile-argan", name_fr="Huile d'argan", parent_id=food.id)
    honey = make.category("miel", name_fr="Miel", parent_id=food.id, max_price_minor=50_000)
    make.certificate(coop, "igp", number="IGP-9")
    make.product(coop, oil, slug="argan-250", title_fr="Huile d'argan 250 ml", price_minor=9_000)
    make.product(coop, oil, slug="argan-500", title_fr="Huile d'argan 500 ml", price_minor=16_000)
    make.product(other, honey, slug="miel-thym", title_fr="Miel de thym", price_minor=20_000)
    make.product(other, honey, slug="brouillon", title_fr="Miel", status=ProductStatus.DRAFT)
    session.commit()
    return coop


def test_products_lists_only_what_is_on_sale_with_facets(client, catalog) -> None:
    body = client.get("/api/v1/products").get_json()
    assert {p["slug"] for p in body["items"]} == {"argan-250", "argan-500", "miel-thym"}
    assert body["total"] == 3 and body["pages"] == 1
    assert {"value": "alimentation", "count": 3} in body["facets"]["category"]
    assert {"value": "igp", "count": 2} in body["facets"]["certificate"]
    item = next(p for p in body["items"] if p["slug"] == "argan-250")
    assert item["price"] == {"amount_minor": 9_000, "currency": "MAD", "amount": "90.00"}
    assert item["cooperative"]["slug"] == "tighanimine" and item["category"] == "huile-argan"


def test_products_filters_search_sort_and_paginate_like_the_shop(client, catalog) -> None:
    def slugs(**query):
        return [p["slug"] for p in client.get("/api/v1/products", query_string=query).json["items"]]

    assert slugs(q="thym") == ["miel-thym"]
    assert slugs(category="huile-argan", sort="price_desc") == ["argan-500", "argan-250"]
    assert slugs(women_led="true", sort="price_asc") == ["argan-250", "argan-500"]
    assert slugs(cooperative="atlas") == ["miel-thym"]
    assert slugs(region="06") == ["miel-thym"]
    assert slugs(certificate="igp", sort="price_asc", per_page=1, page=2) == ["argan-500"]
    body = client.get("/api/v1/products?facets=false&per_page=2").get_json()
    assert body["facets"] is None and body["pages"] == 2


def test_products_query_count_does_not_grow_with_the_page(client, catalog, count_queries) -> None:
    client.get("/api/v1/products?per_page=1")
    one = len(count_queries)
    count_queries.clear()
    client.get("/api/v1/products?per_page=60")
    assert 0 < one and len(count_queries) == one  # the app's own statements are counted


def test_invalid_filters_are_a_400_problem_with_field_errors(client, catalog) -> None:
    response = client.get("/api/v1/products?page=0&per_page=500&region=99&category=nope")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "validation_failed" and problem["status"] == 400
    assert {e["field"] for e in problem["errors"]} == {"page", "per_page", "region"}
    unknown = client.get("/api/v1/products?category=nope")
    assert unknown.status_code == 404 and unknown.json["code"] == "not_found"
    assert unknown.json["errors"] == [
        {"field": "category", "code": "unknown", "detail": "No category has this slug."}
    ]


def test_product_detail_and_unsellable_product_is_not_found(client, catalog) -> None:
    body = client.get("/api/v1/products/argan-250").get_json()
    assert body["certificates"][0]["number"] == "IGP-9"
    assert body["available_within_week"] == 10
    capped = client.get("/api/v1/products/miel-thym").get_json()
    assert capped["price_cap"]["amount_minor"] == 50_000
    response = client.get("/api/v1/products/brouillon")
    assert response.status_code == 404 and response.json["code"] == "not_found"


def test_a_made_to_order_products_week_leaves_out_what_is_promised(
    client, catalog, make, session
) -> None:
    masks = make.product(catalog, slug="masques", made_to_order=True, units_per_day=3, on_hand=0)
    session.commit()
    free = client.get("/api/v1/products/masques").get_json()["available_within_week"]
    assert free >= 3, "a week of three a day"
    today = masks.created_at.date()
    session.add(CapacityCommitment(product_id=masks.id, quantity=2, due_on=today))
    session.add(CapacityCommitment(product_id=masks.id, quantity=1, due_on=today, fulfilled=True))
    session.commit()
    body = client.get("/api/v1/products/masques").get_json()
    assert body["available_within_week"] == free - 2, "promised and not delivered yet"


def test_cooperatives_categories_and_regions(client, catalog, make, session) -> None:
    make.cooperative(slug="en-attente", status="pending")
    session.commit()
    coops = client.get("/api/v1/cooperatives").get_json()
    assert {c["slug"] for c in coops["items"]} == {"tighanimine", "atlas"}
    assert client.get("/api/v1/cooperatives?women_led=1").json["total"] == 1
    detail = client.get("/api/v1/cooperatives/tighanimine").get_json()
    assert detail["product_count"] == 2 and detail["certificates"][0]["kind"] == "igp"
    assert client.get("/api/v1/cooperatives/en-attente").status_code == 404
    categories = {c["slug"]: c for c in client.get("/api/v1/categories").get_json()}
    assert categories["miel"]["parent"] == "alimentation"
    assert categories["miel"]["price_cap"]["amount"] == "500.00"
    regions = client.get("/api/v1/regions").get_json()
    assert len(regions) == 12
    assert next(r for r in regions if r["code"] == "09")["product_count"] == 2


def test_categories_carry_their_ancestors_rules_from_one_read_of_the_tree(
    app, client, make, session
) -> None:
    food = make.category("aliments", name_fr="Aliments", required_kinds=["onssa"])
    honey = make.category(
        "miels", name_fr="Miels", parent_id=food.id, required_kinds=["igp"], max_price_minor=40_000
    )
    make.category("miel-thym", name_fr="Miel de thym", parent_id=honey.id, max_price_minor=60_000)
    session.commit()
    with app_queries(app) as statements:
        categories = {c["slug"]: c for c in client.get("/api/v1/categories").get_json()}
    assert len(statements) == 1, "the tree in one statement, no rule or parent loaded apart"
    assert categories["aliments"]["required_certificates"] == ["onssa"]
    assert categories["miel-thym"]["required_certificates"] == ["igp", "onssa"]
    assert categories["miel-thym"]["price_cap"]["amount_minor"] == 40_000, "the lowest cap"
    assert categories["miel-thym"]["name"] == {"fr": "Miel de thym", "ar": "", "en": ""}


def test_errors_under_api_are_problem_details_and_pages_stay_html(client) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert missing.json["type"] == "/api/v1/docs#problem-not_found"
    wrong_method = client.delete("/api/v1/products")
    assert wrong_method.status_code == 405 and wrong_method.json["code"] == "method_not_allowed"
    assert "GET" in wrong_method.headers["Allow"]
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_a_crash_under_api_is_a_json_500_without_traceback(app, client, monkeypatch) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("storefront.api.catalog.kept_categories", boom)
    response = client.get("/api/v1/categories")
    assert response.status_code == 500
    assert response.json["code"] == "server_error"
    assert "secret" not in response.get_data(as_text=True)


def test_too_large_body_is_a_413_problem(app, client) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100
    response = client.post("/api/v1/products", data="x" * 1000, content_type="application/json")
    assert response.status_code in (405, 413)
    assert response.mimetype == "application/problem+json"


def test_nul_characters_are_refused_before_reaching_the_database(client, catalog) -> None:
    for url in ("/api/v1/products?q=a%00b", "/api/v1/products/argan%00", "/fr/p/argan%00"):
        assert client.get(url).status_code == 400, url
    response = client.get("/api/v1/cooperatives/x%00")
    assert response.mimetype == "application/problem+json"
