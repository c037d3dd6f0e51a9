"""Card payments with the real ``stripe`` library over a fake HTTP layer, and webhook
events applied exactly once, in any order."""

import json
import time

import pytest
from sqlalchemy import func, select

from orders import fulfilment, ledger, payment_attempts, refunds
from orders.errors import GatewayError, WebhookRejected
from orders.models import Order, Payment, ProcessedWebhookEvent
from orders.payments.events import apply_event
from orders.payments.stripe_connect import parts_due, transfer_part
from orders.payments.stripe_gateway import StripeGateway
from orders.status import FulfilmentStatus, OrderStatus, PaymentStatus
from tests import stripe_fakes
from tests.conftest import NOW, SHARED
from tests.stripe_fakes import (
    SECRET,
    SESSION_ID,
    FakeStripeHTTP,
    error,
    event_payload,
    objects,
    sign,
)


def _gateway(http: FakeStripeHTTP | None = None) -> tuple[StripeGateway, FakeStripeHTTP]:
    http = http or FakeStripeHTTP()
    gateway = StripeGateway.from_keys(
        "sk_test_dummy", webhook_secret=SECRET, http_client=http, max_network_retries=0
    )
    return gateway, http


@pytest.fixture
def card_order(session, make):
    a, b = make.cooperative(name_fr="Argan"), make.cooperative(name_fr="Miel")
    order = make.order(
        {make.product(a, on_hand=3, price_minor=22_500): 1, make.product(b, on_hand=2): 2},
        method="card",
    )
    session.commit()
    return order


def _start(session, order, gateway):
    payment = payment_attempts.new_payment_attempt(session, order, now=NOW)
    session.commit()
    start = gateway.start(
        order, payment, success_url="https://shop.test/ok", cancel_url="https://shop.test/cancel"
    )
    payment_attempts.payment_started(
        session, payment, provider_ref=start.provider_ref, redirect_url=start.redirect_url, now=NOW
    )
    session.commit()
    return payment, start


def _apply(session, gateway, kind, order, **kw):
    payload = event_payload(kind, number=order.number, amount_minor=order.total_minor, **kw)
    event = gateway.parse_event(payload.encode(), sign(payload))
    outcome = apply_event(session, event, now=NOW).outcome
    session.commit()
    return outcome


def test_a_checkout_session_is_created_with_an_idempotency_key(session, card_order) -> None:
    gateway, http = _gateway()
    payment, start = _start(session, card_order, gateway)
    method, path, headers, form = http.calls[0]
    assert (method, path) == ("post", "/v1/checkout/sessions")
    assert headers["Idempotency-Key"] == f"checkout:{card_order.number}:1"
    assert headers["Authorization"] == "Bearer sk_test_dummy"
    assert form["mode"] == ["payment"] and form["client_reference_id"] == [card_order.number]
    assert form["payment_intent_data[transfer_group]"] == [f"ORDER_{card_order.number}"]
    assert form["metadata[order_number]"] == [card_order.number]
    assert form["expires_at"] == [str(int(card_order.reserved_until.timestamp()))]
    assert form["line_items[0][price_data][currency]"] == ["mad"]
    # goods and one shipping line per parcel add up to the order's total, in centimes
    total = 0
    i = 0
    while f"line_items[{i}][quantity]" in form:
        total += int(form[f"line_items[{i}][quantity]"][0]) * int(
            form[f"line_items[{i}][price_data][unit_amount]"][0]
        )
        i += 1
    assert total == card_order.total_minor and i == 2 + 2
    assert start.redirect_url.startswith("https://checkout.stripe.com/")
    assert payment.provider_ref == stripe_fakes.SESSION_ID


def test_a_retry_uses_a_new_key_and_supersedes_the_old_attempt(session, card_order) -> None:
    gateway, http = _gateway()
    first, _ = _start(session, card_order, gateway)
    http.routes[("post", "/v1/checkout/sessions")][1]["id"] = "cs_test_second"
    second, _ = _start(session, card_order, gateway)
    assert [c[2]["Idempotency-Key"] for c in http.calls] == [
        f"checkout:{card_order.number}:1",
        f"checkout:{card_order.number}:2",
    ]
    assert first.status == PaymentStatus.EXPIRED and second.status == PaymentStatus.PENDING
    assert first.last_error == "superseded"


def test_closing_a_session_expires_it_or_says_it_was_paid() -> None:
    """``close`` asks Stripe to expire the page; when Stripe refuses (the session is no
    longer open) the session's own status says whether it was paid."""
    gateway, http = _gateway()
    assert gateway.close(SESSION_ID) is True
    assert http.calls[-1][:2] == ("post", f"/v1/checkout/sessions/{SESSION_ID}/expire")
    http.routes[("post", "/v1/checkout/sessions/cs_paid/expire")] = error(
        "checkout_session_not_open"
    )
    http.routes[("get", "/v1/checkout/sessions/cs_paid")] = (
        200,
        dict(http.routes[("post", "/v1/checkout/sessions")][1], id="cs_paid", status="complete"),
    )
    assert gateway.close("cs_paid") is False
    http.routes[("post", "/v1/checkout/sessions/cs_down/expire")] = error("api_error", 500)
    with pytest.raises(GatewayError):
        gateway.close("cs_down")


@pytest.mark.parametrize(
    ("answer", "code", "retryable"),
    [
        (error("amount_too_small"), "amount_too_small", False),
        (error("api_error", 500, "api_error"), "APIError", True),
    ],
)
def test_provider_errors_become_gateway_errors(session, card_order, answer, code, retryable):
    gateway, _ = _gateway(FakeStripeHTTP({("post", "/v1/checkout/sessions"): answer}))
    payment = payment_attempts.new_payment_attempt(session, card_order, now=NOW)
    with pytest.raises(GatewayError) as caught:
        gateway.start(card_order, payment, success_url="https://s/ok", cancel_url="https://s/no")
    assert caught.value.data == {
        "provider": "stripe",
        "provider_code": code,
        "retryable": retryable,
    }


def test_small_amounts_are_cash_only() -> None:
    from catalog.money import Money

    gateway, _ = _gateway()
    assert not gateway.is_available(Money(999)) and gateway.is_available(Money(1000))


def test_refunds_go_through_the_payment_intent_once(session, card_order) -> None:
    from catalog.money import Money

    gateway, http = _gateway()
    payment, _ = _start(session, card_order, gateway)
    with pytest.raises(GatewayError):
        gateway.refund(payment, Money(100), idempotency_key="k")  # not paid yet: no intent
    payment.payment_intent_id = "pi_123"
    refund_id = gateway.refund(payment, Money(12_345), idempotency_key="refund:TW:1")
    method, path, headers, form = http.calls[-1]
    assert (path, form["payment_intent"], form["amount"]) == ("/v1/refunds", ["pi_123"], ["12345"])
    assert headers["Idempotency-Key"] == "refund:TW:1" and refund_id.startswith("re_")


# -- webhooks: signatures --------------------------------------------------------------------
def test_a_forged_or_stale_signature_is_rejected(card_order) -> None:
    gateway, _ = _gateway()
    payload = event_payload(
        "checkout.session.completed", number=card_order.number, amount_minor=card_order.total_minor
    )
    for header in (
        sign(payload, secret="whsec_wrong"),
        sign(payload, t=int(time.time()) - 3600),
        "t=1,v1=deadbeef",
        "",
        None,
    ):
        with pytest.raises(WebhookRejected) as caught:
            gateway.parse_event(payload.encode(), header)
        assert caught.value.code == "signature_invalid"
    tampered = payload.replace(str(card_order.total_minor), "1")
    with pytest.raises(WebhookRejected):
        gateway.parse_event(tampered.encode(), sign(payload))


def test_a_signed_but_unreadable_payload_is_rejected() -> None:
    gateway, _ = _gateway()
    for body in ("not json", json.dumps({"id": "evt_1", "object": "event"})):
        with pytest.raises(WebhookRejected) as caught:
            gateway.parse_event(body.encode(), sign(body))
        assert caught.value.code == "payload_invalid"


@pytest.mark.parametrize(
    ("kind", "outcome"),
    [
        ("checkout.session.completed", "succeeded"),
        ("checkout.session.async_payment_succeeded", "succeeded"),
        ("checkout.session.async_payment_failed", "failed"),
        ("checkout.session.expired", "expired"),
        ("payment_intent.payment_failed", "attempt_failed"),
        ("charge.refunded", "refunded"),
    ],
)
def test_each_event_type_is_read(kind, outcome) -> None:
    gateway, _ = _gateway()
    payload = event_payload(kind, number="TW-AAA-BBB", amount_minor=45_000)
    event = gateway.parse_event(payload.encode(), sign(payload))
    assert (event.outcome, event.order_number, event.amount_minor) == (
        outcome,
        "TW-AAA-BBB",
        45_000,
    )
    assert event.event_id.startswith("evt_")


def test_stripes_own_shared_payloads_are_read() -> None:
    events = SHARED / "stripe" / "events"
    if not events.is_dir():
        pytest.skip("the shared Stripe payloads are not checked out beside the project")
    gateway, _ = _gateway()
    ignored = []
    for path in sorted(events.glob("*.json")):
        raw = path.read_bytes()
        event = gateway.parse_event(raw, sign(raw))
        assert event.event_type == path.stem
        if event.outcome == "ignored":
            ignored.append(path.stem)  # Checkout's own events carry the outcome
            continue
        assert event.payment_intent_id == "pi_1PgafyB7WZ01zgkWSjxsAJo3"
        if path.stem.startswith("checkout.session"):
            assert event.order_number == "ord_test_0001" and event.amount_minor == 45_000
    assert ignored == ["payment_intent.succeeded"]


# -- webhooks: applied exactly once, in any order -----------------------------------------------
def test_a_completed_session_pays_and_confirms_the_order_once(session, card_order) -> None:
    gateway, _ = _gateway()
    _start(session, card_order, gateway)
    assert _apply(session, gateway, "checkout.session.completed", card_order) == "paid"
    session.expire_all()
    assert card_order.status == OrderStatus.CONFIRMED
    assert card_order.amount_paid_minor == card_order.total_minor
    assert {p.status for p in card_order.fulfilments} == {FulfilmentStatus.TO_PREPARE}
    assert card_order.payments[0].payment_intent_id == "pi_taawun_0001"
    events = len(card_order.events)
    assert _apply(session, gateway, "checkout.session.completed", card_order) == "duplicate"
    session.expire_all()
    assert len(card_order.events) == events
    assert session.scalar(select(func.count(ProcessedWebhookEvent.id))) == 1
    # a late "expired" for the paid session changes nothing
    assert _apply(session, gateway, "checkout.session.expired", card_order) == "stale"
    assert card_order.status == OrderStatus.CONFIRMED


def test_a_declined_card_keeps_the_reservation_for_another_try(session, card_order) -> None:
    gateway, _ = _gateway()
    _start(session, card_order, gateway)
    outcome = _apply(
        session,
        gateway,
        "payment_intent.payment_failed",
        card_order,
        payment_intent="pi_taawun_0001",
    )
    assert outcome == "attempt_failed"
    session.expire_all()
    assert card_order.status == OrderStatus.PENDING_PAYMENT
    assert card_order.payments[0].last_error == "generic_decline"
    assert card_order.events[-1].kind == "payment_failed"


def test_an_async_failure_cancels_and_releases_the_stock(session, card_order) -> None:
    gateway, _ = _gateway()
    _start(session, card_order, gateway)
    products = [line.product for line in card_order.lines]
    assert _apply(session, gateway, "checkout.session.async_payment_failed", card_order) == (
        "cancelled"
    )
    session.expire_all()
    assert card_order.status == OrderStatus.CANCELLED
    assert [p.available for p in products] == [3, 2]


def test_an_expired_session_expires_the_order(session, card_order) -> None:
    gateway, _ = _gateway()
    _start(session, card_order, gateway)
    assert _apply(session, gateway, "checkout.session.expired", card_order) == "expired"
    session.expire_all()
    assert card_order.status == OrderStatus.EXPIRED
    assert all(line.released for line in card_order.lines)


def test_payment_after_expiry_takes_the_stock_again_when_it_can(session, card_order) -> None:
    gateway, _ = _gateway()
    _start(session, card_order, gateway)
    refunds.expire_reservations(session, now=card_order.reserved_until)
    session.commit()
    assert _apply(session, gateway, "checkout.session.completed", card_order) == "reinstated"
    session.expire_all()
    assert card_order.status == OrderStatus.CONFIRMED
    assert [line.product.available for line in card_order.lines] == [2, 0]
    assert {p.status for p in card_order.fulfilments} == {FulfilmentStatus.TO_PREPARE}


def test_payment_after_expiry_without_stock_is_flagged_for_a_refund(session, make, card_order):
    gateway, _ = _gateway()
    _start(session, card_order, gateway)
    refunds.expire_reservations(session, now=card_order.reserved_until)
    session.commit()
    oil, honey = (line.product for line in card_order.lines)
    make.order({honey: 2})  # someone else bought the honey meanwhile
    session.commit()
    oil_available = oil.available
    payload = event_payload(
        "checkout.session.completed", number=card_order.number, amount_minor=card_order.total_minor
    )
    event = gateway.parse_event(payload.encode(), sign(payload))
    assert apply_event(session, event, now=NOW).outcome == "needs_refund"
    session.commit()
    session.expire_all()
    assert card_order.status == OrderStatus.EXPIRED and card_order.needs_attention
    assert card_order.amount_paid_minor == card_order.total_minor
    assert honey.available == 0
    assert oil.available == oil_available  # the oil taken before the honey fell short is back


def test_a_wrong_amount_is_flagged_not_fulfilled(session, card_order) -> None:
    gateway, _ = _gateway()
    _start(session, card_order, gateway)
    payload = event_payload(
        "checkout.session.completed",
        number=card_order.number,
        amount_minor=card_order.total_minor - 1,
    )
    event = gateway.parse_event(payload.encode(), sign(payload))
    assert apply_event(session, event, now=NOW).outcome == "amount_mismatch"
    assert card_order.status == OrderStatus.PENDING_PAYMENT and card_order.needs_attention


def test_an_event_for_an_unknown_order_is_recorded_and_ignored(session, card_order) -> None:
    gateway, _ = _gateway()
    payload = event_payload(
        "checkout.session.completed", number="TW-ZZZ-ZZZ", amount_minor=100, session_id="cs_unknown"
    )
    event = gateway.parse_event(payload.encode(), sign(payload))
    assert apply_event(session, event, now=NOW).outcome == "unknown_order"
    assert apply_event(session, event, now=NOW).outcome == "duplicate"
    assert session.scalar(select(func.count(Payment.id))) == 0


def test_a_refund_made_in_stripe_refunds_every_part(session, card_order) -> None:
    gateway, _ = _gateway()
    _start(session, card_order, gateway)
    _apply(session, gateway, "checkout.session.completed", card_order)
    assert _apply(session, gateway, "charge.refunded", card_order) == "refunded"
    session.expire_all()
    assert card_order.status == OrderStatus.REFUNDED
    assert card_order.amount_refunded_minor == card_order.total_minor
    assert [line.product.available for line in card_order.lines] == [3, 2]


def test_our_own_refund_confirmed_by_stripe_is_not_counted_twice(session, card_order) -> None:
    gateway, http = _gateway()
    _start(session, card_order, gateway)
    _apply(session, gateway, "checkout.session.completed", card_order)
    part = card_order.fulfilments[0]
    refunds.refund_part(session, part, gateway=gateway, now=NOW, reason="damaged")
    session.commit()
    assert http.calls[-1][1] == "/v1/refunds"
    outcome = _apply(
        session, gateway, "charge.refunded", card_order, amount_refunded_minor=part.total_minor
    )
    assert outcome == "already_recorded"
    assert card_order.amount_refunded_minor == part.total_minor
    assert card_order.fulfilments[1].status == FulfilmentStatus.TO_PREPARE


def test_a_partial_refund_from_the_dashboard_is_recorded_and_flagged(session, card_order):
    gateway, _ = _gateway()
    _start(session, card_order, gateway)
    _apply(session, gateway, "checkout.session.completed", card_order)
    outcome = _apply(session, gateway, "charge.refunded", card_order, amount_refunded_minor=500)
    assert outcome == "refund_recorded"
    assert card_order.amount_refunded_minor == 500 and card_order.needs_attention
    assert card_order.status == OrderStatus.CONFIRMED


def _delivered_with_connect(session, card_order, http: FakeStripeHTTP | None = None):  # noqa: ANN202
    """A card order, paid and delivered; the first part's cooperative has a Connect
    account."""
    gateway, http = _gateway(http)
    _start(session, card_order, gateway)
    _apply(session, gateway, "checkout.session.completed", card_order)
    argan = card_order.fulfilments[0]
    ledger.set_payout_account(
        session, argan.cooperative_id, holder_name="Argan", rib="", stripe_account_id="acct_123"
    )
    for part in card_order.fulfilments:
        fulfilment.mark_shipped(session, part, "T", now=NOW)
        fulfilment.mark_delivered(session, part, now=NOW)
    session.commit()
    return gateway, http, argan


def test_connect_transfers_pay_each_cooperative_once(session, card_order) -> None:
    gateway, http, argan = _delivered_with_connect(session, card_order)
    due = parts_due(session)
    assert due == [argan]
    transfer_part(session, gateway, argan, now=NOW)
    session.commit()
    method, path, headers, form = http.calls[-1]
    assert path == "/v1/transfers" and form["destination"] == ["acct_123"]
    assert form["transfer_group"] == [f"ORDER_{card_order.number}"]
    assert form["amount"] == [str(argan.cooperative_share_minor)]
    assert headers["Idempotency-Key"] == f"transfer:{card_order.number}:{argan.cooperative_id}"
    assert parts_due(session) == []
    assert ledger.balance_of(session, argan.cooperative_id).amount_minor == 0
    assert ledger.reconcile(session) == {}
    assert session.scalar(select(Order.status)) == OrderStatus.COMPLETED


def _transferred(session, card_order, http: FakeStripeHTTP | None = None):  # noqa: ANN202
    """A card order, delivered, whose first part went to the cooperative by Connect."""
    gateway, http, argan = _delivered_with_connect(session, card_order, http)
    transfer_part(session, gateway, argan, now=NOW)
    session.commit()
    return gateway, http, argan


def test_refunding_a_transferred_part_takes_the_transfer_back(session, card_order) -> None:
    gateway, http, argan = _transferred(session, card_order)
    transfer_id = objects()["transfer"]["id"]
    refunds.refund_part(session, argan, gateway=gateway, now=NOW, reason="damaged")
    session.commit()
    (reversal,) = [c for c in http.calls if c[1] == f"/v1/transfers/{transfer_id}/reversals"]
    _, _, headers, form = reversal
    assert form["amount"] == [str(argan.cooperative_share_minor)]
    assert headers["Idempotency-Key"] == (
        f"transfer-reversal:{card_order.number}:{argan.cooperative_id}"
    )
    balance = next(b for b in ledger.balances(session) if b.cooperative_id == argan.cooperative_id)
    assert balance.balance.amount_minor == 0, "nothing owed either way"
    assert balance.paid_out.amount_minor == 0
    assert ledger.reconcile(session) == {}
    assert not card_order.needs_attention


def test_refunding_units_of_a_transferred_line_takes_back_their_share_only(
    session, card_order
) -> None:
    gateway, http, argan = _transferred(session, card_order)
    transfer_id = objects()["transfer"]["id"]
    line = argan.lines[0]
    refunds.refund_line(session, line, 1, gateway=gateway, now=NOW, reason="jar broken")
    session.commit()
    net = line.unit_price_minor - line.commission_minor
    [first] = [c for c in http.calls if c[1] == f"/v1/transfers/{transfer_id}/reversals"]
    assert first[3]["amount"] == [str(net)]
    assert first[2]["Idempotency-Key"] == (
        f"transfer-reversal:{card_order.number}:{argan.cooperative_id}:line:{line.id}:1"
    )
    balance = next(b for b in ledger.balances(session) if b.cooperative_id == argan.cooperative_id)
    assert balance.balance.amount_minor == 0 and not card_order.needs_attention
    assert balance.paid_out.amount_minor == argan.cooperative_share_minor - net
    assert ledger.reconcile(session) == {}
    # the rest of the parcel refunded later: only what is still transferred comes back
    refunds.refund_part(session, argan, gateway=gateway, now=NOW, reason="lost")
    session.commit()
    reversals = [c for c in http.calls if c[1] == f"/v1/transfers/{transfer_id}/reversals"]
    assert [c[3]["amount"] for c in reversals] == [
        [str(net)],
        [str(argan.cooperative_share_minor - net)],
    ]
    assert ledger.balance_of(session, argan.cooperative_id).amount_minor == 0
    assert ledger.reconcile(session) == {}


def test_a_part_refunded_in_part_before_it_left_is_transferred_less_those_units(
    session, make
) -> None:
    coop = make.cooperative(name_fr="Argan")
    oil = make.product(coop, on_hand=5, price_minor=10_000)
    order = make.order({oil: 3}, method="card")
    session.commit()
    gateway, http = _gateway()
    _start(session, order, gateway)
    _apply(session, gateway, "checkout.session.completed", order)
    part, line = order.fulfilments[0], order.lines[0]
    refunds.refund_line(session, line, 1, gateway=gateway, now=NOW, reason="short")
    ledger.set_payout_account(
        session, coop.id, holder_name="Argan", rib="", stripe_account_id="acct_123"
    )
    fulfilment.mark_shipped(session, part, "T", now=NOW)
    fulfilment.mark_delivered(session, part, now=NOW)
    transfer_part(session, gateway, part, now=NOW)
    session.commit()
    assert not [c for c in http.calls if c[1].endswith("/reversals")]
    [transfer] = [c for c in http.calls if c[1] == "/v1/transfers"]
    given_back = line.refunded_minor - line.refunded_commission_minor
    assert transfer[3]["amount"] == [str(part.cooperative_share_minor - given_back)]
    assert ledger.balance_of(session, coop.id).amount_minor == part.delivery_subsidy_minor
    assert ledger.reconcile(session) == {}


def test_a_transfer_stripe_will_not_take_back_leaves_the_refund_and_flags_the_order(
    session, card_order
) -> None:
    transfer_id = objects()["transfer"]["id"]
    http = FakeStripeHTTP(
        {("post", f"/v1/transfers/{transfer_id}/reversals"): error("insufficient_funds")}
    )
    gateway, http, argan = _transferred(session, card_order, http)
    refunds.refund_part(session, argan, gateway=gateway, now=NOW, reason="damaged")
    session.commit()
    assert argan.status == FulfilmentStatus.REFUNDED, "the shopper is refunded all the same"
    assert card_order.needs_attention
    assert card_order.events[-1].data["reason"] == "transfer_not_taken_back"
    owed = ledger.balance_of(session, argan.cooperative_id).amount_minor
    assert owed == -argan.cooperative_share_minor, "the ledger shows what the cooperative owes"
    assert ledger.reconcile(session) == {}


def test_refunding_a_part_never_transferred_takes_nothing_back(session, card_order) -> None:
    gateway, http = _gateway()
    _start(session, card_order, gateway)
    _apply(session, gateway, "checkout.session.completed", card_order)
    refunds.refund_part(
        session, card_order.fulfilments[0], gateway=gateway, now=NOW, reason="damaged"
    )
    session.commit()
    assert not [c for c in http.calls if c[1].endswith("/reversals")]
