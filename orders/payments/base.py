"""The one interface every way of paying goes through.

A :class:`PaymentGateway` says whether it can take an amount, starts a payment for an
order (a redirect for a card; nothing for cash on delivery or a bank transfer), and
refunds. A gateway that receives webhooks also turns a signed payload into a
:class:`PaymentEvent`, which :func:`orders.payments.events.apply_event` applies exactly
once. Gateways never touch the database: the use cases in :mod:`orders.payment_attempts`
and :mod:`orders.refunds` do.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from catalog.money import Money
from orders.models import Order, Payment
from orders.status import PaymentMethod


@dataclass(frozen=True)
class PaymentStart:
    """What the provider answered when a payment was started."""

    provider_ref: str | None  # e.g. the Checkout Session id
    redirect_url: str | None  # where to send the shopper (None: nothing to do online)


class Outcome(StrEnum):
    """What a provider event means for an order."""

    SUCCEEDED = "succeeded"  # money taken
    PENDING = "pending"  # the session finished, money not yet confirmed (delayed methods)
    ATTEMPT_FAILED = "attempt_failed"  # a card was declined; the shopper may try again
    FAILED = "failed"  # the payment is over and failed
    EXPIRED = "expired"  # the checkout session ran out unpaid
    REFUNDED = "refunded"  # money given back (``amount_refunded_minor`` so far)
    IGNORED = "ignored"  # an event type we do not act on


@dataclass(frozen=True)
class PaymentEvent:
    provider: str
    event_id: str
    event_type: str
    outcome: Outcome
    #: the id of the checkout session the event is about, if any
    provider_ref: str | None = None
    payment_intent_id: str | None = None
    #: our order number, from the metadata or the client reference
    order_number: str | None = None
    amount_minor: int | None = None
    currency: str | None = None
    #: for refunds: the total refunded on the charge so far
    amount_refunded_minor: int | None = None
    error_code: str | None = None


@runtime_checkable
class PaymentGateway(Protocol):
    method: PaymentMethod
    provider: str

    def is_available(self, amount: Money) -> bool:
        """Whether this way of paying is offered for ``amount``."""
        ...

    def start(
        self, order: Order, payment: Payment | None, *, success_url: str, cancel_url: str
    ) -> PaymentStart:
        """Start paying ``order``; ``payment`` is the attempt recorded for it.

        :raises GatewayError: when the provider refuses or cannot be reached.
        """
        ...

    def refund(self, payment: Payment, amount: Money, *, idempotency_key: str) -> str | None:
        """Give ``amount`` back on ``payment``; returns the provider's refund id, or
        None when the refund is made by hand (bank transfer, cash).

        :raises GatewayError: when the provider refuses or cannot be reached.
        """
        ...


@runtime_checkable
class SessionGateway(PaymentGateway, Protocol):
    def close(self, provider_ref: str) -> bool:
        """Make the payment page ``provider_ref`` unpayable (before a new attempt
        starts, so that an order cannot be paid twice). True when it can no longer be
        paid; False when it was paid or is being paid.

        :raises GatewayError: when the provider cannot be reached.
        """
        ...


@runtime_checkable
class WebhookGateway(PaymentGateway, Protocol):
    def parse_event(self, payload: bytes, signature: str | None) -> PaymentEvent:
        """Verify and read a webhook.

        :raises WebhookRejected: ``signature_invalid`` or ``payload_invalid``.
        """
        ...
