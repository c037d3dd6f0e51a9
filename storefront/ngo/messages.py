"""The solidarity-basket library's codes as sentences in the user's language (on top
of the shared ones, :mod:`storefront.messages`, one sentence per code), and their
attachment to form fields (``destinations-2-baskets`` is the third point's count)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField

from catalog.errors import FieldProblem, Problem
from storefront import messages as shared
from storefront.outcomes import Outcomes

MESSAGES: dict[str, Any] = {
    **shared.MESSAGES,
    # the basket library's own codes
    "unknown_province": _l("Choose a province or prefecture from the list."),
    "duplicate_destination": _l("This distribution point is already in the list."),
    "too_many": _l("At most %(max)d distribution points."),
    "too_many_baskets": _l("At most %(max)s baskets in one order."),
    "too_early": _l("Choose a date from %(earliest)s."),
    "too_late": _l("Choose a date until %(latest)s."),
    "unknown_template": _l("Choose one of your baskets."),
    "empty_template": _l("This basket has no product yet."),
    "invalid_choice": _l("Choose one of the options."),
    "kind_already_in_template": _l("This kind is already in the basket."),
    "too_many_lines": _l("A basket has at most %(max)d kinds of product."),
    "one_container": _l("A basket has one container."),
    "kind_already_in_line": _l("This kind already stands for this line."),
    "too_many_equivalents": _l("A line has at most %(max)d equivalents."),
    "not_a_quantity": _l("Enter a whole number of grams, millilitres or pieces."),
    "sold_by_weight": _l("This kind is sold by weight: give its quantity in g or kg."),
    "sold_by_volume": _l("This kind is sold by volume: give its quantity in ml or L."),
    "sold_by_piece": _l("This kind is sold by the piece: give a number of pieces."),
    "unit_not_sold": _l("No cooperative sells this kind in that unit: choose another unit."),
    "other_kind_of_goods": _l(
        "This is another kind of goods than the line it would replace (a rug for flour): "
        "tick the confirmation box below to add it anyway."
    ),
    # confirming
    "organisation_not_verified": _l(
        "Your organisation is waiting for the operator's verification: you can prepare your "
        "baskets, and quote and order once it is verified."
    ),
    "quote_not_open": _l("This quote was already confirmed or replaced by a newer one."),
    "shortfall": _l(
        "Some products are short: apply one of the fixes below and quote again before confirming."
    ),
    "nothing_to_order": _l("This quote buys nothing."),
    "over_budget_not_acknowledged": _l(
        "This order costs more than your budget: tick the box to confirm it anyway, or apply "
        "one of the suggestions to fit the budget."
    ),
    "not_rural": _l("A cooperative of this quote is no longer rural: quote again."),
    "solver_failed": _l("The plan could not be computed. Please try again in a moment."),
    "too_many_parts": _l(
        "This plan needs more purchase orders than one order may have (%(max)s): raise the "
        "share cap, or split the distribution points over two orders."
    ),
    "engine_input": _l("The plan could not be computed from this data."),
    "quote_changed": _l(
        "Stock or prices changed since this quote: here is the new quote. Check it and confirm "
        "again."
    ),
    "insufficient_stock": _l(
        "Some stock was taken by other orders in the meantime: quote again to see what is "
        "available now."
    ),
    # confirming receipt at a distribution point
    "already_received": _l("Receipt at this point was already confirmed."),
    "not_paid": _l("Receipt can be confirmed once the order is paid."),
    "parts_not_shipped": _l(
        "Some cooperatives have not shipped to this point yet: confirm receipt once "
        "everything has left."
    ),
    "not_this_order": _l("This distribution point is not part of this order."),
    "unknown_line": _l("This line is not in the basket."),
    # importing distribution points
    "duplicate_point": _l("The same point is already on line %(line)s."),
    # the order itself (orders.institutional)
    "invalid_phone": _l("Add a valid phone number to your organisation before ordering."),
    "invalid_email": _l("Add a valid e-mail address to your organisation before ordering."),
    "invalid_address": _l("Add your organisation's address before ordering."),
    "invalid_name": _l("Your organisation's name is missing."),
    "price_changed": _l("A price changed since this quote: quote again."),
    "not_sellable": _l("A product of this quote is no longer on sale: quote again."),
    # Codes the shop's pages share, said otherwise to an organisation, whose pages
    # speak of other things:
    # - the organisation's pages call the catalogue's categories "kinds of product"
    #   (a basket line is a kind: flour, oil), never "categories";
    "unknown_category": _l("Choose a product kind."),
    # - an organisation never picks a product: the code comes from placing the
    #   purchase orders of a quote, whose product was withdrawn meanwhile;
    "unknown_product": _l("A product of this quote no longer exists: quote again."),
    # - the file an organisation sends lists distribution points, not products
    #   ("empty" is also a file whose rows are all blank).
    "empty": _l("The file has no distribution point."),
    "too_many_rows": _l("At most %(max)d distribution points in one order."),
}


def message(code: str, data: Mapping[str, Any] | None = None) -> str:
    """The sentence for ``code`` on the organisation's pages, filled with ``data``."""
    return shared.message(code, data, catalogue=MESSAGES)


def problem_message(problem: Problem) -> str:
    return message(problem.code, problem.data)


def _fields(form: Iterable[Field]) -> Iterable[Field]:
    for field in form:
        if isinstance(field, FieldList):
            for entry in field.entries:
                if isinstance(entry, FormField):
                    yield from _fields(entry.form)
                else:
                    yield entry
            yield field
        elif isinstance(field, FormField):
            yield from _fields(field.form)
        else:
            yield field


def attach(
    form: FlaskForm, problems: Iterable[FieldProblem], fields: Mapping[str, str] | None = None
) -> list[str]:
    """Put each problem under its form field, found by its full name
    (``fields`` renames library fields). Returns the messages without a field."""
    renames = fields or {}
    by_name = {f.name: f for f in _fields(form)}
    orphans: list[str] = []
    for problem in problems:
        text = message(problem.code, problem.data)
        field = by_name.get(renames.get(problem.field, problem.field))
        if field is None or isinstance(field, FieldList):
            orphans.append(text)
            continue
        field.errors = (*field.errors, text)
    return orphans


#: a refused action on the organisation's pages, told in these words
OUTCOMES = Outcomes(message, attach)
