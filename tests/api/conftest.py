"""The API tests share the storefront's app and client fixtures, plus people and
tokens."""

from __future__ import annotations

import pytest

from catalog.accounts import api_tokens
from catalog.accounts.users import Organisation, Role, User
from tests.conftest import NOW
from tests.storefront.conftest import app, app_config, client, count_queries, runner  # noqa: F401

PASSWORD = "argan-tree-2026"


def person(session, email: str, role: Role = Role.SHOPPER, **kw) -> User:
    user = User(email=email, name=email.split("@")[0], role=role, **kw)
    user.password_hash = HASH
    session.add(user)
    session.flush()
    return user


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def token_for(session, user: User, name: str = "script") -> str:
    secret = api_tokens.issue_token(session, user, name, now=NOW).secret
    session.commit()
    return secret


_probe = User(email="x@example.ma")
_probe.set_password(PASSWORD)
HASH = _probe.password_hash


@pytest.fixture
def coop_member(make, session) -> User:
    coop = make.cooperative(slug="tighanimine")
    return person(session, "fatima@tighanimine.ma", Role.COOPERATIVE, cooperative_id=coop.id)


@pytest.fixture
def ngo_member(session) -> User:
    org = Organisation(name="Banque alimentaire", status="verified")
    session.add(org)
    session.flush()
    return person(session, "karim@banque.ma", Role.ORGANISATION, organisation_id=org.id)
