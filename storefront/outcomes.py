"""One mapping from a use case's outcome to what a page does: success commits; a
refusal from a library (catalog, orders or baskets error) rolls back, tells the person
why in their language and sends them back to the page they came from. Views then say
only what they do, not the except / rollback / commit ladder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, flash, redirect
from werkzeug.wrappers import Response

from catalog.errors import CatalogError
from orders.errors import OrderError
from solidarity_baskets.errors import BasketError
from storefront.extensions import db

#: what the libraries raise when they refuse an action (bad input, wrong state...)
REFUSALS = (CatalogError, OrderError, BasketError)


class Refused(Exception):
    """A use case was refused and the messages are flashed: go back to ``to``."""

    def __init__(self, to: str) -> None:
        self.to = to
        super().__init__(to)


@contextmanager
def committing(back: str, describe: Callable[[Exception], list[str]]) -> Iterator[None]:
    """Run the body as one transaction: committed when it ends; when a library refuses,
    rolled back, ``describe(error)`` flashed, and the person sent to ``back``."""
    try:
        yield
    except REFUSALS as exc:
        db.session.rollback()
        for text in describe(exc):
            flash(text, "error")
        raise Refused(back) from exc
    db.session.commit()


def init_app(app: Flask) -> None:
    @app.errorhandler(Refused)
    def refused(exc: Refused) -> Response:
        return redirect(exc.to)
