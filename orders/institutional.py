"""Orders an organisation places with its purchase already planned: the parts (one per
cooperative and delivery point, as the planner decided), their lines, shipping prices
and dates are given, not derived from a cart.

The order is an ordinary order of this package — same tables, same state machine,
same stock reservation, commission and ledger — so cooperatives see their parts in
their back office like any other, and the operator records the bank transfer as for
any institution. Only two ways of paying are offered: bank transfer and card.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog.errors import Problem
from catalog.models import Product
from catalog.money import Money
from orders import reservations, settings
from orders.accounts import Organisation
from orders.checkout import (
    MIN_CARD_RESERVATION,
    Address,
    Customer,
    buyer_snapshot,
    check_details,
    seller_snapshot,
)
from orders.errors import CheckoutError
from orders.events import record
from orders.models import Fulfilment, Order, OrderLine
from orders.numbers import new_order_number
from orders.shipping import zone_for
from orders.status import DeliveryOption, EventKind, FulfilmentStatus, OrderStatus, PaymentMethod

#: Ways an organisation pays a planned purchase.
METHODS = (PaymentMethod.BANK_TRANSFER, PaymentMethod.CARD)
MAX_PARTS = 20_000


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
        ``empty_order``, ``too_many_parts``, ``unknown_product``, ``not_sellable``,
        ``wrong_cooperative``, ``price_changed``, ``invalid_quantity``, and the
        contact problems of :func:`orders.checkout.check_details`.
    :raises catalog.errors.InsufficientStock: listing every product short; the caller
        rolls back.
    """
    if idempotency_key:
        existing = session.scalar(select(Order).where(Order.idempotency_key == idempotency_key))
        if existing is not None:
            by_part = _lines_by_part(existing, len(parts))
            return existing, by_part
    customer, problems = check_details(customer, address)
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
    if len(parts) > MAX_PARTS:
        problems.append(Problem("too_many_parts", {"max": MAX_PARTS}))
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
    commission_bps = rules.commission_bps
    order = Order(
        number=new_order_number(session),
        user_id=customer.user_id,
        organisation_id=organisation.id,
        status=OrderStatus.PENDING_PAYMENT,
        payment_method=method,
        delivery_option=DeliveryOption.HOME,
        **buyer_snapshot(customer, address),
        currency="MAD",
        goods_minor=0,
        shipping_minor=0,
        cod_fee_minor=0,
        total_minor=0,
        commission_minor=0,
        placed_at=now,
        idempotency_key=idempotency_key or None,
    )
    session.add(order)
    lines_by_part: list[list[OrderLine]] = []
    for position, part in enumerate(parts, start=1):
        coop = products[part.lines[0].product_id].cooperative
        fulfilment = Fulfilment(
            position=position,
            status=FulfilmentStatus.NEW,
            **seller_snapshot(coop),
            weight_g=0,
            zone=str(zone_for(coop.region_code, part.destination_region)),
            promised_on=part.ship_by,
            currency="MAD",
            goods_minor=0,
            shipping_minor=part.shipping_minor,
            commission_minor=0,
        )
        order.fulfilments.append(fulfilment)
        made: list[OrderLine] = []
        for item in part.lines:
            product = products[item.product_id]
            total = Money(product.price_minor) * item.quantity
            commission = total.percent(commission_bps)
            line = OrderLine(
                fulfilment=fulfilment,
                product=product,
                sku=product.sku,
                title_fr=product.title_fr,
                title_ar=product.title_ar,
                title_en=product.title_en,
                cooperative_name=coop.name_fr,
                unit_price_minor=product.price_minor,
                currency="MAD",
                quantity=item.quantity,
                total_minor=total.amount_minor,
                commission_bps=commission_bps,
                commission_minor=commission.amount_minor,
                unit_weight_g=product.shipping_weight_g,
                qty_from_stock=item.quantity,
                qty_made_to_order=0,
            )
            order.lines.append(line)
            made.append(line)
            fulfilment.goods_minor += line.total_minor
            fulfilment.commission_minor += line.commission_minor
            fulfilment.weight_g += product.shipping_weight_g * item.quantity
        lines_by_part.append(made)
        order.goods_minor += fulfilment.goods_minor
        order.shipping_minor += fulfilment.shipping_minor
        order.commission_minor += fulfilment.commission_minor
    order.total_minor = order.goods_minor + order.shipping_minor
    session.flush()
    reservations.reserve(session, order, today=now.date())
    for part, fulfilment in zip(parts, order.fulfilments, strict=True):
        # the planner's ship-by date, unless production promises a later one
        dates = [d for d in (part.ship_by, fulfilment.promised_on) if d is not None]
        fulfilment.promised_on = max(dates) if dates else None
    record(
        order,
        EventKind.PLACED,
        now=now,
        source="organisation",
        actor_id=customer.user_id,
        total_minor=order.total_minor,
        payment_method=str(method),
        planned_parts=len(parts),
    )
    if method == PaymentMethod.CARD:
        order.reserved_until = now + max(
            timedelta(minutes=rules.card_reservation_minutes), MIN_CARD_RESERVATION
        )
    else:
        order.reserved_until = now + timedelta(days=rules.transfer_reservation_days)
    session.flush()
    return order, lines_by_part


def _lines_by_part(order: Order, parts: int) -> list[list[OrderLine]]:
    by_fulfilment: dict[int, list[OrderLine]] = {}
    for line in order.lines:
        by_fulfilment.setdefault(line.fulfilment_id, []).append(line)
    return [by_fulfilment.get(f.id, []) for f in order.fulfilments][:parts]
