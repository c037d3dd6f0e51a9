"""The catalog's exceptions. They carry codes and data, never sentences: the
storefront (or the API) turns a code into a message in the user's language."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


class CatalogError(Exception):
    """Root of the catalog's exceptions. ``code`` is stable; ``data`` explains."""

    code: str = "catalog_error"

    def __init__(self, code: str | None = None, **data: Any) -> None:
        if code is not None:
            self.code = code
        self.data = data
        super().__init__(self.code, data)


class InvalidAmount(CatalogError):
    code = "invalid_amount"


class InvalidIdentifier(CatalogError):
    """An ICE, registration number or phone number that does not check out."""

    code = "invalid_identifier"


class PriceAboveCap(CatalogError):
    """A product priced above its category's cap (masks at most 6.00 MAD).

    ``data``: ``cap_minor``, ``price_minor``, ``category``.
    """

    code = "price_above_cap"


class NotFound(CatalogError):
    code = "not_found"


@dataclass(frozen=True, slots=True)
class Shortage:
    product_id: int
    requested: int
    available: int


class InsufficientStock(CatalogError):
    """Raised once with every shortage found, not at the first one."""

    code = "insufficient_stock"

    def __init__(self, shortages: list[Shortage]) -> None:
        self.shortages = shortages
        super().__init__(shortages=shortages)


class StockChanged(CatalogError):
    """A compare-and-set of a stock count found another value than the one the
    person started from. ``data``: ``on_hand``, ``allocated``, ``available`` (now)
    and ``seen``."""

    code = "stock_changed"


class BelowAllocated(CatalogError):
    """The shelf would hold fewer units than are promised to orders. ``data``:
    ``on_hand``, ``allocated``, ``available`` (now) and ``requested``."""

    code = "below_allocated"


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a product is not sold right now (``code`` plus data)."""

    code: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One thing wrong with one field of some input (a form, a CSV row).

    ``field`` names the input field (``"price"``, ``"ice"``); ``code`` says what is
    wrong; ``data`` carries what a message needs (``{"cap_minor": 600}``).
    """

    field: str
    code: str
    # the dataclasses function, not the ``field`` attribute just declared
    data: dict[str, Any] = dataclasses.field(default_factory=dict)


class InvalidInput(CatalogError):
    """Input refused, with every problem found (not only the first)."""

    code = "invalid_input"

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__(problems=problems)


class InvalidUpload(CatalogError):
    """An uploaded file refused: ``code`` is ``empty``, ``too_large``,
    ``unsupported_type``, ``unreadable`` or ``too_many_pixels``; ``data`` explains."""

    code = "invalid_upload"


class AccountExists(CatalogError):
    """An account with this e-mail already exists. ``data``: ``email``."""

    code = "account_exists"


class InvalidState(CatalogError):
    """An action that the object's current state does not allow (verifying a
    rejected certificate, applying an import twice). ``data``: ``status``."""

    code = "invalid_state"
