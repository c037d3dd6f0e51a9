"""Once one parcel has shipped, the shopper can still cancel the parcels that have not:
an unpaid one is cancelled (stock back), a card-paid one refunded through Stripe; a
parcel that left cannot be cancelled."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from orders.models import Order
from orders.status import FulfilmentStatus, OrderStatus
from tests.storefront.backoffice import member
from tests.storefront.shopping import add, checkout
from tests.stripe_fakes import event_payload, sign

pytestmark = pytest.mark.usefixtures("english_pages")


def _ship(app, session, part):
    from tests.storefront.backoffice import login

    coop_client = app.test_client()
    user = member(session, part.cooperative, email=f"coop{part.cooperative_id}@example.ma")
    session.commit()
    login(coop_client, user)
    response = coop_client.post(
        f"/back-office/orders/{part.id}/ship",
        data={"carrier": "amana", "tracking_number": "CB123456789MA"},
    )
    assert response.status_code == 302
    session.expire_all()
    assert part.status == FulfilmentStatus.SHIPPED


def test_a_guest_cancels_an_unshipped_parcel_after_another_shipped(app, client, session, shop):
    oil, honey, _ = shop
    add(client, oil, 2)
    add(client, honey, 1)
    checkout(client)
    order = session.scalar(select(Order))
    assert order.status == OrderStatus.CONFIRMED
    first, second = order.fulfilments
    _ship(app, session, first)
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert page.count("Cancel this parcel") == 1
    assert "Cancel this order" not in page

    refused = client.post(
        f"/orders/{order.number}/parts/{first.position}/cancel", follow_redirects=True
    )
    assert "can no longer be cancelled" in refused.get_data(as_text=True)
    done = client.post(
        f"/orders/{order.number}/parts/{second.position}/cancel", follow_redirects=True
    ).get_data(as_text=True)
    assert "Parcel cancelled: you will not pay for it." in done
    session.expire_all()
    assert first.status == FulfilmentStatus.SHIPPED
    assert second.status == FulfilmentStatus.CANCELLED
    cancelled_product = honey if second.cooperative_id == honey.cooperative_id else oil
    assert cancelled_product.available == cancelled_product.on_hand  # nothing held any more
    assert order.status == OrderStatus.CONFIRMED  # the shipped parcel is still on its way
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Cancel this parcel" not in page


def test_another_visitor_cannot_cancel_a_parcel(app, client, session, shop):
    oil, honey, _ = shop
    add(client, oil)
    add(client, honey)
    checkout(client)
    order = session.scalar(select(Order))
    stranger = app.test_client()
    response = stranger.post(f"/orders/{order.number}/parts/1/cancel")
    assert response.status_code == 404
    session.expire_all()
    assert {p.status for p in order.fulfilments} == {FulfilmentStatus.TO_PREPARE}


def test_a_card_paid_parcel_cancelled_is_refunded_through_stripe(
    stripe_app, session, shop, stripe_http
):
    stripe_app.config["BABEL_DEFAULT_LOCALE"] = "en"
    client = stripe_app.test_client()
    oil, honey, _ = shop
    add(client, oil)
    add(client, honey)
    checkout(client, payment_method="card")
    order = session.scalar(select(Order))
    payload = event_payload(
        "checkout.session.completed", number=order.number, amount_minor=order.total_minor
    )
    client.post(
        "/webhooks/stripe",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": sign(payload)},
    )
    session.expire_all()
    assert order.status == OrderStatus.CONFIRMED
    first, second = order.fulfilments
    _ship(stripe_app, session, first)
    done = client.post(
        f"/orders/{order.number}/parts/{second.position}/cancel", follow_redirects=True
    ).get_data(as_text=True)
    assert "goes back to your card" in done
    refunds = [c for c in stripe_http.calls if c[1] == "/v1/refunds"]
    assert len(refunds) == 1
    assert refunds[0][3]["amount"] == [str(second.total_minor)]
    session.expire_all()
    assert second.status == FulfilmentStatus.REFUNDED
    assert order.amount_refunded_minor == second.total_minor
    assert first.status == FulfilmentStatus.SHIPPED
