"""``flask privacy export EMAIL`` and ``flask privacy erase EMAIL``: a shopper's rights
of access and erasure (law 09-08), for the operator who receives the request."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from catalog.personal_data import Action
from orders.privacy import PrivacyError, erase_shopper, export_shopper
from storefront.extensions import db

privacy = AppGroup("privacy", help="A shopper's personal data: export or erase it.")


@privacy.command("export")
@click.argument("email")
def export_command(email: str) -> None:
    """Print, as JSON, everything kept about the shopper with this e-mail."""
    data = export_shopper(db.session, email)
    if data is None:
        raise click.ClickException(f"Nothing is kept about {email}.")
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@privacy.command("erase")
@click.argument("email")
@click.option("--force", is_flag=True, help="Erase even if orders are still open.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(email: str, force: bool, yes: bool) -> None:
    """Erase the shopper's name, e-mail, phone and addresses; keep orders' amounts."""
    if not yes:
        click.confirm(f"Erase the personal data of {email}? This cannot be undone.", abort=True)
    try:
        result = erase_shopper(db.session, email, force=force)
    except PrivacyError as exc:
        db.session.rollback()
        if exc.code == "open_orders":
            numbers = ", ".join(exc.data["numbers"])
            raise click.ClickException(
                f"Orders still open: {numbers}. Erase after delivery, or use --force."
            ) from None
        raise click.ClickException(
            f"{email} is a {exc.data.get('role')} account, not a shopper's."
        ) from None
    db.session.commit()
    click.echo(
        f"Erased: account {'yes' if result.user_id else 'none'}, {len(result.orders)} order(s) "
        f"anonymised, {result.rows('messages')} message(s) and {result.rows('api_tokens')} "
        "token(s) deleted."
    )
    for done in result.done:
        if done.rows and done.action == Action.KEEP:
            click.echo(f"Kept: {done.rows} {done.key.replace('_', ' ')}, {done.reason}.")
