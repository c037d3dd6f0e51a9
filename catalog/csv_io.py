"""A cooperative's products as a spreadsheet: CSV import (dry run, then apply) and
export in the same format.

The file is UTF-8 (a byte-order mark is fine: Excel writes one), with ``;`` or ``,``
between cells (whichever the header uses), and a header row naming the columns in any
order (:data:`COLUMNS`; ``category`` is the category's slug). Only ``sku`` is
required: each row is matched to the cooperative's listing with that SKU, so importing
the same file twice changes nothing. A row for a new SKU needs ``category``,
``title_fr`` and ``price``.

A missing column, or an empty cell, leaves an existing listing's value as it is and
gives a new one the default. The rows are judged and written by the same use case as
the API's bulk changes (:mod:`catalog.upsert`): every row is checked exactly as the
listing form checks it (:func:`catalog.listings.check_listing`); the dry run says, row
by row, what would be created, updated, left unchanged or rejected and why (line,
column, code). Applying is all or nothing: a single rejected row and nothing is written.

The shelf count is ``on_hand``; ``reserved`` (units promised to orders) and
``available`` are written by the export for the reader and ignored by the import. The
export also writes ``on_hand_exported``, the count when the file was made: a row that
changes ``on_hand`` while the shelf count moved since (a parcel shipped, another
edit) is refused with the count now, so a stale file never overwrites it. A file
without that column sets the count as it is at import time. A count below what is
promised to orders is refused.

Two queries load what the plan needs (the categories and the cooperative's listings),
whatever the number of rows.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import spreadsheet
from catalog.audit import Actor
from catalog.errors import InvalidAmount, InvalidState, InvalidUpload
from catalog.models import Category, Cooperative, Product, ProductImport, ProductStatus
from catalog.money import Money
from catalog.upsert import (
    ImportPlan,
    ImportResult,
    ListingInput,
    RowProblem,
    plan_upsert,
    upsert_listings,
)

COLUMNS = (
    "sku",
    "category",
    "title_fr",
    "title_ar",
    "title_en",
    "description_fr",
    "description_ar",
    "description_en",
    "price",
    "unit",
    "net_quantity",
    "weight_g",
    "on_hand",
    "on_hand_exported",
    "reserved",
    "available",
    "made_to_order",
    "units_per_day",
    "lead_days",
    "low_stock_threshold",
    "status",
)
REQUIRED = ("sku",)
#: columns the export writes for the reader and the import ignores
READ_ONLY = ("reserved", "available")
MAX_ROWS = 20_000
#: a row's field -> its CSV column, where the names differ
_COLUMN_OF = {
    "shipping_weight_g": "weight_g",
    "price_minor": "price",
    "expected_on_hand": "on_hand_exported",
}
_INT_FIELDS = {
    "net_quantity": "net_quantity",
    "weight_g": "shipping_weight_g",
    "on_hand": "on_hand",
    "units_per_day": "units_per_day",
    "lead_days": "lead_days",
    "low_stock_threshold": "low_stock_threshold",
}
_TEXT_FIELDS = (
    "title_fr",
    "title_ar",
    "title_en",
    "description_fr",
    "description_ar",
    "description_en",
)
_TRUE = {"1", "yes", "y", "true", "oui", "o", "vrai", "نعم"}
_FALSE = {"0", "no", "n", "false", "non", "faux", "لا"}
_UNITS = {"piece": "piece", "pièce": "piece", "pc": "piece", "g": "g", "ml": "ml"}
_STATUSES = {
    "draft": ProductStatus.DRAFT,
    "brouillon": ProductStatus.DRAFT,
    "published": ProductStatus.PUBLISHED,
    "publié": ProductStatus.PUBLISHED,
    "publie": ProductStatus.PUBLISHED,
    "unpublished": ProductStatus.UNPUBLISHED,
    "dépublié": ProductStatus.UNPUBLISHED,
    "depublie": ProductStatus.UNPUBLISHED,
    "suspended": ProductStatus.SUSPENDED,
}


# -- reading ---------------------------------------------------------------------------
def decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without a byte-order mark.

    :raises InvalidUpload: ``empty``, or ``not_utf8`` with the ``line`` of the first
        undecodable byte (a file saved as Windows-1256 or Latin-1).
    """
    if not data.strip():
        raise InvalidUpload(code="empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidUpload(code="not_utf8", line=data[: exc.start].count(b"\n") + 1) from None


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") >= header_line.count(",") else ","


def _int(cell: str) -> int:
    return int(cell.replace(" ", "").replace("\u00a0", "").replace("\u202f", ""))


def plan_import(session: Session, coop: Cooperative, text: str) -> ImportPlan:
    """The dry run: what importing ``text`` into ``coop`` would do, row by row.
    Changes nothing."""
    rows, problems = _read_rows(text)
    plan = ImportPlan()
    if rows:
        plan = plan_upsert(session, coop, rows, names=_COLUMN_OF, blind_counts=True)
    plan.problems = problems
    return plan


def _read_rows(text: str) -> tuple[list[ListingInput], list[RowProblem]]:
    """The file's rows, as far as cells can be read, and the problems with the file
    itself (header, too many rows, broken quoting)."""
    rows: list[ListingInput] = []
    problems: list[RowProblem] = []
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return rows, [RowProblem(1, None, "empty")]
    names = [h.strip().lower() for h in header]
    unknown = [h for h in names if h and h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in names]
    duplicated = sorted({h for h in names if h and names.count(h) > 1})
    for name in unknown:
        problems.append(RowProblem(1, name, "unknown_column", {"allowed": list(COLUMNS)}))
    for name in missing:
        problems.append(RowProblem(1, name, "missing_column"))
    for name in duplicated:
        problems.append(RowProblem(1, name, "duplicate_column"))
    if problems:
        return rows, problems
    index = {name: i for i, name in enumerate(names) if name}
    last_line = 1
    try:
        for cells in reader:
            line = last_line + 1
            last_line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                problems.append(RowProblem(line, None, "too_many_rows", {"max": MAX_ROWS}))
                break
            rows.append(_read_row(line, cells, index, len(names)))
    except csv.Error as exc:
        problems.append(RowProblem(last_line + 1, None, "malformed", {"detail": str(exc)}))
    if not rows and not problems:
        problems.append(RowProblem(2, None, "no_rows"))
    return rows, problems


def _read_row(line: int, cells: list[str], index: dict[str, int], width: int) -> ListingInput:
    """One row's cells as a listing's fields; a cell that cannot be read is a problem
    (named by the listing's field: :data:`_COLUMN_OF` names it for the reader)."""

    def cell(name: str) -> str | None:
        """The stripped cell, or None when the column is absent or the cell empty."""
        i = index.get(name)
        if i is None or i >= len(cells):
            return None
        value = spreadsheet.restore(cells[i].strip())
        return value or None

    row = ListingInput(line=line, sku=cell("sku") or "", category=cell("category"))
    problems, values = row.problems, row.values
    if len(cells) > width:
        problems.append(
            RowProblem(line, None, "too_many_cells", {"expected": width, "found": len(cells)})
        )
    for name in _TEXT_FIELDS:
        value = cell(name)
        if value is not None:
            values[name] = value
    price = cell("price")
    if price is not None:
        try:
            values["price_minor"] = Money.parse(price).amount_minor
        except InvalidAmount as exc:
            problems.append(RowProblem(line, "price_minor", exc.code, {"value": price}))
    unit = cell("unit")
    if unit is not None:
        if unit.lower() in _UNITS:
            values["unit"] = _UNITS[unit.lower()]
        else:
            problems.append(RowProblem(line, "unit", "unknown_unit", {"value": unit}))
    for column, name in _INT_FIELDS.items():
        value = cell(column)
        if value is not None:
            try:
                values[name] = _int(value)
            except ValueError:
                problems.append(RowProblem(line, name, "not_an_integer", {"value": value}))
    mto = cell("made_to_order")
    if mto is not None:
        if mto.lower() in _TRUE:
            values["made_to_order"] = True
        elif mto.lower() in _FALSE:
            values["made_to_order"] = False
        else:
            problems.append(RowProblem(line, "made_to_order", "not_a_boolean", {"value": mto}))
    wanted = cell("status")
    if wanted is not None:
        row.status = _STATUSES.get(wanted.lower())
        if row.status is None:
            problems.append(RowProblem(line, "status", "unknown_status", {"value": wanted}))
    exported = cell("on_hand_exported")
    if exported is not None:
        try:
            row.expected_on_hand = _int(exported)
        except ValueError:
            problems.append(
                RowProblem(line, "expected_on_hand", "not_an_integer", {"value": exported})
            )
    return row


# -- applying --------------------------------------------------------------------------
def start_import(
    session: Session, coop: Cooperative, filename: str, text: str, *, actor: Actor, now: datetime
) -> ProductImport:
    """Keep an uploaded file (already :func:`decode`-d) for its dry run and apply."""
    record = ProductImport(
        cooperative_id=coop.id,
        filename=filename[:200],
        content=text,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(record)
    session.flush()
    return record


def apply_import(
    session: Session, coop: Cooperative, record: ProductImport, *, actor: Actor, now: datetime
) -> ImportResult:
    """Import ``record`` for real: plan it again against the current listings and write
    every row, or none.

    :raises InvalidState: ``already_applied``.
    :raises ImportRejected: when any row (or the file) has a problem; nothing changes.
    """
    if record.applied_at is not None:
        raise InvalidState(code="already_applied", applied_at=record.applied_at)
    plan = plan_import(session, coop, record.content)
    result = upsert_listings(
        session, coop, plan, actor=actor, now=now, source="import", import_id=record.id
    )
    record.applied_at = now
    record.created_count = result.created
    record.updated_count = result.updated
    session.flush()
    return result


# -- export ----------------------------------------------------------------------------
def _price_text(minor: int) -> str:
    return f"{minor // 100},{minor % 100:02d}"


def export_rows(session: Session, coop: Cooperative) -> list[list[str]]:
    """One row per listing, in SKU order (the header is :data:`COLUMNS`)."""
    products = session.scalars(
        select(Product).where(Product.cooperative_id == coop.id).order_by(Product.sku)
    ).all()
    slugs = {row.id: row.slug for row in session.execute(select(Category.id, Category.slug))}
    rows = []
    for p in products:
        rows.append(
            [
                p.sku,
                slugs.get(p.category_id, ""),
                p.title_fr,
                p.title_ar,
                p.title_en,
                p.description_fr,
                p.description_ar,
                p.description_en,
                _price_text(p.price_minor),
                str(p.unit.value if isinstance(p.unit, StrEnum) else p.unit),
                str(p.net_quantity),
                str(p.shipping_weight_g),
                str(p.on_hand),
                str(p.on_hand),
                str(p.allocated),
                str(max(0, p.available)),
                "1" if p.made_to_order else "0",
                str(p.units_per_day),
                str(p.lead_days),
                str(p.low_stock_threshold),
                str(p.status.value if isinstance(p.status, StrEnum) else p.status),
            ]
        )
    return rows


def export_csv(session: Session, coop: Cooperative, *, delimiter: str = ";") -> str:
    """The cooperative's listings in the import format (prices with a decimal comma,
    as French spreadsheets write them). Encode as ``utf-8-sig`` for Excel."""
    return spreadsheet.write_csv(COLUMNS, export_rows(session, coop), delimiter=delimiter)
