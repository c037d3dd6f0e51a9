"""The API fuzzed with an organisation's token: the basket-quote operations are reached
beyond their 401, with ids and counts of any size, and nothing answers 5xx (a
``template_id`` of 2**64 was an OverflowError)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from tests.api.conftest import token_for
from tests.api.test_schemathesis import MAX_EXAMPLES, TOKEN, schema
from tests.baskets import basket_world
from tests.conftest import NOW


@pytest.fixture
def ngo_app(app, make, session):
    world = basket_world(session, make)
    session.commit()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash must surface as a 500, not a raise
    TOKEN["secret"] = token_for(session, world.member)
    return app


@schema.include(path_regex="^/api/v1/basket-quotes").parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_basket_quotes_never_fail_with_an_organisation_token(case, ngo_app) -> None:
    excluded = [ignored_auth]
    if case.method != "GET":
        excluded.append(positive_data_acceptance)
    case.call_and_validate(app=ngo_app, excluded_checks=excluded)


def test_a_huge_template_id_is_a_400(client, session, make) -> None:
    world = basket_world(session, make)
    session.commit()
    response = client.post(
        "/api/v1/basket-quotes",
        headers={"Authorization": f"Bearer {token_for(session, world.member)}"},
        json={
            "template_id": 2**64,
            "destinations": [{"province_code": "06.141", "baskets": 10}],
            "deliver_by": (NOW.date() + timedelta(days=60)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert response.json["errors"] == [
        {"field": "template_id", "code": "out_of_range", "detail": "This number is too large."}
    ]
