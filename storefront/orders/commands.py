"""``flask orders ...``: jobs for cron or a systemd timer."""

from __future__ import annotations

import click
from flask import current_app

from catalog.db import utcnow
from orders import refunds
from orders.errors import GatewayError
from orders.payments.stripe_connect import parts_due, transfer_part
from orders.status import PaymentMethod
from storefront import payments
from storefront.extensions import db
from storefront.orders import notify
from storefront.orders.views import bp


@bp.cli.command("expire-reservations")
@click.option("--limit", default=500, show_default=True, help="At most this many orders.")
def expire_reservations(limit: int) -> None:
    """Release the stock of unpaid orders whose reservation ran out, and tell the
    shoppers."""
    expired = refunds.expire_reservations(db.session, now=utcnow(), limit=limit)
    for order in expired:
        notify.order_expired(order)
    db.session.commit()
    click.echo(f"{len(expired)} reservation(s) expired.")


@bp.cli.command("connect-transfers")
def connect_transfers() -> None:
    """Pay delivered card parts by Stripe Connect transfer, for cooperatives with a
    Connect account (one commit per transfer)."""
    gateway = payments.gateway(PaymentMethod.CARD)
    if gateway is None or not hasattr(gateway, "transfer"):
        raise click.ClickException("Stripe is not configured (STRIPE_SECRET_KEY).")
    done = failed = 0
    for part in parts_due(db.session):
        try:
            transfer_part(db.session, gateway, part, now=utcnow())  # type: ignore[arg-type]
        except GatewayError as exc:
            db.session.rollback()
            failed += 1
            current_app.logger.warning("transfer for %s failed: %s", part.invoice_number, exc)
            continue
        db.session.commit()
        done += 1
    click.echo(f"{done} transfer(s) made, {failed} failed.")
