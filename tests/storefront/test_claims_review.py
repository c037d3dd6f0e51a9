"""Claims that stay true: a verified cooperative that unticks "rural" (or changes
women-led, region, members) keeps its verified values on its page and in the basket
supply until an operator, who sees the diff and the evidence, accepts the change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.audit import AuditEntry
from catalog.claims import ClaimChange, ClaimStatus
from catalog.models import Cooperative
from catalog.notifications import OutboxMessage
from solidarity_baskets.supply import build_supply
from tests.baskets import basket_world
from tests.storefront.backoffice import login, member, operator

pytestmark = pytest.mark.usefixtures("english_pages")


def _profile(coop: Cooperative, **changes: str) -> dict[str, str]:
    form = {
        "name_fr": coop.name_fr,
        "name_ar": coop.name_ar,
        "registration_number": coop.registration_number or "1/2010",
        "registration_court": coop.registration_court or "TPI Safi",
        "ice": coop.ice or "",
        "region_code": coop.region_code,
        "province_code": coop.province_code,
        "members": str(coop.members),
        "women_members": str(coop.women_members),
        "sector": str(coop.sector),
        "women_led": "y" if coop.women_led else "",
        "rural": "y" if coop.rural else "",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v != ""}


def _suppliers(session, world) -> set[int]:
    """The cooperatives the basket engine would buy from for the test template."""
    from solidarity_baskets import snapshot
    from solidarity_baskets.service import kinds_of

    supply = build_supply(session, kinds_of(snapshot.template_lines(world.template), None))
    return set(supply.cooperatives)


@pytest.fixture
def world(session, make):
    found = basket_world(session, make)
    session.commit()
    return found


def test_unticking_rural_waits_for_the_operator(app, client, session, world):
    chaouia = world.coops["chaouia"]
    chaouia.registration_number, chaouia.registration_court = "7/2015", "TPI Settat"
    user = member(session, chaouia, email="chaouia@example.ma")
    staff = operator(session)
    session.commit()
    login(client, user)
    supply_before = _suppliers(session, world)
    assert chaouia.id in supply_before

    # a change to a claim needs the evidence the operator will check
    page = client.post("/back-office/profile", data=_profile(chaouia, rural=""))
    assert page.status_code == 200
    assert 'id="evidence-errors"' in page.get_data(as_text=True)
    session.expire_all()
    assert session.get(Cooperative, chaouia.id).rural is True

    done = client.post(
        "/back-office/profile",
        data=_profile(chaouia, rural="", evidence="Nous avons déménagé à Casablanca."),
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "go to the operator&#39;s review" in done
    assert "s review since" in done and "Rural: yes → no" in done
    session.expire_all()
    coop = session.get(Cooperative, chaouia.id)
    assert coop.rural is True  # the verified value stays until reviewed
    assert _suppliers(session, world) == supply_before  # basket supply unchanged
    change = session.scalar(select(ClaimChange))
    assert change.status == ClaimStatus.PENDING and change.proposed == {"rural": False}

    # the operator sees the diff and the evidence, and accepts
    desk = app.test_client()
    login(desk, staff)
    queue = desk.get("/admin/claims").get_data(as_text=True)
    assert coop.name_fr in queue and "Rural: yes → no" in queue
    review = desk.get(f"/admin/claims/{change.id}").get_data(as_text=True)
    assert "Nous avons déménagé à Casablanca." in review
    assert "1</strong> cooperative claim to review" in desk.get("/admin/").get_data(as_text=True)
    desk.post(f"/admin/claims/{change.id}/accept", data={"note": "Statuts vus"})
    session.expire_all()
    assert session.get(Cooperative, chaouia.id).rural is False
    assert chaouia.id not in _suppliers(session, world)  # no longer a rural supplier
    actions = {e.action for e in session.scalars(select(AuditEntry))}
    assert {"cooperative.claims_proposed", "cooperative.claims_accepted"} <= actions
    told = [m for m in session.scalars(select(OutboxMessage)) if m.to == "chaouia@example.ma"]
    assert told and "accepted" in told[-1].subject
    # a decision is taken once
    again = desk.post(
        f"/admin/claims/{change.id}/refuse", data={"note": "x"}, follow_redirects=True
    )
    assert 'class="flash error"' in again.get_data(as_text=True)


def test_a_refused_change_keeps_the_verified_values(app, client, session, world):
    weavers = world.coops["weavers"]
    weavers.registration_number, weavers.registration_court = "3/2012", "TPI Marrakech"
    user = member(session, weavers, email="weavers@example.ma")
    staff = operator(session)
    session.commit()
    login(client, user)
    client.post(
        "/back-office/profile",
        data=_profile(weavers, women_led="", members="40", evidence="Nouveau bureau"),
    )
    change = session.scalar(select(ClaimChange))
    assert change.proposed == {"women_led": False, "members": 40}
    desk = app.test_client()
    login(desk, staff)
    refused = desk.post(
        f"/admin/claims/{change.id}/refuse", data={"note": ""}, follow_redirects=True
    )
    assert "Write what you checked" in refused.get_data(as_text=True)
    desk.post(f"/admin/claims/{change.id}/refuse", data={"note": "Le PV ne le montre pas"})
    session.expire_all()
    coop = session.get(Cooperative, weavers.id)
    assert (coop.women_led, coop.members) == (True, 12)
    assert session.get(ClaimChange, change.id).status == ClaimStatus.REFUSED
    told = [m for m in session.scalars(select(OutboxMessage)) if m.to == "weavers@example.ma"]
    assert "Le PV ne le montre pas" in told[-1].body_text
    page = client.get("/back-office/profile").get_data(as_text=True)
    assert "Waiting for the operator" not in page


def test_a_cooperative_not_yet_verified_changes_its_claims_directly(client, session, make):
    from catalog.models import CooperativeStatus

    coop = make.cooperative(status=CooperativeStatus.PENDING)
    user = member(session, coop)
    session.commit()
    login(client, user)
    client.post("/back-office/profile", data=_profile(coop, rural=""))
    session.expire_all()
    assert session.get(Cooperative, coop.id).rural is False
    assert session.scalar(select(ClaimChange)) is None
