"""Property-based fuzzing of the API from its own OpenAPI document (schemathesis, in
process through WSGI): whatever it sends, no 5xx, and every answer matches the
documented schema, status and content type. Runs in the normal suite, bounded by
``max_examples``."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from catalog.accounts.users import Role
from catalog.rules import refresh_products
from storefront import create_app
from storefront.extensions import db
from tests.api.conftest import person, token_for

MAX_EXAMPLES = 40


def _document() -> dict:
    """The OpenAPI document, as the app serves it (building it needs no database)."""
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "spec", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    with app.app_context():
        db.engine.dispose()
    return document


schema = schemathesis.openapi.from_dict(_document())
# The API refuses a NUL character anywhere in a request with a 400 problem (PostgreSQL
# cannot store it; tests/api/test_catalog_api.py proves the
# refusal), so a string holding one is not "schema-valid" for the acceptance check.
schema.config.generation.update(allow_x00=False)
#: the token of the cooperative member made by ``fuzzed_app`` (one per test)
TOKEN: dict[str, str] = {}


@schema.auth(refresh_interval=None)
class CooperativeToken:
    """A cooperative's token, so the protected operations are fuzzed beyond their 401
    (the token tests prove every one of them refuses a missing or wrong token)."""

    def get(self, case, ctx) -> str:
        return TOKEN.get("secret", "taw_none_none")

    def set(self, case, data, ctx) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def fuzzed_app(app, make, session):
    coop = make.cooperative(slug="tighanimine", women_led=True)
    oil = make.category("huile-argan", name_fr="Huile d'argan", max_price_minor=90_000)
    make.certificate(coop, "igp")
    make.product(coop, oil, slug="argan-250", title_fr="Huile d'argan")
    make.product(coop, oil, slug="argan-atelier", made_to_order=True, units_per_day=20)
    refresh_products(session, make.today)
    member = person(session, "fatima@tighanimine.ma", Role.COOPERATIVE, cooperative_id=coop.id)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash must surface as a 500, not a raise
    TOKEN["secret"] = token_for(session, member)
    return app


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_fails_and_answers_as_documented(case, fuzzed_app) -> None:
    # ignored_auth replays requests over the network, which this in-process run has not.
    # A write whose body is well formed may still break a business rule the schema
    # cannot state (an unknown category slug, a price above the category's cap): it is
    # refused with 422 `rejected`, so "schema-valid means accepted" holds for reads only.
    excluded = [ignored_auth]
    if case.method != "GET":
        excluded.append(positive_data_acceptance)
    # The in-process WSGI call does not undo HTTP compression as a client library would;
    # the checks read the documented JSON itself (compression is tested on its own).
    case.call_and_validate(
        app=fuzzed_app, excluded_checks=excluded, headers={"Accept-Encoding": "identity"}
    )
