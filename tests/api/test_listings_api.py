"""A cooperative manages its listings, stock and capacity by API, in bulk, all or
nothing, and only its own."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from catalog.accounts.users import Role
from catalog.audit import AuditEntry
from catalog.models import Product, ProductStatus
from tests.api.conftest import bearer, person, token_for


@pytest.fixture
def shop(make, session, coop_member):
    make.category("huile-argan")
    make.category("masques", max_price_minor=600)
    coop = coop_member.cooperative
    make.product(coop, sku="ARG-250", on_hand=10, title_fr="Huile d'argan 250 ml")
    other = make.cooperative(slug="atlas")
    make.product(other, sku="ARG-250", slug="atlas-argan", on_hand=7)
    return {"headers": bearer(token_for(session, coop_member)), "coop": coop, "other": other}


def stock_of(session, coop, sku):
    session.expire_all()
    return session.scalar(
        select(Product.available).where(Product.cooperative_id == coop.id, Product.sku == sku)
    )


def test_a_partner_updates_stock_and_capacity_in_bulk(client, session, shop) -> None:
    response = client.post(
        "/api/v1/listings",
        headers=shop["headers"],
        json={
            "items": [
                {
                    "sku": "MASK-1",
                    "category": "masques",
                    "title_fr": "Masque en tissu",
                    "price_minor": 500,
                    "made_to_order": True,
                    "units_per_day": 2000,
                }
            ]
        },
    )
    assert response.status_code == 200, response.json
    assert response.json["created"] == ["MASK-1"]
    response = client.patch(
        "/api/v1/stock",
        headers=shop["headers"],
        json={
            "items": [
                {"sku": "ARG-250", "on_hand": 40, "expected_on_hand": 10},
                {"sku": "MASK-1", "units_per_day": 3000},
            ]
        },
    )
    assert response.status_code == 200, response.json
    assert response.json["updated"] == ["ARG-250", "MASK-1"]
    assert stock_of(session, shop["coop"], "ARG-250") == 40
    assert stock_of(session, shop["other"], "ARG-250") == 7, "the other cooperative's is untouched"
    listed = client.get("/api/v1/listings?sku=MASK-1", headers=shop["headers"]).json
    assert listed["items"][0]["units_per_day"] == 3000
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["product.stock", "product.update"]


def test_creating_and_publishing_puts_a_listing_on_sale(client, session, shop) -> None:
    response = client.post(
        "/api/v1/listings",
        headers=shop["headers"],
        json={
            "items": [
                {
                    "sku": "ARG-500",
                    "category": "huile-argan",
                    "title_fr": "Huile d'argan 500 ml",
                    "price_minor": 18_000,
                    "on_hand": 5,
                    "status": "published",
                },
                {"sku": "ARG-250", "price_minor": 9_900},
            ]
        },
    )
    assert response.status_code == 200, response.json
    assert (response.json["created"], response.json["updated"]) == (["ARG-500"], ["ARG-250"])
    on_sale = client.get("/api/v1/products?q=argan&cooperative=" + shop["coop"].slug).json
    assert {p["sku"] for p in on_sale["items"]} == {"ARG-500", "ARG-250"}


def test_one_bad_item_and_nothing_changes_with_every_problem_listed(client, session, shop) -> None:
    before = session.scalar(select(func.count(Product.id)))
    response = client.post(
        "/api/v1/listings",
        headers=shop["headers"],
        json={
            "items": [
                {"sku": "OK-1", "category": "huile-argan", "title_fr": "Bon", "price_minor": 100},
                {"sku": "MASK-2", "category": "masques", "title_fr": "Cher", "price_minor": 900},
                {"sku": "X-3", "category": "nope", "title_fr": "Inconnu", "price_minor": 100},
                {"sku": "ARG-250", "made_to_order": True, "units_per_day": 0},
            ]
        },
    )
    assert response.status_code == 422
    problem = response.json
    assert problem["code"] == "rejected"
    assert {(e["field"], e["code"]) for e in problem["errors"]} == {
        ("items.1.price_minor", "price_above_cap"),
        ("items.2.category", "unknown_category"),
        ("items.3.units_per_day", "required_for_made_to_order"),
    }
    assert session.scalar(select(func.count(Product.id))) == before
    assert stock_of(session, shop["coop"], "ARG-250") == 10


def test_stock_of_an_unknown_or_foreign_sku_is_refused(client, session, shop) -> None:
    response = client.patch(
        "/api/v1/stock",
        headers=shop["headers"],
        json={
            "items": [
                {"sku": "ARG-250", "on_hand": 1, "expected_on_hand": 10},
                {"sku": "atlas-only", "on_hand": 3, "expected_on_hand": 0},
            ]
        },
    )
    assert response.status_code == 422
    assert response.json["errors"] == [
        {
            "field": "items.1.sku",
            "code": "unknown_sku",
            "detail": response.json["errors"][0]["detail"],
        }
    ]
    assert stock_of(session, shop["coop"], "ARG-250") == 10


def test_the_same_sku_twice_in_one_request_is_refused(client, shop) -> None:
    response = client.patch(
        "/api/v1/stock",
        headers=shop["headers"],
        json={"items": [{"sku": "ARG-250", "on_hand": 1}, {"sku": "ARG-250", "on_hand": 2}]},
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["code"] == "duplicate_sku"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": [{"sku": "ARG-250", "on_hand": -1}]}, "items.0.on_hand"),
        ({"items": [{"sku": "ARG-250", "on_hand": "12"}]}, "items.0.on_hand"),
        ({"items": [{"sku": "ARG-250", "on_hand": 1.5}]}, "items.0.on_hand"),
        ({"items": [{"sku": "ARG-250", "adjust": 2, "reason": "gift"}]}, "items.0.reason"),
        ({"items": []}, "items"),
        ({"things": 1}, "items"),
    ],
)
def test_malformed_bodies_are_400_with_the_field(client, shop, body, field) -> None:
    response = client.patch("/api/v1/stock", headers=shop["headers"], json=body)
    assert response.status_code == 400
    assert response.json["code"] == "validation_failed"
    assert field in {e["field"] for e in response.json["errors"]}


def test_not_json_and_too_large_bodies_are_problems(app, client, shop) -> None:
    garbage = client.patch(
        "/api/v1/stock", headers=shop["headers"], data="{nope", content_type="application/json"
    )
    assert garbage.status_code == 400 and garbage.json["code"] == "validation_failed"
    app.config["MAX_CONTENT_LENGTH"] = 1000
    big = client.post(
        "/api/v1/listings",
        headers=shop["headers"],
        json={"items": [{"sku": f"S-{n}", "title_fr": "x" * 100} for n in range(50)]},
    )
    assert big.status_code == 413 and big.json["code"] == "payload_too_large"


def test_listing_reads_show_only_the_token_s_cooperative(client, session, shop) -> None:
    body = client.get("/api/v1/listings", headers=shop["headers"]).json
    assert [(i["sku"], i["on_hand"], i["allocated"], i["available"]) for i in body["items"]] == [
        ("ARG-250", 10, 0, 10)
    ]
    assert client.get("/api/v1/listings/atlas-argan", headers=shop["headers"]).status_code == 404
    shopper = person(session, "amina@example.ma", Role.SHOPPER)
    assert (
        client.get("/api/v1/listings", headers=bearer(token_for(session, shopper))).status_code
        == 403
    )


def test_a_nul_character_in_a_body_is_a_400(client, shop) -> None:
    response = client.patch(
        "/api/v1/stock", headers=shop["headers"], json={"items": [{"sku": "\u0000", "on_hand": 1}]}
    )
    assert response.status_code == 400
    assert response.json["errors"][0]["code"] == "nul_character"


def _with_three_sold(session, shop, make) -> Product:
    """The shop's ARG-250 (10 on hand) with 3 of them in an order: 7 left to sell."""
    product = session.scalar(
        select(Product).where(Product.cooperative_id == shop["coop"].id, Product.sku == "ARG-250")
    )
    make.order({product: 3})  # allocated: on_hand stays 10
    session.commit()
    return product


def test_a_stale_count_is_a_409_with_the_current_value_and_changes_nothing(
    client, session, shop, make
) -> None:
    _with_three_sold(session, shop, make)
    fresh = client.patch(
        "/api/v1/stock",
        headers=shop["headers"],
        json={"items": [{"sku": "ARG-250", "on_hand": 12, "expected_on_hand": 10}]},
    )
    assert fresh.status_code == 200, fresh.json
    assert fresh.json["items"][0]["available"] == 9
    stale = client.patch(
        "/api/v1/stock",
        headers=shop["headers"],
        json={
            "items": [{"sku": "ARG-250", "on_hand": 20, "expected_on_hand": 10, "units_per_day": 5}]
        },
    )
    assert stale.status_code == 409
    assert stale.mimetype == "application/problem+json"
    assert stale.json["code"] == "stock_changed"
    [error] = stale.json["errors"]
    assert (error["field"], error["current"]) == (
        "items.0.on_hand",
        {"on_hand": 12, "allocated": 3, "available": 9},
    )
    assert stock_of(session, shop["coop"], "ARG-250") == 9, "nothing changed"
    blind = client.patch(
        "/api/v1/stock", headers=shop["headers"], json={"items": [{"sku": "ARG-250", "on_hand": 4}]}
    )
    assert blind.status_code == 422
    assert blind.json["errors"][0]["code"] == "expected_on_hand_required"
    below = client.patch(
        "/api/v1/stock",
        headers=shop["headers"],
        json={"items": [{"sku": "ARG-250", "on_hand": 2, "expected_on_hand": 12}]},
    )
    assert below.status_code == 422 and below.json["errors"][0]["code"] == "below_allocated"


def test_a_relative_adjustment_needs_a_reason_and_never_conflicts(client, session, shop) -> None:
    response = client.patch(
        "/api/v1/stock",
        headers=shop["headers"],
        json={"items": [{"sku": "ARG-250", "adjust": 24, "reason": "received", "note": "BL 77"}]},
    )
    assert response.status_code == 200, response.json
    assert stock_of(session, shop["coop"], "ARG-250") == 34
    missing = client.patch(
        "/api/v1/stock", headers=shop["headers"], json={"items": [{"sku": "ARG-250", "adjust": -2}]}
    )
    assert missing.status_code == 422 and missing.json["errors"][0]["code"] == "reason_required"
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "product.stock").order_by(AuditEntry.id)
    ).all()[-1]
    assert (entry.details["reason"], entry.details["by"], entry.details["note"]) == (
        "received",
        24,
        "BL 77",
    )


def test_a_bulk_upsert_changes_a_count_only_from_the_count_it_read(
    client, session, shop, make
) -> None:
    product = _with_three_sold(session, shop, make)
    price = product.price_minor

    def post(item):
        return client.post("/api/v1/listings", headers=shop["headers"], json={"items": [item]})

    blind = post({"sku": "ARG-250", "on_hand": 4})
    assert blind.status_code == 422
    assert [(e["field"], e["code"]) for e in blind.json["errors"]] == [
        ("items.0.expected_on_hand", "expected_on_hand_required")
    ]
    stale = post({"sku": "ARG-250", "on_hand": 20, "expected_on_hand": 8, "price_minor": 5_000})
    assert stale.status_code == 409 and stale.json["code"] == "stock_changed"
    [error] = stale.json["errors"]
    assert (error["field"], error["current"]) == (
        "items.0.on_hand",
        {"on_hand": 10, "allocated": 3, "available": 7},
    )
    below = post({"sku": "ARG-250", "on_hand": 2, "expected_on_hand": 10})
    assert below.status_code == 422
    assert [(e["field"], e["code"]) for e in below.json["errors"]] == [
        ("items.0.on_hand", "below_allocated")
    ]
    session.expire_all()
    assert (product.on_hand, product.price_minor) == (10, price), "nothing changed"
    fresh = post({"sku": "ARG-250", "on_hand": 12, "expected_on_hand": 10})
    assert fresh.status_code == 200, fresh.json
    assert fresh.json["updated"] == ["ARG-250"]
    assert fresh.json["items"][0]["available"] == 9


def test_a_bulk_upsert_cannot_put_a_suspended_listing_on_sale(client, session, shop) -> None:
    product = session.scalar(
        select(Product).where(Product.cooperative_id == shop["coop"].id, Product.sku == "ARG-250")
    )
    product.status = ProductStatus.SUSPENDED
    session.commit()
    response = client.post(
        "/api/v1/listings",
        headers=shop["headers"],
        json={"items": [{"sku": "ARG-250", "status": "published", "title_fr": "Nouveau"}]},
    )
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json["errors"]] == [
        ("items.0.status", "product_suspended")
    ]
    session.expire_all()
    assert (product.status, product.title_fr) == (ProductStatus.SUSPENDED, "Huile d'argan 250 ml")


def test_the_same_sku_twice_in_one_upsert_is_refused(client, session, shop) -> None:
    before = session.scalar(select(func.count(Product.id)))
    item = {"sku": "NEW-1", "category": "huile-argan", "title_fr": "Huile", "price_minor": 100}
    response = client.post(
        "/api/v1/listings", headers=shop["headers"], json={"items": [item, item]}
    )
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json["errors"]] == [
        ("items.1.sku", "duplicate_sku")
    ]
    assert session.scalar(select(func.count(Product.id))) == before
