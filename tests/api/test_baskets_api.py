"""An organisation quotes solidarity baskets by API."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from catalog.db import utcnow
from solidarity_baskets.models import BasketQuote
from tests.api.conftest import bearer, token_for
from tests.baskets import basket_world


def _body(world, **extra):
    body = {
        "template_id": world.template.id,
        "destinations": [
            {"province_code": "06.141", "baskets": 60},
            {"province_code": "09.001", "baskets": 40},
        ],
        "deliver_by": (utcnow().date() + timedelta(days=21)).isoformat(),
        "budget_per_basket_minor": 30_000,
        "max_share_bps": 10_000,
    }
    body.update(extra)
    return body


def test_an_organisation_gets_a_quote_naming_who_supplies_what(client, session, make) -> None:
    world = basket_world(session, make)
    headers = bearer(token_for(session, world.member))
    response = client.post("/api/v1/basket-quotes", headers=headers, json=_body(world))
    assert response.status_code == 201, response.json
    quote = response.json
    assert quote["baskets"] == 100 and quote["shortfalls"] == []
    assert quote["total_minor"] == quote["goods_minor"] + quote["shipping_minor"] > 0
    assert {row["destination"] for row in quote["supply"]} == {"06.141", "09.001"}
    again = client.get(f"/api/v1/basket-quotes/{quote['id']}", headers=headers).json
    assert again["total_minor"] == quote["total_minor"]


def test_a_short_supply_gives_the_shortfall_report(client, session, make) -> None:
    world = basket_world(session, make)
    headers = bearer(token_for(session, world.member))
    body = _body(
        world,
        destinations=[
            {"province_code": "06.141", "baskets": 600},
            {"province_code": "09.001", "baskets": 400},
        ],
    )
    quote = client.post("/api/v1/basket-quotes", headers=headers, json=body).json
    assert quote["shortage_units"] > 0
    couscous = [s for s in quote["shortfalls"] if s["line"] == "couscous"]
    assert sum(s["missing"] for s in couscous) == 850
    assert "fewer_baskets" in {f for s in couscous for f in s["fixes"]}


def test_bad_requests_and_other_parties_are_refused(client, session, make, coop_member) -> None:
    world = basket_world(session, make)
    headers = bearer(token_for(session, world.member))
    unknown = client.post(
        "/api/v1/basket-quotes", headers=headers, json=_body(world, template_id=999_999)
    )
    assert unknown.status_code == 422 and unknown.json["errors"][0]["code"] == "unknown_template"
    coop = bearer(token_for(session, coop_member))
    assert client.post("/api/v1/basket-quotes", headers=coop, json=_body(world)).status_code == 403
    assert client.get("/api/v1/basket-quotes/1", headers=coop).status_code == 403


def test_a_request_the_library_refuses_names_each_wrong_field(client, session, make) -> None:
    world = basket_world(session, make)
    headers = bearer(token_for(session, world.member))
    past = (utcnow().date() - timedelta(days=1)).isoformat()
    response = client.post(
        "/api/v1/basket-quotes", headers=headers, json=_body(world, deliver_by=past)
    )
    assert response.status_code == 422 and response.json["code"] == "rejected"
    assert [(e["field"], e["code"]) for e in response.json["errors"]] == [
        ("deliver_by", "too_early")
    ]
    assert session.scalar(select(func.count(BasketQuote.id))) == 0, "nothing was stored"
