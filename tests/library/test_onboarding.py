from datetime import timedelta

import pytest
from sqlalchemy import select

from catalog.audit import Actor, AuditEntry
from catalog.errors import InvalidInput, InvalidState, NotFound
from catalog.models import Cooperative, CooperativeStatus
from catalog.onboarding import (
    CooperativeProfile,
    accept_invitation,
    cancel_invitation,
    invite_member,
    open_invitation,
    open_invitations,
    register_cooperative,
    update_profile,
)
from storefront.demo.identifiers import make_ice
from tests.conftest import NOW

ME = Actor(4, "fatima@example.ma")


@pytest.fixture(autouse=True)
def _accounts(make) -> None:
    """The accounts of the actors above: the audit log refers to real users."""
    make.users(ME, Actor(99), Actor(100))


def profile(**kw) -> CooperativeProfile:
    values = {
        "name_fr": "Coopérative Tafoukt",
        "name_ar": "تعاونية تافوكت",
        "registration_number": "123/2019",
        "registration_court": "Tribunal de première instance d'Essaouira",
        "ice": make_ice(2468),
        "region_code": "07",
        "province_code": "07.211",
        "members": 20,
        "women_members": 18,
        "women_led": True,
        "sector": "argan",
        "phone": "06 61 23 45 67",
    }
    values.update(kw)
    return CooperativeProfile(**values)


def problems(exc) -> set[tuple[str, str]]:
    return {(p.field, p.code) for p in exc.value.problems}


def test_a_registered_cooperative_waits_for_verification(session) -> None:
    coop = register_cooperative(session, profile(ice=" " + make_ice(2468) + " "), actor=ME, now=NOW)
    assert coop.status == CooperativeStatus.PENDING
    assert (coop.slug, coop.ice, coop.phone) == (
        "cooperative-tafoukt",
        make_ice(2468),
        "+212661234567",
    )
    entry = session.scalar(select(AuditEntry))
    assert (entry.action, entry.actor_id, entry.cooperative_id) == (
        "cooperative.register",
        4,
        coop.id,
    )


def test_registration_checks_everything_at_once(make, session) -> None:
    make.cooperative(ice=make_ice(1357))
    with pytest.raises(InvalidInput) as exc:
        register_cooperative(
            session,
            profile(
                name_fr="",
                registration_court="",
                ice="001561191000065",
                province_code="01.511",
                members=5,
                women_members=6,
                sector="mining",
                phone="123",
                founded_year=1850,
            ),
            actor=ME,
            now=NOW,
        )
    assert problems(exc) == {
        ("name_fr", "required"),
        ("registration_court", "required"),
        ("ice", "ice_checksum"),
        ("province_code", "province_not_in_region"),
        ("women_members", "more_women_than_members"),
        ("sector", "unknown_sector"),
        ("phone", "phone_invalid"),
        ("founded_year", "out_of_range"),
    }
    with pytest.raises(InvalidInput) as exc:
        register_cooperative(
            session, profile(ice=make_ice(1357), region_code="99"), actor=ME, now=NOW
        )
    assert problems(exc) == {("ice", "ice_taken"), ("region_code", "unknown_region")}
    assert session.scalar(select(Cooperative.id).where(Cooperative.status == "pending")) is None


def test_two_cooperatives_with_the_same_name_get_distinct_slugs(session) -> None:
    a = register_cooperative(session, profile(), actor=ME, now=NOW)
    b = register_cooperative(session, profile(ice=make_ice(97531)), actor=ME, now=NOW)
    assert (a.slug, b.slug) == ("cooperative-tafoukt", "cooperative-tafoukt-2")


def test_the_verified_identity_is_locked_but_the_story_is_not(make, session) -> None:
    coop = make.cooperative(registration_number="1/2010", registration_court="TPI Safi")
    same_identity = profile(
        name_fr=coop.name_fr,
        name_ar=coop.name_ar,
        ice=coop.ice,
        registration_number="1/2010",
        registration_court="TPI Safi",
        region_code="09",
        province_code="09.001",
        members=coop.members,
        women_members=coop.women_members,
        women_led=coop.women_led,
        story_fr="Nous tissons des tapis depuis 1998.",
    )
    with pytest.raises(InvalidInput) as exc:
        update_profile(session, coop, profile(), actor=ME, now=NOW)
    assert problems(exc) == {
        (name, "locked_after_verification")
        for name in ("name_fr", "name_ar", "ice", "registration_number", "registration_court")
    } | {("evidence", "required")}  # its claims changed too, with nothing to show for it
    diff = update_profile(session, coop, same_identity, actor=ME, now=NOW)
    assert diff["story_fr"] == ["", "Nous tissons des tapis depuis 1998."]
    assert coop.story_fr.startswith("Nous tissons")


def test_changing_the_region_moves_the_listings(make, session) -> None:
    coop = make.cooperative(status=CooperativeStatus.PENDING)
    product = make.product(coop)
    assert product.region_code == "09"
    update_profile(
        session,
        coop,
        profile(
            ice=coop.ice,
            name_fr=coop.name_fr,
            registration_court="TPI",
            region_code="01",
            province_code="01.511",
        ),
        actor=ME,
        now=NOW,
    )
    assert product.region_code == "01"


def test_an_invitation_is_single_use_and_expires(make, session) -> None:
    coop = make.cooperative()
    invitation, token = invite_member(session, coop, " Khadija@Example.MA ", actor=ME, now=NOW)
    assert invitation.email == "khadija@example.ma" and token not in invitation.token_hash
    assert open_invitation(session, token, now=NOW) is invitation
    with pytest.raises(NotFound):
        open_invitation(session, token, now=NOW + timedelta(days=8))
    accept_invitation(session, invitation, user_id=99, now=NOW)
    with pytest.raises(NotFound):
        open_invitation(session, token, now=NOW)
    with pytest.raises(InvalidState):
        accept_invitation(session, invitation, user_id=100, now=NOW)
    with pytest.raises(NotFound):
        open_invitation(session, "forged", now=NOW)


def test_inviting_again_replaces_the_earlier_invitation(make, session) -> None:
    coop = make.cooperative()
    first, old_token = invite_member(session, coop, "a@example.ma", actor=ME, now=NOW)
    second, _ = invite_member(session, coop, "a@example.ma", actor=ME, now=NOW)
    assert first.cancelled_at == NOW
    assert open_invitations(session, coop.id, now=NOW) == [second]
    with pytest.raises(NotFound):
        open_invitation(session, old_token, now=NOW)
    cancel_invitation(session, second, actor=ME, now=NOW)
    assert open_invitations(session, coop.id, now=NOW) == []


def test_a_bad_address_is_not_invited(make, session) -> None:
    with pytest.raises(InvalidInput) as exc:
        invite_member(session, make.cooperative(), "not-an-email", actor=ME, now=NOW)
    assert problems(exc) == {("email", "email_invalid")}


def test_a_verified_cooperatives_claims_wait_for_review(make, session) -> None:
    from catalog.claims import ClaimStatus, accept, pending

    coop = make.cooperative(registration_number="1/2010", registration_court="TPI Safi")
    product = make.product(coop)
    changed = profile(
        name_fr=coop.name_fr,
        name_ar=coop.name_ar,
        ice=coop.ice,
        registration_number="1/2010",
        registration_court="TPI Safi",
        region_code="01",
        province_code="01.511",
        members=coop.members,
        women_members=coop.women_members,
        women_led=True,
        rural=False,
        story_fr="Nouvelle histoire",
    )
    diff = update_profile(session, coop, changed, actor=ME, now=NOW, evidence="PV du 3 mars")
    # the story changes at once; the claims wait, and the listings keep the verified region
    assert set(diff) == {"story_fr", "sector", "phone"}
    assert (coop.region_code, coop.rural, coop.women_led) == ("09", True, False)
    assert product.region_code == "09"
    change = pending(session, coop.id)
    assert change.proposed == {
        "rural": False,
        "women_led": True,
        "region_code": "01",
        "province_code": "01.511",
    }
    assert change.previous["region_code"] == "09" and change.evidence == "PV du 3 mars"
    accept(session, change, note="vu", actor=ME, now=NOW)
    assert (coop.region_code, coop.rural, coop.women_led) == ("01", False, True)
    assert product.region_code == "01" and product.women_led
    assert change.status == ClaimStatus.ACCEPTED and pending(session, coop.id) is None
