"""Personal API tokens: shown once, stored as a digest, scoped to their party,
revocable in the back office."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from catalog.accounts import api_tokens
from catalog.accounts.api_tokens import ApiToken, TokenError
from catalog.accounts.users import Role
from tests.api.conftest import PASSWORD, bearer, person, token_for
from tests.conftest import NOW


def test_a_token_is_stored_only_as_its_digest(session, coop_member) -> None:
    issued = api_tokens.issue_token(session, coop_member, "stock sync", now=NOW)
    row = session.scalar(select(ApiToken))
    assert issued.secret.startswith(f"taw_{row.prefix}_")
    assert issued.secret not in (row.token_hash, row.prefix, row.name)
    assert row.token_hash == api_tokens.digest(issued.secret)
    assert row.cooperative_id == coop_member.cooperative_id


def test_authenticate_accepts_the_token_and_refuses_near_misses(session, coop_member) -> None:
    secret = api_tokens.issue_token(session, coop_member, "x", now=NOW).secret
    assert api_tokens.authenticate(session, secret, now=NOW) is not None
    for wrong in (secret[:-1] + ("A" if secret[-1] != "A" else "B"), "taw_", "", "Bearer x"):
        assert api_tokens.authenticate(session, wrong, now=NOW) is None


def test_revoked_expired_and_orphaned_tokens_stop_working(session, coop_member, make) -> None:
    revoked = api_tokens.issue_token(session, coop_member, "a", now=NOW)
    api_tokens.revoke_token(revoked.token, now=NOW)
    expiring = api_tokens.issue_token(
        session, coop_member, "b", now=NOW, expires_at=NOW + timedelta(days=1)
    )
    kept = api_tokens.issue_token(session, coop_member, "c", now=NOW)
    assert api_tokens.authenticate(session, revoked.secret, now=NOW) is None
    assert api_tokens.authenticate(session, expiring.secret, now=NOW + timedelta(days=2)) is None
    coop_member.cooperative_id = make.cooperative().id  # the member moved to another one
    assert api_tokens.authenticate(session, kept.secret, now=NOW) is None


def test_token_rules(session, coop_member) -> None:
    operator = person(session, "ops@taawun.ma", Role.OPERATOR)
    with pytest.raises(TokenError, match="role_not_allowed"):
        api_tokens.issue_token(session, operator, "x", now=NOW)
    with pytest.raises(TokenError, match="name_required"):
        api_tokens.issue_token(session, coop_member, "  ", now=NOW)
    for n in range(api_tokens.MAX_ACTIVE_TOKENS):
        api_tokens.issue_token(session, coop_member, f"t{n}", now=NOW)
    with pytest.raises(TokenError, match="too_many_tokens"):
        api_tokens.issue_token(session, coop_member, "one more", now=NOW)


def login(client, user):
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_a_cooperative_creates_a_token_in_its_back_office_and_sees_it_once(
    client, session, coop_member
) -> None:
    session.commit()
    login(client, coop_member)
    assert client.get("/back-office/api-tokens").status_code == 200
    response = client.post("/back-office/api-tokens", data={"name": "Stock", "expires": "90"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    row = session.scalar(select(ApiToken))
    secret = re.search(rf"taw_{row.prefix}_[A-Za-z0-9_-]+", page).group(0)
    assert api_tokens.digest(secret) == row.token_hash
    assert secret not in client.get("/back-office/api-tokens").get_data(as_text=True)
    assert client.get("/api/v1/listings", headers=bearer(secret)).status_code == 200


def test_a_cooperative_revokes_its_token_and_never_anothers(client, session, make) -> None:
    ours = make.cooperative()
    theirs = make.cooperative()
    me = person(session, "me@coop.ma", Role.COOPERATIVE, cooperative_id=ours.id)
    other = person(session, "them@coop.ma", Role.COOPERATIVE, cooperative_id=theirs.id)
    mine = token_for(session, me)
    foreign = token_for(session, other)
    foreign_id = session.scalar(select(ApiToken.id).where(ApiToken.user_id == other.id))
    mine_id = session.scalar(select(ApiToken.id).where(ApiToken.user_id == me.id))
    login(client, me)
    revoke = "/back-office/api-tokens/revoke"
    assert client.post(revoke, data={"token_id": foreign_id}).status_code == 404
    assert client.post(revoke, data={"token_id": "x"}).status_code == 400
    assert client.get("/api/v1/listings", headers=bearer(foreign)).status_code == 200
    assert client.post(revoke, data={"token_id": mine_id}).status_code == 302
    response = client.get("/api/v1/listings", headers=bearer(mine))
    assert response.status_code == 401 and response.json["code"] == "unauthorized"


def test_organisation_members_and_shoppers_manage_tokens_under_their_account(
    client, session, ngo_member
) -> None:
    session.commit()
    login(client, ngo_member)
    response = client.post("/account/api-tokens/", data={"name": "ERP", "expires": "never"})
    assert response.status_code == 200 and "taw_" in response.get_data(as_text=True)
    assert session.scalar(select(ApiToken.organisation_id)) == ngo_member.organisation_id


def test_api_calls_without_a_valid_token_are_401_with_a_challenge(client, coop_member) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, bearer("taw_nope_nope")):
        response = client.get("/api/v1/listings", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.mimetype == "application/problem+json"


def test_another_party_s_token_is_forbidden_on_cooperative_endpoints(
    client, session, ngo_member
) -> None:
    response = client.get("/api/v1/listings", headers=bearer(token_for(session, ngo_member)))
    assert response.status_code == 403 and response.json["code"] == "forbidden"
