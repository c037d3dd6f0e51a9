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
from datetime import UTC, date, datetime
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


def _looks_neutralised(text: str) -> bool:
    return text.lstrip("'").startswith(FORMULA_PREFIXES)


def neutralise(text: str) -> str:
    """Free text made safe from spreadsheet formulas (CSV injection). Text that already
    starts with apostrophes before a formula sign gets one more, so that
    :func:`restore` gives it back as it was."""
    return "'" + text if _looks_neutralised(text) else text


def restore(text: str) -> str:
    """The inverse of :func:`neutralise` for a cell read back from one of our files."""
    if text.startswith("'") and _looks_neutralised(text[1:]):
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
    decimal_comma: bool = False,
) -> str:
    """The table as CSV text; encode as ``utf-8-sig`` for Excel. French Excel reads
    ``;`` between cells and ``,`` before decimals (``decimal_comma``)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow(
            [
                cell(v).replace(".", ",") if decimal_comma and isinstance(v, Decimal) else cell(v)
                for v in row
            ]
        )
    return out.getvalue()


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence[Cell]], *, title: str) -> bytes:
    """The table as an .xlsx workbook of one sheet: numbers as numbers (amounts with two
    decimals), dates as dates, identifiers and free text as text — never a formula."""
    from openpyxl import Workbook  # a dependency of exports only
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import Cell as XlsxCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=re.sub(r"[\\/*?:\[\]]", " ", title)[:31] or "Sheet")

    def xlsx_cell(value: Cell) -> XlsxCell:
        if isinstance(value, bool):
            raise TypeError("write yes/no as words, not booleans")
        if isinstance(value, Identifier):
            found = WriteOnlyCell(sheet, value=str(value))
            found.number_format = "@"
            return found
        if isinstance(value, str):
            return WriteOnlyCell(sheet, value=neutralise(value) if value.startswith("=") else value)
        if isinstance(value, Decimal):  # an amount: a number with two decimals
            found = WriteOnlyCell(sheet, value=float(value))
            found.number_format = "#,##0.00"
        elif isinstance(value, date) and not isinstance(value, datetime):
            found = WriteOnlyCell(sheet, value=datetime(value.year, value.month, value.day))
            found.number_format = "yyyy-mm-dd"
        elif isinstance(value, datetime):  # Excel knows no time zones: UTC, said so
            found = WriteOnlyCell(sheet, value=value.astimezone(UTC).replace(tzinfo=None))
            found.number_format = 'yyyy-mm-dd hh:mm "UTC"'
        else:
            found = WriteOnlyCell(sheet, value=value)
        return found

    sheet.append([xlsx_cell(h) for h in header])
    for row in rows:
        sheet.append([xlsx_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
