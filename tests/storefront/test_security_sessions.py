"""Sessions end: a session cookie or remember-me cookie captured before a log-out, a
password reset, "sign out of every device" or an erasure no longer opens the account;
and logging out forgets what the browser's session held (a shared phone)."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from catalog.accounts.api_tokens import ApiToken
from catalog.accounts.users import User
from catalog.notifications import OutboxMessage
from tests.storefront.backoffice import PASSWORD, english, shopper
from tests.storefront.shopping import add, checkout


def _login(client: FlaskClient, email: str, remember: bool = False) -> None:
    english(client)
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/account/login", data=data).status_code == 302


def _replay(app: Flask, client: FlaskClient, *names: str) -> FlaskClient:
    """A new browser holding copies of ``client``'s cookies ``names``."""
    thief = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value)
    return thief


def _opens_account(client: FlaskClient) -> bool:
    return client.get("/account/").status_code == 200


@pytest.fixture
def amina(session):
    user = shopper(session)
    session.commit()
    return user


def test_a_session_copied_before_log_out_is_dead_after_it(app, client, amina) -> None:
    _login(client, amina.email)
    thief = _replay(app, client, "session")
    assert _opens_account(thief)
    client.post("/account/logout")
    assert not _opens_account(client)
    assert not _opens_account(thief)


def test_a_password_reset_ends_old_sessions_and_remember_cookies(
    app, client, session, amina
) -> None:
    _login(client, amina.email, remember=True)
    with_session = _replay(app, client, "session")
    with_cookie = _replay(app, client, "remember_token")
    assert _opens_account(with_session) and _opens_account(with_cookie)
    other = app.test_client()
    english(other)
    other.post("/account/reset", data={"email": amina.email})
    body = session.scalars(select(OutboxMessage.body_text)).all()[-1]
    link = re.search(r"http://localhost(/account/reset/\S+)", body).group(1)
    new = "a-brand-new-passphrase"
    assert other.post(link, data={"password": new, "confirm": new}).status_code == 302
    assert not _opens_account(with_session)
    assert not _opens_account(with_cookie)
    assert not _opens_account(client)


def test_sign_out_of_every_device_from_the_account_page(app, client, amina) -> None:
    laptop = app.test_client()
    _login(laptop, amina.email, remember=True)
    _login(client, amina.email)
    page = client.get("/account/").get_data(as_text=True)
    assert "Sign out of every device" in page
    response = client.post("/account/sessions/end")
    assert response.headers["Location"].startswith("/account/login")
    assert not _opens_account(client)
    assert not _opens_account(laptop)
    assert not _opens_account(_replay(app, laptop, "remember_token"))
    _login(client, amina.email)
    assert _opens_account(client), "logging in again works"


def test_erasure_ends_sessions_and_api_token_pages(app, client, runner, session, amina) -> None:
    _login(client, amina.email)
    thief = _replay(app, client, "session")
    result = runner.invoke(args=["privacy", "erase", amina.email, "--yes"])
    assert result.exit_code == 0, result.output
    assert not _opens_account(thief)
    thief.post("/account/api-tokens/", data={"name": "after erasure"})
    assert session.scalar(select(func.count(ApiToken.id))) == 0


def test_an_old_style_session_id_opens_nothing(app, session, amina) -> None:
    client = app.test_client()
    with client.session_transaction() as browser:
        browser["_user_id"] = str(amina.id)
        browser["_fresh"] = True
    assert not _opens_account(client)
    session.expire_all()
    assert session.get(User, amina.id).session_epoch == 0


def test_a_session_signed_with_a_replaced_key_is_refused_unless_kept_as_fallback(app) -> None:
    client = app.test_client()
    with client.session_transaction() as browser:
        browser["cart_n"] = 3
    old = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "a-new-secret-key-for-this-running-app-0123456789"
    with client.session_transaction() as browser:
        assert "cart_n" not in browser
    app.config["SECRET_KEY_FALLBACKS"] = [old]
    with client.session_transaction() as browser:
        assert browser["cart_n"] == 3


def test_a_cookie_read_before_is_still_checked_for_tampering_age_and_changes(
    app, monkeypatch
) -> None:
    """Each cookie's signature is checked once, then its content kept: a tampered copy
    is still refused, an expired one too, and changing the content in place in one
    request changes nothing for the next."""
    client = app.test_client()
    with client.session_transaction() as browser:
        browser["cart"] = [[7, 1]]
    signed = client.get_cookie("session").value
    with client.session_transaction() as browser:
        browser["cart"].append([8, 1])  # in place: not saved, the cookie stays
    assert client.get_cookie("session").value == signed
    with client.session_transaction() as browser:
        assert browser["cart"] == [[7, 1]]

    forged = app.test_client()
    forged.set_cookie("session", signed[:-2] + ("AA" if signed[-2:] != "AA" else "BB"))
    with forged.session_transaction() as browser:
        assert "cart" not in browser

    app.permanent_session_lifetime = timedelta(minutes=5)
    later = time.time() + 600
    monkeypatch.setattr(time, "time", lambda: later)
    with client.session_transaction() as browser:
        assert "cart" not in browser, "older than the session's lifetime"


def test_logging_out_forgets_the_checkout_orders_and_cart(client, session, amina, shop) -> None:
    oil = shop[0]
    _login(client, amina.email)
    add(client, oil)
    confirmed = checkout(client)
    number = re.search(r"/orders/([A-Z0-9-]+)", confirmed.headers["Location"]).group(1)
    assert client.get(f"/orders/{number}").status_code == 200
    add(client, oil)
    client.post("/account/logout")
    with client.session_transaction() as browser:
        assert set(browser) <= {"_flashes", "_remember"}, dict(browser)
    page = client.get("/checkout/")
    assert "Amina Alaoui" not in page.get_data(as_text=True)
    assert "12 rue des Orangers" not in page.get_data(as_text=True)
    assert client.get(f"/orders/{number}").status_code in (302, 404)
    assert client.get(f"/orders/{number}/invoice/1").status_code in (302, 404)
    cart = client.get("/cart/").get_data(as_text=True)
    assert oil.title_fr not in cart
