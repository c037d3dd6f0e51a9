"""Stock and production capacity.

A product has two counters: ``on_hand``, the units on the shelf, and ``allocated``,
those of them promised to orders not shipped yet; ``CHECK (0 <= allocated AND
allocated <= on_hand)`` holds on both databases. Every change is one conditional
``UPDATE`` on the row, so nothing is promised twice whatever the number of workers:

* an order allocates (``allocated + q`` where ``on_hand - allocated >= q``);
* shipping consumes (both fall by the units that leave);
* cancelling, refusing or an expired reservation releases (``allocated`` falls), a
  parcel that comes back restocks (``on_hand`` rises);
* the cooperative sets ``on_hand`` by compare-and-set on the value it saw
  (:func:`set_on_hand`), or adjusts it by a signed amount with a reason
  (:func:`adjust_on_hand`); it can never go below what is allocated.

Every change of ``on_hand`` is written to the audit log, and every change of what
the catalog pages show (sold out, "only N left", sellability) moves the catalog
stamp (:func:`touch`), which every worker compares with its cached pages.

``available_now`` is what can leave today: ``on_hand - allocated``. ``available_by(day)`` adds what
the cooperative can still make by ``day``: its daily capacity over the production days
before ``day`` (working days in Morocco from the end of the product's lead days, see
:mod:`catalog.calendar`) minus the capacity already promised to other orders.
Outstanding commitments are counted in full, whatever their due date, so a promise is
never made twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Connection,
    ScalarSelect,
    Select,
    bindparam,
    case,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import InstrumentedAttribute, Session, joinedload, scoped_session
from sqlalchemy.orm.util import identity_key

from catalog import audit, calendar
from catalog.audit import Actor
from catalog.db import utcnow
from catalog.errors import BelowAllocated, FieldProblem, InvalidInput, Shortage, StockChanged
from catalog.models import CapacityCommitment, CatalogStamp, Product, StockAlert

#: How far ahead a promise date is searched for.
MAX_PROMISE_DAYS = 365


def _committed_units(product_id: ColumnElement[int] | InstrumentedAttribute[int]) -> Select[int]:
    return select(func.coalesce(func.sum(CapacityCommitment.quantity), 0)).where(
        CapacityCommitment.product_id == product_id,
        CapacityCommitment.fulfilled.is_(False),
    )


#: built once (only the id changes)
_COMMITTED = _committed_units(bindparam("product_id"))


def committed(session: Session, product_id: int) -> int:
    """Units of capacity promised and not yet delivered."""
    return int(session.scalar(_COMMITTED, {"product_id": product_id}) or 0)


def committed_column() -> ScalarSelect[int]:
    """:func:`committed` of each product a statement reads, as one of its columns (a
    page that shows a product reads it with the product, in the same statement)."""
    return _committed_units(Product.id).correlate(Product).scalar_subquery()


def available_now(product: Product) -> int:
    return max(0, product.available)


def capacity_between(product: Product, start: date, end: date) -> int:
    """Units a made-to-order product can be made in from ``start`` until ``end`` (excluded)."""
    if not product.made_to_order or product.units_per_day <= 0:
        return 0
    return product.units_per_day * calendar.production_days(start, product.lead_days, end)


def available_by(
    product: Product,
    day: date,
    *,
    today: date,
    committed_units: int,
) -> int:
    """Units that can be promised for ``day``: stock + capacity − commitments, ≥ 0."""
    produced = capacity_between(product, today, day)
    return max(0, product.available + produced - committed_units)


def promise_date(
    product: Product,
    quantity: int,
    *,
    today: date,
    committed_units: int,
) -> date | None:
    """The earliest day by which ``quantity`` units can be ready, or None if stock and
    capacity cannot reach it within a year."""
    if quantity <= product.available - committed_units or quantity <= 0:
        return today
    if not product.made_to_order or product.units_per_day <= 0:
        return None
    missing = quantity - (product.available - committed_units)
    days_needed = -(-missing // product.units_per_day)  # ceil
    last = calendar.nth_production_day(
        today, product.lead_days, days_needed, within=MAX_PROMISE_DAYS + product.lead_days
    )
    return None if last is None else last + timedelta(days=1)  # ready at the end of that day


# -- the two counters --------------------------------------------------------------------
#: why ``on_hand`` was adjusted by a signed amount (kept in the audit log)
ADJUST_REASONS = ("received", "returned", "found", "damaged", "lost", "correction")
#: set in ``Session.info`` when a sold-out product can be sold again in this
#: transaction (the storefront then tells the shoppers who asked, see :func:`due_alerts`)
BACK_IN_STOCK = "catalog_back_in_stock"
#: the transaction that last moved the catalog stamp (``Session.info`` key)
_TOUCHED = "catalog_stamp_touched"
#: the largest count a shelf may hold
MAX_ON_HAND = 10_000_000


@dataclass(frozen=True, slots=True)
class StockLevel:
    """A product's counters as they are after a change."""

    product_id: int
    on_hand: int
    allocated: int

    @property
    def available(self) -> int:
        return self.on_hand - self.allocated


def level(session: Session, product_id: int) -> StockLevel:
    """The counters as committed (or as this transaction changed them)."""
    on_hand, allocated = session.execute(
        select(Product.on_hand, Product.allocated).where(Product.id == product_id)
    ).one()
    return StockLevel(product_id, int(on_hand), int(allocated))


def touch(session: Session, *, texts: bool = False, facets: bool = False) -> None:
    """Move the catalog stamp, and its time: every worker drops the pages it cached
    before, and they are modified since then; with ``texts`` (the products' searchable
    texts changed), its ``texts`` counter too; with ``facets`` (what the facet counts
    count changed: a product put on or off sale, its category, region, price or
    labels), its ``facets`` counter too. One upsert (the row is made on first use),
    committed or rolled back with the change; once per transaction (or savepoint) is
    enough, or once more when a later flush of it asks for a counter the first did not."""
    real = session() if isinstance(session, scoped_session) else session
    transaction = real.get_nested_transaction() or real.get_transaction()
    touched = session.info.get(_TOUCHED)
    if transaction is not None and touched is not None and touched[0] is transaction:
        texts, facets = texts and not touched[1], facets and not touched[2]
        if not (texts or facets):
            return
        session.info[_TOUCHED] = (transaction, touched[1] or texts, touched[2] or facets)
    else:
        session.info[_TOUCHED] = (transaction, texts, facets)
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    stmt = insert(CatalogStamp).values(
        id=1, version=1, changed_at=now, texts=int(texts), facets=int(facets)
    )
    moved: dict[str, Any] = {"version": CatalogStamp.version + 1, "changed_at": now}
    if texts:
        moved["texts"] = CatalogStamp.texts + 1
    if facets:
        moved["facets"] = CatalogStamp.facets + 1
    # through the connection: no autoflush, so it may run while a flush ends
    session.connection().execute(
        stmt.on_conflict_do_update(index_elements=[CatalogStamp.id], set_=moved)
    )


class Stamp(NamedTuple):
    """The catalog stamp as read (:func:`stamped`)."""

    version: int
    #: when it last moved (None: never since it has a time)
    changed_at: datetime | None
    #: changes of the products' searchable texts
    texts: int
    #: changes of what the facet counts count
    facets: int


_STAMP = select(
    CatalogStamp.version, CatalogStamp.changed_at, CatalogStamp.texts, CatalogStamp.facets
).where(CatalogStamp.id == 1)


def stamped(session: Session) -> Stamp:
    """The catalog stamp's current version, when it last moved and its ``texts`` and
    ``facets`` counters, in one primary-key read. Through the connection: every catalog
    page reads it, and the ORM's execution path (no entity to load, nothing to flush:
    the stamp only moves by statements, :func:`touch`) cost twice the read."""
    row = session.connection().execute(_STAMP).first()
    if row is None:
        return Stamp(0, None, 0, 0)
    return Stamp(int(row[0]), row[1], int(row[2]), int(row[3]))


def _shown_change(before: int, after: int, threshold: int) -> bool:
    """Whether a move of ``available`` from ``before`` to ``after`` changes what the
    pages show: sold out, or "only N left" at or under the threshold."""
    return before != after and min(before, after) <= threshold


def _apply(
    session: Session,
    product_id: int,
    *,
    condition: ColumnElement[bool] | None = None,
    on_hand_by: int = 0,
    allocated_by: int = 0,
) -> tuple[StockLevel, StockLevel] | None:
    """One conditional UPDATE moving the counters by these amounts: (before, after),
    or None when ``condition`` did not hold (nothing changed). Moves the catalog stamp
    when what the pages show changes."""
    stmt = update(Product).where(Product.id == product_id)
    if condition is not None:
        stmt = stmt.where(condition)
    values: dict[str, Any] = {}
    if on_hand_by:
        values["on_hand"] = Product.on_hand + on_hand_by
    if allocated_by:
        values["allocated"] = Product.allocated + allocated_by
    row = session.execute(
        stmt.values(**values)
        .returning(Product.on_hand, Product.allocated, Product.low_stock_threshold)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        return None
    on_hand, allocated, threshold = (int(v) for v in row)
    after = StockLevel(product_id, on_hand, allocated)
    before = StockLevel(product_id, on_hand - on_hand_by, allocated - allocated_by)
    if _shown_change(before.available, after.available, threshold):
        touch(session)
    if before.available <= 0 < after.available:
        session.info[BACK_IN_STOCK] = True
    product = session.identity_map.get(identity_key(Product, product_id))
    if product is not None:
        session.expire(product, ["on_hand", "allocated"])
    return before, after


def _audit(
    session: Session,
    product_id: int,
    before: StockLevel,
    after: StockLevel,
    *,
    actor: Actor,
    now: datetime,
    reason: str,
    of: tuple[str, int] | None = None,
    **details: Any,
) -> None:
    """Log a change of the shelf count; ``of``: the product's SKU and cooperative, when
    the caller has them (else read)."""
    sku, cooperative_id = (
        of
        or session.execute(
            select(Product.sku, Product.cooperative_id).where(Product.id == product_id)
        ).one()
    )
    audit.record(
        session,
        actor,
        "product.stock",
        object_type="product",
        object_id=product_id,
        cooperative_id=cooperative_id,
        now=now,
        details={
            "sku": sku,
            "on_hand": [before.on_hand, after.on_hand],
            "reason": reason,
            **details,
        },
    )


def allocate(session: Session, product_id: int, quantity: int) -> StockLevel | None:
    """Promise ``quantity`` units of the shelf to an order: one conditional UPDATE
    (``WHERE on_hand - allocated >= quantity AND sellable``). None when they are not
    there (someone else took them, or the product is not sold any more)."""
    if quantity <= 0:
        return level(session, product_id)
    changed = _apply(
        session,
        product_id,
        condition=(Product.on_hand - Product.allocated >= quantity) & Product.sellable.is_(True),
        allocated_by=quantity,
    )
    return changed[1] if changed else None


#: products per set-based UPDATE of :func:`allocate_many`
_ALLOCATE_CHUNK = 500


def _locked_in_order(session: Session, ids: list[int]) -> Connection:
    """The session's connection, with the rows of products ``ids`` (sorted) locked in
    that order first, so that two set-based UPDATEs never wait on each other in a
    cycle (FOR NO KEY UPDATE: order lines referring to them hold KEY SHARE). SQLite:
    nothing to do, the transaction holds the write lock."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        conn.execute(
            select(Product.id)
            .where(Product.id.in_(ids))
            .order_by(Product.id)
            .with_for_update(key_share=True)
        )
    return conn


def allocate_many(session: Session, items: Iterable[tuple[int, int]]) -> list[Shortage]:
    """Allocate many ``(product id, quantity)`` pairs at once (a product given twice
    is summed): one set-based conditional UPDATE per 500 products, in product-id order
    (their rows locked in that order first, so two callers never wait on each other
    in a cycle). Returns the shortages; when there are any, the caller rolls the
    transaction back (the other products were taken)."""
    wanted: dict[int, int] = {}
    for product_id, quantity in items:
        wanted[product_id] = wanted.get(product_id, 0) + quantity
    shortages: list[Shortage] = []
    ids = sorted(pid for pid, quantity in wanted.items() if quantity > 0)
    changed = False
    session.flush()
    for start in range(0, len(ids), _ALLOCATE_CHUNK):
        chunk = ids[start : start + _ALLOCATE_CHUNK]
        wanted_here = case({pid: wanted[pid] for pid in chunk}, value=Product.id)
        conn = _locked_in_order(session, chunk)
        rows = conn.execute(
            update(Product)
            .where(
                Product.id.in_(chunk),
                Product.on_hand - Product.allocated >= wanted_here,
                Product.sellable.is_(True),
            )
            .values(allocated=Product.allocated + wanted_here)
            .returning(Product.id, Product.on_hand, Product.allocated, Product.low_stock_threshold)
        ).all()
        done = set()
        for product_id, on_hand, allocated, threshold in rows:
            done.add(product_id)
            after = int(on_hand) - int(allocated)
            changed = changed or _shown_change(after + wanted[product_id], after, int(threshold))
            product = session.identity_map.get(identity_key(Product, product_id))
            if product is not None:
                session.expire(product, ["on_hand", "allocated"])
        short = [product_id for product_id in chunk if product_id not in done]
        if short:  # what is left of each, in one read (not one per product)
            left = dict(
                conn.execute(
                    select(Product.id, Product.on_hand - Product.allocated).where(
                        Product.id.in_(short)
                    )
                ).all()
            )
            shortages += [Shortage(pid, wanted[pid], max(0, int(left[pid]))) for pid in short]
    if changed:
        touch(session)
    return shortages


def deallocate(session: Session, product_id: int, quantity: int) -> None:
    """An order gives back units it was promised (cancelled, refused before shipping,
    reservation expired): they can be sold again."""
    if quantity > 0:
        _apply(session, product_id, allocated_by=-quantity)


def consume(
    session: Session,
    product_id: int,
    quantity: int,
    *,
    actor: Actor,
    now: datetime,
    reference: str,
) -> None:
    """Promised units left the shelf with the carrier: both counters fall."""
    _order_moves(session, product_id, -quantity, -quantity, "shipped", actor, now, reference)


def restock(
    session: Session,
    product_id: int,
    quantity: int,
    *,
    actor: Actor,
    now: datetime,
    reference: str,
) -> None:
    """Goods that came back (refused at the door, returned) are on the shelf again."""
    _order_moves(session, product_id, quantity, 0, "returned", actor, now, reference)


def _order_moves(
    session: Session,
    product_id: int,
    on_hand_by: int,
    allocated_by: int,
    reason: str,
    actor: Actor,
    now: datetime,
    reference: str,
) -> None:
    """Goods of an order leave or come back to the shelf; the audit log says which."""
    if on_hand_by == 0:
        return
    changed = _apply(session, product_id, on_hand_by=on_hand_by, allocated_by=allocated_by)
    if changed is not None:
        _audit(
            session, product_id, *changed, actor=actor, now=now, reason=reason, reference=reference
        )


def set_on_hand(
    session: Session,
    product_id: int,
    on_hand: int,
    *,
    seen: int,
    actor: Actor,
    now: datetime,
    source: str = "form",
) -> StockLevel:
    """The cooperative counted its shelf: ``on_hand`` becomes ``on_hand``, provided it
    is still the ``seen`` value the person started from (compare-and-set).

    :raises InvalidInput: ``on_hand`` out of range.
    :raises StockChanged: the count moved since it was read (``on_hand``,
        ``allocated``, ``available``: the current values); nothing changed.
    :raises BelowAllocated: fewer than the units promised to orders (``allocated``).
    """
    if not 0 <= on_hand <= MAX_ON_HAND:
        raise InvalidInput(
            [FieldProblem("on_hand", "out_of_range", {"min": 0, "max": MAX_ON_HAND})]
        )
    if on_hand == seen or not 0 <= seen <= MAX_ON_HAND:
        current = level(session, product_id)
        if current.on_hand != seen:
            raise StockChanged(None, **_values(current), seen=seen)
        return current
    changed = _apply(
        session,
        product_id,
        condition=(Product.on_hand == seen) & (Product.allocated <= on_hand),
        on_hand_by=on_hand - seen,
    )
    if changed is None:
        current = level(session, product_id)
        if current.on_hand != seen:
            raise StockChanged(None, **_values(current), seen=seen)
        raise BelowAllocated(None, **_values(current), requested=on_hand)
    _audit(session, product_id, *changed, actor=actor, now=now, reason="count", source=source)
    return changed[1]


def set_counts(
    session: Session,
    counts: Iterable[tuple[int, int, int]],
    *,
    actor: Actor,
    now: datetime,
    source: str,
) -> dict[int, StockChanged | BelowAllocated]:
    """:func:`set_on_hand` for many ``(product id, seen, new count)`` at once (a
    cooperative's file of counts): one conditional UPDATE per 500 products, in
    product-id order, each count changed only from the ``seen`` value and never below
    the units promised to orders. Returns the refusals by product id; when there are
    any, the caller rolls the transaction back (the other counts were changed)."""
    wanted = {product_id: (seen, new) for product_id, seen, new in counts if seen != new}
    ids = sorted(wanted)
    refused: dict[int, StockChanged | BelowAllocated] = {}
    shown = back = False
    session.flush()
    for start in range(0, len(ids), _ALLOCATE_CHUNK):
        chunk = ids[start : start + _ALLOCATE_CHUNK]
        seen_here = case({pid: wanted[pid][0] for pid in chunk}, value=Product.id)
        new_here = case({pid: wanted[pid][1] for pid in chunk}, value=Product.id)
        conn = _locked_in_order(session, chunk)
        rows = conn.execute(
            update(Product)
            .where(
                Product.id.in_(chunk),
                Product.on_hand == seen_here,
                Product.allocated <= new_here,
            )
            .values(on_hand=new_here)
            .returning(
                Product.id,
                Product.sku,
                Product.cooperative_id,
                Product.allocated,
                Product.low_stock_threshold,
            )
        ).all()
        done = set()
        for product_id, sku, cooperative_id, allocated, threshold in rows:
            done.add(product_id)
            seen, new = wanted[product_id]
            before, after = seen - int(allocated), new - int(allocated)
            shown = shown or _shown_change(before, after, int(threshold))
            back = back or before <= 0 < after
            product = session.identity_map.get(identity_key(Product, product_id))
            if product is not None:
                session.expire(product, ["on_hand", "allocated"])
            _audit(
                session,
                product_id,
                StockLevel(product_id, seen, int(allocated)),
                StockLevel(product_id, new, int(allocated)),
                actor=actor,
                now=now,
                reason="count",
                of=(sku, cooperative_id),
                source=source,
            )
        missed = [product_id for product_id in chunk if product_id not in done]
        if missed:  # what each count is now, in one read
            for product_id, on_hand, allocated in session.execute(
                select(Product.id, Product.on_hand, Product.allocated).where(Product.id.in_(missed))
            ):
                current = StockLevel(product_id, int(on_hand), int(allocated))
                seen, new = wanted[product_id]
                refused[product_id] = (
                    StockChanged(None, **_values(current), seen=seen)
                    if current.on_hand != seen
                    else BelowAllocated(None, **_values(current), requested=new)
                )
    if shown:
        touch(session)
    if back:
        session.info[BACK_IN_STOCK] = True
    return refused


def adjust_on_hand(
    session: Session,
    product_id: int,
    by: int,
    *,
    reason: str,
    note: str = "",
    actor: Actor,
    now: datetime,
    source: str = "form",
) -> StockLevel:
    """Add (``+24`` received) or take away (``-2`` damaged) units from the shelf,
    whatever the count is now: adjustments never conflict with each other.

    :raises InvalidInput: ``by`` zero or too large, an unknown ``reason``.
    :raises BelowAllocated: the shelf would hold fewer than the units promised (code
        ``not_enough_on_hand`` when it would even fall below zero).
    """
    problems = []
    if by == 0 or abs(by) > MAX_ON_HAND:
        problems.append(FieldProblem("by", "out_of_range", {"min": 1, "max": MAX_ON_HAND}))
    if reason not in ADJUST_REASONS:
        problems.append(FieldProblem("reason", "unknown_reason"))
    if problems:
        raise InvalidInput(problems)
    changed = _apply(
        session,
        product_id,
        condition=(Product.on_hand + by >= Product.allocated)
        & (Product.on_hand + by <= MAX_ON_HAND),
        on_hand_by=by,
    )
    if changed is None:
        current = level(session, product_id)
        code = "not_enough_on_hand" if current.on_hand + by < 0 else None
        raise BelowAllocated(code, **_values(current), requested=current.on_hand + by)
    _audit(
        session,
        product_id,
        *changed,
        actor=actor,
        now=now,
        reason=reason,
        by=by,
        note=note.strip()[:200],
        source=source,
    )
    return changed[1]


def _values(current: StockLevel) -> dict[str, int]:
    return {
        "on_hand": current.on_hand,
        "allocated": current.allocated,
        "available": current.available,
    }


# -- "tell me when it is back" -------------------------------------------------------------
def ask_alert(
    session: Session, product_id: int, *, user_id: int, email: str, language: str, now: datetime
) -> StockAlert:
    """A signed-in shopper wants to know when the product is back (asking twice keeps
    one request, renewed if it was already answered)."""
    alert = session.scalar(
        select(StockAlert).where(StockAlert.product_id == product_id, StockAlert.user_id == user_id)
    )
    if alert is None:
        alert = StockAlert(product_id=product_id, user_id=user_id)
        session.add(alert)
    alert.email, alert.language, alert.created_at, alert.sent_at = email, language, now, None
    session.flush()
    return alert


def has_alert(session: Session, product_id: int, user_id: int) -> bool:
    return (
        session.scalar(
            select(StockAlert.id).where(
                StockAlert.product_id == product_id,
                StockAlert.user_id == user_id,
                StockAlert.sent_at.is_(None),
            )
        )
        is not None
    )


def due_alerts(session: Session, *, limit: int = 500) -> list[StockAlert]:
    """Requests whose product can be bought again (sellable, not sold out), oldest
    first, with their product; the caller tells each shopper and marks it sent."""
    return list(
        session.scalars(
            select(StockAlert)
            .join(Product, Product.id == StockAlert.product_id)
            .where(
                StockAlert.sent_at.is_(None),
                Product.sellable.is_(True),
                (Product.on_hand > Product.allocated)
                | (Product.made_to_order.is_(True) & (Product.units_per_day > 0)),
            )
            .options(joinedload(StockAlert.product))
            .order_by(StockAlert.id)
            .limit(limit)
        ).unique()
    )
