"""Numbers beyond what the database holds (64-bit integers) never make a 5xx: every
route, as every role, with out-of-range ids in the path, the query string, the form
and the JSON body answers 404, 400 or a form message. The language switch takes
``next`` as the log-in does."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter

from catalog.db import MAX_INTEGER
from tests.storefront.test_authorization_matrix import clients, world  # noqa: F401

HUGE = 2**64 + 7
NUMBERS = ("99999999999999999999", str(-HUGE), str(MAX_INTEGER + 1))
#: names of query and form fields that carry ids or counts somewhere in the site
NUMERIC_FIELDS = (
    "page",
    "product",
    "product_id",
    "template",
    "template_id",
    "token_id",
    "point",
    "family",
    "rows",
    "position",
    "parent_id",
    "quantity",
    "on_hand",
    "on_hand_seen",
    "adjust-by",
    "baskets",
    "members",
    "women_members",
    "price",
    "units_per_day",
    "lead_days",
    "net_quantity",
    "shipping_weight_g",
    "low_stock_threshold",
    "minimum",
    "family_size",
    "national_total",
    "destinations-0-baskets",
    "lines-0-quantity",
)


def _path(rule: Any, values: dict[str, Any], number: str) -> str:
    args = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        items = getattr(converter, "items", None)
        if items:
            args[name] = sorted(items)[0]
        elif isinstance(converter, IntegerConverter):
            args[name] = 1
        else:
            args[name] = values.get(name, f"missing-{name}")
    _, path = rule.build(args, append_unknown=False)
    for name in rule.arguments:  # the converter refuses to build a huge id: put it in
        if isinstance(args[name], int) and not isinstance(args[name], bool):
            path = path.replace(f"/{args[name]}", f"/{number}", 1)
    return path


def test_the_database_range_is_the_route_converters_range(app: Flask) -> None:
    converter = app.url_map.converters["int"]
    assert converter(app.url_map).to_python(str(MAX_INTEGER)) == MAX_INTEGER
    int_rules = [r for r in app.url_map.iter_rules() if "<int:" in r.rule]
    assert len(int_rules) > 30
    with app.test_client() as client:
        for rule in int_rules:
            if "GET" in (rule.methods or ()):
                path = _path(rule, {}, "99999999999999999999")
                assert client.get(path).status_code in (302, 401, 404), path


@pytest.mark.slow
def test_out_of_range_numbers_never_make_a_5xx(
    app: Flask,
    session: Session,
    world: dict[str, Any],  # noqa: F811 (the fixture)
    clients: dict[str, FlaskClient],  # noqa: F811 (the fixture)
) -> None:
    failures = []
    tried = 0
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule))
    for role, client in clients.items():
        for rule in rules:
            if rule.endpoint in ("static", "account.logout", "account.end_sessions"):
                continue
            for number in NUMBERS[:1] if role != "coop_a" else NUMBERS:
                path = _path(rule, world["values"], number)
                query = {name: number for name in NUMERIC_FIELDS}
                for method in sorted((rule.methods or set()) & {"GET", "POST", "PATCH"}):
                    if method == "GET":
                        response = client.get(path, query_string=query)
                    elif path.startswith("/api/"):
                        body = {
                            "items": [{"sku": "VICTIM-SKU", "on_hand": HUGE, "price_minor": HUGE}],
                            "template_id": HUGE,
                            "destinations": [{"province_code": "06.141", "baskets": HUGE}],
                        }
                        response = client.open(path, method=method, json=body, query_string=query)
                    else:
                        response = client.open(path, method=method, data=query)
                    tried += 1
                    if response.status_code >= 500:
                        failures.append(f"{role} {method} {path}: {response.status_code}")
    assert tried > 500
    assert failures == []


@pytest.mark.parametrize(
    "target",
    [
        "/%0d%0aSet-Cookie:%20evil=1",
        "//evil.example/",
        "https://evil.example/",
        "/%5Cevil.example",
        "/ok%0aX:%20y",
        "/%7f",
    ],
)
def test_the_language_switch_stays_on_the_site(client: FlaskClient, target: str) -> None:
    response = client.get(f"/lang/fr?next={target}")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/fr/" and "evil" not in response.headers.get("Set-Cookie", "")


def test_the_language_switch_goes_back_to_the_page(client: FlaskClient) -> None:
    response = client.get("/lang/ar", query_string={"next": "/products?q=argan"})
    assert response.headers["Location"] == "/products?q=argan"
    response = client.get("/lang/ar?next=/products%3Fq%3Dargan")
    assert response.headers["Location"] == "/products?q=argan"
