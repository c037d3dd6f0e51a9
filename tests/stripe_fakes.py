"""Stripe at the HTTP boundary, for tests: a fake ``stripe.HTTPClient`` answering
with Stripe's own example objects, and webhook payloads signed here with the test
secret (HMAC-SHA256, as Stripe does). No network, no Stripe account."""

from __future__ import annotations

import copy
import hashlib
import hmac
import html
import io
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
            # a session expired on request (a new attempt closes the previous page)
            ("post", f"/v1/checkout/sessions/{SESSION_ID}/expire"): (
                200,
                dict(session, status="expired", url=None),
            ),
            ("post", "/v1/refunds"): (200, fixtures["refund"]),
            ("post", "/v1/transfers"): (200, fixtures["transfer"]),
            ("post", f"/v1/transfers/{fixtures['transfer']['id']}/reversals"): (
                200,
                fixtures["transfer_reversal"],
            ),
        }
        self.routes.update(routes or {})
        self.calls: list[tuple[str, str, dict[str, str], dict[str, list[str]]]] = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):  # noqa: ANN001
        path = urlsplit(url).path
        body = post_data.decode() if isinstance(post_data, bytes) else (post_data or "")
        self.calls.append((method, path, dict(headers), parse_qs(body)))
        status, answer = self.routes[(method, path)]
        return json.dumps(answer), status, {"Request-Id": "req_test"}

    def request_stream(self, method, url, headers, post_data=None, *, _usage=None):  # noqa: ANN001
        """The same answer as :meth:`request`, as a byte stream (Stripe's streaming calls)."""
        body, status, answer_headers = self.request(method, url, headers, post_data)
        return io.BytesIO(body.encode()), status, answer_headers

    def close(self) -> None:
        pass


def error(code: str, status: int = 400, kind: str = "invalid_request_error") -> tuple[int, dict]:
    return status, {"error": {"type": kind, "code": code, "message": code}}


# -- a loopback fake Stripe, for a test of the real HTTP path and for `make run` ----------
class LoopbackStripe:
    """A tiny Stripe look-alike on 127.0.0.1: creates Checkout Sessions whose hosted
    page has a "Pay" and a "Cancel" button; paying sends the shop a signed
    ``checkout.session.completed`` webhook, then returns the shopper to the shop.

    Run beside ``make run``::

        .venv/bin/python -m tests.stripe_fakes --port 8420 \\
            --webhook http://127.0.0.1:5000/webhooks/stripe --secret whsec_dev
        TAAWUN_STRIPE_SECRET_KEY=sk_test_dev TAAWUN_STRIPE_WEBHOOK_SECRET=whsec_dev \\
            TAAWUN_STRIPE_API_BASE=http://127.0.0.1:8420 make run
    """

    def __init__(self, *, webhook_url: str, secret: str = SECRET, port: int = 0) -> None:
        import http.server
        import threading

        self.webhook_url, self.secret = webhook_url, secret
        self.sessions: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _form(self) -> dict[str, list[str]]:
                length = int(self.headers.get("Content-Length") or 0)
                return parse_qs(self.rfile.read(length).decode())

            def _send(
                self,
                status: int,
                body: str,
                kind: str = "application/json",
                location: str | None = None,
            ) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_loopback")
                if location:
                    self.send_header("Location", location)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                form = self._form()
                path = urlsplit(self.path).path
                fake.requests.append(("post", path, form))
                if path == "/v1/checkout/sessions":
                    self._send(200, json.dumps(fake.create_session(form)))
                elif path.endswith("/expire") and path.split("/")[-2] in fake.sessions:
                    found = fake.sessions[path.split("/")[-2]]
                    if found["status"] != "open":
                        self._send(400, json.dumps(error("checkout_session_not_open")[1]))
                    else:
                        found["status"] = "expired"
                        self._send(200, json.dumps(found))
                elif path == "/v1/refunds":
                    self._send(200, json.dumps(objects()["refund"]))
                elif path.startswith("/pay/"):
                    target = fake.pay(path.removeprefix("/pay/"), form.get("action") == ["pay"])
                    self._send(303, "", "text/plain", location=target)
                else:
                    self._send(
                        404,
                        json.dumps(
                            {"error": {"type": "invalid_request_error", "code": "resource_missing"}}
                        ),
                    )

            def do_GET(self) -> None:  # noqa: N802
                path = urlsplit(self.path).path
                session = fake.sessions.get(path.removeprefix("/pay/"))
                if session is None:
                    self._send(404, "not found", "text/plain")
                    return
                amount = f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"
                page = (
                    "<!doctype html><meta charset=utf-8><title>Fake Stripe Checkout</title>"
                    "<h1>Fake Stripe Checkout</h1>"
                    f"<p>{html.escape(session['client_reference_id'])}: {amount}</p>"
                    f"<form method=post action='/pay/{session['id']}'>"
                    "<button name=action value=pay>Pay</button> "
                    "<button name=action value=cancel>Cancel</button></form>"
                )
                self._send(200, page, "text/html; charset=utf-8")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LoopbackStripe:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def create_session(self, form: dict[str, list[str]]) -> dict[str, Any]:
        total, i = 0, 0
        while f"line_items[{i}][quantity]" in form:
            total += int(form[f"line_items[{i}][quantity]"][0]) * int(
                form[f"line_items[{i}][price_data][unit_amount]"][0]
            )
            i += 1
        number = form.get("client_reference_id", [""])[0]
        session_id = f"cs_test_loopback_{len(self.sessions) + 1}"
        session = dict(
            objects()["checkout.session"],
            id=session_id,
            url=f"{self.base}/pay/{session_id}",
            amount_total=total,
            amount_subtotal=total,
            currency=form.get("line_items[0][price_data][currency]", ["mad"])[0],
            client_reference_id=number,
            metadata={"order_number": number},
            success_url=form.get("success_url", [""])[0],
            cancel_url=form.get("cancel_url", [""])[0],
            status="open",
            payment_status="unpaid",
            payment_intent=None,
        )
        self.sessions[session_id] = session
        return session

    def pay(self, session_id: str, pay: bool) -> str:
        """Finish a session: on "Pay" send the signed webhook first (as Stripe may),
        then send the shopper back."""
        import urllib.request

        session = self.sessions[session_id]
        if session["status"] != "open":  # expired: nothing to pay any more
            return session["cancel_url"]
        if not pay:
            return session["cancel_url"]
        payload = event_payload(
            "checkout.session.completed",
            number=session["client_reference_id"],
            amount_minor=session["amount_total"],
            session_id=session_id,
            payment_intent=f"pi_loopback_{session_id}",
            event_id=f"evt_loopback_{session_id}",
        )
        session["status"] = "complete"
        request = urllib.request.Request(
            self.webhook_url,
            data=payload.encode(),
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": sign(payload, self.secret),
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310  (loopback only)
            pass
        return session["success_url"]


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="A fake Stripe on 127.0.0.1 for development.")
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--webhook", default="http://127.0.0.1:5000/webhooks/stripe")
    parser.add_argument("--secret", default="whsec_dev")
    options = parser.parse_args()
    fake = LoopbackStripe(webhook_url=options.webhook, secret=options.secret, port=options.port)
    print(f"fake Stripe on {fake.base}; webhooks to {options.webhook}")
    try:
        fake.server.serve_forever()
    except KeyboardInterrupt:
        fake.stop()
