"""A cooperative ships its part of a solidarity-basket order to the distribution point
of that part, not to the organisation's office: the back office's order page and
packing slip say where the parcel goes and by when."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from solidarity_baskets.models import BasketOrder, BasketQuote
from tests.baskets import basket_world, order_form
from tests.storefront.backoffice import login, member

OFFICE = "12 boulevard Zerktouni"


@pytest.fixture
def confirmed(client, session, make):
    world = basket_world(session, make)
    session.commit()
    login(client, world.member)
    client.post("/ngo/orders/new", data=order_form(world))
    quote = session.scalar(select(BasketQuote))
    response = client.post(
        f"/ngo/quotes/{quote.id}/confirm", data={"payment_method": "bank_transfer"}
    )
    assert response.status_code == 302
    client.post("/account/logout")
    session.expire_all()
    return world, session.scalar(select(BasketOrder))


def test_a_basket_part_shows_its_distribution_point(client, session, confirmed) -> None:
    world, basket_order = confirmed
    weaver = member(session, world.coops["weavers"], email="weaver@example.ma")
    session.commit()
    login(client, weaver)
    parts = [
        p for p in basket_order.order.fulfilments if p.cooperative_id == world.coops["weavers"].id
    ]
    points = {}
    for part in parts:
        [destination] = {
            a.destination for a in basket_order.allocation if a.fulfilment_id == part.id
        }
        points[part.id] = destination
    assert {d.hub_name for d in points.values()} == {"", "Hub Anza"}
    for part in parts:
        hub = points[part.id].hub_name
        for url in (
            f"/back-office/orders/{part.id}",
            f"/back-office/orders/{part.id}/packing-slip",
        ):
            page = client.get(url).get_data(as_text=True)
            assert "Distribution point" in page, url
            assert ("Hub Anza" in page) == (hub == "Hub Anza"), url
            assert ("Agadir" in page) == (hub == "Hub Anza"), url  # the point's province
            assert OFFICE not in page, url
            assert basket_order.quote.deliver_by.strftime("%Y") in page


def test_the_seller_names_of_a_basket_order_are_snapshot_in_arabic(confirmed) -> None:
    world, basket_order = confirmed
    by_id = {c.id: c for c in world.coops.values()}
    for part in basket_order.order.fulfilments:
        coop = by_id[part.cooperative_id]
        assert (part.cooperative_name, part.cooperative_name_ar) == (coop.name_fr, coop.name_ar)
        assert part.cooperative_name_ar


def test_a_shoppers_part_still_goes_to_the_order_address(client, session, make) -> None:
    coop = make.cooperative(name_fr="Coopérative Tafoukt")
    oil = make.product(coop, on_hand=20)
    order = make.order({oil: 1}, method="cod")
    user = member(session, coop)
    session.commit()
    login(client, user)
    [part] = order.fulfilments
    page = client.get(f"/back-office/orders/{part.id}").get_data(as_text=True)
    assert order.address in page and "Distribution point" not in page
