"""An organisation registers itself and its first member; it waits for the operator's
verification before it can quote or order."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from catalog.accounts.users import Organisation, OrganisationStatus, Role, User
from catalog.audit import Actor
from catalog.moderation import verify
from solidarity_baskets.models import BasketQuote
from tests.baskets import basket_world, order_form
from tests.conftest import NOW

SIGNUP = {
    "name": "Association Nour Errahma",
    "kind": "ngo",
    "registration_number": "RD-2019-1234",
    "ice": "",
    "region_code": "09",
    "address": "12 avenue Hassan II, Agadir",
    "phone": "0528 84 12 34",
    "email": "contact@nour.example.ma",
    "person_name": "Youssef Amrani",
    "person_email": "Youssef@Nour.example.ma",
    "password": "baskets-for-all-2026",
    "confirm": "baskets-for-all-2026",
}


def test_signing_up_creates_a_pending_organisation_and_its_member(client, session):
    client.set_cookie("lang", "en")
    response = client.post("/ngo/signup", data=SIGNUP)
    assert response.status_code == 302 and response.headers["Location"].endswith("/ngo/")
    org = session.scalar(select(Organisation))
    assert org.status == OrganisationStatus.PENDING and org.phone == "+212528841234"
    user = session.scalar(select(User).where(User.email == "youssef@nour.example.ma"))
    assert user.role == Role.ORGANISATION and user.organisation_id == org.id
    page = client.get("/ngo/").get_data(as_text=True)
    assert "waiting for the operator" in page


def test_a_pending_organisation_cannot_quote_until_verified(client, session, make):
    world = basket_world(session, make)
    session.commit()
    client.set_cookie("lang", "en")
    client.post("/ngo/signup", data=SIGNUP)
    org = session.scalar(select(Organisation).where(Organisation.name == SIGNUP["name"]))
    form = order_form(world)
    response = client.get("/ngo/orders/new")
    assert response.status_code == 302
    response = client.post("/ngo/orders/new", data=form)
    assert response.status_code == 302
    assert "waiting for the operator" in client.get("/ngo/").get_data(as_text=True)
    assert session.scalar(select(func.count(BasketQuote.id))) == 0

    verify(session, org, actor=Actor(None, "operator@taawun.ma"), now=NOW)
    session.commit()
    response = client.post("/ngo/orders/new", data=form)
    assert response.status_code == 302 and "/ngo/quotes/" in response.headers["Location"]
    session.expire_all()
    assert session.scalar(select(func.count(BasketQuote.id))) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"name": ""},
        {"phone": "12"},
        {"email": "not-an-email"},
        {"ice": "123"},
        {"region_code": "99"},
        {"address": "x"},
        {"password": "short", "confirm": "short"},
        {"confirm": "something else"},
    ],
)
def test_bad_signup_input_gives_messages_and_creates_nothing(client, session, changes):
    response = client.post("/ngo/signup", data={**SIGNUP, **changes})
    assert response.status_code == 200
    assert 'class="field-error"' in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Organisation.id))) == 0
    assert session.scalar(select(func.count(User.id))) == 0


def test_signing_up_with_a_known_address_does_not_say_so(client, session):
    from tests.baskets import organisation

    organisation(session, email="youssef@nour.example.ma")
    session.commit()
    response = client.post("/ngo/signup", data=SIGNUP)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert session.scalar(select(func.count(Organisation.id))) == 1
