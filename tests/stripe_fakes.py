"""Stripe at the HTTP boundary, for tests: a fake ``stripe.HTTPClient`` answering
with Stripe's own example objects, and webhook payloads signed here with the test
secret (HMAC-SHA256, as Stripe does). No network, no Stripe account."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import stripe

DATA = Path(__file__).parent / "data" / "stripe"
SECRET = "whsec_test_secret"
SESSION_ID = "cs_test_taawun_0001"


def objects() -> dict[str, Any]:
    return json.loads((DATA / "objects.json").read_text())


def sign(payload: str | bytes, secret: str = SECRET, t: int | None = None) -> str:
    body = payload.decode() if isinstance(payload, bytes) else payload
    t = int(time.time()) if t is None else t
    mac = hmac.new(secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def event_payload(
    kind: str,
    *,
    number: str,
    amount_minor: int,
    session_id: str = SESSION_ID,
    payment_intent: str = "pi_taawun_0001",
    amount_refunded_minor: int | None = None,
    event_id: str | None = None,
) -> str:
    """One of the stored events, retargeted at our order."""
    event = json.loads((DATA / f"{kind}.json").read_text())
    event = copy.deepcopy(event)
    if event_id:
        event["id"] = event_id
    obj = event["data"]["object"]
    obj["metadata"] = {"order_number": number}
    if kind.startswith("checkout.session"):
        obj["id"] = session_id
        obj["client_reference_id"] = number
        obj["amount_total"] = obj["amount_subtotal"] = amount_minor
        if obj.get("payment_intent"):
            obj["payment_intent"] = payment_intent
    elif kind.startswith("payment_intent"):
        obj["id"] = payment_intent
        obj["amount"] = amount_minor
    elif kind == "charge.refunded":
        obj["payment_intent"] = payment_intent
        obj["amount"] = obj["amount_captured"] = amount_minor
        obj["amount_refunded"] = (
            amount_minor if amount_refunded_minor is None else (amount_refunded_minor)
        )
    return json.dumps(event)


class FakeStripeHTTP(stripe.HTTPClient):
    """Answers Stripe API calls from a routing table and records every request."""

    name = "fake"

    def __init__(self, routes: dict[tuple[str, str], tuple[int, dict[str, Any]]] | None = None):
        super().__init__()
        fixtures = objects()
        session = dict(
            fixtures["checkout.session"],
            id=SESSION_ID,
            url=f"https://checkout.stripe.com/c/pay/{SESSION_ID}",
        )
        self.routes = {
            ("post", "/v1/checkout/sessions"): (200, session),
            ("post", "/v1/refunds"): (200, fixtures["refund"]),
            ("post", "/v1/transfers"): (200, fixtures["transfer"]),
        }
        self.routes.update(routes or {})
        self.calls: list[tuple[str, str, dict[str, str], dict[str, list[str]]]] = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):  # noqa: ANN001
        path = urlsplit(url).path
        body = post_data.decode() if isinstance(post_data, bytes) else (post_data or "")
        self.calls.append((method, path, dict(headers), parse_qs(body)))
        status, answer = self.routes[(method, path)]
        return json.dumps(answer), status, {"Request-Id": "req_test"}

    def request_stream(self, *args, **kwargs):  # noqa: ANN002, ANN003
        raise NotImplementedError

    def close(self) -> None:
        pass


def error(code: str, status: int = 400, kind: str = "invalid_request_error") -> tuple[int, dict]:
    return status, {"error": {"type": kind, "code": code, "message": code}}
