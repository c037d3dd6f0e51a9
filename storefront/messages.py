"""Library error codes as sentences in the user's language, for forms, flashes and
CSV reports: one sentence per code, for the cooperative back office, the operator
console and the organisation pages (which add the basket library's codes, and their
own words for the few codes that must read otherwise there:
:mod:`storefront.ngo.messages`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from babel.numbers import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from catalog.errors import FieldProblem
from storefront.filters import FORMAT_LOCALES, local_date, money_text, number, one_stop
from storefront.forms import TEXT_MESSAGES
from storefront.i18n import current_language
from storefront.labels import CARRIERS, label

MESSAGES: dict[str, Any] = {
    **TEXT_MESSAGES,
    # any field
    "required": _l("This is required."),
    "too_long": _l("Too long: at most %(max)d characters."),
    "out_of_range": _l("Enter a number from %(min)d to %(max)d."),
    "not_an_integer": _l("Enter a whole number (“%(value)s” is not one)."),
    "not_a_number": _l("Enter an amount such as 45,50 (“%(value)s” is not one)."),
    "too_many_decimals": _l("An amount has at most two decimals (“%(value)s”)."),
    "not_positive": _l("Enter an amount above zero."),
    "in_the_future": _l("This date is in the future."),
    "already_expired": _l("This date has already passed."),
    "before_issue": _l("The expiry date is before the issue date."),
    # cooperatives
    "ice_length": _l("An ICE has exactly 15 digits."),
    "ice_format": _l("An ICE is made of digits only."),
    "ice_checksum": _l("This ICE is not valid: please check its 15 digits."),
    "ice_taken": _l("A cooperative with this ICE is already registered."),
    "unknown_region": _l("Choose a region from the list."),
    "province_not_in_region": _l("This province is not in the chosen region."),
    "more_women_than_members": _l("There cannot be more women members than members."),
    "unknown_sector": _l("Choose a sector."),
    "phone_invalid": _l("Enter a Moroccan phone number, for example 06 12 34 56 78."),
    "email_invalid": _l("Enter a valid e-mail address."),
    "locked_after_verification": _l(
        "The operator has verified this: write to the operator to change it."
    ),
    "invitation_invalid": _l("This invitation has expired, was cancelled or was already used."),
    # listings
    "unknown_category": _l("Choose a category."),
    "price_above_cap": _l("The price is above this category's cap of %(cap)s."),
    "unknown_unit": _l("Choose a unit: piece, g or ml."),
    "sku_format": _l("A SKU uses letters, digits and - _ . / only, without spaces."),
    "sku_taken": _l("Another of your products already has this SKU."),
    "required_for_made_to_order": _l(
        "A product made to order needs the number of units you can make per day."
    ),
    "too_many_images": _l("A product has at most %(max)d photos."),
    # stock
    "stock_changed": _l(
        "The count changed since you opened it: now %(on_hand)d on the shelf "
        "(%(allocated)d reserved for orders). Check it and save again."
    ),
    "below_allocated": _l(
        "%(allocated)d units are reserved for orders: the shelf cannot hold fewer. "
        "Cancel a parcel first if they are really gone."
    ),
    "not_enough_on_hand": _l("There are only %(on_hand)d on the shelf."),
    "unknown_reason": _l("Choose why the stock changes."),
    # certificates and categories
    "unknown_kind": _l("Choose a kind of certificate."),
    "unknown_product": _l("Choose one of your products."),
    "slug_format": _l("Use lower-case letters, digits and hyphens, e.g. huile-argan."),
    "slug_taken": _l("Another category already uses this address."),
    # search synonyms
    "synonyms_too_few": _l("Enter at least two different words or phrases, separated by commas."),
    "synonyms_too_many": _l("A group has at most %(max)d words or phrases."),
    "parent_cycle": _l("A category cannot be placed under itself or its subcategories."),
    # uploads
    "empty": _l("The file is empty."),
    "too_large": _l("The file is too large: at most %(mb)s MB."),
    "unsupported_type": _l("This kind of file is not accepted. Accepted: %(allowed)s."),
    "too_many_pixels": _l("The picture is too large in pixels. Send a smaller one."),
    "too_small": _l("The picture is too small: at least %(min_side)d pixels on each side."),
    "unreadable": _l("The file is damaged or incomplete. Try saving it again."),
    "not_utf8": _l(
        "The file is not in UTF-8 (line %(line)d). In your spreadsheet, save as “CSV UTF-8”."
    ),
    # CSV import
    "unknown_column": _l("Unknown column. Accepted columns: %(allowed)s."),
    "missing_column": _l("The first row must name this column."),
    "duplicate_column": _l("This column appears twice."),
    "duplicate_sku": _l("This SKU already appears on line %(first_line)d."),
    "not_a_boolean": _l("Write 1 (yes) or 0 (no) (“%(value)s” is neither)."),
    "unknown_status": _l("Write draft, published or unpublished (“%(value)s” is none of them)."),
    "product_suspended": _l("The operator suspended this product: its status cannot change."),
    "too_many_cells": _l("This line has more cells than the header."),
    "too_many_rows": _l("At most %(max)d products per file: split it."),
    "malformed": _l("This line cannot be read (check its quotes)."),
    "no_rows": _l("The file has a header but no product."),
    # orders and money
    "tracking_required": _l("Enter the tracking number (at most %(max)d characters)."),
    "tracking_format": _l("This is not a %(carrier)s tracking number: it looks like %(example)s."),
    "unknown_carrier": _l("Choose the carrier from the list."),
    "not_shipped": _l("The parcel has not been shipped."),
    "part_is_paid": _l("This order was paid: it is refunded to the buyer instead."),
    "not_cash_on_delivery": _l("This order was not paid in cash on delivery."),
    "cash_already_collected": _l("The cash of this parcel is already recorded."),
    "not_delivered": _l("The parcel must be shipped first."),
    "invalid_rib": _l("This RIB is not valid: check its 24 digits."),
    "nothing_to_pay": _l(
        "No cooperative is owed money with a bank account on file (%(without_rib)d without one)."
    ),
    "batch_not_open": _l("This payout batch is already closed."),
    "invalid_amount": _l("Enter an amount above zero."),
    "unknown_rate": _l("This price band does not exist any more: reload the page."),
    "band_cheaper_than_lighter": _l("A heavier parcel cannot cost less than a lighter one."),
    # states
    "invalid_state": _l("This is no longer possible: the page was out of date."),
    "already_applied": _l("This import was already applied."),
    "claim_not_pending": _l("This change was already reviewed."),
}


#: whole numbers from here on are grouped as the page's language writes them
#: (``12 500``, ``12,500``); shorter ones, years among them, stay as they are
GROUPED_FROM = 10_000


def _values(code: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` as a sentence writes it: dates in the page's language, ``*_minor``
    amounts as money (also under the name without ``_minor``), large numbers grouped."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        values[key] = value
        if isinstance(value, date):
            values[key] = local_date(value)
        elif isinstance(value, bool) or not isinstance(value, int):
            continue
        elif key.endswith("_minor"):
            values[key.removesuffix("_minor")] = money_text(value)
        elif value >= GROUPED_FROM:
            values[key] = number(value)
    if code == "tracking_format":
        values["carrier"] = label(CARRIERS, values.get("carrier", ""))
    if code == "too_large":
        values["mb"] = format_decimal(
            int(data.get("max_bytes", 0)) / 1024 / 1024,
            format="#,##0.##",
            locale=FORMAT_LOCALES[current_language()],
        )
    if isinstance(values.get("allowed"), list | tuple):
        values["allowed"] = _(", ").join(str(a) for a in values["allowed"])
    return values


def message(
    code: str, data: Mapping[str, Any] | None = None, *, catalogue: Mapping[str, Any] = MESSAGES
) -> str:
    """The sentence for ``code`` in ``catalogue``, filled with ``data``."""
    template = catalogue.get(code)
    if template is None:
        return _("Something is wrong with this value (%(code)s).", code=code)
    values = _values(code, data or {})
    text = str(template)
    for key, value in values.items():  # a number already written out: placed as text
        if isinstance(value, str):
            text = text.replace(f"%({key})d", f"%({key})s")
    try:
        return one_stop(text % values)
    except (KeyError, TypeError, ValueError):
        return str(template)


def attach(
    form: FlaskForm, problems: Iterable[FieldProblem], fields: Mapping[str, str] | None = None
) -> list[str]:
    """Put each problem under its form field (``fields`` maps library field names to
    form field names where they differ). Returns the messages that have no field."""
    fields = fields or {}
    orphans: list[str] = []
    for problem in problems:
        name = fields.get(problem.field, problem.field)
        text = message(problem.code, problem.data)
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = (*field.errors, text)
        else:
            orphans.append(text)
    return orphans
