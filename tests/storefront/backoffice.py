"""Helpers for back-office and console tests: accounts and logging in."""

from __future__ import annotations

from functools import cache

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from catalog.accounts.users import Role, User
from catalog.models import Cooperative

PASSWORD = "argan-tree-2026"


@cache
def _password_hash() -> str:
    """Hashing is slow on purpose: do it once for every test account."""
    user = User(email="x@example.ma")
    user.set_password(PASSWORD)
    return user.password_hash


def member(session: Session, coop: Cooperative, email: str | None = None, **kw: object) -> User:
    user = User(
        email=email or f"member{coop.id}@example.ma",
        name=kw.pop("name", "Fatima"),
        role=Role.COOPERATIVE,
        cooperative_id=coop.id,
        password_hash=_password_hash(),
        **kw,
    )
    session.add(user)
    session.flush()
    return user


def operator(session: Session, email: str = "operator@taawun.ma") -> User:
    user = User(email=email, name="Operator", role=Role.OPERATOR, password_hash=_password_hash())
    session.add(user)
    session.flush()
    return user


def shopper(session: Session, email: str = "shopper@example.ma") -> User:
    user = User(email=email, name="Amina", role=Role.SHOPPER, password_hash=_password_hash())
    session.add(user)
    session.flush()
    return user


def english(client: FlaskClient) -> None:
    """Read the pages in English, the language of the messages the tests look for (the
    site defaults to French; tests that check French or Arabic switch language)."""
    client.set_cookie("lang", "en")


def login(client: FlaskClient, user: User) -> None:
    english(client)
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
