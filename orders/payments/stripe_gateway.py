"""Card payments through Stripe Checkout (hosted page, redirect), and Stripe Connect
transfers. The only module that imports ``stripe``.

Amounts are MAD in centimes (``"mad"``, two decimals). Every call that creates
something carries an idempotency key: ``checkout:<order>:<attempt>`` for a session,
``refund:<order>:<part>`` for a refund, ``transfer:<order>:<cooperative>`` for a
transfer. Webhooks are verified with the endpoint's signing secret and read into
:class:`~orders.payments.base.PaymentEvent`.
"""

from __future__ import annotations

from typing import Any

import stripe

from catalog.money import Money
from orders.errors import GatewayError, WebhookRejected
from orders.models import Order, Payment
from orders.payments.base import Outcome, PaymentEvent, PaymentStart
from orders.status import PaymentMethod

#: Checkout's page languages (it has no Arabic: "auto" follows the browser).
CHECKOUT_LOCALES = {"fr": "fr", "en": "en", "ar": "auto"}
SESSION_EVENTS = {
    "checkout.session.async_payment_succeeded": Outcome.SUCCEEDED,
    "checkout.session.async_payment_failed": Outcome.FAILED,
    "checkout.session.expired": Outcome.EXPIRED,
}


def _get(obj: Any, name: str) -> Any:
    """A field of a StripeObject (not a dict since stripe 15), or None."""
    try:
        return obj[name] if obj is not None and name in obj else None
    except (KeyError, TypeError):
        return None


def _id(value: Any) -> str | None:
    """An id that may come as a string or as an expanded object."""
    if value is None or isinstance(value, str):
        return value
    ident = _get(value, "id")
    return ident if isinstance(ident, str) else None


class StripeGateway:
    method = PaymentMethod.CARD
    provider = "stripe"

    def __init__(
        self,
        client: stripe.StripeClient,
        *,
        webhook_secret: str,
        min_amount_minor: int = 1000,
        currency: str = "MAD",
    ) -> None:
        self.client = client
        self.webhook_secret = webhook_secret
        self.min_amount_minor = min_amount_minor
        self.currency = currency

    @classmethod
    def from_keys(
        cls,
        secret_key: str,
        *,
        webhook_secret: str,
        min_amount_minor: int = 1000,
        api_base: str | None = None,
        http_client: stripe.HTTPClient | None = None,
        max_network_retries: int = 2,
    ) -> StripeGateway:
        options: dict[str, Any] = {"max_network_retries": max_network_retries}
        if api_base:
            options["base_addresses"] = {"api": api_base}
        if http_client is not None:
            options["http_client"] = http_client
        client = stripe.StripeClient(secret_key, **options)
        return cls(client, webhook_secret=webhook_secret, min_amount_minor=min_amount_minor)

    # -- PaymentGateway ----------------------------------------------------------------
    def is_available(self, amount: Money) -> bool:
        return amount.currency == self.currency and amount.amount_minor >= self.min_amount_minor

    def start(
        self, order: Order, payment: Payment | None, *, success_url: str, cancel_url: str
    ) -> PaymentStart:
        if payment is None:
            raise GatewayError(provider=self.provider, provider_code="no_payment", retryable=False)
        currency = order.currency.lower()
        items: list[dict[str, Any]] = [
            {
                "quantity": line.quantity,
                "price_data": {
                    "currency": currency,
                    "unit_amount": line.unit_price_minor,
                    "product_data": {
                        "name": f"{line.title(order.language)} — {line.cooperative_name}"[:250]
                    },
                },
            }
            for line in order.lines
        ]
        for part in order.fulfilments:
            fee = part.shipping_minor + part.cod_fee_minor
            if fee:
                items.append(
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": currency,
                            "unit_amount": fee,
                            "product_data": {"name": f"Livraison — {part.cooperative_name}"[:250]},
                        },
                    }
                )
        metadata = {"order_number": order.number, "payment_attempt": str(payment.attempt)}
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": items,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "client_reference_id": order.number,
            "customer_email": order.email,
            "locale": CHECKOUT_LOCALES.get(order.language, "auto"),
            "metadata": metadata,
            "payment_intent_data": {
                "transfer_group": f"ORDER_{order.number}",
                "metadata": metadata,
                "description": f"Taawun {order.number}",
            },
        }
        if order.reserved_until is not None:
            params["expires_at"] = int(order.reserved_until.timestamp())
        try:
            session = self.client.v1.checkout.sessions.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": payment.idempotency_key},
            )
        except stripe.StripeError as exc:
            raise self._error(exc) from None
        return PaymentStart(provider_ref=session.id, redirect_url=session.url)

    def close(self, provider_ref: str) -> bool:
        """Expire the Checkout Session ``provider_ref``. Stripe refuses to expire a
        session that is already expired or complete: its status then tells which."""
        sessions = self.client.v1.checkout.sessions
        try:
            found = sessions.expire(provider_ref)
        except stripe.InvalidRequestError:
            try:
                found = sessions.retrieve(provider_ref)
            except stripe.StripeError as exc:
                raise self._error(exc) from None
        except stripe.StripeError as exc:
            raise self._error(exc) from None
        return bool(_get(found, "status") == "expired")

    def refund(self, payment: Payment, amount: Money, *, idempotency_key: str) -> str | None:
        if not payment.payment_intent_id:
            raise GatewayError(
                provider=self.provider, provider_code="no_payment_intent", retryable=False
            )
        try:
            refund = self.client.v1.refunds.create(
                params={"payment_intent": payment.payment_intent_id, "amount": amount.amount_minor},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise self._error(exc) from None
        return str(refund.id)

    def parse_event(self, payload: bytes, signature: str | None) -> PaymentEvent:
        if not signature:
            raise WebhookRejected("signature_invalid")
        try:
            event = self.client.construct_event(payload, signature, self.webhook_secret)
        except stripe.SignatureVerificationError:
            raise WebhookRejected("signature_invalid") from None
        except (ValueError, AttributeError, KeyError, TypeError):
            # signed, but not an event object (bad JSON, a list, a bare value)
            raise WebhookRejected("payload_invalid") from None
        try:
            return self._read(event)
        except (AttributeError, KeyError, TypeError, ValueError):
            raise WebhookRejected("payload_invalid") from None

    # -- Stripe Connect ------------------------------------------------------------------
    def transfer(
        self,
        *,
        amount: Money,
        destination: str,
        transfer_group: str,
        source_transaction: str | None,
        idempotency_key: str,
    ) -> str:
        params: dict[str, Any] = {
            "amount": amount.amount_minor,
            "currency": amount.currency.lower(),
            "destination": destination,
            "transfer_group": transfer_group,
        }
        if source_transaction:
            params["source_transaction"] = source_transaction
        try:
            transfer = self.client.v1.transfers.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise self._error(exc) from None
        return str(transfer.id)

    def reverse_transfer(self, *, transfer_id: str, amount: Money, idempotency_key: str) -> str:
        try:
            reversal = self.client.v1.transfers.reversals.create(
                transfer_id,
                params={"amount": amount.amount_minor},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise self._error(exc) from None
        return str(reversal.id)

    # -- helpers ----------------------------------------------------------------------------
    def _error(self, exc: stripe.StripeError) -> GatewayError:
        retryable = isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError) or (
            exc.http_status is not None and exc.http_status >= 500
        )
        return GatewayError(
            provider=self.provider,
            provider_code=str(exc.code or type(exc).__name__),
            retryable=retryable,
        )

    def _read(self, event: stripe.Event) -> PaymentEvent:
        kind = str(event.type)
        obj = event.data.object
        metadata = _get(obj, "metadata")
        number = _get(metadata, "order_number") or _get(obj, "client_reference_id")
        common: dict[str, Any] = {
            "provider": self.provider,
            "event_id": str(event.id),
            "event_type": kind,
            "order_number": str(number) if number else None,
        }
        if kind == "checkout.session.completed" or kind in SESSION_EVENTS:
            if kind == "checkout.session.completed":
                paid = _get(obj, "payment_status") in ("paid", "no_payment_required")
                outcome = Outcome.SUCCEEDED if paid else Outcome.PENDING
            else:
                outcome = SESSION_EVENTS[kind]
            return PaymentEvent(
                outcome=outcome,
                provider_ref=_id(obj),
                payment_intent_id=_id(_get(obj, "payment_intent")),
                amount_minor=_get(obj, "amount_total"),
                currency=_get(obj, "currency"),
                **common,
            )
        if kind == "payment_intent.payment_failed":
            error = _get(obj, "last_payment_error")
            return PaymentEvent(
                outcome=Outcome.ATTEMPT_FAILED,
                payment_intent_id=_id(obj),
                amount_minor=_get(obj, "amount"),
                currency=_get(obj, "currency"),
                error_code=_get(error, "decline_code") or _get(error, "code"),
                **common,
            )
        if kind == "charge.refunded":
            return PaymentEvent(
                outcome=Outcome.REFUNDED,
                payment_intent_id=_id(_get(obj, "payment_intent")),
                amount_minor=_get(obj, "amount"),
                currency=_get(obj, "currency"),
                amount_refunded_minor=_get(obj, "amount_refunded"),
                **common,
            )
        return PaymentEvent(outcome=Outcome.IGNORED, **common)
