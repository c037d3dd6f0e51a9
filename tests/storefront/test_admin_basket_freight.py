"""The operator's basket freight tariffs and purchase-order rules, and what quotes do
with them."""

import pytest
from sqlalchemy import select

from catalog.audit import AuditEntry
from orders.shipping import ShippingZone
from solidarity_baskets import freight
from solidarity_baskets.models import FreightRate, SourcingSettings
from tests.storefront.backoffice import login, operator


@pytest.fixture
def console(client, session):
    boss = operator(session)
    session.commit()
    login(client, boss)
    return boss


def _form(**changes: str) -> dict[str, str]:
    data = {}
    for zone, rate in freight.DEFAULT_RATES.items():
        data[f"{zone}_per_kg"] = f"{rate.per_kg_minor / 100:.2f}".replace(".", ",")
        data[f"{zone}_per_kg_100km"] = f"{rate.per_kg_100km_minor / 100:.2f}"
        data[f"{zone}_min_shipment"] = f"{rate.min_shipment_minor // 100}"
        data[f"{zone}_transit_days"] = str(rate.transit_days)
    data["min_part"] = "500"
    data["shipment_fee"] = "0"
    data["max_parts"] = str(freight.DEFAULT_SOURCING.max_parts)
    data.update(changes)
    return data


def test_the_page_shows_the_default_tariff_and_lanes(client, console) -> None:
    page = client.get("/admin/basket-freight").get_data(as_text=True)
    assert "Basket freight" in page or "Fret des paniers" in page
    assert 'value="0.30"' in page  # per kg, every zone (English page)
    assert "km" in page


def test_a_saved_tariff_prices_the_lanes_and_is_logged(client, session, console) -> None:
    response = client.post(
        "/admin/basket-freight",
        data=_form(other_region_per_kg="1,50", min_part="800", shipment_fee="25"),
    )
    assert response.status_code == 302
    session.expire_all()
    row = session.get(FreightRate, "other_region")
    assert row is not None and row.per_kg_minor == 150
    assert session.get(FreightRate, "same_region") is None  # unchanged zones stay default
    rules = freight.sourcing(session)
    assert (rules.min_part_minor, rules.shipment_fee_minor) == (80_000, 2_500)
    table = freight.table(freight.current(session))
    km = freight.distance_km("09", "06")
    assert table.minor_per_kg[("09", "06")] == round(150 + 20 * km / 100)
    assert table.minor_per_kg[("06", "06")] == 30
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "basket_freight.update"))
    assert entry is not None and entry.details == {"changed": ["other_region", "sourcing"]}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("remote_per_kg", "beaucoup"),
        ("same_region_min_shipment", "-5"),
        ("other_region_transit_days", "90"),
        ("max_parts", "0"),
        ("min_part", "99999999999"),
    ],
)
def test_bad_figures_change_nothing(client, session, console, field, value) -> None:
    response = client.post("/admin/basket-freight", data=_form(**{field: value}))
    assert response.status_code == 200
    assert f'id="{field}-errors"' in response.get_data(as_text=True)
    assert session.scalar(select(FreightRate)) is None
    assert session.get(SourcingSettings, 1) is None


def test_default_lanes_cover_every_region_pair_from_the_shared_regions() -> None:
    table = freight.table(freight.DEFAULT_RATES)
    assert len(table.minor_per_kg) == 144
    assert table.transit_days[("06", "06")] == 1
    assert table.transit_days[("06", "11")] == 3
    assert (
        table.min_shipment_minor[("06", "12")]
        == freight.DEFAULT_RATES[ShippingZone.REMOTE].min_shipment_minor
    )


def test_the_operator_offers_the_ready_made_baskets_once(client, console, session) -> None:
    from solidarity_baskets.models import BasketTemplate
    from solidarity_baskets.templates import READY_MADE

    page = client.get("/admin/basket-freight").get_data(as_text=True)
    assert "/admin/basket-freight/ready-made" in page  # none offered yet: the button shows
    response = client.post("/admin/basket-freight/ready-made", follow_redirects=True)
    assert response.status_code == 200
    offered = session.scalars(
        select(BasketTemplate.slug).where(BasketTemplate.organisation_id.is_(None))
    ).all()
    assert sorted(offered) == sorted(spec.slug for spec in READY_MADE)
    page = response.get_data(as_text=True)
    assert all(spec.name in page for spec in READY_MADE)
    assert "/admin/basket-freight/ready-made" not in page  # all offered: no button
    again = client.post("/admin/basket-freight/ready-made")
    assert again.status_code == 302
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "basket_templates.ready_made")
    ).all()
    assert len(entries) == 1 and len(offered) == len(READY_MADE)


def test_offering_the_ready_made_baskets_is_for_operators_only(client, session) -> None:
    from solidarity_baskets.models import BasketTemplate

    assert client.post("/admin/basket-freight/ready-made").status_code in (302, 401, 403)
    assert session.scalar(select(BasketTemplate)) is None
