"""The demo of ``make run``: the NGO can order the SAC case (4,000 baskets for
Casablanca and Agadir) in full, and an order fifty times larger comes back short."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from catalog.accounts.users import User
from catalog.models import Cooperative
from solidarity_baskets.models import BasketTemplate
from solidarity_baskets.request import BasketRequest, DestinationRequest
from solidarity_baskets.service import quote_baskets
from storefront.demo.baskets import NGO_EMAIL, seed_baskets
from storefront.demo.orders import (
    DEMO_PASSWORD,
    MEMBER_DOMAIN,
    MEMBER_EMAILS,
    seed_member_accounts,
    seed_orders,
)
from storefront.demo.seed import seed_catalog
from tests.conftest import NOW, TODAY


@pytest.mark.slow
def test_the_demo_supplies_the_sac_case_and_reports_an_over_large_order(session, tmp_path):
    seed_catalog(session, tmp_path, today=TODAY)
    seed_orders(session, now=NOW)
    made = seed_baskets(session, tmp_path, today=TODAY, now=NOW)
    assert made["accounts"] == [NGO_EMAIL]
    assert seed_baskets(session, tmp_path, today=TODAY, now=NOW)["accounts"] == []  # idempotent
    user = session.scalar(select(User).where(User.email == NGO_EMAIL))
    assert user.organisation.is_verified
    sac = session.scalar(select(BasketTemplate).where(BasketTemplate.slug == "sac-2020"))
    assert sac is not None and sac.lines[0].is_container

    def quote(casablanca: int, agadir: int):
        request = BasketRequest(
            organisation_id=user.organisation_id,
            template_id=sac.id,
            destinations=(
                DestinationRequest("06.141", casablanca),
                DestinationRequest("09.001", agadir),
            ),
            deliver_by=TODAY + timedelta(days=21),
            family_size=5,
        )
        return quote_baskets(session, request, today=TODAY, now=NOW)

    full = quote(2500, 1500)
    assert full.baskets == 4000 and full.shortage_units == 0
    assert full.suppliers_paid >= 10 and full.women_led_share_bps > 0
    assert all(c["rural"] for c in full.result["cooperatives"].values())
    short = quote(120_000, 80_000)
    assert short.shortage_units > 0 and short.result["shortfalls"]


@pytest.mark.slow
def test_every_line_of_the_demo_national_basket_has_rural_suppliers(session, tmp_path):
    from solidarity_baskets.service import kinds_of
    from solidarity_baskets.snapshot import template_lines
    from solidarity_baskets.supply import build_supply

    seed_catalog(session, tmp_path, today=TODAY)
    seed_baskets(session, tmp_path, today=TODAY, now=NOW)
    national = session.scalar(
        select(BasketTemplate).where(BasketTemplate.slug == "ramadan-national")
    )
    assert national is not None and len(national.lines) == 9
    supply = build_supply(session, kinds_of(template_lines(national), None))
    supplied = {o.line_key for o in supply.offers}
    assert supplied == {line.key for line in national.lines}
    # the tea line is 850 g and tea comes in 250 g packs: four packs (1 kg) per basket
    tea = [o for o in supply.offers if o.line_key == "the"]
    assert tea and {o.units_per_line_unit for o in tea} == {4}


@pytest.mark.slow
def test_every_demo_cooperative_can_sign_in_to_ship_its_purchase_orders(session, tmp_path, client):
    """A basket order is supplied by dozens of the demo's cooperatives: each has a
    member who signs in with the demo password and reaches its back office."""
    seed_catalog(session, tmp_path, today=TODAY)
    seed_orders(session, now=NOW)
    seed_baskets(session, tmp_path, today=TODAY, now=NOW)
    opened = seed_member_accounts(session, now=NOW)
    session.commit()
    coops = session.scalars(select(Cooperative)).all()
    members = {u.cooperative_id for u in session.scalars(select(User)) if u.cooperative_id}
    assert opened == len(coops) - 4 and members == {c.id for c in coops}
    assert seed_member_accounts(session, now=NOW) == 0  # idempotent
    supplier = session.scalar(
        select(Cooperative).where(
            Cooperative.rural.is_(True), Cooperative.slug.not_in(MEMBER_EMAILS)
        )
    )
    email = f"{supplier.slug}@{MEMBER_DOMAIN}"
    assert supplier.email == email
    client.set_cookie("lang", "en")
    response = client.post("/account/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get("/back-office/orders")
    assert page.status_code == 200 and supplier.name_fr in page.get_data(as_text=True)
    wrong = client.post("/account/logout") and client.post(
        "/account/login", data={"email": email, "password": "not-the-demo-password"}
    )
    assert wrong.status_code == 200  # the shared hash is a real password check
