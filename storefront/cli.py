"""Command-line tasks: ``flask --app storefront <command>``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from catalog.db import utcnow
from storefront.extensions import db


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
    counts = seed_catalog(session, Path(current_app.config["UPLOAD_FOLDER"]), today=utcnow().date())
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

    baskets = seed_baskets(
        session, Path(current_app.config["UPLOAD_FOLDER"]), today=utcnow().date(), now=utcnow()
    )
    session.commit()
    click.echo(f"Solidarity baskets: {', '.join(baskets['templates'])}.")
    for email in baskets["accounts"]:
        click.echo(f"Demo NGO account {email} / password {baskets['password']}")


mail = AppGroup("mail", help="Outgoing mail.")


@mail.command("send")
@click.option("--limit", default=100, show_default=True, help="At most this many messages.")
def mail_send(limit: int) -> None:
    """Send the messages waiting in the outbox over SMTP (MAIL_SERVER, MAIL_PORT...)."""
    from orders.mail import SmtpTransport, send_pending

    config = current_app.config
    transport = SmtpTransport(
        config.get("MAIL_SERVER", "localhost"),
        int(config.get("MAIL_PORT", 25)),
        sender=config.get("MAIL_SENDER", "Taawun <no-reply@taawun.ma>"),
        username=config.get("MAIL_USERNAME"),
        password=config.get("MAIL_PASSWORD"),
        starttls=bool(config.get("MAIL_STARTTLS", False)),
    )
    sent, failed = send_pending(db.session, transport, now=utcnow(), limit=limit)
    db.session.commit()
    click.echo(f"{sent} sent, {failed} failed.")


def init_app(app: Flask) -> None:
    from storefront.coop.commands import catalog_cli

    app.cli.add_command(seed_demo)
    app.cli.add_command(mail)
    app.cli.add_command(catalog_cli)
