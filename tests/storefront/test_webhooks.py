"""POST /webhooks/stripe: signature-checked, CSRF-exempt, each event exactly once."""

import pytest
from sqlalchemy import func, select

from orders.models import Order, ProcessedWebhookEvent
from orders.status import OrderStatus
from tests.storefront.shopping import add, checkout
from tests.stripe_fakes import event_payload, sign

# pages in English: the tests read the messages as written in the code
pytestmark = pytest.mark.usefixtures("english_pages")


@pytest.fixture
def pending(stripe_app, session, shop):
    client = stripe_app.test_client()
    add(client, shop[0])
    add(client, shop[1])
    checkout(client, payment_method="card")
    return client, session.scalar(select(Order))


def _post(client, payload, signature):
    headers = {"Stripe-Signature": signature} if signature is not None else {}
    return client.post(
        "/webhooks/stripe", data=payload, content_type="application/json", headers=headers
    )


def _completed(order, **kw):
    return event_payload(
        "checkout.session.completed", number=order.number, amount_minor=order.total_minor, **kw
    )


def _processed(session) -> int:
    return session.scalar(select(func.count(ProcessedWebhookEvent.id)))


@pytest.mark.parametrize("signature", ["forged", "wrong-secret", "stale", "empty", "missing"])
def test_a_forged_webhook_is_refused_and_changes_nothing(pending, session, signature) -> None:
    client, order = pending
    payload = _completed(order)
    header = {
        "forged": "t=1700000000,v1=" + "0" * 64,
        "wrong-secret": sign(payload, secret="whsec_other"),
        "stale": sign(payload, t=1_600_000_000),
        "empty": "",
        "missing": None,
    }[signature]
    response = _post(client, payload, header)
    assert response.status_code == 400 and response.json == {"error": "signature_invalid"}
    session.expire_all()
    assert order.status == OrderStatus.PENDING_PAYMENT and _processed(session) == 0


def test_a_signed_payload_altered_in_transit_is_refused(pending, session) -> None:
    client, order = pending
    payload = _completed(order)
    response = _post(client, payload.replace('"paid"', '"unpaid"'), sign(payload))
    assert response.status_code == 400
    assert _processed(session) == 0


def test_garbage_is_refused_without_a_crash(pending, session) -> None:
    client, _ = pending
    for body in ("", "{", "[]", "null", '{"type": "checkout.session.completed"}'):
        assert _post(client, body, sign(body)).status_code == 400
    assert _processed(session) == 0


def test_a_replayed_event_is_harmless(pending, session) -> None:
    client, order = pending
    payload = _completed(order)
    first = _post(client, payload, sign(payload))
    again = _post(client, payload, sign(payload))
    assert first.json["outcome"] == "paid" and again.json["outcome"] == "duplicate"
    assert again.status_code == 200
    session.expire_all()
    assert order.status == OrderStatus.CONFIRMED
    assert [e.kind for e in order.events].count("paid") == 1
    assert _processed(session) == 1


def test_events_out_of_order_are_harmless(pending, session) -> None:
    client, order = pending
    completed = _completed(order)
    expired = event_payload(
        "checkout.session.expired", number=order.number, amount_minor=order.total_minor
    )
    failed = event_payload(
        "checkout.session.async_payment_failed", number=order.number, amount_minor=order.total_minor
    )
    assert _post(client, completed, sign(completed)).json["outcome"] == "paid"
    assert _post(client, expired, sign(expired)).json["outcome"] == "stale"
    assert _post(client, failed, sign(failed)).json["outcome"] == "stale"
    session.expire_all()
    assert order.status == OrderStatus.CONFIRMED


def test_the_webhook_needs_no_csrf_token(stripe_app, pending, session) -> None:
    stripe_app.config["WTF_CSRF_ENABLED"] = True
    client, order = pending
    payload = _completed(order)
    assert _post(client, payload, sign(payload)).status_code == 200


def test_without_stripe_keys_there_is_no_webhook(client) -> None:
    payload = '{"id": "evt_1"}'
    assert _post(client, payload, sign(payload)).status_code == 404


def test_a_payment_that_comes_too_late_for_the_stock_is_flagged(pending, session, make) -> None:
    client, order = pending
    from orders import refunds

    refunds.expire_reservations(session, now=order.reserved_until)
    session.commit()
    honey = (
        order.lines[1].product if order.lines[1].product.available < 3 else order.lines[0].product
    )
    make.order({honey: honey.available})
    session.commit()
    payload = _completed(order)
    response = _post(client, payload, sign(payload))
    assert response.status_code == 200 and response.json["outcome"] == "needs_refund"
    session.expire_all()
    assert order.needs_attention and order.status == OrderStatus.EXPIRED
