"""An organisation whose basket order ships parcel after parcel gets one summary a day
(``flask orders digest``), not one e-mail per parcel; a shopper still hears of each."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.db import utcnow
from catalog.notifications import OutboxMessage
from solidarity_baskets.models import BasketOrder, BasketQuote
from storefront.filters import CASABLANCA
from tests.baskets import basket_world, order_form
from tests.storefront.backoffice import login, member, operator

pytestmark = pytest.mark.usefixtures("english_pages")


def test_the_organisation_gets_one_digest_a_day(app, client, session, make, runner):
    world = basket_world(session, make)
    staff = operator(session)
    weaver = member(session, world.coops["weavers"], email="weaver@example.ma")
    session.commit()
    login(client, world.member)
    client.post("/ngo/orders/new", data=order_form(world))
    quote = session.scalar(select(BasketQuote))
    client.post(f"/ngo/quotes/{quote.id}/confirm", data={"payment_method": "bank_transfer"})
    order = session.scalar(select(BasketOrder)).order
    desk = app.test_client()
    login(desk, staff)
    amount = f"{order.total_minor // 100},{order.total_minor % 100:02d}"
    desk.post(
        f"/admin/orders/{order.number}/transfer",
        data={"amount": amount, "received_on": "2026-03-03", "reference": "VIR-5"},
    )
    coop = app.test_client()
    login(coop, weaver)
    parts = [p for p in order.fulfilments if p.cooperative_id == world.coops["weavers"].id]
    for part in parts:
        coop.post(
            f"/back-office/orders/{part.id}/ship",
            data={"carrier": "amana", "tracking_number": "CB123456789MA"},
        )
    to_ngo = select(OutboxMessage).where(OutboxMessage.to == "ngo@example.ma")
    assert not [m for m in session.scalars(to_ngo) if ":shipped:" in m.topic]

    today = utcnow().astimezone(CASABLANCA).date().isoformat()
    result = runner.invoke(args=["orders", "digest", "--day", today])
    assert "1 digest(s) queued" in result.output, result.output
    digests = [m for m in session.scalars(to_ngo) if m.topic.startswith("digest:")]
    assert len(digests) == 1
    body = digests[0].body_text
    assert f"{len(parts)} parcels shipped" in digests[0].subject
    assert order.number in body and f"{len(parts)} × Parcel shipped" in body
    # the same day is not sent twice
    again = runner.invoke(args=["orders", "digest", "--day", today])
    assert "0 digest(s) queued" in again.output
    assert len([m for m in session.scalars(to_ngo) if m.topic.startswith("digest:")]) == 1
