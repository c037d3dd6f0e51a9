"""Every route, as every role: anonymous, a shopper, two cooperatives, an NGO member and
an operator. Each URL is filled with objects that belong to cooperative A and its
customer, then fetched (GET) and posted to with a junk form as everyone else. Nobody
but their owners sees or changes them; nothing answers 5xx; and a route that is not in
:data:`ROUTE_CLASSES` fails the test until someone says who may use it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter

from catalog.accounts.api_tokens import ApiToken, issue_token
from catalog.accounts.users import Organisation, Role, User
from catalog.audit import Actor
from catalog.csv_io import start_import
from catalog.models import (
    Certificate,
    CooperativeInvitation,
    Product,
    ProductImage,
    ProductImport,
)
from catalog.onboarding import invite_member
from orders.models import Fulfilment, Order
from tests.conftest import NOW
from tests.storefront.backoffice import PASSWORD, _password_hash

PUBLIC = "public"  # anyone
LOGGED_IN = "logged_in"  # any account; anonymous visitors are sent to log in
ORDER_OWNER = "order_owner"  # the shopper who placed the order (404 for anyone else)
COOPERATIVE = "cooperative"  # members of a cooperative, each only on its own objects
ORGANISATION = "organisation"  # members of an organisation, each only on its own
OPERATOR = "operator"  # the marketplace's operators
COOP_TOKEN = "coop_token"  # the API, with a cooperative's token (never a session)
PARTY_TOKEN = "party_token"  # the API, with any party's token: each sees only its own
ORG_TOKEN = "org_token"  # the API, with an organisation's token
WEBHOOK = "webhook"  # payment providers, with a signature

#: Who may use each route: an endpoint, or ``"<blueprint>.*"`` for a whole blueprint.
ROUTE_CLASSES: dict[str, str] = {
    "static": PUBLIC,
    "shop.*": PUBLIC,
    "site.*": PUBLIC,
    "pages.*": PUBLIC,
    "trace.*": PUBLIC,
    "cart.*": PUBLIC,
    "checkout.*": PUBLIC,
    "join.*": PUBLIC,
    "api_docs.*": PUBLIC,
    "api_catalog.*": PUBLIC,
    "account.login": PUBLIC,
    "account.signup": PUBLIC,
    "account.reset_request": PUBLIC,
    "account.reset": PUBLIC,
    "ngo.signup": PUBLIC,
    "orders.track": PUBLIC,
    # a guest's data requests: order number + phone + a code sent to the phone
    "data_requests.order_request": PUBLIC,
    "data_requests.order_code": PUBLIC,
    "data_requests.order_data": PUBLIC,
    "data_requests.order_data_download": PUBLIC,
    "data_requests.order_erase": PUBLIC,
    "data_requests.my_data": LOGGED_IN,
    "data_requests.my_data_download": LOGGED_IN,
    "data_requests.my_data_erase": LOGGED_IN,
    "account.logout": LOGGED_IN,
    "account.end_sessions": LOGGED_IN,
    "account.profile": LOGGED_IN,
    "orders.history": LOGGED_IN,
    "tokens.*": LOGGED_IN,
    "orders.*": ORDER_OWNER,
    "coop.*": COOPERATIVE,
    "supply.*": COOPERATIVE,
    "ngo.*": ORGANISATION,
    "admin.*": OPERATOR,
    "api_listings.*": COOP_TOKEN,
    "api_orders.*": PARTY_TOKEN,
    "api_baskets.*": ORG_TOKEN,
    "webhooks.*": WEBHOOK,
}

#: Texts only cooperative A, its member and its customer may ever see.
SECRETS = (
    "VICTIM-ADDRESS-42 derb Sidi",
    "victim-buyer@example.ma",
    "victim-invitee@example.ma",
    "victim-import.csv",
    "victim-token-name",
)
#: URL arguments naming no object: a value every caller may use
PLAIN_VALUES = {"code": "09", "kind": "ledger", "decision": "verify", "serial": "NOPE-1"}
#: objects of other areas (NGO templates, payouts...) the world does not make:
#: an id that exists nowhere, so the route must answer "not found", never crash
MISSING_ID = 987_654


def route_class(endpoint: str) -> str | None:
    return ROUTE_CLASSES.get(endpoint) or ROUTE_CLASSES.get(endpoint.partition(".")[0] + ".*")


def _user(session: Session, email: str, role: Role, **kw: Any) -> User:
    user = User(email=email, name=email[:10], role=role, password_hash=_password_hash(), **kw)
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def world(make, session: Session, app: Flask) -> dict[str, Any]:
    """Cooperative A with one of everything it owns, its customer's order, and one
    person of every role."""
    coop_a = make.cooperative(slug="coop-a", name_fr="Coopérative A")
    coop_b = make.cooperative(slug="coop-b", name_fr="Coopérative B")
    product = make.product(coop_a, slug="victim-argan", sku="VICTIM-SKU", on_hand=7)
    image = ProductImage(product_id=product.id, filename="a" * 24 + ".jpg", thumbnail="")
    session.add(image)
    certificate = make.certificate(coop_a, "onssa", number="VICTIM-CERT")
    record = start_import(
        session,
        coop_a,
        "victim-import.csv",
        "sku;stock\nVICTIM-SKU;999\n",
        actor=Actor(None),
        now=NOW,
    )
    invitation, _ = invite_member(
        session, coop_a, "victim-invitee@example.ma", actor=Actor(None), now=NOW
    )
    invitation.expires_at = NOW.replace(year=2100)
    org = Organisation(name="Association Atlas", status="verified")
    session.add(org)
    session.flush()
    people = {
        "shopper_a": _user(session, "victim-shopper@example.ma", Role.SHOPPER),
        "shopper": _user(session, "other-shopper@example.ma", Role.SHOPPER),
        "coop_a": _user(session, "member-a@example.ma", Role.COOPERATIVE, cooperative_id=coop_a.id),
        "coop_b": _user(session, "member-b@example.ma", Role.COOPERATIVE, cooperative_id=coop_b.id),
        "ngo": _user(session, "ngo@example.ma", Role.ORGANISATION, organisation_id=org.id),
        "operator": _user(session, "ops@taawun.ma", Role.OPERATOR),
    }
    token = issue_token(session, people["coop_a"], "victim-token-name", now=NOW)
    tokens = {
        name: issue_token(session, people[name], f"{name} script", now=NOW).secret
        for name in ("coop_b", "ngo", "shopper")
    }
    order = make.order(
        {product: 1},
        method="cod",
        now=NOW,
        email="victim-buyer@example.ma",
        user_id=people["shopper_a"].id,
    )
    order.address = "VICTIM-ADDRESS-42 derb Sidi"
    session.commit()
    values: dict[str, Any] = {
        "product_id": product.id,
        "image_id": image.id,
        "certificate_id": certificate.id,
        "import_id": record.id,
        "invitation_id": invitation.id,
        "part_id": order.fulfilments[0].id,
        "number": order.number,
        "position": 1,
        "coop_id": coop_a.id,
        "org_id": org.id,
        "token_id": token.token.id,
        "sku": "VICTIM-SKU",
        "slug": "victim-argan",
        "filename": image.filename,
        "token": "not-a-reset-token",
        **PLAIN_VALUES,
    }
    return {"values": values, "people": people, "tokens": tokens, "coop_a": coop_a}


def junk_form(world: dict[str, Any]) -> dict[str, str]:
    """A form that names cooperative A's objects wherever a field could."""
    v = world["values"]
    return {
        "name": "pirate",
        "email": "pirate@example.ma",
        "title_fr": "Pirated",
        "price": "1",
        "on_hand": "0",
        "quantity": "3",
        "product_id": str(v["product_id"]),
        "token_id": str(v["token_id"]),
        "status": "published",
        "reason": "pirate",
        "tracking_number": "PIRATE",
        "carrier": "amana",
        "number": v["number"],
        "phone": "0612345678",
    }


def snapshot(session: Session, world: dict[str, Any]) -> dict[str, Any]:
    """What cooperative A and its customer own, as plain values (each party may change
    its own things: a walk as cooperative B creates B's tokens and invitations)."""
    session.expire_all()
    coop = world["coop_a"].id
    owner = world["people"]["coop_a"].id
    number = world["values"]["number"]
    return {
        "products": session.execute(
            select(
                Product.id, Product.available, Product.price_minor, Product.status, Product.title_fr
            )
            .where(Product.cooperative_id == coop)
            .order_by(Product.id)
        ).all(),
        "images": session.execute(
            select(ProductImage.id, ProductImage.filename).order_by(ProductImage.id)
        ).all(),
        "certificates": session.execute(
            select(Certificate.id, Certificate.status).where(Certificate.cooperative_id == coop)
        ).all(),
        "imports": session.execute(
            select(ProductImport.id, ProductImport.applied_at).where(
                ProductImport.cooperative_id == coop
            )
        ).all(),
        "invitations": session.execute(
            select(CooperativeInvitation.id, CooperativeInvitation.cancelled_at).where(
                CooperativeInvitation.cooperative_id == coop
            )
        ).all(),
        "orders": session.execute(
            select(Order.id, Order.status, Order.address).where(Order.number == number)
        ).all(),
        "parts": session.execute(
            select(Fulfilment.id, Fulfilment.status, Fulfilment.tracking_number).where(
                Fulfilment.cooperative_id == coop
            )
        ).all(),
        "tokens": session.execute(
            select(ApiToken.id, ApiToken.revoked_at).where(ApiToken.user_id == owner)
        ).all(),
        "users": session.execute(
            select(User.id, User.email, User.active, User.role).order_by(User.id)
        ).all(),
    }


def _values_for(rule: Any, values: dict[str, Any]) -> dict[str, Any]:
    result = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        items = getattr(converter, "items", None)
        if name in values and (not items or values[name] in items):
            result[name] = values[name]
        elif items:
            result[name] = sorted(items)[0]
        elif isinstance(converter, IntegerConverter):
            result[name] = MISSING_ID
        else:
            result[name] = f"missing-{name}"
    return result


@pytest.fixture
def clients(app: Flask, world: dict[str, Any]) -> Iterator[dict[str, FlaskClient]]:
    result = {"anonymous": app.test_client()}
    for name, user in world["people"].items():
        client = app.test_client()
        response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, name
        result[name] = client
    yield result


def _requests(app: Flask, world: dict[str, Any]) -> Iterator[tuple[Any, str, str]]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        if rule.endpoint == "static":
            continue
        _, path = rule.build(_values_for(rule, world["values"]), append_unknown=False)
        for method in sorted((rule.methods or set()) & {"GET", "POST", "PATCH", "DELETE"}):
            yield rule, method, path


def _call(client: FlaskClient, method: str, path: str, world: dict[str, Any], **kw: Any) -> Any:
    if method == "GET":
        return client.get(path, **kw)
    if path.startswith("/api/"):
        return client.open(path, method=method, json={"items": [{"sku": "VICTIM-SKU"}]}, **kw)
    return client.open(path, method=method, data=junk_form(world), **kw)


def test_every_route_is_classified(app: Flask) -> None:
    unclassified = sorted(
        {r.endpoint for r in app.url_map.iter_rules() if route_class(r.endpoint) is None}
    )
    assert unclassified == [], "say who may use these routes in ROUTE_CLASSES"


def _expect(kind: str, role: str, rule: Any, method: str, response: Any) -> str | None:
    """What is wrong with ``response`` (None if nothing) for a non-owner ``role``."""
    status = response.status_code
    if status >= 500:
        return f"{status}"
    location = response.headers.get("Location", "")
    to_login = status == 302 and "/account/login" in location
    if kind == PUBLIC:
        return None
    if kind == WEBHOOK:  # unsigned: refused (404 while the provider is not configured)
        return None if status in (400, 404) else f"{status}, not 400"
    if kind in (COOP_TOKEN, PARTY_TOKEN, ORG_TOKEN):  # a browser session is no token
        return None if status in (401, 405) else f"{status} for {role}'s session"
    if role == "anonymous":
        if kind == ORDER_OWNER:
            return None if status in (302, 404) else f"{status}"
        return None if to_login or status == 405 else f"{status} {location}, not the log-in page"
    if kind == LOGGED_IN:
        return None
    if kind == ORDER_OWNER:
        return None if status in (400, 404) else f"{status}, not 404"
    owners = {COOPERATIVE: ("coop_b",), ORGANISATION: ("ngo",), OPERATOR: ("operator",)}[kind]
    if role not in owners:
        return None if status == 403 else f"{status}, not 403"
    if set(rule.arguments) - PLAIN_VALUES.keys() and kind == COOPERATIVE:
        return None if status == 404 else f"{status}, not 404 for another cooperative's object"
    return None


def test_each_role_sees_and_changes_only_what_it_owns(
    app: Flask, session: Session, world: dict[str, Any], clients: dict[str, FlaskClient]
) -> None:
    before = snapshot(session, world)
    problems: list[str] = []
    tried = 0
    for rule, method, path in _requests(app, world):
        kind = route_class(rule.endpoint)
        if rule.endpoint in ("account.logout", "account.end_sessions"):
            continue  # it would end the sessions the rest of the walk needs
        for role in ("anonymous", "shopper", "coop_b", "ngo", "operator"):
            if role == "operator" and kind in (OPERATOR, ORDER_OWNER):
                continue  # operators run the marketplace: they may act on any order
            response = _call(clients[role], method, path, world)
            tried += 1
            wrong = _expect(kind, role, rule, method, response)
            if wrong:
                problems.append(f"{role} {method} {path} ({rule.endpoint}): {wrong}")
            if role != "operator" and response.status_code < 400:
                body = response.get_data(as_text=True)
                leaked = [s for s in SECRETS if s in body]
                if leaked:
                    problems.append(f"{role} {method} {path}: shows {leaked}")
            response.close()
    assert not problems, "\n" + "\n".join(problems)
    assert tried > 300
    assert snapshot(session, world) == before


def test_api_tokens_reach_only_their_own_party(
    app: Flask, world: dict[str, Any], session: Session
) -> None:
    client = app.test_client()
    before = snapshot(session, world)
    for name, secret in world["tokens"].items():
        headers = {"Authorization": f"Bearer {secret}"}
        for rule, method, path in _requests(app, world):
            kind = route_class(rule.endpoint)
            if kind not in (COOP_TOKEN, PARTY_TOKEN, ORG_TOKEN):
                continue
            response = _call(client, method, path, world, headers=headers)
            body = response.get_data(as_text=True)
            assert response.status_code < 500, (name, method, path)
            for secret in ("VICTIM", world["values"]["number"]):
                assert secret not in body or response.status_code >= 400, (name, method, path)
            if (kind, name) in ((COOP_TOKEN, "ngo"), (COOP_TOKEN, "shopper")):
                assert response.status_code == 403, (name, method, path)
            if kind == ORG_TOKEN and name != "ngo":
                assert response.status_code == 403, (name, method, path)
            if kind == PARTY_TOKEN and rule.arguments:
                assert response.status_code in (404, 405), (name, method, path)
    assert snapshot(session, world) == before


def test_owners_reach_their_own_pages(
    app: Flask, world: dict[str, Any], clients: dict[str, FlaskClient]
) -> None:
    """The other side of the matrix: the same URLs work for the people they belong to."""
    owner_of = {COOPERATIVE: "coop_a", OPERATOR: "operator", ORDER_OWNER: "shopper_a"}
    checked = 0
    for rule, method, path in _requests(app, world):
        kind = route_class(rule.endpoint)
        if method != "GET" or kind not in owner_of:
            continue
        if any(world["values"].get(a) is None for a in rule.arguments):
            continue
        response = clients[owner_of[kind]].get(path)
        response.close()
        known = all(a in world["values"] for a in rule.arguments)
        # a certificate here has no stored file; supply's part_id is a basket's part
        if (
            known
            and not rule.endpoint.endswith("certificate_document")
            and not (rule.endpoint.startswith("supply."))
        ):
            assert response.status_code in (200, 302), (rule.endpoint, path, response.status_code)
            checked += 1
    assert checked >= 15
