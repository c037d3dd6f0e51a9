"""An uploaded list of distribution points as rows of cells: the first sheet of an
.xlsx workbook (openpyxl, values only, formulas never evaluated) or a CSV file (UTF-8,
``;`` or ``,``). Reading stops after :data:`MAX_ROWS_READ` rows: the library refuses
more than :data:`solidarity_baskets.points.MAX_ROWS` points anyway."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook

from catalog.csv_io import decode
from catalog.errors import InvalidUpload
from solidarity_baskets.points import MAX_ROWS

MAX_ROWS_READ = MAX_ROWS + 50
MAX_COLUMNS = 20
XLSX_MAGIC = b"PK\x03\x04"
#: the kinds of file read, as the message about another kind names them
ACCEPTED = ["XLSX", "CSV"]
#: how openpyxl fails on a file that is not a sound workbook: not a zip, a part
#: missing, XML that does not parse, a sheet that is not there, values it cannot read
UNREADABLE = (
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    OSError,
    TypeError,
    AttributeError,
    IndexError,
    ParseError,
)


def rows_of(filename: str, data: bytes) -> list[list[Any]]:
    """The file's rows (each a list of cell values).

    :raises InvalidUpload: ``empty``, ``not_utf8`` (CSV), ``unreadable`` (a broken or
        encrypted workbook), ``unsupported_type`` (neither .xlsx nor .csv).
    """
    if not data.strip():
        raise InvalidUpload(code="empty")
    name = filename.casefold()
    if data.startswith(XLSX_MAGIC) or name.endswith(".xlsx"):
        return _xlsx_rows(data)
    if name.endswith((".csv", ".txt")) or not name:
        return _csv_rows(data)
    raise InvalidUpload(code="unsupported_type", allowed=ACCEPTED)


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except UNREADABLE as exc:
        raise InvalidUpload(code="unreadable") from exc
    try:
        sheet = book.worksheets[0]
        rows = []
        # read only: the sheet's XML is parsed here, row by row
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            rows.append(list(row))
            if len(rows) >= MAX_ROWS_READ:
                break
        return rows
    except UNREADABLE as exc:
        raise InvalidUpload(code="unreadable") from exc
    finally:
        book.close()


def _csv_rows(data: bytes) -> list[list[Any]]:
    text = decode(data)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    rows = []
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            rows.append(row[:MAX_COLUMNS])
            if len(rows) >= MAX_ROWS_READ:
                break
    except csv.Error as exc:  # a cell beyond the csv module's field limit
        raise InvalidUpload(code="unreadable") from exc
    return rows
