"""The shopping cart: pure operations over ``{product_id: quantity}`` and a view of it
checked against what can be sold right now.

The same functions serve the guest's cart (kept in the signed session cookie as a
short list of ``[product_id, quantity]`` pairs) and the persisted cart of a
logged-in shopper (:func:`load` / :func:`save`). A cart never breaks when a product
becomes unavailable: :func:`view` keeps the line and says what is wrong with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from catalog import stock
from catalog.errors import Problem
from catalog.models import CapacityCommitment, Cooperative, Product
from catalog.money import Money
from catalog.money import total as money_total
from orders.errors import CartError
from orders.models import Cart, CartLine

#: Most units of one product in a cart: an institution's 1,400 uniforms or a few days
#: of a workshop's masks fit; a typo of a few extra digits does not.
MAX_QUANTITY = 10_000
#: Most different products in a cart (keeps the session cookie small).
MAX_LINES = 40

Items = dict[int, int]


def check_quantity(quantity: Any, *, allow_zero: bool = False) -> int:
    """A quantity typed by a person, as an int within limits.

    :raises CartError: ``invalid_quantity`` (not a whole number, negative, zero) or
        ``quantity_too_large`` (``max``).
    """
    if isinstance(quantity, bool):
        raise CartError("invalid_quantity", value=str(quantity))
    try:
        value = int(str(quantity).strip()) if not isinstance(quantity, int) else quantity
    except ValueError:
        raise CartError("invalid_quantity", value=str(quantity)[:20]) from None
    if value < 0 or (value == 0 and not allow_zero):
        raise CartError("invalid_quantity", value=value)
    if value > MAX_QUANTITY:
        raise CartError("quantity_too_large", max=MAX_QUANTITY)
    return value


def _check_product_id(product_id: Any) -> int:
    if isinstance(product_id, bool) or not isinstance(product_id, int) or product_id <= 0:
        raise CartError("unknown_product", product_id=str(product_id)[:20])
    return product_id


def add(items: Mapping[int, int], product_id: int, quantity: Any) -> Items:
    """A new cart with ``quantity`` more units of the product.

    :raises CartError: ``invalid_quantity``, ``quantity_too_large``, ``too_many_lines``.
    """
    product_id = _check_product_id(product_id)
    quantity = check_quantity(quantity)
    result = dict(items)
    new = result.get(product_id, 0) + quantity
    if new > MAX_QUANTITY:
        raise CartError("quantity_too_large", max=MAX_QUANTITY, product_id=product_id)
    if product_id not in result and len(result) >= MAX_LINES:
        raise CartError("too_many_lines", max=MAX_LINES)
    result[product_id] = new
    return result


def set_quantity(items: Mapping[int, int], product_id: int, quantity: Any) -> Items:
    """A new cart where the product has exactly ``quantity`` units (0 removes it).

    :raises CartError: as :func:`add`, and ``not_in_cart``.
    """
    product_id = _check_product_id(product_id)
    quantity = check_quantity(quantity, allow_zero=True)
    if product_id not in items:
        raise CartError("not_in_cart", product_id=product_id)
    result = dict(items)
    if quantity == 0:
        del result[product_id]
    else:
        result[product_id] = quantity
    return result


def remove(items: Mapping[int, int], product_id: int) -> Items:
    return {pid: qty for pid, qty in items.items() if pid != product_id}


def merge(kept: Mapping[int, int], incoming: Mapping[int, int]) -> Items:
    """Merge a guest's cart into a saved one at login: for a product in both, the
    larger quantity (so logging in twice never doubles a cart); limits still hold."""
    result = dict(kept)
    for pid, qty in incoming.items():
        if pid in result:
            result[pid] = min(max(result[pid], qty), MAX_QUANTITY)
        elif len(result) < MAX_LINES:
            result[pid] = min(qty, MAX_QUANTITY)
    return result


def from_session(raw: Any) -> Items:
    """Read the cart stored in a session, dropping anything malformed."""
    items: Items = {}
    if not isinstance(raw, list):
        return items
    for pair in raw[:MAX_LINES]:
        if (
            isinstance(pair, list)
            and len(pair) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
            and pair[0] > 0
            and 0 < pair[1] <= MAX_QUANTITY
        ):
            items[pair[0]] = pair[1]
    return items


def to_session(items: Mapping[int, int]) -> list[list[int]]:
    return [[pid, qty] for pid, qty in items.items()]


def count(items: Mapping[int, int]) -> int:
    return sum(items.values())


# -- persisted carts (logged-in shoppers) ---------------------------------------------
def load(session: Session, user_id: int) -> Items:
    rows = session.execute(
        select(CartLine.product_id, CartLine.quantity)
        .join(Cart, Cart.id == CartLine.cart_id)
        .where(Cart.user_id == user_id)
        .order_by(CartLine.position)
    ).all()
    return {pid: qty for pid, qty in rows}


def save(session: Session, user_id: int, items: Mapping[int, int]) -> None:
    """Replace the user's saved cart with ``items`` (flushes)."""
    cart = session.scalar(select(Cart).where(Cart.user_id == user_id))
    if cart is None:
        cart = Cart(user_id=user_id)
        session.add(cart)
        session.flush()
    session.execute(delete(CartLine).where(CartLine.cart_id == cart.id))
    known = set(session.scalars(select(Product.id).where(Product.id.in_(list(items)))))
    session.add_all(
        CartLine(cart_id=cart.id, product_id=pid, quantity=qty, position=i)
        for i, (pid, qty) in enumerate(items.items())
        if pid in known
    )
    session.flush()


# -- the cart as the shopper sees it ----------------------------------------------------
@dataclass
class ViewLine:
    product_id: int
    quantity: int
    product: Product | None
    total: Money
    #: what stops this line from being ordered (``unavailable``,
    #: ``insufficient_stock`` with ``available``, ``capacity_exceeded``)
    problems: list[Problem] = field(default_factory=list)
    #: for a made-to-order product: the day the units can be ready (None = today)
    promised_on: date | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ViewGroup:
    cooperative: Cooperative
    lines: list[ViewLine]

    @property
    def subtotal(self) -> Money:
        return money_total(line.total for line in self.lines if line.ok)


@dataclass
class CartView:
    groups: list[ViewGroup]
    #: lines whose product no longer exists at all
    missing: list[ViewLine]
    currency: str = "MAD"

    @property
    def lines(self) -> list[ViewLine]:
        return [line for g in self.groups for line in g.lines] + self.missing

    @property
    def total(self) -> Money:
        return money_total((g.subtotal for g in self.groups), self.currency)

    @property
    def ok(self) -> bool:
        """True when every line can be ordered as it is."""
        return bool(self.groups) and all(line.ok for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines


def committed_units(session: Session, product_ids: Iterable[int]) -> dict[int, int]:
    """Capacity promised and not yet delivered, per made-to-order product (one query)."""
    ids = list(product_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(CapacityCommitment.product_id, func.sum(CapacityCommitment.quantity))
        .where(
            CapacityCommitment.product_id.in_(ids),
            CapacityCommitment.fulfilled.is_(False),
        )
        .group_by(CapacityCommitment.product_id)
    ).all()
    return {pid: int(total or 0) for pid, total in rows}


def line_problems(
    product: Product | None, quantity: int, *, today: date, committed: int
) -> tuple[list[Problem], date | None]:
    """Why ``quantity`` units of ``product`` cannot be ordered now, and for a
    made-to-order product the day they can be ready."""
    if product is None or not product.sellable:
        return [Problem("unavailable")], None
    if not product.made_to_order:
        available = stock.available_now(product)
        if quantity > available:
            return [Problem("insufficient_stock", {"available": available})], None
        return [], None
    if quantity <= stock.available_now(product):
        return [], None
    promised = stock.promise_date(product, quantity, today=today, committed_units=committed)
    if promised is None:
        return [Problem("capacity_exceeded", {"available": stock.available_now(product)})], None
    return [], promised


def view(session: Session, items: Mapping[int, int], *, today: date) -> CartView:
    """The cart grouped by cooperative, every line checked against availability.

    A fixed number of queries whatever the cart's size: products with their
    cooperative and images, and the commitments of made-to-order products.
    """
    ids = [pid for pid in items if isinstance(pid, int)]
    products = {
        p.id: p
        for p in session.scalars(
            select(Product)
            .where(Product.id.in_(ids))
            .options(selectinload(Product.cooperative), selectinload(Product.images))
        )
    }
    committed = committed_units(session, [pid for pid, p in products.items() if p.made_to_order])
    groups: dict[int, ViewGroup] = {}
    missing: list[ViewLine] = []
    for pid, qty in items.items():
        product = products.get(pid)
        problems, promised = line_problems(
            product, qty, today=today, committed=committed.get(pid, 0)
        )
        if product is None:
            missing.append(ViewLine(pid, qty, None, Money.zero(), problems))
            continue
        line = ViewLine(pid, qty, product, product.price * qty, problems, promised)
        group = groups.get(product.cooperative_id)
        if group is None:
            group = groups[product.cooperative_id] = ViewGroup(product.cooperative, [])
        group.lines.append(line)
    ordered = sorted(groups.values(), key=lambda g: (g.cooperative.name_fr, g.cooperative.id))
    return CartView(ordered, missing)
