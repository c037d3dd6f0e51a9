"""One mapping from a use case's outcome to what a page does: success commits; a
refusal from a library (catalog, orders or baskets error) rolls back, tells the person
why in their language and sends them back to the page they came from. Views then say
only what they do, not the except / rollback / commit ladder::

    with committing(back):
        fulfilment.mark_delivered(db.session, part, now=utcnow(), actor_id=actor().id)
    flash(_("Marked as delivered."), "success")
    return redirect(back)

A form that is shown again when refused goes through :func:`saving` instead: the wrong
fields carry their messages and the view renders the form::

    with saving(form) as attempt:
        changed = set_commission(db.session, bps, actor=actor(), now=utcnow())
    if attempt.saved:
        saved(changed, _("Commission saved."))
        return redirect(url_for("admin.commission"))
    return render_template(...)

The API answers the same refusals as problem details (:mod:`storefront.api.problems`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask, flash, redirect
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from catalog.errors import CatalogError, InvalidInput, InvalidState
from orders.errors import GatewayError, InvalidTransition, OrderError
from solidarity_baskets.errors import BasketError
from storefront.extensions import db
from storefront.messages import attach, message

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
    explain: Callable[[Exception], list[str]] = describe,
    *,
    wording: Mapping[str, Any] | None = None,
) -> Iterator[None]:
    """Run the body as one transaction: committed when it ends; when a library refuses,
    rolled back, ``explain(error)`` flashed (by default :func:`describe` with the page's
    own ``wording``), and the person sent to ``back``."""
    try:
        yield
    except REFUSALS as exc:
        db.session.rollback()
        for text in describe(exc, wording) if wording else explain(exc):
            flash(text, "error")
        raise Refused(back) from exc
    db.session.commit()


@dataclass(slots=True)
class Attempt:
    """What a :func:`saving` block came to: ``saved`` once committed, else the
    library's ``refusal``."""

    saved: bool = False
    refusal: Exception | None = None


@contextmanager
def saving(
    form: FlaskForm,
    fields: Mapping[str, str] | Callable[[str], str] | None = None,
    *,
    wording: Mapping[str, Any] | None = None,
) -> Iterator[Attempt]:
    """Run the body as one transaction for ``form``: committed when it ends; when a
    library refuses, rolled back, each wrong field's message put under that field
    (``fields`` maps the library's field names to the form's where they differ: a
    mapping or a function), the other messages flashed, and the view goes on to show the
    form again."""
    attempt = Attempt()
    try:
        yield attempt
    except REFUSALS as exc:
        db.session.rollback()
        attempt.refusal = exc
        if isinstance(exc, InvalidInput):
            names = {p.field: fields(p.field) for p in exc.problems} if callable(fields) else fields
            texts = attach(form, exc.problems, names)
        else:
            texts = describe(exc, wording)
        for text in texts:
            flash(text, "error")
        return
    db.session.commit()
    attempt.saved = True


def saved(changed: object, done: str) -> None:
    """Tell the person what a form's save did: ``done``, or that nothing changed."""
    if changed:
        flash(done, "success")
    else:
        flash(_("Nothing to change."), "info")


def init_app(app: Flask) -> None:
    @app.errorhandler(Refused)
    def refused(exc: Refused) -> Response:
        return redirect(exc.to)
