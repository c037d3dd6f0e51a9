"""Bank transfer, for institutions: the order keeps its stock reserved while the
transfer is awaited; an operator records it
(:func:`orders.payment_attempts.record_bank_transfer`)."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.money import Money
from orders.models import Order, Payment
from orders.payments.base import PaymentStart
from orders.status import PaymentMethod


@dataclass(frozen=True)
class BankDetails:
    """Where institutions send their transfers (shown on the order page)."""

    holder: str
    bank: str
    rib: str


class BankTransfer:
    method = PaymentMethod.BANK_TRANSFER
    provider = "bank"

    def __init__(self, details: BankDetails) -> None:
        self.details = details

    def is_available(self, amount: Money) -> bool:
        return amount.amount_minor > 0

    def start(
        self, order: Order, payment: Payment | None, *, success_url: str, cancel_url: str
    ) -> PaymentStart:
        return PaymentStart(provider_ref=None, redirect_url=None)

    def refund(self, payment: Payment, amount: Money, *, idempotency_key: str) -> str | None:
        return None  # an operator transfers the money back by hand
