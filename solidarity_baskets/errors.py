"""The solidarity-basket package's exceptions. Like the catalog's and the orders',
they carry a stable ``code`` and data, never sentences. Bad form input is reported
with :class:`catalog.errors.InvalidInput` (one :class:`~catalog.errors.FieldProblem`
per wrong field)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass


class BasketError(Exception):
    """Root of the package's exceptions. ``code`` is stable; ``data`` explains.

    Codes: ``organisation_not_verified``, ``template_not_found``, ``quote_not_open``,
    ``nothing_to_order`` (the quote buys nothing), ``shortfall`` (a quote with
    shortfalls is confirmed only when the organisation accepts a partial delivery),
    ``solver_failed`` (a stage of the engine failed: ``stage`` says which),
    ``too_many_parts`` (the plan has more parts than the operator's limit).
    """

    code: str = "basket_error"

    def __init__(self, code: str | None = None, **data: Any) -> None:
        if code is not None:
            self.code = code
        self.data = data
        super().__init__(self.code, data)
