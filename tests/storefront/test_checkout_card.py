"""Paying by card with Stripe Checkout, end to end against the fake Stripe API: the
order is fulfilled from the signed webhook only, never from the return page."""

import pytest
from sqlalchemy import select

from catalog.notifications import OutboxMessage
from orders.models import Order, Payment
from orders.status import FulfilmentStatus, OrderStatus, PaymentStatus
from tests.storefront.shopping import add, checkout
from tests.stripe_fakes import SESSION_ID, error, event_payload, sign

# pages in English: the tests read the messages as written in the code
pytestmark = pytest.mark.usefixtures("english_pages")


@pytest.fixture
def card_client(stripe_app):
    return stripe_app.test_client()


def _webhook(client, kind, order, **kw):
    payload = event_payload(kind, number=order.number, amount_minor=order.total_minor, **kw)
    return client.post(
        "/webhooks/stripe",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": sign(payload)},
    )


def test_the_card_path_works_end_to_end(card_client, session, shop, stripe_http) -> None:
    oil, honey, masks = shop
    add(card_client, oil)
    add(card_client, honey)
    add(card_client, masks, 5)
    response = checkout(card_client, payment_method="card")
    assert response.status_code == 303
    assert response.headers["Location"] == f"https://checkout.stripe.com/c/pay/{SESSION_ID}"
    order = session.scalar(select(Order))
    assert order.status == OrderStatus.PENDING_PAYMENT and order.cod_fee_minor == 0
    payment = session.scalar(select(Payment))
    assert (payment.provider_ref, payment.status) == (SESSION_ID, PaymentStatus.PENDING)
    _, path, headers, form = stripe_http.calls[0]
    assert headers["Idempotency-Key"] == f"checkout:{order.number}:1"
    assert form["success_url"] == [f"http://localhost/checkout/return/{order.number}?result=paid"]
    session.expire_all()
    assert oil.available == 4, "the stock is reserved while the shopper pays"

    # coming back to the success page changes nothing
    back = card_client.get(f"/checkout/return/{order.number}?result=paid", follow_redirects=True)
    assert "confirming your payment" in back.get_data(as_text=True)
    session.expire_all()
    assert order.status == OrderStatus.PENDING_PAYMENT

    assert _webhook(card_client, "checkout.session.completed", order).status_code == 200
    session.expire_all()
    assert order.status == OrderStatus.CONFIRMED and order.amount_paid_minor == order.total_minor
    assert {p.status for p in order.fulfilments} == {FulfilmentStatus.TO_PREPARE}
    topics = session.scalars(select(OutboxMessage.topic)).all()
    assert f"order:{order.number}:confirmed" in topics
    page = card_client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Payment received" in page and "Being prepared" in page


def test_card_is_not_offered_below_the_minimum(card_client, session, shop) -> None:
    masks = shop[2]
    add(card_client, masks, 1)  # 6.00 MAD: below Stripe's 10.00 floor
    page = card_client.get("/checkout/").get_data(as_text=True)
    assert 'value="card"' not in page and 'value="cod"' in page
    add(card_client, masks, 1)
    assert 'value="card"' in card_client.get("/checkout/").get_data(as_text=True)


def test_card_is_not_offered_without_keys(client, shop) -> None:
    add(client, shop[0])
    assert 'value="card"' not in client.get("/checkout/").get_data(as_text=True)


def test_when_stripe_refuses_the_shopper_can_retry_or_pay_cash(
    card_client, session, shop, stripe_http
) -> None:
    stripe_http.routes[("post", "/v1/checkout/sessions")] = error("api_error", 500, "api_error")
    add(card_client, shop[0])
    response = checkout(card_client, payment_method="card")
    order = session.scalar(select(Order))
    assert response.headers["Location"] == f"/orders/{order.number}"
    page = card_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "could not start" in page and "Pay by card" in page
    assert "Pay cash on delivery instead" in page
    assert session.scalar(select(Payment.status)) == PaymentStatus.FAILED

    card_client.post(f"/orders/{order.number}/cash")
    session.expire_all()
    assert order.status == OrderStatus.CONFIRMED and order.payment_method == "cod"
    assert order.cod_fee_minor == 1_000 and order.total_minor == sum(
        p.total_minor for p in order.fulfilments
    )


def test_a_retry_opens_a_new_session(card_client, session, shop, stripe_http) -> None:
    add(card_client, shop[0])
    checkout(card_client, payment_method="card")
    order = session.scalar(select(Order))
    stripe_http.routes[("post", "/v1/checkout/sessions")][1]["id"] = "cs_test_retry"
    response = card_client.post(f"/orders/{order.number}/pay")
    assert response.status_code == 303
    assert [
        c[2]["Idempotency-Key"] for c in stripe_http.calls if c[1] == "/v1/checkout/sessions"
    ] == [
        f"checkout:{order.number}:1",
        f"checkout:{order.number}:2",
    ]


def test_a_retry_first_expires_the_previous_session(
    card_client, session, shop, stripe_http
) -> None:
    """Paid twice no more: the first Checkout Session is expired at Stripe before the
    second one is created, and its attempt is marked expired."""
    add(card_client, shop[0])
    checkout(card_client, payment_method="card")
    order = session.scalar(select(Order))
    stripe_http.routes[("post", "/v1/checkout/sessions")][1]["id"] = "cs_test_retry"
    assert card_client.post(f"/orders/{order.number}/pay").status_code == 303
    paths = [c[1] for c in stripe_http.calls]
    assert paths == [
        "/v1/checkout/sessions",
        f"/v1/checkout/sessions/{SESSION_ID}/expire",
        "/v1/checkout/sessions",
    ]
    session.expire_all()
    first, second = sorted(order.payments, key=lambda p: p.attempt)
    assert (first.status, first.last_error) == (PaymentStatus.EXPIRED, "superseded")
    assert (second.status, second.provider_ref) == (PaymentStatus.PENDING, "cs_test_retry")
    # Stripe's later "expired" event for the first session leaves the order waiting
    assert _webhook(card_client, "checkout.session.expired", order).status_code == 200
    session.expire_all()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_no_new_session_while_the_previous_one_was_paid(
    card_client, session, shop, stripe_http
) -> None:
    """Stripe refuses to expire a completed session: no second session is created and
    the shopper is told to wait for the confirmation."""
    add(card_client, shop[0])
    checkout(card_client, payment_method="card")
    order = session.scalar(select(Order))
    stripe_http.routes[("post", f"/v1/checkout/sessions/{SESSION_ID}/expire")] = error(
        "checkout_session_not_open"
    )
    completed = dict(stripe_http.routes[("post", "/v1/checkout/sessions")][1], status="complete")
    stripe_http.routes[("get", f"/v1/checkout/sessions/{SESSION_ID}")] = (200, completed)
    response = card_client.post(f"/orders/{order.number}/pay", follow_redirects=True)
    assert "still open or being confirmed" in response.get_data(as_text=True)
    assert [c[1] for c in stripe_http.calls].count("/v1/checkout/sessions") == 1
    session.expire_all()
    assert [p.status for p in order.payments] == [PaymentStatus.PENDING]


def test_an_expired_checkout_session_releases_the_stock(card_client, session, shop) -> None:
    oil = shop[0]
    add(card_client, oil, 2)
    checkout(card_client, payment_method="card")
    order = session.scalar(select(Order))
    assert _webhook(card_client, "checkout.session.expired", order).status_code == 200
    session.expire_all()
    assert order.status == OrderStatus.EXPIRED and oil.available == 5
    assert f"order:{order.number}:expired" in session.scalars(select(OutboxMessage.topic)).all()
    page = card_client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Pay by card" not in page
    assert card_client.post(f"/orders/{order.number}/pay").status_code == 302


def test_the_card_path_over_real_http_with_a_loopback_stripe(
    engine, database_url, tmp_path, session, shop
) -> None:
    """The stripe library's own HTTP client talks to a fake Stripe on 127.0.0.1, whose
    hosted page sends the signed webhook to the shop served on another port."""
    import threading

    import requests
    from werkzeug.serving import make_server

    from storefront import create_app
    from storefront.extensions import db
    from tests.storefront.conftest import app_settings
    from tests.stripe_fakes import SECRET, LoopbackStripe

    fake = LoopbackStripe(webhook_url="", secret=SECRET).start()
    app = create_app(
        app_settings(
            database_url,
            tmp_path / "uploads",
            STRIPE_SECRET_KEY="sk_test_loopback",
            STRIPE_WEBHOOK_SECRET=SECRET,
            STRIPE_API_BASE=fake.base,
            STRIPE_MAX_RETRIES=0,
        )
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.webhook_url = f"http://127.0.0.1:{server.server_port}/webhooks/stripe"
    try:
        client = app.test_client()
        add(client, shop[0])
        add(client, shop[1])
        response = checkout(client, payment_method="card")
        assert response.status_code == 303
        hosted = response.headers["Location"]
        assert hosted.startswith(fake.base + "/pay/cs_test_loopback_")
        order = session.scalar(select(Order))
        assert order.status == OrderStatus.PENDING_PAYMENT
        assert fake.requests[0][2]["client_reference_id"] == [order.number]
        paid = requests.post(hosted, data={"action": "pay"}, allow_redirects=False, timeout=10)
        assert paid.headers["Location"].endswith(f"/checkout/return/{order.number}?result=paid")
        session.expire_all()
        assert order.status == OrderStatus.CONFIRMED
        assert order.payments[0].payment_intent_id.startswith("pi_loopback_")
    finally:
        server.shutdown()
        fake.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
