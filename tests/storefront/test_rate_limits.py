"""Rate limits on log-in, sign-up, password reset and the API (off in other tests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from storefront import create_app
from storefront.extensions import db


@pytest.fixture
def limited_app(database_url, tmp_path, session) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_LOGIN": "2 per minute",
            "RATELIMIT_SIGNUP": "2 per minute",
            "RATELIMIT_PASSWORD_RESET": "2 per minute",
            "RATELIMIT_API_READ": "3 per minute",
        }
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_limits_are_off_in_tests_unless_asked_for(app, client) -> None:
    assert app.config["RATELIMIT_ENABLED"] is False
    for _ in range(15):
        response = client.post("/account/login", data={"email": "a@b.ma", "password": "x"})
    assert response.status_code == 200


def test_repeated_logins_get_a_translated_429_page(limited_app) -> None:
    client = limited_app.test_client()
    client.set_cookie("lang", "en")
    for _ in range(2):
        response = client.post("/account/login", data={"email": "a@b.ma", "password": "x"})
        assert response.status_code == 200
    response = client.post("/account/login", data={"email": "a@b.ma", "password": "x"})
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert "Too many attempts" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    assert client.get("/account/login").status_code == 200, "showing the form is not limited"


def test_the_limit_is_per_address(limited_app) -> None:
    client = limited_app.test_client()
    for _ in range(3):
        client.post("/account/login", data={"email": "a@b.ma", "password": "x"})
    other = client.post(
        "/account/login",
        data={"email": "a@b.ma", "password": "x"},
        environ_base={"REMOTE_ADDR": "10.0.0.7"},
    )
    assert other.status_code == 200


def test_signup_is_limited(limited_app) -> None:
    client = limited_app.test_client()
    codes = [client.post("/account/signup", data={}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_password_reset_request_and_reset_share_one_limit(limited_app) -> None:
    client = limited_app.test_client()
    assert client.post("/account/reset", data={"email": "a@b.ma"}).status_code == 302
    assert client.post("/account/reset/some-token", data={}).status_code == 200
    assert client.post("/account/reset", data={"email": "a@b.ma"}).status_code == 429


def test_api_reads_get_a_429_problem(limited_app) -> None:
    client = limited_app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/regions").status_code == 200
    response = client.get("/api/v1/regions")
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0
