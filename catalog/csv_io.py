"""A cooperative's products as a spreadsheet: CSV import (dry run, then apply) and
export in the same format.

The file is UTF-8 (a byte-order mark is fine: Excel writes one), with ``;`` or ``,``
between cells (whichever the header uses), and a header row naming the columns in any
order (:data:`COLUMNS`; ``category`` is the category's slug). Only ``sku`` is
required: each row is matched to the cooperative's listing with that SKU, so importing
the same file twice changes nothing. A row for a new SKU needs ``category``,
``title_fr`` and ``price``.

A missing column, or an empty cell, leaves an existing listing's value as it is and
gives a new one the default. Every row is checked exactly as the listing form checks it
(:func:`catalog.listings.check_listing`); the dry run says, row by row, what would be
created, updated, left unchanged or rejected and why (line, column, code). Applying is
all or nothing: a single rejected row and nothing is written.

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
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from catalog import audit, spreadsheet, stock
from catalog.audit import Actor
from catalog.errors import (
    BelowAllocated,
    CatalogError,
    InvalidAmount,
    InvalidState,
    InvalidUpload,
    StockChanged,
)
from catalog.listings import LISTING_FIELDS, Listing, check_listing, columns_of, product_slug
from catalog.models import Category, Cooperative, Product, ProductImport, ProductStatus
from catalog.money import Money
from catalog.rules import refresh_products
from catalog.slugs import unique_slugs

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
#: listing field -> CSV column, where the names differ
_COLUMN_OF = {"shipping_weight_g": "weight_g", "price_minor": "price", "category_id": "category"}
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
}


_BLANK = Listing(title_fr="", category_id=0, price_minor=0)


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """What is wrong, where: ``line`` in the file (the header is line 1), ``column``
    (None for the whole row or file), ``code`` and ``data`` for the message."""

    line: int
    column: str | None
    code: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RowPlan:
    line: int
    sku: str
    action: Action
    title: str = ""
    problems: list[RowProblem] = field(default_factory=list)
    #: for updates: ``{field: [old, new]}``
    changes: dict[str, list[Any]] = field(default_factory=dict)
    listing: Listing | None = None
    status: ProductStatus | None = None
    product_id: int | None = None
    #: for an existing listing whose shelf count changes: (the count the file
    #: started from, the new count), applied by compare-and-set
    on_hand: tuple[int, int] | None = None


@dataclass(slots=True)
class ImportPlan:
    rows: list[RowPlan] = field(default_factory=list)
    #: problems with the file itself (encoding, header)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(r.action != Action.REJECT for r in self.rows)

    def counts(self) -> dict[str, int]:
        result = {a.value: 0 for a in Action}
        for row in self.rows:
            result[row.action.value] += 1
        return result

    def all_problems(self) -> list[RowProblem]:
        return self.problems + [p for r in self.rows for p in r.problems]


class ImportRejected(CatalogError):
    """Nothing was imported: ``plan`` says which rows are wrong and why."""

    code = "import_rejected"

    def __init__(self, plan: ImportPlan) -> None:
        self.plan = plan
        super().__init__(problems=len(plan.all_problems()))


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
    plan = ImportPlan()
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        plan.problems.append(RowProblem(1, None, "empty"))
        return plan
    names = [h.strip().lower() for h in header]
    unknown = [h for h in names if h and h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in names]
    duplicated = sorted({h for h in names if h and names.count(h) > 1})
    for name in unknown:
        plan.problems.append(RowProblem(1, name, "unknown_column", {"allowed": list(COLUMNS)}))
    for name in missing:
        plan.problems.append(RowProblem(1, name, "missing_column"))
    for name in duplicated:
        plan.problems.append(RowProblem(1, name, "duplicate_column"))
    if plan.problems:
        return plan
    index = {name: i for i, name in enumerate(names) if name}

    all_categories = list(session.scalars(select(Category)))
    categories = {c.slug: c for c in all_categories}
    by_id = {c.id: c for c in all_categories}
    # plain rows, not ORM objects: several times faster for thousands of listings
    existing = {
        row["sku"]: dict(row)
        for row in session.execute(
            select(
                Product.id,
                Product.status,
                Product.allocated,
                *(getattr(Product, n) for n in LISTING_FIELDS),
            ).where(Product.cooperative_id == coop.id)
        ).mappings()
    }
    seen: dict[str, int] = {}
    last_line = 1
    try:
        for cells in reader:
            line = last_line + 1
            last_line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(plan.rows) >= MAX_ROWS:
                plan.problems.append(RowProblem(line, None, "too_many_rows", {"max": MAX_ROWS}))
                break
            plan.rows.append(
                _plan_row(line, cells, index, len(names), categories, by_id, existing, seen)
            )
    except csv.Error as exc:
        plan.problems.append(RowProblem(last_line + 1, None, "malformed", {"detail": str(exc)}))
    if not plan.rows and not plan.problems:
        plan.problems.append(RowProblem(2, None, "no_rows"))
    return plan


def _plan_row(
    line: int,
    cells: list[str],
    index: dict[str, int],
    width: int,
    categories: dict[str, Category],
    by_id: dict[int, Category],
    existing: dict[str, dict[str, Any]],
    seen: dict[str, int],
) -> RowPlan:
    problems: list[RowProblem] = []

    def cell(name: str) -> str | None:
        """The stripped cell, or None when the column is absent or the cell empty."""
        i = index.get(name)
        if i is None or i >= len(cells):
            return None
        value = spreadsheet.restore(cells[i].strip())
        return value or None

    if len(cells) > width:
        problems.append(
            RowProblem(line, None, "too_many_cells", {"expected": width, "found": len(cells)})
        )
    sku = cell("sku") or ""
    row = RowPlan(line=line, sku=sku, action=Action.REJECT, title=cell("title_fr") or "")
    if not sku:
        problems.append(RowProblem(line, "sku", "required"))
    elif sku in seen:
        problems.append(RowProblem(line, "sku", "duplicate_sku", {"first_line": seen[sku]}))
    else:
        seen[sku] = line
    product = existing.get(sku) if sku else None
    values = {n: product[n] for n in LISTING_FIELDS} if product else _BLANK.as_dict()
    values["sku"] = sku

    category = by_id.get(product["category_id"]) if product else None
    slug = cell("category")
    if slug is not None:
        category = categories.get(slug.lower())
        if category is None:
            problems.append(RowProblem(line, "category", "unknown_category", {"value": slug}))
    elif product is None:
        problems.append(RowProblem(line, "category", "required"))
    if category is not None:
        values["category_id"] = category.id

    for name in _TEXT_FIELDS:
        value = cell(name)
        if value is not None:
            values[name] = value
    price = cell("price")
    if price is not None:
        try:
            values["price_minor"] = Money.parse(price).amount_minor
        except InvalidAmount as exc:
            problems.append(RowProblem(line, "price", exc.code, {"value": price}))
    elif product is None:
        problems.append(RowProblem(line, "price", "required"))
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
                problems.append(RowProblem(line, column, "not_an_integer", {"value": value}))
    mto = cell("made_to_order")
    if mto is not None:
        if mto.lower() in _TRUE:
            values["made_to_order"] = True
        elif mto.lower() in _FALSE:
            values["made_to_order"] = False
        else:
            problems.append(RowProblem(line, "made_to_order", "not_a_boolean", {"value": mto}))
    status = ProductStatus(product["status"]) if product else ProductStatus.DRAFT
    wanted = cell("status")
    if wanted is not None:
        key = wanted.lower()
        if product is not None and product["status"] == ProductStatus.SUSPENDED:
            if key != ProductStatus.SUSPENDED.value:
                problems.append(RowProblem(line, "status", "product_suspended"))
        elif key not in _STATUSES:
            problems.append(RowProblem(line, "status", "unknown_status", {"value": wanted}))
        else:
            status = _STATUSES[key]

    listing = Listing(**values)  # cells are stripped already
    flagged = {p.column for p in problems}
    for fp in check_listing(listing, category):
        column = _COLUMN_OF.get(fp.field, fp.field)
        if column not in flagged:
            problems.append(RowProblem(line, column, fp.code, fp.data))
    if problems:
        row.problems = problems
        return row
    row.listing = listing
    row.status = status
    row.title = row.listing.title_fr
    if product is None:
        row.action = Action.CREATE
        return row
    row.product_id = product["id"]
    new = columns_of(row.listing)
    before = {name: product[name] for name in new}
    row.changes = audit.changes(before, new)
    if "on_hand" in row.changes:
        problems = _on_hand_problems(line, cell("on_hand_exported"), product, row.listing.on_hand)
        if problems:
            row.problems, row.listing, row.status = problems, None, None
            return row
        row.on_hand = (product["on_hand"], row.listing.on_hand)
    if status != product["status"]:
        row.changes["status"] = [str(product["status"]), str(status)]
    row.action = Action.UPDATE if row.changes else Action.UNCHANGED
    return row


def _on_hand_problems(
    line: int, exported: str | None, product: dict[str, Any], wanted: int
) -> list[RowProblem]:
    """A new shelf count is checked against the count the file was exported with
    (``on_hand_exported``, when the file has it: the count must not have moved since)
    and against the units promised to orders."""
    now = {"on_hand": product["on_hand"], "allocated": product["allocated"]}
    if exported is not None:
        try:
            seen = _int(exported)
        except ValueError:
            return [RowProblem(line, "on_hand_exported", "not_an_integer", {"value": exported})]
        if seen != product["on_hand"]:
            return [RowProblem(line, "on_hand", "stock_changed", {**now, "seen": seen})]
    if wanted < product["allocated"]:
        return [RowProblem(line, "on_hand", "below_allocated", {**now, "requested": wanted})]
    return []


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


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


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
    if not plan.ok:
        raise ImportRejected(plan)
    result = apply_plan(session, coop, plan, actor=actor, now=now, import_id=record.id)
    record.applied_at = now
    record.created_count = result.created
    record.updated_count = result.updated
    session.flush()
    return result


def apply_plan(
    session: Session,
    coop: Cooperative,
    plan: ImportPlan,
    *,
    actor: Actor,
    now: datetime,
    import_id: int | None = None,
) -> ImportResult:
    """Write a checked plan (see :func:`plan_import`).

    :raises ImportRejected: when the plan has any problem; nothing changes.
    """
    if not plan.ok:
        raise ImportRejected(plan)
    creates = [r for r in plan.rows if r.action == Action.CREATE]
    updates = [r for r in plan.rows if r.action == Action.UPDATE]
    slugs = unique_slugs(
        session,
        Product.slug,
        [product_slug(r.listing.title_fr, coop, r.sku) for r in creates if r.listing],
    )
    # ORM bulk statements: one INSERT and one UPDATE for thousands of rows
    new_ids: list[int] = []
    if creates:
        values = []
        for row, slug in zip(creates, slugs, strict=True):
            assert row.listing is not None
            values.append(
                {
                    **columns_of(row.listing),
                    "cooperative_id": coop.id,
                    "slug": slug,
                    "status": row.status,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        new_ids = list(session.scalars(insert(Product).returning(Product.id), values))
    for row in updates:
        if row.on_hand is not None and row.product_id is not None:
            seen, wanted = row.on_hand
            try:
                stock.set_on_hand(
                    session,
                    row.product_id,
                    wanted,
                    seen=seen,
                    actor=actor,
                    now=now,
                    source="import",
                )
            except (StockChanged, BelowAllocated) as exc:
                row.action = Action.REJECT
                row.problems.append(RowProblem(row.line, "on_hand", exc.code, exc.data))
                raise ImportRejected(plan) from exc
    if updates:
        session.execute(
            update(Product),
            [
                {
                    **_without_on_hand(columns_of(row.listing)),
                    "id": row.product_id,
                    "status": row.status,
                    "updated_at": now,
                }
                for row in updates
                if row.listing is not None
            ],
        )
        updated = {row.product_id for row in updates}
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Product) and obj.id in updated:
                session.expire(obj)
    if creates or updates:
        refresh_products(
            session,
            now.date(),
            product_ids=new_ids + [r.product_id for r in updates if r.product_id],
        )
        audit.record(
            session,
            actor,
            "product.import",
            object_type="import",
            object_id=import_id,
            cooperative_id=coop.id,
            now=now,
            details={
                "created": [r.sku for r in creates],
                "updated": {r.sku: r.changes for r in updates},
            },
        )
    return ImportResult(
        created=len(creates),
        updated=len(updates),
        unchanged=sum(1 for r in plan.rows if r.action == Action.UNCHANGED),
    )


def _without_on_hand(values: dict[str, object]) -> dict[str, object]:
    """An update's columns: the shelf count changes only by compare-and-set."""
    values.pop("on_hand", None)
    return values


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
