"""Cash on delivery, the default: the order is confirmed at once and each cooperative
collects the cash for its own parcel (through the carrier) and says so."""

from __future__ import annotations

from catalog.money import Money
from orders.models import Order, Payment
from orders.payments.base import PaymentStart
from orders.status import PaymentMethod


class CashOnDelivery:
    method = PaymentMethod.COD
    provider = "cash"

    def __init__(self, max_amount_minor: int | None = None) -> None:
        #: carriers cap the cash they carry per order (None: no cap)
        self.max_amount_minor = max_amount_minor

    def is_available(self, amount: Money) -> bool:
        return self.max_amount_minor is None or amount.amount_minor <= self.max_amount_minor

    def start(
        self, order: Order, payment: Payment | None, *, success_url: str, cancel_url: str
    ) -> PaymentStart:
        return PaymentStart(provider_ref=None, redirect_url=None)

    def refund(self, payment: Payment, amount: Money, *, idempotency_key: str) -> str | None:
        return None  # the cooperative that holds the cash gives it back
