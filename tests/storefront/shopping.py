"""Helpers for the cart, checkout and order page tests: a storefront with Stripe
configured over the fake HTTP layer, three cooperatives to buy from, and the guest's
checkout as a browser does it (forms posted in order)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from storefront import create_app
from storefront.extensions import db
from tests.stripe_fakes import SECRET, FakeStripeHTTP

DETAILS = {
    "name": "Amina Alaoui",
    "email": "amina@example.ma",
    "phone": "06 12 34 56 78",
    "province": "06.141",
    "city": "Casablanca",
    "address": "12 rue des Orangers, Maarif",
    "delivery_option": "home",
    "payment_method": "cod",
}


@pytest.fixture(autouse=True)
def english_pages(request: pytest.FixtureRequest) -> None:
    """Pages in English (the msgids the tests read) unless a test picks a language."""
    for name in ("app", "stripe_app"):
        if name in request.fixturenames:
            request.getfixturevalue(name).config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def stripe_http() -> FakeStripeHTTP:
    return FakeStripeHTTP()


@pytest.fixture
def stripe_app(engine, database_url, tmp_path, session, stripe_http) -> Iterator[Flask]:
    """The storefront with Stripe test keys, its API calls answered by the fake."""
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "STRIPE_SECRET_KEY": "sk_test_dummy",
            "STRIPE_WEBHOOK_SECRET": SECRET,
            "STRIPE_HTTP_CLIENT": stripe_http,
            "STRIPE_MAX_RETRIES": 0,
        }
    )
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def shop(session, make):
    """Three cooperatives in three regions, one product each, and the tariffs."""
    make.shipping()
    casa = make.cooperative(
        name_fr="Coopérative Argan Casa",
        region_code="06",
        province_code="06.141",
        email="argan@example.ma",
    )
    agadir = make.cooperative(
        name_fr="Coopérative Miel Souss", region_code="09", province_code="09.001"
    )
    laayoune = make.cooperative(
        name_fr="Coopérative Al Jil", region_code="11", province_code="11.321", vat_exempt=False
    )
    products = (
        make.product(casa, stock=5, price_minor=12_000, title_fr="Huile d'argan"),
        make.product(agadir, stock=3, price_minor=9_000, title_fr="Miel de thym"),
        make.product(laayoune, stock=50, price_minor=600, title_fr="Masque en tissu"),
    )
    session.commit()
    return products


def add(client, product, quantity=1):
    return client.post("/cart/add", data={"product_id": product.id, "quantity": quantity})


def checkout(client, **details):
    """Post the details form, open the review, confirm; returns the confirm response."""
    data = dict(DETAILS, **details)
    response = client.post("/checkout/", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    review = client.get("/checkout/review")
    assert review.status_code == 200, review.headers.get("Location")
    return client.post("/checkout/confirm", data=confirm_fields(review.get_data(as_text=True)))


def confirm_fields(page: str) -> dict[str, str]:
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page)
    total = re.search(r'name="expected_total" type="hidden" value="([^"]+)"', page)
    assert token and total, "the review page carries the confirmation fields"
    return {"token": token.group(1), "expected_total": total.group(1)}
