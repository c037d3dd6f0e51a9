"""Order status by API: each token sees its own orders, a cooperative its own parts."""

from __future__ import annotations

import pytest

from catalog.accounts.users import Role
from tests.api.conftest import bearer, person, token_for


@pytest.fixture
def orders(make, session, coop_member):
    shopper = person(session, "amina@example.ma", Role.SHOPPER)
    ours = make.product(coop_member.cooperative, sku="OURS-1", title_fr="Huile")
    theirs = make.product(make.cooperative(), sku="THEIRS-1", title_fr="Miel")
    mine = make.order({ours: 2, theirs: 1}, email="amina@example.ma", user_id=shopper.id)
    other = make.order({theirs: 1}, email="other@example.ma")
    session.commit()
    return {
        "shopper": bearer(token_for(session, shopper)),
        "coop": bearer(token_for(session, coop_member)),
        "mine": mine,
        "other": other,
    }


def test_a_shopper_follows_their_own_orders_only(client, orders) -> None:
    body = client.get("/api/v1/orders", headers=orders["shopper"]).json
    assert [o["number"] for o in body["items"]] == [orders["mine"].number]
    order = body["items"][0]
    assert order["total_minor"] == orders["mine"].total_minor
    assert {p["status"] for p in order["parts"]} == {"to_prepare"}, "cash on delivery: confirmed"
    assert len(order["parts"]) == 2
    other = client.get(f"/api/v1/orders/{orders['other'].number}", headers=orders["shopper"])
    assert other.status_code == 404


def test_a_cooperative_sees_only_its_own_part(client, orders) -> None:
    detail = client.get(f"/api/v1/orders/{orders['mine'].number}", headers=orders["coop"]).json
    assert [line["sku"] for p in detail["parts"] for line in p["lines"]] == ["OURS-1"]
    assert detail["total_minor"] == 0
    assert "address" not in str(detail) and "phone" not in str(detail)
    assert client.get("/api/v1/orders?status=confirmed", headers=orders["coop"]).json["total"] == 1
    assert client.get("/api/v1/orders?status=cancelled", headers=orders["coop"]).json["total"] == 0
    assert (
        client.get(f"/api/v1/orders/{orders['other'].number}", headers=orders["coop"]).status_code
        == 404
    )


def test_order_status_needs_a_token(client, orders) -> None:
    assert client.get("/api/v1/orders").status_code == 401
