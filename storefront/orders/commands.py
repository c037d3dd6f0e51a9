"""``flask orders ...``: the orders' recurring upkeep, which the job workers run on
their own (:mod:`storefront.schedule`); each also runs by hand."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import click
from flask import current_app
from sqlalchemy import select

from catalog.accounts.users import Organisation
from catalog.db import utcnow
from catalog.notifications import OutboxMessage
from orders import digest as order_digest
from orders import recipients, refunds
from orders.errors import GatewayError
from orders.payments.stripe_connect import parts_due, transfer_part
from orders.status import PaymentMethod
from storefront import payments
from storefront.extensions import db
from storefront.filters import CASABLANCA
from storefront.notifications import tell
from storefront.orders import notify
from storefront.orders.views import bp


@bp.cli.command("expire-reservations")
@click.option("--limit", default=500, show_default=True, help="At most this many orders.")
def expire_reservations(limit: int) -> None:
    """Release the stock of unpaid orders whose reservation ran out, and tell the
    shoppers."""
    click.echo(expire_due_reservations(limit))


def expire_due_reservations(limit: int = 500) -> str:
    """Expire up to ``limit`` unpaid orders past their reservation (their stock
    released, the shoppers told); what was done, in a sentence."""
    expired = refunds.expire_reservations(db.session, now=utcnow(), limit=limit)
    for order in expired:
        notify.order_expired(order)
    db.session.commit()
    return f"{len(expired)} reservation(s) expired."


@bp.cli.command("digest")
@click.option(
    "--day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day to sum up (Casablanca time); yesterday by default.",
)
def digest(day: datetime | None) -> None:
    """Send each organisation one summary of the day's parcels (shipped, delivered,
    cancelled, refunded) instead of a message per parcel. Run daily; a day already
    sent is not sent again."""
    click.echo(send_digests(day.date() if day is not None else None))


def send_digests(day: date | None = None) -> str:
    """Queue each organisation's summary of ``day``'s parcels (yesterday, Casablanca
    time, by default), once per organisation and day; what was done, in a sentence."""
    today = utcnow().astimezone(CASABLANCA).date()
    chosen = day if day is not None else today - timedelta(days=1)
    since = datetime.combine(chosen, time(0), tzinfo=CASABLANCA).astimezone(UTC)
    until = since + timedelta(days=1)
    sent = 0
    for organisation_id, days in order_digest.organisation_days(
        db.session, since=since, until=until
    ).items():
        topic = f"digest:{organisation_id}:{chosen.isoformat()}"
        if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.topic == topic)):
            continue
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None:
            continue
        tell(
            recipients.organisation(db.session, organisation),
            "organisation_digest",
            topic=topic,
            link=notify.basket_orders_url(),
            organisation=organisation,
            day=chosen,
            days=days,
            totals=sum((d.counts for d in days), Counter()),
        )
        db.session.commit()
        sent += 1
    return f"{sent} digest(s) queued for {chosen.isoformat()}."


@bp.cli.command("connect-transfers")
def connect_transfers() -> None:
    """Pay delivered card parts by Stripe Connect transfer, for cooperatives with a
    Connect account (one commit per transfer)."""
    if not transfers_configured():
        raise click.ClickException("Stripe is not configured (STRIPE_SECRET_KEY).")
    click.echo(pay_connect_transfers())


def transfers_configured() -> bool:
    gateway = payments.gateway(PaymentMethod.CARD)
    return gateway is not None and hasattr(gateway, "transfer")


def pay_connect_transfers() -> str:
    """Transfer what each delivered card part owes its cooperative (one commit per
    transfer; a refused transfer is logged and tried again next time); what was done,
    in a sentence."""
    gateway = payments.gateway(PaymentMethod.CARD)
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
    return f"{done} transfer(s) made, {failed} failed."
