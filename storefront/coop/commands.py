"""``flask catalog …``: the catalog's recurring upkeep, which the job workers run on
their own (:mod:`storefront.schedule`); it also runs by hand."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask.cli import AppGroup

from catalog import stock
from catalog.certificates import expire_certificates
from catalog.db import utcnow
from catalog.text import rebuild_search_texts
from storefront.coop.notify import notify_cooperative
from storefront.extensions import db

catalog_cli = AppGroup("catalog", help="Catalog upkeep.")


@catalog_cli.command("expire-certificates")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Run as of this day (default: today).",
)
def expire_certificates_command(today: datetime | None) -> None:
    """Expire lapsed certificates (their listings stop being sold) and send the
    reminders due 30 days before expiry. Safe to run more than once a day."""
    click.echo(expire_lapsed_certificates(today.date() if today else None))


@catalog_cli.command("rebuild-search")
def rebuild_search_command() -> None:
    """Recompute every product's search entry with the current text analysis (after an
    upgrade that changes it, or to repair an index), and drop the cached searches."""
    count = rebuild_search_texts(db.session.connection())
    stock.touch(db.session, texts=True, facets=True)
    db.session.commit()
    click.echo(f"{count} product(s) indexed again.")


def expire_lapsed_certificates(day: date | None = None) -> str:
    """Expire the certificates lapsed by ``day`` (today by default; their listings stop
    being sold) and queue the reminders due 30 days before expiry, with one message per
    cooperative; what was done, in a sentence."""
    now = utcnow()
    day = day or now.date()
    report = expire_certificates(db.session, today=day, now=now)
    mails = 0
    for expired, reminders in report.by_cooperative().values():
        coop = (expired or reminders)[0].cooperative
        if expired:
            mails += notify_cooperative(
                coop,
                "certificate_expired",
                topic=f"cooperative:{coop.id}:certificate_expired",
                certificates=expired,
                unsold=report.unsold,
            )
        if reminders:
            mails += notify_cooperative(
                coop,
                "certificate_reminder",
                topic=f"cooperative:{coop.id}:certificate_reminder",
                certificates=reminders,
            )
    db.session.commit()
    stopped = sum(len(products) for products in report.unsold.values())
    return (
        f"{len(report.expired)} certificate(s) expired, {stopped} listing(s) stopped, "
        f"{len(report.reminders)} reminder(s), {mails} message(s) queued."
    )
