"""Ways of paying, behind one :class:`~orders.payments.base.PaymentGateway` protocol:
cash on delivery (:mod:`.cod`), bank transfer (:mod:`.bank_transfer`) and Stripe
Checkout (:mod:`.stripe_gateway`, the only module that imports ``stripe``; import it
directly when Stripe is configured)."""

from orders.payments.bank_transfer import BankDetails, BankTransfer
from orders.payments.base import (
    Outcome,
    PaymentEvent,
    PaymentGateway,
    PaymentStart,
    SessionGateway,
    WebhookGateway,
)
from orders.payments.cod import CashOnDelivery

__all__ = [
    "BankDetails",
    "BankTransfer",
    "CashOnDelivery",
    "Outcome",
    "PaymentEvent",
    "PaymentGateway",
    "PaymentStart",
    "SessionGateway",
    "WebhookGateway",
]
