import re

import pytest
from sqlalchemy import func, select

from catalog.accounts.users import Role, User
from catalog.audit import Actor
from catalog.models import Cooperative, CooperativeInvitation, CooperativeStatus
from catalog.notifications import OutboxMessage
from catalog.onboarding import invite_member
from storefront.demo.identifiers import make_ice
from tests.conftest import NOW
from tests.storefront.backoffice import PASSWORD, english, login, member, shopper

FORM = {
    "person_name": "Fatima Ait Ali",
    "person_email": "fatima@tafoukt.ma",
    "person_phone": "06 61 23 45 67",
    "password": PASSWORD,
    "confirm": PASSWORD,
    "name_fr": "Coopérative Tafoukt",
    "name_ar": "تعاونية تافوكت",
    "registration_number": "123/2019",
    "registration_court": "Tribunal de première instance d'Essaouira",
    "ice": make_ice(2468),
    "region_code": "07",
    "province_code": "07.211",
    "city": "Tamanar",
    "rural": "y",
    "women_led": "y",
    "members": "20",
    "women_members": "18",
    "sector": "argan",
    "story_fr": "Vingt femmes de Tamanar.",
}


@pytest.fixture(autouse=True)
def in_english(client) -> None:
    english(client)


def register(client, **changes):
    data = {**FORM, **changes}
    return client.post("/join/cooperative", data={k: v for k, v in data.items() if v is not None})


def test_a_newcomer_registers_a_pending_cooperative_and_lands_in_its_back_office(
    client, session
) -> None:
    assert client.get("/join/cooperative").status_code == 200
    response = register(client)
    assert response.headers["Location"] == "/back-office/"
    coop = session.scalar(select(Cooperative))
    user = session.scalar(select(User))
    assert (coop.status, coop.ice, coop.women_led, coop.women_members) == (
        CooperativeStatus.PENDING,
        make_ice(2468),
        True,
        18,
    )
    assert (user.role, user.cooperative_id, user.phone) == (
        Role.COOPERATIVE,
        coop.id,
        "+212661234567",
    )
    assert session.scalar(select(OutboxMessage.topic)) == f"cooperative:{coop.id}:registered"
    page = client.get("/back-office/").get_data(as_text=True)
    assert "waiting for the operator" in page and "Coopérative Tafoukt" in page


def test_bad_registration_input_is_explained_and_creates_nothing(client, session) -> None:
    response = register(
        client,
        ice="001561191000065",
        province_code="01.511",
        women_members="30",
        confirm="other-password-1",
        members="beaucoup",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The passwords differ." in page
    assert 'id="members-errors"' in page, "WTForms explains the number it could not read"
    assert session.scalar(select(func.count(Cooperative.id))) == 0
    response = register(client, ice="001561191000065", province_code="01.511", women_members="30")
    page = response.get_data(as_text=True)
    assert "This ICE is not valid" in page
    assert "This province is not in the chosen region." in page
    assert "There cannot be more women members than members." in page
    assert session.scalar(select(func.count(Cooperative.id))) == 0
    assert session.scalar(select(func.count(User.id))) == 0


def test_an_ice_already_registered_is_refused(client, session, make) -> None:
    make.cooperative(ice=make_ice(2468))
    session.commit()
    page = register(client).get_data(as_text=True)
    assert "A cooperative with this ICE is already registered." in page
    assert session.scalar(select(func.count(User.id))) == 0


def test_registering_with_a_known_email_does_not_reveal_it(client, session) -> None:
    shopper(session, email="fatima@tafoukt.ma")
    session.commit()
    response = register(client)
    assert response.headers["Location"] == "/account/login"
    assert session.scalar(select(func.count(Cooperative.id))) == 0
    assert session.scalar(select(OutboxMessage.topic)) == "account:exists"


def test_a_member_invites_someone_who_joins_the_same_cooperative(client, session, make) -> None:
    coop = make.cooperative()
    inviter = member(session, coop)
    session.commit()
    login(client, inviter)
    response = client.post("/back-office/members", data={"email": "Khadija@Example.ma"})
    assert response.status_code == 302
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.topic.like("%invitation")))
    assert mail.to == "khadija@example.ma"
    path = re.search(r"http://localhost(/join/invitation/\S+)", mail.body_text).group(1)
    client.post("/account/logout")

    assert "khadija@example.ma" in client.get(path).get_data(as_text=True)
    data = {"name": "Khadija", "phone": "", "password": PASSWORD, "confirm": PASSWORD}
    assert client.post(path, data=data).headers["Location"] == "/back-office/"
    joined = session.scalar(select(User).where(User.email == "khadija@example.ma"))
    assert (joined.role, joined.cooperative_id) == (Role.COOPERATIVE, coop.id)
    client.post("/account/logout")
    assert client.get(path).status_code == 404, "an invitation is used once"


def test_an_expired_or_forged_invitation_is_refused(client, session, make) -> None:
    coop = make.cooperative()
    _, token = invite_member(session, coop, "late@example.ma", actor=Actor(None), now=NOW)
    session.commit()
    assert client.get(f"/join/invitation/{token}").status_code == 404, "NOW is long past"
    response = client.get("/join/invitation/forged-token")
    assert response.status_code == 404
    assert "This invitation has expired" in response.get_data(as_text=True)


def test_inviting_an_address_that_has_an_account_answers_as_for_any(client, session, make) -> None:
    coop = make.cooperative()
    inviter = member(session, coop)
    shopper(session, email="taken@example.ma")
    session.commit()
    login(client, inviter)
    response = client.post(
        "/back-office/members", data={"email": "taken@example.ma"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Invitation sent to taken@example.ma" in page, "nobody learns who is registered"
    assert "already has a Taawun account" not in page
    assert session.scalar(select(func.count(CooperativeInvitation.id))) == 0
    bad = client.post("/back-office/members", data={"email": "not-an-email"})
    assert bad.status_code == 200
    assert session.scalar(select(func.count(CooperativeInvitation.id))) == 0


def test_only_cooperative_members_enter_the_back_office(client, session) -> None:
    assert client.get("/back-office/").headers["Location"].startswith("/account/login")
    user = shopper(session)
    session.commit()
    login(client, user)
    assert client.get("/back-office/").status_code == 403
