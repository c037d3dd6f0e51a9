"""Every CSV the product hands out goes through this writer, because each one is opened
in a spreadsheet sooner or later.

- Free text is neutralised against formula injection: a cell starting with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return gets a leading apostrophe, so Excel,
  LibreOffice and Google Sheets show it as text instead of evaluating it
  (``=HYPERLINK(…)`` in a bank holder's name stays a name).
- Numbers (``int``, :class:`~decimal.Decimal`) are written as numbers: a refund of
  ``-12.50`` stays negative, not text.
- Identifiers (RIB, ICE, phone numbers: :class:`Identifier`) are written as text
  formulas ``="0011…"`` so a spreadsheet keeps their leading zeros and ``+``. Only
  digits, spaces and a leading ``+`` qualify; anything else is written as free text.
- Dates are ISO 8601; ``None`` is an empty cell.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

#: What a spreadsheet takes as the start of a formula (or strips before one).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_IDENTIFIER = re.compile(r"\+?[0-9][0-9 ]*")


class Identifier(str):
    """A string of digits that must stay text (RIB, ICE, phone): ``Identifier(rib)``."""

    __slots__ = ()


Cell = str | int | Decimal | date | None


def amount(minor: int) -> Decimal:
    """Centimes as a decimal with two places: ``123456`` → ``Decimal("1234.56")``."""
    return Decimal(minor).scaleb(-2)


def neutralise(text: str) -> str:
    """Free text made safe from spreadsheet formulas (CSV injection)."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def restore(text: str) -> str:
    """The inverse of :func:`neutralise` for a cell read back from one of our files."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def cell(value: Cell) -> str:
    """One value as the text of a CSV cell (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError("write yes/no as words, not booleans")
    if isinstance(value, Identifier):
        if value == "":
            return ""
        if _IDENTIFIER.fullmatch(value):
            return f'="{value}"'
        return neutralise(str(value))
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise(value)
    raise TypeError(f"no spreadsheet cell for {type(value).__name__}")


def write_csv(
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    delimiter: str = ",",
    lineterminator: str = "\r\n",
) -> str:
    """The table as CSV text; encode as ``utf-8-sig`` for Excel."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()
