import re

import pytest
from sqlalchemy import select

from catalog.accounts.users import Role, User
from catalog.notifications import OutboxMessage


def signup(client, email="amina@example.ma", **extra):
    data = {
        "name": "Amina",
        "email": email,
        "phone": "06 12 34 56 78",
        "password": "argan-tree-2026",
        "confirm": "argan-tree-2026",
    }
    data.update(extra)
    return client.post("/account/signup", data=data)


def logout(client):
    return client.post("/account/logout", follow_redirects=True)


def test_signup_creates_a_shopper_with_a_normalised_phone(client, session) -> None:
    response = signup(client, email=" Amina@Example.MA ")
    assert response.status_code == 302
    user = session.scalar(select(User))
    assert (user.email, user.phone, user.role) == (
        "amina@example.ma",
        "+212612345678",
        Role.SHOPPER,
    )
    assert user.password_hash.startswith("$argon2id$")
    assert session.scalar(select(OutboxMessage.topic)) == "account:welcome"


def test_bad_signup_input_is_explained_and_changes_nothing(client, session) -> None:
    response = signup(client, phone="123", confirm="different-password")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Moroccan phone number" in page and "The passwords differ." in page
    assert session.scalar(select(User)) is None


def test_signing_up_twice_does_not_reveal_the_account(client, session) -> None:
    signup(client)
    client.post("/account/logout")
    response = signup(client, name="Someone else")
    assert response.status_code == 302
    assert session.scalars(select(User)).all().__len__() == 1
    topics = session.scalars(select(OutboxMessage.topic).order_by(OutboxMessage.id)).all()
    assert topics == ["account:welcome", "account:exists"]


def test_login_logout_and_generic_error(client, session) -> None:
    signup(client)
    logout(client)
    client.get("/fr/")  # the flashes are shown once
    bad = client.post("/account/login", data={"email": "amina@example.ma", "password": "nope"})
    unknown = client.post("/account/login", data={"email": "who@example.ma", "password": "nope"})
    assert "Wrong e-mail or password." in bad.get_data(as_text=True)
    assert bad.status_code == unknown.status_code == 200
    assert bad.get_data(as_text=True).replace("nope", "") == unknown.get_data(as_text=True).replace(
        "who@example.ma", "amina@example.ma"
    ).replace("nope", "")
    ok = client.post(
        "/account/login", data={"email": "AMINA@example.ma", "password": "argan-tree-2026"}
    )
    assert ok.status_code == 302
    assert client.get("/account/").status_code == 200
    client.post("/account/logout")
    assert client.get("/account/").status_code == 302


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"]
)
def test_login_never_redirects_off_site(client, session, target) -> None:
    signup(client)
    client.post("/account/logout")
    response = client.post(
        "/account/login",
        query_string={"next": target},
        data={"email": "amina@example.ma", "password": "argan-tree-2026"},
    )
    assert response.headers["Location"] == "/fr/"


def test_password_reset_by_emailed_single_use_token(client, session) -> None:
    signup(client)
    client.post("/account/logout")
    for email in ("amina@example.ma", "nobody@example.ma"):
        response = client.post("/account/reset", data={"email": email}, follow_redirects=True)
        assert "If an account uses this address" in response.get_data(as_text=True)
    mails = session.scalars(
        select(OutboxMessage).where(OutboxMessage.topic == "account:reset")
    ).all()
    assert len(mails) == 1, "only the real account gets a message"
    path = re.search(r"http://localhost(/account/reset/\S+)", mails[0].body_text).group(1)
    new = {"password": "new-password-123", "confirm": "new-password-123"}
    assert client.post(path, data=new).headers["Location"] == "/account/login"
    again = client.post(path, data=new, follow_redirects=True)
    assert "expired or was already used" in again.get_data(as_text=True)
    ok = client.post(
        "/account/login", data={"email": "amina@example.ma", "password": "new-password-123"}
    )
    assert ok.status_code == 302


def test_reset_with_a_forged_token_changes_nothing(client, session) -> None:
    signup(client)
    before = session.scalar(select(User.password_hash))
    client.post("/account/reset/forged", data={"password": "x" * 12, "confirm": "x" * 12})
    session.expire_all()
    assert session.scalar(select(User.password_hash)) == before
