"""Command-line tasks: ``flask --app storefront <command>``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from catalog.db import utcnow
from storefront.extensions import db
from storefront.media import photo_store


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has data.")
def seed_demo(if_empty: bool) -> None:
    """Load the demo cooperatives, products and accounts."""
    from storefront.demo.seed import is_empty, seed_catalog

    session = db.session
    if if_empty and not is_empty(session):
        click.echo("The database already has data: demo not loaded.")
        return
    counts = seed_catalog(session, photo_store(), today=utcnow().date())
    session.commit()
    click.echo(
        f"Demo loaded: {counts['cooperatives']} cooperatives, {counts['products']} products, "
        f"{counts['categories']} categories."
    )
    from storefront.demo.orders import seed_orders

    made = seed_orders(session, now=utcnow())
    session.commit()
    click.echo(
        f"Shipping tariffs and commission set; sample orders: {', '.join(made['orders']) or '-'}."
    )
    for email in made["accounts"]:
        click.echo(f"Demo account {email} / password {made['password']}")
    from storefront.demo.baskets import seed_baskets

    baskets = seed_baskets(session, photo_store(), today=utcnow().date(), now=utcnow())
    session.commit()
    click.echo(f"Solidarity baskets: {', '.join(baskets['templates'])}.")
    for email in baskets["accounts"]:
        click.echo(f"Demo NGO account {email} / password {baskets['password']}")
    from storefront.demo.orders import MEMBER_DOMAIN, seed_member_accounts

    opened = seed_member_accounts(session, now=utcnow())
    session.commit()
    if opened:
        click.echo(
            f"Every other cooperative ({opened}): account <slug>@{MEMBER_DOMAIN} / password "
            f"{made['password']}, where <slug> ends its page's address, /fr/coop/<slug>"
        )
    from storefront.demo.activity import seed_activity

    activity = seed_activity(session, now=utcnow())
    session.commit()
    if activity["basket_orders"]:
        click.echo(
            "The demo NGO has a confirmed basket order and an open quote; a payout batch, a "
            "cooperative's profile change to review and a CSV import to apply are waiting."
        )


@click.command("seed-national")
@with_appcontext
@click.option("--baskets", default=300_000, show_default=True, help="Baskets the supply covers.")
@click.option("--cooperatives", default=20_000, show_default=True, help="Cooperatives to add.")
@click.option("--seed", default=1, show_default=True, help="Random seed.")
def seed_national_command(baskets: int, cooperatives: int, seed: int) -> None:
    """Add a national-scale supply for the Ramadan basket (after seed-demo)."""
    from storefront.demo.national import seed_national

    if not (1 <= baskets <= 2_000_000 and 1 <= cooperatives <= 200_000):
        raise click.BadParameter("baskets: 1 to 2,000,000; cooperatives: 1 to 200,000")
    now = utcnow()
    made = seed_national(
        db.session, baskets=baskets, cooperatives=cooperatives, today=now.date(), now=now, seed=seed
    )
    db.session.commit()
    click.echo(
        f"{made['cooperatives']} cooperatives and {made['products']} products added: enough "
        f"for {baskets} baskets of the national Ramadan template. As the demo NGO, open "
        "/ngo/orders/new, choose it, and spread the baskets over the provinces."
    )


mail = AppGroup("mail", help="Outgoing mail and text messages.")


@mail.command("send")
@click.option("--limit", default=100, show_default=True, help="At most this many messages.")
def mail_send(limit: int) -> None:
    """Send the messages waiting in the outbox, one by one (e-mail over SMTP: MAIL_SERVER,
    MAIL_PORT...; text messages through SMS_API_BASE / SMS_API_KEY)."""
    click.echo(send_outbox(limit))


def send_outbox(limit: int = 100) -> str:
    """Send up to ``limit`` waiting messages through the channels configured; what was
    done, in a sentence or two."""
    from catalog.notifications import Channel
    from catalog.notifications.outbox import pending_count
    from storefront.notifications import channels_from_config
    from storefront.notifications.sender import deliver

    channels = channels_from_config(current_app)
    done = deliver(
        db.session,
        channels,
        limit=limit,
        max_attempts=int(current_app.config.get("OUTBOX_MAX_ATTEMPTS", 5)),
    )
    said = f"{done.sent} sent, {done.failed} failed, {done.dead} dead."
    if Channel.SMS not in channels and pending_count(db.session, Channel.SMS):
        said += "\nText messages wait: no SMS provider configured (SMS_API_BASE, SMS_API_KEY)."
    return said


def init_app(app: Flask) -> None:
    from storefront.coop.commands import catalog_cli
    from storefront.jobs import jobs_cli

    app.cli.add_command(seed_demo)
    app.cli.add_command(seed_national_command)
    app.cli.add_command(mail)
    app.cli.add_command(catalog_cli)
    app.cli.add_command(jobs_cli)
