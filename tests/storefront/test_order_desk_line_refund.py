"""The operator refunds some units of one line of a parcel that arrived (a broken jar):
the card is refunded through Stripe (the real stripe library against the fake HTTP
layer), the ledger takes the units back from the cooperative less their commission,
and the books still reconcile — also when the rest of the parcel is refunded later."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.audit import AuditEntry
from catalog.notifications import OutboxMessage
from orders import ledger
from orders.models import Order
from orders.status import FulfilmentStatus, PaymentStatus
from tests.conftest import NOW
from tests.storefront.backoffice import login, member, operator
from tests.storefront.shopping import add, checkout
from tests.stripe_fakes import event_payload, sign

pytestmark = pytest.mark.usefixtures("english_pages")


def _card_order(app, session, product, units):
    """A shopper orders ``units`` of ``product`` and pays by card: the order, its only
    part and line."""
    client = app.test_client()
    add(client, product, units)
    order = _pay_by_card(client, session)
    part = order.fulfilments[0]
    return order, part, part.lines[0]


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


def _coop_desk(app, session, coop):
    """A client logged in as a member of ``coop``."""
    coop_client = app.test_client()
    user = member(session, coop, email="coop@example.ma")
    session.commit()
    login(coop_client, user)
    return coop_client


def _deliver(app, session, part) -> None:
    coop_client = _coop_desk(app, session, part.cooperative)
    coop_client.post(
        f"/back-office/orders/{part.id}/ship",
        data={"carrier": "amana", "tracking_number": "CB123456789MA"},
    )
    coop_client.post(f"/back-office/orders/{part.id}/deliver")
    session.expire_all()
    assert part.status == FulfilmentStatus.DELIVERED


def _operator_desk(app, session):
    """A client logged in as an operator."""
    desk = app.test_client()
    staff = operator(session)
    session.commit()
    login(desk, staff)
    return desk


def _coop_balance(session, coop_id) -> int:
    return next(
        (b.balance.amount_minor for b in ledger.balances(session) if b.cooperative_id == coop_id),
        0,
    )


def test_the_operator_refunds_one_unit_of_a_line_by_card(stripe_app, session, shop, stripe_http):
    stripe_app.config["BABEL_DEFAULT_LOCALE"] = "en"
    oil, _, _ = shop
    order, part, line = _card_order(stripe_app, session, oil, 3)
    _deliver(stripe_app, session, part)
    before = _coop_balance(session, part.cooperative_id)
    assert before == part.total_minor - part.commission_minor

    desk = _operator_desk(stripe_app, session)
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


def test_a_card_parcel_not_sent_gives_units_back_to_the_shelf_and_the_card(
    stripe_app, session, shop, stripe_http
):
    oil, _, _ = shop
    order, part, line = _card_order(stripe_app, session, oil, 3)
    assert part.status == FulfilmentStatus.TO_PREPARE
    session.refresh(oil)
    assert oil.available == 2
    desk = _operator_desk(stripe_app, session)
    page = desk.get(f"/admin/orders/{order.number}").get_data(as_text=True)
    assert "Take units of this line off the parcel" in page
    url = f"/admin/orders/{order.number}/lines/{line.id}/refund"
    done = desk.post(
        url, data={"quantity": "1", "reason": "Plus en stock"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Refunded to the card" in done and "1 taken off before sending" in done
    [call] = [c for c in stripe_http.calls if c[1] == "/v1/refunds"]
    assert call[3]["amount"] == [str(oil.price_minor)]
    session.expire_all()
    assert (line.refunded_quantity, line.removed_quantity, line.quantity_to_send) == (1, 1, 2)
    assert oil.available == 3  # the unit is back on sale
    assert order.payments[-1].status == PaymentStatus.PARTIALLY_REFUNDED
    told = {m.topic for m in session.scalars(select(OutboxMessage))}
    assert {
        f"order:{order.number}:taken_off:{line.id}",
        f"order:{order.number}:part:1:taken_off:{line.id}",
    } <= told
    # the cooperative is asked for the rest only, and is owed for the rest only
    _deliver(stripe_app, session, part)
    session.refresh(oil)
    assert (oil.on_hand, oil.allocated) == (3, 0)  # two units left the shelf
    commission = line.commission_minor // 3
    expected = part.total_minor - part.commission_minor - (oil.price_minor - commission)
    assert _coop_balance(session, part.cooperative_id) == expected
    assert ledger.reconcile(session) == {}


def test_a_cash_on_delivery_parcel_not_sent_costs_less_at_the_door(app, session, make):
    coop = make.cooperative(email="coop@example.ma")
    oil = make.product(coop, on_hand=10, price_minor=10_000, title_fr="Huile d'argan")
    soap = make.product(coop, on_hand=10, price_minor=2_000, title_fr="Savon")
    order = make.order({oil: 2, soap: 1}, now=NOW)
    part = order.fulfilments[0]
    oil_line = next(ln for ln in part.lines if ln.product_id == oil.id)
    soap_line = next(ln for ln in part.lines if ln.product_id == soap.id)
    session.commit()
    total = part.total_minor
    desk = _operator_desk(app, session)
    url = f"/admin/orders/{order.number}/lines/{{}}/refund"

    done = desk.post(
        url.format(oil_line.id), data={"quantity": "1", "reason": "Abîmé"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "the buyer pays 100.00" in done.replace("\u202f", " ").replace("\xa0", " ")
    session.expire_all()
    assert part.to_collect_minor == total - 10_000
    assert order.amount_refunded_minor == 0 and order.refund_owed_minor == 0  # nothing paid
    assert oil.available == 9
    # the buyer reads it on its order page and in a message, the cooperative what to send
    shopper_page = desk.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "1 taken off before sending" in shopper_page and "To pay at the door" in shopper_page
    told = {m.topic: m for m in session.scalars(select(OutboxMessage))}
    to_buyer = told[f"order:{order.number}:taken_off:{oil_line.id}"].body_text
    assert "1 unit of “Huile d'argan” is taken off your order" in to_buyer
    assert "You pay 100,00" in to_buyer.replace("\u202f", " ").replace("\xa0", " ")
    to_coop = told[f"order:{order.number}:part:1:taken_off:{oil_line.id}"].body_text
    assert "do not send it" in to_coop and "Send 1 of this product." in to_coop
    desk.post(url.format(soap_line.id), data={"quantity": "1", "reason": "x"})
    # every unit still to send: the whole parcel is cancelled instead, nothing moves
    session.expire_all()
    left = desk.post(
        url.format(oil_line.id), data={"quantity": "1", "reason": "x"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "cancel or refund the whole parcel" in left
    session.expire_all()
    assert oil_line.removed_quantity == 1 and soap_line.removed_quantity == 1

    # the cooperative sees what to send and what to collect, and collects that
    coop_client = _coop_desk(app, session, coop)
    page = coop_client.get(f"/back-office/orders/{part.id}").get_data(as_text=True)
    assert "taken off: do not send it" in page and "To collect at the door" in page
    coop_client.post(
        f"/back-office/orders/{part.id}/ship",
        data={"carrier": "amana", "tracking_number": "CB123456789MA"},
    )
    coop_client.post(f"/back-office/orders/{part.id}/cash")
    session.expire_all()
    assert part.status == FulfilmentStatus.DELIVERED
    assert part.cash_collected_minor == total - 12_000
    assert (oil.on_hand, oil.allocated, soap.on_hand, soap.allocated) == (9, 0, 10, 0)
    # the cooperative owes the commission on what it sold, not on what was taken off
    sold_commission = (
        part.commission_minor
        - oil_line.refunded_commission_minor
        - (soap_line.refunded_commission_minor)
    )
    assert _coop_balance(session, coop.id) == part.delivery_subsidy_minor - sold_commission
    assert ledger.reconcile(session) == {}


def test_a_line_refund_takes_back_the_cooperatives_share_from_its_connect_transfer(
    stripe_app, session, shop, stripe_http
):
    oil, _, _ = shop
    order, part, line = _card_order(stripe_app, session, oil, 2)
    ledger.set_payout_account(
        session, part.cooperative_id, holder_name="Argan", rib="", stripe_account_id="acct_123"
    )
    session.commit()
    _deliver(stripe_app, session, part)
    result = stripe_app.test_cli_runner().invoke(args=["orders", "connect-transfers"])
    assert "1 transfer(s) made" in result.output
    desk = _operator_desk(stripe_app, session)
    desk.post(
        f"/admin/orders/{order.number}/lines/{line.id}/refund",
        data={"quantity": "1", "reason": "Un flacon cassé"},
    )
    session.expire_all()
    net = oil.price_minor - line.commission_minor // 2
    reversals = [c for c in stripe_http.calls if c[1].endswith("/reversals")]
    assert [c[3]["amount"] for c in reversals] == [[str(net)]]
    assert not order.needs_attention
    assert _coop_balance(session, part.cooperative_id) == 0
    assert ledger.reconcile(session) == {}
