"""The payment gateways, built once from the configuration into
``app.extensions["payment_gateways"]``:

* cash on delivery, always (``COD_MAX_AMOUNT_MINOR`` caps it if set);
* bank transfer for organisation members (``BANK_TRANSFER_HOLDER``, ``_BANK``, ``_RIB``
  are shown on their order page);
* Stripe Checkout when ``STRIPE_SECRET_KEY`` and ``STRIPE_WEBHOOK_SECRET`` are set
  (``STRIPE_MIN_AMOUNT_MINOR``, default 1000 = 10.00 MAD: below it only cash is
  offered; ``STRIPE_API_BASE`` / ``STRIPE_HTTP_CLIENT`` point it at a fake in
  development and tests).

Tests may also pass ready-made gateways in ``PAYMENT_GATEWAYS``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_login import current_user

from catalog.accounts.users import Role
from catalog.money import Money
from orders.payments import BankDetails, BankTransfer, CashOnDelivery, PaymentGateway
from orders.status import PaymentMethod

EXTENSION = "payment_gateways"
#: Shown in the order of this list, cash first (what most shoppers use).
ORDER = (PaymentMethod.COD, PaymentMethod.CARD, PaymentMethod.BANK_TRANSFER)


def build(config: dict[str, Any]) -> dict[PaymentMethod, PaymentGateway]:
    gateways: dict[PaymentMethod, PaymentGateway] = {
        PaymentMethod.COD: CashOnDelivery(config.get("COD_MAX_AMOUNT_MINOR")),
        PaymentMethod.BANK_TRANSFER: BankTransfer(
            BankDetails(
                holder=config.get("BANK_TRANSFER_HOLDER", "Taawun SARL"),
                bank=config.get("BANK_TRANSFER_BANK", ""),
                rib=config.get("BANK_TRANSFER_RIB", ""),
            )
        ),
    }
    if config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_WEBHOOK_SECRET"):
        # stripe is an optional dependency: imported only when it is configured
        from orders.payments.stripe_gateway import StripeGateway

        gateways[PaymentMethod.CARD] = StripeGateway.from_keys(
            config["STRIPE_SECRET_KEY"],
            webhook_secret=config["STRIPE_WEBHOOK_SECRET"],
            min_amount_minor=int(config.get("STRIPE_MIN_AMOUNT_MINOR", 1000)),
            api_base=config.get("STRIPE_API_BASE"),
            http_client=config.get("STRIPE_HTTP_CLIENT"),
            max_network_retries=int(config.get("STRIPE_MAX_RETRIES", 2)),
        )
    gateways.update(config.get("PAYMENT_GATEWAYS") or {})
    return gateways


def init_app(app: Flask) -> None:
    if EXTENSION not in app.extensions:
        app.extensions[EXTENSION] = build(app.config)


def gateways() -> dict[PaymentMethod, PaymentGateway]:
    found: dict[PaymentMethod, PaymentGateway] = current_app.extensions[EXTENSION]
    return found


def gateway(method: PaymentMethod | str) -> PaymentGateway | None:
    try:
        return gateways().get(PaymentMethod(method))
    except ValueError:
        return None


def cash_on_delivery(amount: Money) -> bool:
    """Whether ``amount`` may be paid cash on delivery (the same for every shopper)."""
    found = gateways().get(PaymentMethod.COD)
    return found is not None and found.is_available(amount)


def offered(amount: Money) -> list[PaymentMethod]:
    """The ways of paying offered to the current user for ``amount``: bank transfer
    only to organisation members, each gateway deciding on the amount."""
    methods = []
    for method in ORDER:
        found = gateways().get(method)
        if found is None or not found.is_available(amount):
            continue
        if method == PaymentMethod.BANK_TRANSFER and not (
            current_user.is_authenticated and current_user.role == Role.ORGANISATION
        ):
            continue
        methods.append(method)
    return methods
