"""Stock promised to orders, consumed by shipping, and given back.

An order allocates its units on the shelf (:func:`catalog.stock.allocate`: one
conditional update per product, in product-id order, inside the caller's
transaction)::

    UPDATE catalog_product SET allocated = allocated + :q
    WHERE id = :id AND on_hand - allocated >= :q AND sellable

A zero row count means someone else took the units first (or the product stopped
being sold): nothing is promised twice, whatever the number of concurrent buyers, and
``CHECK (0 <= allocated AND allocated <= on_hand)`` is the last guard. Made-to-order
products lock their row (``SELECT ... FOR UPDATE``, same id order), allocate what the
shelf has, and commit the rest of the quantity to production capacity with a promised
date.

Shipping consumes the allocation (both counters fall); cancelling, refusing before
shipping or an expired reservation releases it (and drops the capacity commitment);
a parcel that comes back after shipping restocks the shelf. A line's ``released``
says it holds no allocation any more, ``restocked`` that its goods came back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Required, TypedDict, Unpack

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import stock
from catalog.audit import Actor
from catalog.errors import InsufficientStock, Shortage
from catalog.models import CapacityCommitment, Product
from orders.models import Order, OrderLine


def _by_product(lines: Iterable[OrderLine]) -> list[OrderLine]:
    return sorted(lines, key=lambda ln: (ln.product_id or 0, ln.id or 0))


def reserve(session: Session, order: Order, *, today: date) -> None:
    """Allocate the stock (and commit the production capacity) of every line of
    ``order``.

    Lines must be flushed. Updates each line's split between stock and production and
    its promised date, and each part's promised date.

    :raises InsufficientStock: listing every product that fell short; the caller
        rolls the transaction back.
    """
    lines = _by_product(ln for ln in order.lines if ln.product_id is not None)
    made = [ln for ln in lines if ln.product is not None and ln.product.made_to_order]
    shelf = [ln for ln in lines if ln.product is not None and not ln.product.made_to_order]
    # the shelf's units: one conditional UPDATE per product (its lines summed), in
    # product-id order, however many parts ask for it
    shortages = stock.allocate_many(session, ((ln.product_id or 0, ln.quantity) for ln in shelf))
    for line in shelf:
        line.qty_from_stock, line.qty_made_to_order = line.quantity, 0
    for line in made:
        shortage = _reserve_made_to_order(session, order, line, today=today)
        if shortage is not None:
            shortages.append(shortage)
    if shortages:
        raise InsufficientStock(shortages)
    latest: dict[int, date] = {}
    for line in order.lines:
        if line.promised_on is not None:
            key = id(line.fulfilment)
            latest[key] = max(latest.get(key, line.promised_on), line.promised_on)
    for fulfilment in order.fulfilments:
        fulfilment.promised_on = latest.get(id(fulfilment))
    session.flush()


def _reserve_made_to_order(
    session: Session, order: Order, line: OrderLine, *, today: date
) -> Shortage | None:
    """Allocate what the shelf has of a made-to-order product and commit the rest of
    the line to production capacity with a promised date (the row locked first)."""
    assert line.product_id is not None
    # lock the row, and read its current values into the product object (FOR NO KEY
    # UPDATE, as the shelf's allocation does: order lines hold KEY SHARE on products,
    # and FOR UPDATE would wait on them and deadlock)
    product = session.scalars(
        select(Product)
        .where(Product.id == line.product_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()
    available, sellable = max(0, product.available), product.sellable
    committed = stock.committed(session, line.product_id)
    from_stock = min(available, line.quantity)
    to_make = line.quantity - from_stock
    promised: date | None = None
    if to_make:
        promised = stock.promise_date(
            product, line.quantity, today=today, committed_units=committed
        )
    if not sellable or (to_make and promised is None):
        return Shortage(product.id, line.quantity, available)
    if from_stock and stock.allocate(session, line.product_id, from_stock) is None:
        return Shortage(product.id, line.quantity, available)
    line.qty_from_stock, line.qty_made_to_order = from_stock, to_make
    line.promised_on = promised
    if to_make:
        assert promised is not None
        commitment = CapacityCommitment(
            product_id=line.product_id,
            quantity=to_make,
            due_on=promised,
            reference=f"order:{order.number}",
        )
        session.add(commitment)
        line.commitment = commitment
    return None


def release(session: Session, lines: Iterable[OrderLine]) -> None:
    """Give back the allocation and the production capacity held by ``lines`` (those
    still holding them), in product-id order. Flushes."""
    for line in _by_product(ln for ln in lines if not ln.released):
        if line.product_id is not None:
            stock.deallocate(session, line.product_id, line.qty_from_stock)
        if line.commitment is not None:
            session.delete(line.commitment)
            line.commitment = None
        line.released = True
    session.flush()


def release_units(session: Session, line: OrderLine, quantity: int) -> None:
    """Take ``quantity`` units off a line whose parcel has not left: made-to-order units
    first (their capacity commitment shrinks), then the shelf's (the allocation goes
    back on sale). The line's split then counts only the units still to send (the
    others are its ``removed_quantity``); count them in its ``refunded_quantity``
    first. Flushes.
    """
    if line.released:
        raise ValueError("the line no longer holds stock")
    made = min(quantity, line.qty_made_to_order)
    shelf = quantity - made
    if made and line.commitment is not None:
        line.commitment.quantity -= made
        if line.commitment.quantity <= 0:
            session.delete(line.commitment)
            line.commitment = None
    if shelf and line.product_id is not None:
        stock.deallocate(session, line.product_id, shelf)
    line.qty_made_to_order -= made
    line.qty_from_stock -= shelf
    session.flush()


class Moved(TypedDict, total=False):
    """Why goods move on the shelf, for the audit log: the part's ``reference``, when
    and by whom."""

    reference: Required[str]
    now: Required[datetime]
    actor_id: int | None


def ship(session: Session, lines: Iterable[OrderLine], **moved: Unpack[Moved]) -> None:
    """The units of ``lines`` left with the carrier: the allocated ones leave the shelf
    (both counters fall, written to the audit log), the made-to-order ones fulfil
    their capacity commitment. Flushes."""
    lines = list(lines)
    for line in lines:
        if line.commitment is not None:
            line.commitment.fulfilled = True
    units = {line: 0 if line.released else line.qty_from_stock for line in lines}
    _on_the_shelf(session, stock.consume, units, moved)
    for line in lines:
        line.released = True
    session.flush()


def restock_returned(session: Session, lines: Iterable[OrderLine], **moved: Unpack[Moved]) -> None:
    """Goods that came back after shipping go back on the shelf (all units sent, made
    to order or not), once. Flushes."""
    back = [ln for ln in lines if ln.released and not ln.restocked]
    _on_the_shelf(session, stock.restock, {line: line.quantity_to_send for line in back}, moved)
    for line in back:
        line.restocked = True
    session.flush()


def _on_the_shelf(
    session: Session, move: Callable[..., None], units: dict[OrderLine, int], moved: Moved
) -> None:
    """Move each line's ``units`` of its product with ``move`` (:func:`catalog.stock.consume`
    or :func:`~catalog.stock.restock`), in product-id order, logged under the reference."""
    actor = Actor(moved.get("actor_id"))
    for line in _by_product(units):
        if line.product_id is not None and units[line]:
            move(
                session,
                line.product_id,
                units[line],
                actor=actor,
                now=moved["now"],
                reference=moved["reference"],
            )
