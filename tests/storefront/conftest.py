from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storefront import create_app
from storefront.extensions import babel, db


@pytest.fixture
def app(engine, database_url, tmp_path, session, request) -> Iterator[Flask]:
    """The storefront on the test database (schema made by the ``engine`` fixture;
    rows wiped after each test by the ``session`` fixture).

    Pages show the messages as written in the code (English) with the formats of the
    chosen locale, unless the test is marked ``translated``: then the compiled French,
    Arabic and English catalogs are used, as in production."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
    }
    if request.node.get_closest_marker("translated") is None:
        config["BABEL_TRANSLATION_DIRECTORIES"] = str(tmp_path / "no-translations")
    application = create_app(config)
    with application.app_context():  # one Babel object serves every test app
        babel.domain_instance.cache.clear()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


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
