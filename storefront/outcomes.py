"""One mapping from a use case's outcome to what a page does: success commits; a
refusal from a library (catalog, orders or baskets error) rolls back, tells the person
why in their language and sends them back to the page they came from. Views then say
only what they do, not the except / rollback / commit ladder::

    with committing(back):
        fulfilment.mark_delivered(db.session, part, now=utcnow(), actor_id=actor().id)
    flash(_("Marked as delivered."), "success")
    return redirect(back)

The API answers the same refusals as problem details (:mod:`storefront.api.problems`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import Flask, flash, redirect
from werkzeug.wrappers import Response

from catalog.errors import CatalogError, InvalidInput, InvalidState
from orders.errors import GatewayError, InvalidTransition, OrderError
from solidarity_baskets.errors import BasketError
from storefront.extensions import db
from storefront.messages import message

#: what the libraries raise when they refuse an action (bad input, wrong state...)
REFUSALS = (CatalogError, OrderError, BasketError)


class Refused(Exception):
    """A use case was refused and the messages are flashed: go back to ``to``."""

    def __init__(self, to: str) -> None:
        self.to = to
        super().__init__(to)


def describe(exc: Exception, wording: Mapping[str, Any] | None = None) -> list[str]:
    """What a person reads when a library refuses: the first wrong field, the state that
    does not allow it, or the sentence of the error's code (``wording`` first: a page's
    own sentence for a code, where its context says more)."""
    if isinstance(exc, InvalidInput):
        return [message(exc.problems[0].code, exc.problems[0].data)]
    code = getattr(exc, "code", "invalid_state")
    if wording and code in wording:
        return [str(wording[code])]
    if isinstance(exc, InvalidState | InvalidTransition | GatewayError):
        return [message("invalid_state")]
    return [message(code, getattr(exc, "data", None))]


@contextmanager
def committing(
    back: str,
    describe: Callable[[Exception], list[str]] = describe,
) -> Iterator[None]:
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
