from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storefront import create_app
from storefront.extensions import babel, db
from tests.stripe_fakes import SECRET, FakeStripeHTTP


def app_settings(database_url: str, uploads: Path, **config: Any) -> dict[str, Any]:
    """What every test app is made with (testing on, CSRF off, its own upload
    folder), and ``config``."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_FOLDER": str(uploads),
        **config,
    }


def close_app(app: Flask) -> None:
    """Give back the test app's database connections."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Settings a test module adds to its ``app``'s (it overrides this fixture)."""
    return {}


@pytest.fixture
def app(engine, database_url, tmp_path, session, request, app_config) -> Iterator[Flask]:
    """The storefront on the test database (schema made by the ``engine`` fixture;
    rows wiped after each test by the ``session`` fixture), with ``app_config``.

    Pages show the messages as written in the code (English) with the formats of the
    chosen locale, unless the test is marked ``translated``: then the compiled French,
    Arabic and English catalogs are used, as in production."""
    config = app_settings(database_url, tmp_path / "uploads", **app_config)
    if request.node.get_closest_marker("translated") is None:
        config["BABEL_TRANSLATION_DIRECTORIES"] = str(tmp_path / "no-translations")
    application = create_app(config)
    with application.app_context():  # one Babel object serves every test app
        babel.domain_instance.cache.clear()
    yield application
    close_app(application)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def count_queries(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the storefront sends: the app has its own engine, so the
    library-level fixture (on the ``engine`` fixture) would see none of them."""
    from tests.baskets import app_queries

    with app_queries(app) as statements:
        yield statements


@pytest.fixture
def english_pages(request: pytest.FixtureRequest) -> None:
    """Pages in English (the msgids the tests read) unless a test picks a language; a
    module asks for it with ``pytestmark = pytest.mark.usefixtures("english_pages")``."""
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
        app_settings(
            database_url,
            tmp_path / "uploads",
            STRIPE_SECRET_KEY="sk_test_dummy",
            STRIPE_WEBHOOK_SECRET=SECRET,
            STRIPE_HTTP_CLIENT=stripe_http,
            STRIPE_MAX_RETRIES=0,
        )
    )
    yield application
    close_app(application)


@pytest.fixture
def shop(session, make):
    """Three cooperatives in three regions, one product each, and the tariffs (the cart,
    checkout and order page tests; some modules define a ``shop`` of their own)."""
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
        make.product(casa, on_hand=5, price_minor=12_000, title_fr="Huile d'argan"),
        make.product(agadir, on_hand=3, price_minor=9_000, title_fr="Miel de thym"),
        make.product(laayoune, on_hand=50, price_minor=600, title_fr="Masque en tissu"),
    )
    session.commit()
    return products
