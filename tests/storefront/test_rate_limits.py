"""Rate limits on log-in, sign-up, password reset, order tracking and the API (off in
other tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from storefront import create_app
from tests.storefront.conftest import app_settings, close_app


@pytest.fixture
def limits(database_url, tmp_path, session) -> Iterator[Callable[..., Flask]]:
    """Makes an app with limits on, ``config`` added (rate limits, mostly)."""
    apps: list[Flask] = []

    def make_app(**config: Any) -> Flask:
        app = create_app(
            app_settings(database_url, tmp_path / "uploads", RATELIMIT_ENABLED=True, **config)
        )
        apps.append(app)
        return app

    yield make_app
    for app in apps:
        close_app(app)


@pytest.fixture
def limited_app(limits) -> Flask:
    return limits(
        RATELIMIT_LOGIN="2 per minute",
        RATELIMIT_SIGNUP="2 per minute",
        RATELIMIT_PASSWORD_RESET="2 per minute",
        RATELIMIT_TRACKING="2 per minute",
        RATELIMIT_API_READ="3 per minute",
    )


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


def test_reading_pages_counts_nothing_and_the_api_says_its_limit(limited_app) -> None:
    client = limited_app.test_client()
    for _ in range(5):
        page = client.get("/account/login")
        assert page.status_code == 200 and "X-RateLimit-Limit" not in page.headers
    codes = [client.post("/account/login", data={"email": "a@b.ma"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429], "the posts' budget was left whole by the reads"
    api = client.get("/api/v1/regions")
    assert api.headers["X-RateLimit-Limit"] == "3" and api.headers["X-RateLimit-Remaining"] == "2"


def test_meta_limits_hold_on_pages_people_read(limits) -> None:
    """A client over its meta limit (too many refusals) is refused everywhere, the pages
    that count nothing included."""
    client = limits(RATELIMIT_LOGIN="1 per minute", RATELIMIT_META="1 per hour").test_client()
    assert client.get("/fr/privacy").status_code == 200
    codes = [client.post("/account/login", data={"email": "a@b.ma"}).status_code for _ in range(2)]
    assert codes == [200, 429]
    assert client.get("/fr/privacy").status_code == 429


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


def test_checkout_posts_are_limited(limits) -> None:
    client = limits(RATELIMIT_CHECKOUT="2 per minute").test_client()
    codes = [client.post("/checkout/", data={}).status_code for _ in range(3)]
    assert codes[:2] != [429, 429] and codes[2] == 429


def test_each_api_token_has_its_own_budget(limits, session, make) -> None:
    from catalog.accounts.api_tokens import issue_token
    from catalog.accounts.users import Role, User
    from tests.conftest import NOW

    app = limits(RATELIMIT_API_TOKEN="2 per minute", WTF_CSRF_ENABLED=True)
    secrets = []
    for n in range(2):
        coop = make.cooperative()
        user = User(email=f"m{n}@coop.ma", role=Role.COOPERATIVE, cooperative_id=coop.id)
        user.password_hash = "x"
        session.add(user)
        session.flush()
        secrets.append(issue_token(session, user, "script", now=NOW).secret)
    session.commit()
    client = app.test_client()
    first = {"Authorization": f"Bearer {secrets[0]}"}
    codes = [client.get("/api/v1/listings", headers=first).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    second = client.get("/api/v1/listings", headers={"Authorization": f"Bearer {secrets[1]}"})
    assert second.status_code == 200


def test_cooperative_and_ngo_sign_ups_share_the_sign_up_limit(limited_app) -> None:
    client = limited_app.test_client()
    assert client.post("/join/cooperative", data={}).status_code == 200
    assert client.post("/ngo/signup", data={}).status_code == 200
    assert client.post("/join/cooperative", data={}).status_code == 429
    assert client.post("/account/signup", data={}).status_code == 429


def test_order_tracking_is_limited_per_address_whatever_the_browser(limited_app) -> None:
    wrong = {"number": "TW-2026-000001", "phone": "0612345678"}
    codes = [
        limited_app.test_client().post("/orders/track", data=wrong).status_code for _ in range(3)
    ]
    assert codes == [200, 200, 429], "a fresh session per attempt does not escape the limit"
