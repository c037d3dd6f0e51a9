"""Create or change a cooperative's listings in bulk, matched by SKU, all or nothing: the
one use case behind the CSV import (:mod:`catalog.csv_io`) and the API's bulk endpoint.

The caller reads its rows (spreadsheet cells, JSON items) into :class:`ListingInput`
values, with what it could not read as problems. :func:`plan_upsert` then judges every
row the way the listing form is judged (:func:`catalog.listings.check_listing`) and says
what would be created, updated, left unchanged or rejected and why; it changes nothing.
:func:`upsert_listings` writes a plan with no problem, or raises :class:`ImportRejected`
and writes nothing.

A row for a new SKU needs ``category``, ``title_fr`` and ``price_minor``; a field a row
does not give keeps the listing's value (or the default, for a new one). A new shelf
count (``on_hand``) of an existing listing is checked against the count the row was read
with (``expected_on_hand``, when given: the count must not have moved since) and against
the units promised to orders, and written by compare-and-set. Asking for
``unpublished`` only takes a listing on sale off sale; a listing the operator suspended
keeps that status.

Two queries load what the plan needs (the categories and the cooperative's listings),
whatever the number of rows; the write is one INSERT, one UPDATE of the other fields
and one of the shelf counts per 500 listings (:func:`catalog.stock.set_counts`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from catalog import audit, stock
from catalog.audit import Actor
from catalog.errors import CatalogError
from catalog.listings import LISTING_FIELDS, Listing, check_listing, columns_of, product_slug
from catalog.models import Category, Cooperative, Product, ProductStatus
from catalog.rules import refresh_products
from catalog.slugs import unique_slugs

#: fields a new listing cannot do without (besides ``title_fr``, which the listing
#: check asks for)
REQUIRED_NEW = ("category", "price_minor")
#: :func:`check_listing`'s field -> the field a row gives
_FIELD_OF = {"price": "price_minor"}
_BLANK = Listing(title_fr="", category_id=0, price_minor=0)


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """What is wrong, where: ``line`` (a file's line, the header being line 1, or an
    item's index), ``column`` (the caller's name of the field; None for the whole row
    or file), ``code`` and ``data`` for the message."""

    line: int
    column: str | None
    code: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ListingInput:
    """What one row says about the listing with ``sku``.

    :ivar values: the listing fields it gives (:class:`catalog.listings.Listing`'s,
        without ``sku`` and ``category_id``), already of their type.
    :ivar category: the category's slug, when given.
    :ivar status: the status asked for, when given.
    :ivar expected_on_hand: the shelf count the row was read with, when given.
    :ivar problems: what the caller could not read (named as :func:`plan_upsert`'s
        problems are, before ``names``).
    """

    line: int
    sku: str
    values: dict[str, Any] = field(default_factory=dict)
    category: str | None = None
    status: ProductStatus | None = None
    expected_on_hand: int | None = None
    problems: list[RowProblem] = field(default_factory=list)


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
    #: for an existing listing whose shelf count changes: (the count the row
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
    """Nothing was written: ``plan`` says which rows are wrong and why."""

    code = "import_rejected"

    def __init__(self, plan: ImportPlan) -> None:
        self.plan = plan
        super().__init__(problems=len(plan.all_problems()))


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


# -- planning --------------------------------------------------------------------------
@dataclass(slots=True)
class _Context:
    """What every row is judged against, loaded once."""

    categories: dict[str, Category]
    by_id: dict[int, Category]
    existing: dict[str, dict[str, Any]]
    names: Mapping[str, str]
    blind_counts: bool
    seen: dict[str, int] = field(default_factory=dict)


def plan_upsert(
    session: Session,
    coop: Cooperative,
    rows: Sequence[ListingInput],
    *,
    names: Mapping[str, str] | None = None,
    blind_counts: bool = False,
) -> ImportPlan:
    """The dry run: what writing ``rows`` into ``coop``'s listings would do, row by row.
    Changes nothing.

    :param names: the caller's name of a field, where it differs (a CSV column).
    :param blind_counts: a new ``on_hand`` without ``expected_on_hand`` sets the count
        as it is now; otherwise it is refused (``expected_on_hand_required``).
    """
    all_categories = list(session.scalars(select(Category)))
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
    context = _Context(
        categories={c.slug: c for c in all_categories},
        by_id={c.id: c for c in all_categories},
        existing=existing,
        names=names or {},
        blind_counts=blind_counts,
    )
    return ImportPlan(rows=[_plan_row(row, context) for row in rows])


def _plan_row(row: ListingInput, context: _Context) -> RowPlan:
    line, sku = row.line, row.sku
    problems: list[RowProblem] = []
    plan = RowPlan(line=line, sku=sku, action=Action.REJECT, title=row.values.get("title_fr", ""))
    if not sku:
        problems.append(RowProblem(line, "sku", "required"))
    elif sku in context.seen:
        problems.append(RowProblem(line, "sku", "duplicate_sku", {"first_line": context.seen[sku]}))
    else:
        context.seen[sku] = line
    product = context.existing.get(sku) if sku else None
    values = {n: product[n] for n in LISTING_FIELDS} if product else _BLANK.as_dict()

    category = context.by_id.get(product["category_id"]) if product else None
    if row.category is not None:
        category = context.categories.get(row.category.lower())
        if category is None:
            problems.append(
                RowProblem(line, "category", "unknown_category", {"value": row.category})
            )
    if category is not None:
        values["category_id"] = category.id
    unread = {p.column for p in row.problems}
    if product is None:
        for name in REQUIRED_NEW:
            given = row.category if name == "category" else row.values.get(name)
            if given is None and name not in unread:
                problems.append(RowProblem(line, name, "required"))
    problems += row.problems
    values.update(row.values)
    values["sku"] = sku
    status = _status(row, product, problems)

    listing = Listing(**values).cleaned()
    flagged = {p.column for p in problems}
    for fp in check_listing(listing, category):
        name = _FIELD_OF.get(fp.field, fp.field)
        if name not in flagged:
            problems.append(RowProblem(line, name, fp.code, fp.data))
    if not problems and product is not None:
        problems = _count_problems(row, product, listing.on_hand, context.blind_counts)
    if problems:
        plan.problems = [_named(p, context.names) for p in problems]
        return plan
    plan.listing, plan.status, plan.title = listing, status, listing.title_fr
    if product is None:
        plan.action = Action.CREATE
        return plan
    plan.product_id = product["id"]
    new = columns_of(listing)
    plan.changes = audit.changes({name: product[name] for name in new}, new)
    if "on_hand" in plan.changes:
        plan.on_hand = (product["on_hand"], listing.on_hand)
    if status != product["status"]:
        plan.changes["status"] = [str(product["status"]), str(status)]
    plan.action = Action.UPDATE if plan.changes else Action.UNCHANGED
    return plan


def _status(
    row: ListingInput, product: dict[str, Any] | None, problems: list[RowProblem]
) -> ProductStatus:
    """The status the listing will have: as asked, but a suspended listing stays
    suspended and only a listing on sale is taken off sale."""
    current = ProductStatus(product["status"]) if product else ProductStatus.DRAFT
    wanted = row.status
    if wanted is None or wanted == current:
        return current
    if current == ProductStatus.SUSPENDED:
        problems.append(RowProblem(row.line, "status", "product_suspended"))
    elif wanted == ProductStatus.SUSPENDED:
        problems.append(RowProblem(row.line, "status", "unknown_status", {"value": str(wanted)}))
    elif wanted != ProductStatus.UNPUBLISHED or current == ProductStatus.PUBLISHED:
        return wanted
    return current


def _count_problems(
    row: ListingInput, product: dict[str, Any], wanted: int, blind: bool
) -> list[RowProblem]:
    """A new shelf count is checked against the count the row was read with (it must
    not have moved since) and against the units promised to orders."""
    if wanted == product["on_hand"]:
        return []
    now = {"on_hand": product["on_hand"], "allocated": product["allocated"]}
    seen = row.expected_on_hand
    if seen is None and not blind:
        return [RowProblem(row.line, "expected_on_hand", "expected_on_hand_required")]
    if seen is not None and seen != product["on_hand"]:
        return [RowProblem(row.line, "on_hand", "stock_changed", {**now, "seen": seen})]
    if wanted < product["allocated"]:
        return [RowProblem(row.line, "on_hand", "below_allocated", {**now, "requested": wanted})]
    return []


def _named(problem: RowProblem, names: Mapping[str, str]) -> RowProblem:
    if problem.column is None or problem.column not in names:
        return problem
    return RowProblem(problem.line, names[problem.column], problem.code, problem.data)


# -- writing ---------------------------------------------------------------------------
def upsert_listings(
    session: Session,
    coop: Cooperative,
    plan: ImportPlan,
    *,
    actor: Actor,
    now: datetime,
    source: str,
    import_id: int | None = None,
) -> ImportResult:
    """Write a plan (see :func:`plan_upsert`): every row, or none. ``source`` says
    where the rows come from (``import``: a file, ``api``) in the audit log.

    :raises ImportRejected: when the plan has any problem, or a shelf count moved since
        it was planned; nothing changes.
    """
    if not plan.ok:
        raise ImportRejected(plan)
    creates = [r for r in plan.rows if r.action == Action.CREATE]
    updates = [r for r in plan.rows if r.action == Action.UPDATE]
    new_ids = _insert(session, coop, creates, now)
    counts = {r.product_id: r.on_hand for r in updates if r.product_id and r.on_hand}
    refused = stock.set_counts(
        session,
        [(product_id, *seen_new) for product_id, seen_new in counts.items()],
        actor=actor,
        now=now,
        source=source,
    )
    for row in updates:  # the first count that moved since it was planned
        exc = refused.get(row.product_id) if row.product_id else None
        if exc is not None:
            row.action = Action.REJECT
            row.problems.append(RowProblem(row.line, "on_hand", exc.code, exc.data))
            raise ImportRejected(plan) from exc
    _update(session, updates, now)
    if creates or updates:
        refresh_products(
            session,
            now.date(),
            product_ids=new_ids + [r.product_id for r in updates if r.product_id],
        )
        audit.record(
            session,
            actor,
            f"product.{source}",
            object_type=source,
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


def _insert(
    session: Session, coop: Cooperative, creates: list[RowPlan], now: datetime
) -> list[int]:
    """The new listings, in one INSERT (ORM bulk statements: thousands of rows)."""
    if not creates:
        return []
    slugs = unique_slugs(
        session,
        Product.slug,
        [product_slug(r.listing.title_fr, coop, r.sku) for r in creates if r.listing],
    )
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
    return list(session.scalars(insert(Product).returning(Product.id), values))


def _update(session: Session, updates: list[RowPlan], now: datetime) -> None:
    """The changed listings, in one UPDATE; the shelf count changes only by
    compare-and-set, before."""
    if not updates:
        return
    rows = []
    for row in updates:
        if row.listing is not None:
            values = columns_of(row.listing)
            values.pop("on_hand", None)
            rows.append({**values, "id": row.product_id, "status": row.status, "updated_at": now})
    session.execute(update(Product), rows)
    if rows:
        # written by a statement, unseen by the session's change tracking: a price or
        # category changes what the pages show and what the facet counts count
        stock.touch(session, facets=True)
    for row in updates:  # a loaded listing reads its new values
        product = session.identity_map.get(identity_key(Product, row.product_id))
        if product is not None:
            session.expire(product)
