"""The orders package's exceptions. Like the catalog's, they carry a stable ``code``
and data, never sentences: the storefront turns codes into messages in the shopper's
language. Stock shortages reuse :class:`catalog.errors.InsufficientStock` (one error
listing every shortage)."""

from __future__ import annotations

from typing import Any

from catalog.errors import Problem


class OrderError(Exception):
    """Root of the orders package's exceptions. ``code`` is stable; ``data`` explains."""

    code: str = "order_error"

    def __init__(self, code: str | None = None, **data: Any) -> None:
        if code is not None:
            self.code = code
        self.data = data
        super().__init__(self.code, data)


class InvalidTransition(OrderError):
    """A state change the state machine does not allow.

    ``data``: ``entity`` ("order" | "fulfilment"), ``current``, ``target``.
    """

    code = "invalid_transition"


class CartError(OrderError):
    """A cart change that cannot be made (``invalid_quantity``, ``too_many_lines``,
    ``unknown_product``...). ``data`` names the product and the limit."""

    code = "cart_error"


class CheckoutError(OrderError):
    """The order cannot be placed as asked. ``problems`` lists every reason found
    (codes such as ``empty_cart``, ``not_sellable``, ``invalid_phone``,
    ``province_mismatch``, ``total_changed``)."""

    code = "checkout_error"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(problems=problems)

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]


class PaymentError(OrderError):
    """Root of payment errors."""

    code = "payment_error"


class GatewayError(PaymentError):
    """The payment provider refused or could not be reached. ``data``: ``provider``,
    ``provider_code`` (e.g. ``amount_too_small``), ``retryable``."""

    code = "gateway_error"


class WebhookRejected(PaymentError):
    """A webhook that is not from the provider or cannot be read
    (``signature_invalid``, ``payload_invalid``). Nothing is changed."""

    code = "webhook_rejected"


class LedgerError(OrderError):
    """A payout or ledger action that cannot be done (``nothing_to_pay``,
    ``batch_not_open``, ``invalid_rib``...)."""

    code = "ledger_error"
