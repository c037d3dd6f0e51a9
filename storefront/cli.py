"""Command-line tasks: ``flask --app storefront <command>``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

from catalog.db import utcnow
from storefront.extensions import db


@click.command("seed-demo")
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


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)
