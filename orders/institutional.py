"""Orders an organisation places with its purchase already planned: the parts (one per
cooperative and delivery point, as the planner decided), their lines, shipping prices
and dates are given, not derived from a cart.

The order is an ordinary order of this package — same tables, same state machine,
same stock reservation, commission and ledger — so cooperatives see their parts in
their back office like any other, and the operator records the bank transfer as for
any institution. Only two ways of paying are offered: bank transfer and card.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog import settings
from catalog.accounts.users import Organisation
from catalog.errors import Problem
from catalog.models import Product
from catalog.money import Money
from catalog.money import total as money_total
from orders.errors import CheckoutError
from orders.models import Order, OrderLine
from orders.placing import Address, Buyer, Customer, check_details, create_order, find_placed
from orders.pricing import Parcel, QuoteLine
from orders.shipping import zone_for
from orders.status import DeliveryOption, PaymentMethod

#: Ways an organisation pays a planned purchase.
METHODS = (PaymentMethod.BANK_TRANSFER, PaymentMethod.CARD)


@dataclass(frozen=True, slots=True)
class PlannedLine:
    """Units of one product at the price the organisation was quoted."""

    product_id: int
    quantity: int
    unit_price_minor: int


@dataclass(frozen=True, slots=True)
class PlannedPart:
    """One cooperative's parcel(s) for one delivery point."""

    cooperative_id: int
    destination_region: str
    lines: tuple[PlannedLine, ...]
    shipping_minor: int
    #: when the goods must leave the cooperative
    ship_by: date | None = None


def place_institutional_order(
    session: Session,
    organisation: Organisation,
    parts: Sequence[PlannedPart],
    *,
    customer: Customer,
    address: Address,
    payment_method: PaymentMethod | str,
    now: datetime,
    idempotency_key: str | None = None,
) -> tuple[Order, list[list[OrderLine]]]:
    """Place one order with the given parts, reserving stock and committing
    production capacity; it waits for the transfer or the card payment with its
    reservation held until ``reserved_until``.

    Prices are checked against the catalog: a product whose price moved, that stopped
    being sold, or that belongs to another cooperative stops the order.

    :return: the order and, for each part in ``parts`` order, its order lines (in the
        part's line order).
    :raises CheckoutError: ``organisation_not_verified``, ``invalid_choice``,
        ``empty_order``, ``unknown_product``, ``not_sellable``,
        ``wrong_cooperative``, ``price_changed``, ``invalid_quantity``, and the
        contact problems of :func:`orders.placing.check_details`.
    :raises catalog.errors.InsufficientStock: listing every product short; the caller
        rolls back.
    """
    existing = find_placed(session, idempotency_key)
    if existing is not None:
        return existing, _lines_by_part(existing, len(parts))
    customer, problems = check_details(customer, address)
    customer = replace(customer, organisation_id=organisation.id)
    if not organisation.is_verified:
        problems.append(Problem("organisation_not_verified"))
    try:
        method = PaymentMethod(payment_method)
    except ValueError:
        method = None
    if method not in METHODS:
        problems.append(Problem("invalid_choice"))
    if not parts or not any(p.lines for p in parts):
        problems.append(Problem("empty_order"))
    ids = sorted({ln.product_id for p in parts for ln in p.lines})
    products = {
        p.id: p
        for p in session.scalars(
            select(Product).where(Product.id.in_(ids)).options(selectinload(Product.cooperative))
        )
    }
    for part in parts:
        for line in part.lines:
            product = products.get(line.product_id)
            if product is None:
                problems.append(Problem("unknown_product", {"product_id": line.product_id}))
            elif not product.sellable:
                problems.append(Problem("not_sellable", {"product_id": product.id}))
            elif product.cooperative_id != part.cooperative_id:
                problems.append(Problem("wrong_cooperative", {"product_id": product.id}))
            elif product.price_minor != line.unit_price_minor:
                problems.append(
                    Problem(
                        "price_changed",
                        {"product_id": product.id, "price_minor": product.price_minor},
                    )
                )
            if line.quantity <= 0:
                problems.append(Problem("invalid_quantity", {"product_id": line.product_id}))
    if problems:
        raise CheckoutError(problems)
    assert method is not None
    rules = settings.current(session)
    priced = [_priced_part(part, products, rules.commission_bps) for part in parts]
    buyer = Buyer(customer, address, DeliveryOption.HOME, placed_by="organisation")
    order = create_order(session, priced, buyer, method, now, idempotency_key, rules=rules)
    return order, _lines_by_part(order, len(parts))


def _priced_part(part: PlannedPart, products: Mapping[int, Product], commission_bps: int) -> Parcel:
    """A planned part as the order creator takes it: the catalog's prices (checked equal
    to the quoted ones), the planner's shipping price and ship-by date."""
    coop = products[part.lines[0].product_id].cooperative
    lines = []
    for item in part.lines:
        product = products[item.product_id]
        total = product.price * item.quantity
        lines.append(
            QuoteLine(
                product=product,
                quantity=item.quantity,
                unit_price=product.price,
                total=total,
                commission_bps=commission_bps,
                commission=total.percent(commission_bps),
                from_stock=item.quantity,
                to_make=0,
                promised_on=None,
            )
        )
    return Parcel(
        cooperative=coop,
        lines=tuple(lines),
        goods=money_total(line.total for line in lines),
        weight_g=sum(line.product.shipping_weight_g * line.quantity for line in lines),
        zone=zone_for(coop.region_code, part.destination_region),
        shipping=Money(part.shipping_minor),
        cod_fee=Money(0),
        commission=money_total(line.commission for line in lines),
        promised_on=part.ship_by,
        ship_by=part.ship_by,
    )


def _lines_by_part(order: Order, parts: int) -> list[list[OrderLine]]:
    by_fulfilment: dict[int, list[OrderLine]] = {}
    for line in order.lines:
        by_fulfilment.setdefault(line.fulfilment_id, []).append(line)
    return [by_fulfilment.get(f.id, []) for f in order.fulfilments][:parts]
