"""One mapping from a use case's outcome to what a page does: success commits; a
refusal from a library (catalog, orders or baskets error) rolls back, tells the person
why in their language and sends them back to the page they came from. Views then say
only what they do, not the except / rollback / commit ladder::

    with committing(back):
        fulfilment.mark_delivered(db.session, part, now=utcnow(), actor_id=actor().id)
    flash(_("Marked as delivered."), "success")
    return redirect(back)

A form that is shown again when refused goes through ``saving`` instead: the wrong
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

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask, flash, redirect
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from catalog.errors import CatalogError, FieldProblem, InvalidInput, InvalidState
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


class Outcomes:
    """The mapping in one area's words: ``message`` turns an error code into its
    sentence, ``attach`` puts problems under a form's fields (the organisation pages
    have their own catalogue, :mod:`storefront.ngo.messages`)."""

    def __init__(
        self,
        message: Callable[[str, Mapping[str, Any] | None], str],
        attach: Callable[[FlaskForm, Iterable[FieldProblem], Mapping[str, str] | None], list[str]],
    ) -> None:
        self.message = message
        self.attach = attach

    def describe(self, exc: Exception, wording: Mapping[str, Any] | None = None) -> list[str]:
        """What a person reads when a library refuses: each problem of the input, the
        state that does not allow it, or the sentence of the error's code (``wording``
        first: a page's own sentence for a code, where its context says more)."""
        problems = getattr(exc, "problems", None)
        if problems:  # InvalidInput, CheckoutError
            return [self.message(p.code, p.data) for p in problems]
        code = getattr(exc, "code", "invalid_state")
        if wording and code in wording:
            return [str(wording[code])]
        if isinstance(exc, InvalidState | InvalidTransition | GatewayError):
            return [self.message("invalid_state", None)]
        return [self.message(code, getattr(exc, "data", None))]

    @contextmanager
    def committing(
        self,
        back: str | Callable[[Exception], str],
        explain: Callable[[Exception], list[str]] | None = None,
        *,
        wording: Mapping[str, Any] | None = None,
    ) -> Iterator[None]:
        """Run the body as one transaction: committed when it ends; when a library
        refuses, rolled back, ``explain(error)`` flashed (by default :meth:`describe`
        with the page's own ``wording``), and the person sent to ``back`` (or to
        ``back(error)``, where the page to mend it depends on what was refused)."""
        try:
            yield
        except REFUSALS as exc:
            db.session.rollback()
            for text in explain(exc) if explain else self.describe(exc, wording):
                flash(text, "error")
            raise Refused(back(exc) if callable(back) else back) from exc
        db.session.commit()

    @contextmanager
    def saving(
        self,
        form: FlaskForm,
        fields: Mapping[str, str] | Callable[[str], str] | None = None,
        *,
        wording: Mapping[str, Any] | None = None,
        under: str | None = None,
    ) -> Iterator[Attempt]:
        """Run the body as one transaction for ``form``: committed when it ends; when a
        library refuses, rolled back, each wrong field's message put under that field
        (``fields`` maps the library's field names to the form's where they differ: a
        mapping or a function), the other messages flashed (or put under the field named
        ``under``), and the view goes on to show the form again."""
        attempt = Attempt()
        try:
            yield attempt
        except REFUSALS as exc:
            db.session.rollback()
            attempt.refusal = exc
            if isinstance(exc, InvalidInput):
                names = fields
                if callable(names):
                    names = {p.field: names(p.field) for p in exc.problems}
                texts = self.attach(form, exc.problems, names)
            else:
                texts = self.describe(exc, wording)
            if under is not None:
                field = getattr(form, under)
                field.errors = (*field.errors, *texts)
                texts = []
            for text in texts:
                flash(text, "error")
            return
        db.session.commit()
        attempt.saved = True


@dataclass(slots=True)
class Attempt:
    """What a :meth:`Outcomes.saving` block came to: ``saved`` once committed, else
    the library's ``refusal``."""

    saved: bool = False
    refusal: Exception | None = None


#: the shop's, back office's and console's words (:mod:`storefront.messages`)
PAGES = Outcomes(message, attach)
describe = PAGES.describe
committing = PAGES.committing
saving = PAGES.saving


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
