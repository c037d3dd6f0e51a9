"""Stock reserved by orders, and given back.

Reserving is one conditional update per product, taken in product-id order inside
the caller's transaction::

    UPDATE catalog_product SET stock = stock - :q
    WHERE id = :id AND stock >= :q AND sellable

A zero row count means someone else took the units first (or the product stopped
being sold): nothing is oversold, whatever the number of concurrent buyers, and the
``CHECK (stock >= 0)`` on the table is the last guard. Made-to-order products lock
their row (``SELECT ... FOR UPDATE``, same id order), take what stock there is, and
commit the rest of the quantity to production capacity with a promised date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from catalog import stock
from catalog.errors import InsufficientStock, Shortage
from catalog.models import CapacityCommitment, Product
from orders.models import Order, OrderLine


def _take(session: Session, product_id: int, quantity: int) -> bool:
    result = session.execute(
        update(Product)
        .where(Product.id == product_id, Product.stock >= quantity, Product.sellable.is_(True))
        .values(stock=Product.stock - quantity)
        .execution_options(synchronize_session=False)
    )
    # an UPDATE's result is a CursorResult (Session.execute is typed as returning a Result)
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def _committed(session: Session, product_id: int) -> int:
    return stock.committed(session, product_id)


def reserve(session: Session, order: Order, *, today: date) -> None:
    """Reserve the stock (and production capacity) of every line of ``order``.

    Lines must be flushed. Updates each line's split between stock and production and
    its promised date, and each part's promised date.

    :raises InsufficientStock: listing every product that fell short; the caller
        rolls the transaction back.
    """
    shortages: list[Shortage] = []
    for line in sorted(order.lines, key=lambda ln: (ln.product_id or 0, ln.id)):
        if line.product_id is None:
            continue
        product = line.product
        assert product is not None
        if not product.made_to_order:
            if _take(session, line.product_id, line.quantity):
                line.qty_from_stock, line.qty_made_to_order = line.quantity, 0
            else:
                current = session.scalar(select(Product.stock).where(Product.id == product.id))
                shortages.append(Shortage(product.id, line.quantity, int(current or 0)))
            continue
        # lock the row, and read its current values into the product object
        product = session.scalars(
            select(Product)
            .where(Product.id == line.product_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        available_stock, sellable = product.stock, product.sellable
        committed = _committed(session, line.product_id)
        from_stock = min(available_stock, line.quantity)
        to_make = line.quantity - from_stock
        promised: date | None = None
        if to_make:
            promised = stock.promise_date(
                product, line.quantity, today=today, committed_units=committed
            )
        if not sellable or (to_make and promised is None):
            shortages.append(Shortage(product.id, line.quantity, available_stock))
            continue
        if from_stock and not _take(session, line.product_id, from_stock):
            shortages.append(Shortage(product.id, line.quantity, available_stock))
            continue
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
    if shortages:
        raise InsufficientStock(shortages)
    for fulfilment in order.fulfilments:
        dates = [ln.promised_on for ln in order.lines if ln.fulfilment is fulfilment]
        known = [d for d in dates if d is not None]
        fulfilment.promised_on = max(known) if known else None
    session.flush()
    # the conditional updates bypassed the identity map: read the new stock back
    for line in order.lines:
        if line.product is not None:
            session.expire(line.product, ["stock"])


def release(session: Session, lines: Iterable[OrderLine]) -> None:
    """Give back the stock and the production capacity held by ``lines`` (those not
    released yet), in product-id order. Flushes."""
    pending = sorted(
        (ln for ln in lines if not ln.released), key=lambda ln: (ln.product_id or 0, ln.id)
    )
    for line in pending:
        if line.product_id is not None and line.qty_from_stock:
            session.execute(
                update(Product)
                .where(Product.id == line.product_id)
                .values(stock=Product.stock + line.qty_from_stock)
                .execution_options(synchronize_session=False)
            )
        if line.commitment is not None:
            session.delete(line.commitment)
            line.commitment = None
        line.released = True
    session.flush()
    for line in pending:
        if line.product is not None:
            session.expire(line.product, ["stock"])


def restock_returned(session: Session, lines: Iterable[OrderLine]) -> None:
    """Goods that came back after shipping go back on the shelf (all units, made to
    order or not). Flushes."""
    for line in sorted(lines, key=lambda ln: (ln.product_id or 0, ln.id)):
        if line.released or line.product_id is None:
            continue
        session.execute(
            update(Product)
            .where(Product.id == line.product_id)
            .values(stock=Product.stock + line.quantity)
            .execution_options(synchronize_session=False)
        )
        line.released = True
        if line.product is not None:
            session.expire(line.product, ["stock"])
    session.flush()


def mark_made(lines: Iterable[OrderLine]) -> None:
    """The made-to-order units of ``lines`` were produced and shipped: their capacity
    commitments are fulfilled."""
    for line in lines:
        if line.commitment is not None:
            line.commitment.fulfilled = True
