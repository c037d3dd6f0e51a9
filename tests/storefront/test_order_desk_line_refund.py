"""The operator refunds some units of one line of a parcel that arrived (a broken jar):
the card is refunded through Stripe (the real stripe library against the fake HTTP
layer), the ledger takes the units back from the cooperative less their commission,
and the books still reconcile — also when the rest of the parcel is refunded later."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.audit import AuditEntry
from orders import ledger
from orders.models import Order
from orders.status import FulfilmentStatus, PaymentStatus
from tests.storefront.backoffice import login, member, operator
from tests.storefront.shopping import add, checkout
from tests.stripe_fakes import event_payload, sign

pytestmark = pytest.mark.usefixtures("english_pages")


def _pay_by_card(client, session) -> Order:
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
    return order


def _deliver(app, session, part) -> None:
    coop_client = app.test_client()
    user = member(session, part.cooperative, email="coop@example.ma")
    session.commit()
    login(coop_client, user)
    coop_client.post(
        f"/back-office/orders/{part.id}/ship",
        data={"carrier": "amana", "tracking_number": "CB123456789MA"},
    )
    coop_client.post(f"/back-office/orders/{part.id}/deliver")
    session.expire_all()
    assert part.status == FulfilmentStatus.DELIVERED


def _coop_balance(session, coop_id) -> int:
    return next(
        (b.balance.amount_minor for b in ledger.balances(session) if b.cooperative_id == coop_id),
        0,
    )


def test_the_operator_refunds_one_unit_of_a_line_by_card(stripe_app, session, shop, stripe_http):
    stripe_app.config["BABEL_DEFAULT_LOCALE"] = "en"
    client = stripe_app.test_client()
    oil, _, _ = shop
    add(client, oil, 3)
    order = _pay_by_card(client, session)
    part = order.fulfilments[0]
    line = part.lines[0]
    _deliver(stripe_app, session, part)
    before = _coop_balance(session, part.cooperative_id)
    assert before == part.total_minor - part.commission_minor

    desk = stripe_app.test_client()
    staff = operator(session)
    session.commit()
    login(desk, staff)
    page = desk.get(f"/admin/orders/{order.number}").get_data(as_text=True)
    assert "Refund units of this line" in page
    url = f"/admin/orders/{order.number}/lines/{line.id}/refund"

    # more units than the line has: refused, nothing moves
    refused = desk.post(url, data={"quantity": "4", "reason": "Cassé"}, follow_redirects=True)
    assert "from 1 to 3" in refused.get_data(as_text=True)
    assert not [c for c in stripe_http.calls if c[1] == "/v1/refunds"]

    done = desk.post(
        url, data={"quantity": "1", "reason": "Un flacon cassé"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Refunded to the card" in done
    assert "1 refunded" in done and "Some units refunded" in done
    calls = [c for c in stripe_http.calls if c[1] == "/v1/refunds"]
    assert len(calls) == 1 and calls[0][3]["amount"] == [str(oil.price_minor)]
    assert calls[0][2]["Idempotency-Key"] == f"refund:{order.number}:1:line:{line.id}:1"

    session.expire_all()
    assert (line.refunded_quantity, line.refunded_minor) == (1, oil.price_minor)
    assert order.amount_refunded_minor == oil.price_minor
    assert order.payments[-1].status == PaymentStatus.PARTIALLY_REFUNDED
    assert part.status == FulfilmentStatus.DELIVERED  # the rest of the parcel is kept
    # the cooperative gives back the unit less the commission on it
    commission = line.commission_minor // 3
    assert _coop_balance(session, part.cooperative_id) == before - (oil.price_minor - commission)
    assert ledger.reconcile(session) == {}
    assert "order.line_refund" in {e.action for e in session.scalars(select(AuditEntry))}

    # refunding the whole parcel later gives back only what is left, and the books hold
    desk.post(
        f"/admin/orders/{order.number}/parts/1/refund",
        data={"reason": "Retour du colis", "restock": ""},
    )
    session.expire_all()
    calls = [c for c in stripe_http.calls if c[1] == "/v1/refunds"]
    assert calls[-1][3]["amount"] == [str(part.total_minor - oil.price_minor)]
    assert order.amount_refunded_minor == order.total_minor
    assert part.status == FulfilmentStatus.REFUNDED
    assert _coop_balance(session, part.cooperative_id) == 0
    assert ledger.reconcile(session) == {}


def test_units_are_not_refunded_before_the_parcel_leaves(stripe_app, session, shop):
    stripe_app.config["BABEL_DEFAULT_LOCALE"] = "en"
    client = stripe_app.test_client()
    oil, _, _ = shop
    add(client, oil, 2)
    order = _pay_by_card(client, session)
    line = order.fulfilments[0].lines[0]
    desk = stripe_app.test_client()
    staff = operator(session)
    session.commit()
    login(desk, staff)
    page = desk.get(f"/admin/orders/{order.number}").get_data(as_text=True)
    assert "Refund units of this line" not in page
    response = desk.post(
        f"/admin/orders/{order.number}/lines/{line.id}/refund",
        data={"quantity": "1", "reason": "x"},
        follow_redirects=True,
    )
    assert "once the parcel has left" in response.get_data(as_text=True)
    session.expire_all()
    assert line.refunded_quantity == 0 and order.amount_refunded_minor == 0
