"""Placing an order: one creator, :func:`create_order`, records every order from parts
already priced, in named steps (the order, its parts, their lines, the PLACED event,
the stock reservation, how long it is held). Two callers feed it:

- :func:`place_order` turns a shopper's cart into parts with :func:`orders.pricing.quote`;
- :func:`orders.institutional.place_institutional_order` turns an organisation's
  planned purchase into parts at the prices it was quoted.

The caller owns the transaction. When placing raises, the caller rolls back (the order
rows and the stock taken so far go away with it). Payment providers are called only
from the storefront, after the order and its reservation are committed.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog import regions, settings
from catalog.db import insert_rows
from catalog.errors import InvalidIdentifier, Problem
from catalog.identifiers import clean_phone
from catalog.models import Cooperative, Product
from catalog.money import Money
from catalog.money import total as money_total
from catalog.settings import MarketplaceSettings
from orders import cart, reservations, shipping
from orders.errors import CartError, CheckoutError
from orders.events import record
from orders.fulfilment import confirm
from orders.models import Fulfilment, Order, OrderLine, ShippingTariff
from orders.numbers import new_order_number, normalise
from orders.pricing import DeliveryPolicy, Parcel, Quote, QuoteLine, quote
from orders.status import (
    DeliveryOption,
    EventKind,
    FulfilmentStatus,
    OrderStatus,
    PaymentMethod,
)

LANGUAGES = ("fr", "ar", "en")
MAX_ADDRESS_LENGTH = 500
MIN_ADDRESS_LENGTH = 5
#: A card payment's reservation lasts at least this long: Stripe's checkout sessions
#: expire 30 minutes after creation at the earliest, and they expire with it.
MIN_CARD_RESERVATION = timedelta(minutes=35)


@dataclass(frozen=True)
class Customer:
    name: str
    email: str
    phone: str
    language: str = "fr"
    user_id: int | None = None
    organisation_id: int | None = None


@dataclass(frozen=True)
class Address:
    region_code: str
    province_code: str
    address: str
    city: str = ""


@dataclass(frozen=True)
class Buyer:
    """Who buys, where the goods go and how, and who placed the order (the PLACED
    event's source: ``shopper`` or ``organisation``). Details already checked."""

    customer: Customer
    address: Address
    delivery_option: DeliveryOption = DeliveryOption.HOME
    placed_by: str = "shopper"


def check_details(customer: Customer, address: Address) -> tuple[Customer, list[Problem]]:
    """Normalise the shopper's details (phone to +212...) and list what is wrong."""
    problems: list[Problem] = []
    name = " ".join(customer.name.split())
    if not name or len(name) > 120:
        problems.append(Problem("invalid_name"))
    email = customer.email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 254 or any(c.isspace() for c in email):
        problems.append(Problem("invalid_email"))
    phone = customer.phone
    try:
        phone = clean_phone(customer.phone)
    except InvalidIdentifier:
        problems.append(Problem("invalid_phone"))
    if regions.region(address.region_code) is None:
        problems.append(Problem("unknown_region"))
    elif not regions.is_valid_pair(address.region_code, address.province_code):
        problems.append(Problem("province_mismatch"))
    text = address.address.strip()
    if not MIN_ADDRESS_LENGTH <= len(text) <= MAX_ADDRESS_LENGTH:
        problems.append(Problem("invalid_address", {"max": MAX_ADDRESS_LENGTH}))
    language = customer.language if customer.language in LANGUAGES else "fr"
    return replace(customer, name=name, email=email, phone=phone, language=language), problems


@dataclass(frozen=True)
class Prepared:
    """What the checkout's review step shows: the cart checked, the quote, and what
    stops the order (empty when it can be placed)."""

    view: cart.CartView
    quote: Quote | None
    problems: list[Problem]


def prepare(
    session: Session,
    items: Mapping[int, int],
    *,
    destination_region: str,
    delivery_option: DeliveryOption | str,
    payment_method: PaymentMethod | str,
    today: date,
) -> Prepared:
    """Check the cart and price it for a destination, without writing anything."""
    problems: list[Problem] = []
    view = cart.view(session, items, today=today)
    if view.is_empty:
        problems.append(Problem("empty_cart"))
    if not view.ok and not view.is_empty:
        problems.append(Problem("cart_problems"))
    try:
        option = DeliveryOption(delivery_option)
        method = PaymentMethod(payment_method)
    except ValueError:
        return Prepared(view, None, [*problems, Problem("invalid_choice")])
    tariff = shipping.active_tariffs(session).get(option)
    if tariff is None:
        return Prepared(view, None, [*problems, Problem("no_tariff")])
    lines = [(line.product, line.quantity) for line in view.lines if line.ok and line.product]
    try:
        priced = _price(session, lines, destination_region, tariff, method, today)
    except CheckoutError as exc:
        return Prepared(view, None, [*problems, *exc.problems])
    return Prepared(view, priced, problems)


def _price(
    session: Session,
    lines: Sequence[tuple[Product, int]],
    destination_region: str,
    tariff: ShippingTariff,
    method: PaymentMethod,
    today: date,
    rules: MarketplaceSettings | None = None,
) -> Quote:
    """The cart's quote at the operator's commission, with production already promised."""
    rules = rules or settings.current(session)
    return quote(
        lines,
        destination_region=destination_region,
        tariff=tariff,
        cash_on_delivery=method == PaymentMethod.COD,
        commission_bps=rules.commission_bps,
        today=today,
        committed=cart.committed_units(session, [p.id for p, _ in lines if p.made_to_order]),
        policy=DeliveryPolicy.of(rules),
    )


def buyer_snapshot(customer: Customer, address: Address) -> dict[str, Any]:
    """The order's columns that keep who bought and where to deliver, as given."""
    return {
        "customer_name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "language": customer.language,
        "region_code": address.region_code,
        "province_code": address.province_code,
        "city": " ".join(address.city.split())[:120],
        "address": address.address.strip(),
    }


def seller_snapshot(coop: Cooperative) -> dict[str, Any]:
    """A part's columns that keep its seller as it was at the sale (names, ICE, VAT
    status, region), so that invoices never change afterwards."""
    return {
        "cooperative_id": coop.id,
        "cooperative_name": coop.name_fr,
        "cooperative_name_ar": coop.name_ar,
        "cooperative_ice": coop.ice,
        "cooperative_vat_exempt": coop.vat_exempt,
        "origin_region_code": coop.region_code,
    }


# -- the one order creator ------------------------------------------------------------------
def find_placed(session: Session, idempotency_key: str | None) -> Order | None:
    """The order already placed with this one-time key, if any."""
    if not idempotency_key:
        return None
    return session.scalar(select(Order).where(Order.idempotency_key == idempotency_key))


def create_order(
    session: Session,
    priced_parts: Sequence[Parcel],
    buyer: Buyer,
    payment: PaymentMethod,
    now: datetime,
    idempotency_key: str | None = None,
    *,
    rules: MarketplaceSettings | None = None,
) -> Order:
    """Record one order from parts already priced (one per cooperative parcel, kept in
    the given order), reserve its stock and production capacity, and hold it for
    payment: cash on delivery confirms it at once; card and bank transfer leave it
    waiting, its stock reserved until ``reserved_until``.

    Prices, titles, cooperative names and ICE and the commission are copied from the
    parts onto the order, so that it never changes when the catalog does.

    :raises catalog.errors.InsufficientStock: listing every product short of stock;
        the caller rolls back.
    """
    rules = rules or settings.current(session)
    order = _new_order(session, priced_parts, buyer, payment, now, idempotency_key)
    record(
        order,
        EventKind.PLACED,
        now=now,
        source=buyer.placed_by,
        actor_id=buyer.customer.user_id,
        total_minor=order.total_minor,
        payment_method=str(payment),
    )
    # the first write: on SQLite it takes the database's write lock, so what follows
    # reads current values; on PostgreSQL the stock rows are locked one by one below
    session.flush()
    _write_parts(session, order, priced_parts)
    _reserve(session, order, priced_parts, today=now.date())
    _hold_for_payment(session, order, payment, rules, now=now)
    session.flush()
    return order


def _new_order(
    session: Session,
    parts: Sequence[Parcel],
    buyer: Buyer,
    payment: PaymentMethod,
    now: datetime,
    idempotency_key: str | None,
) -> Order:
    currency = parts[0].goods.currency if parts else "MAD"
    goods = money_total((p.goods for p in parts), currency)
    shipping_total = money_total((p.shipping for p in parts), currency)
    cod_fee = money_total((p.cod_fee for p in parts), currency)
    order = Order(
        number=new_order_number(session),
        user_id=buyer.customer.user_id,
        organisation_id=buyer.customer.organisation_id,
        status=OrderStatus.PENDING_PAYMENT,
        payment_method=payment,
        delivery_option=buyer.delivery_option,
        **buyer_snapshot(buyer.customer, buyer.address),
        currency=currency,
        goods_minor=goods.amount_minor,
        shipping_minor=shipping_total.amount_minor,
        cod_fee_minor=cod_fee.amount_minor,
        total_minor=(goods + shipping_total + cod_fee).amount_minor,
        commission_minor=money_total((p.commission for p in parts), currency).amount_minor,
        placed_at=now,
        idempotency_key=idempotency_key or None,
    )
    session.add(order)
    return order


def _write_parts(session: Session, order: Order, parts: Sequence[Parcel]) -> None:
    """The parts and their lines: batched INSERTs, no object per row (a national basket
    order has tens of thousands), then the order's parts and lines loaded once."""
    insert_rows(
        session,
        Fulfilment,
        (_part_row(order.id, position, parcel) for position, parcel in enumerate(parts, 1)),
    )
    part_ids = {
        position: part_id
        for position, part_id in session.execute(
            select(Fulfilment.position, Fulfilment.id).where(Fulfilment.order_id == order.id)
        )
    }
    insert_rows(
        session,
        OrderLine,
        (
            _line_row(order.id, part_ids[position], parcel.cooperative, item)
            for position, parcel in enumerate(parts, 1)
            for item in parcel.lines
        ),
    )
    session.expire(order, ["fulfilments", "lines"])
    # loaded now, the parts before the lines: each line then finds its part without a query
    _ = order.fulfilments
    _ = order.lines


def _part_row(order_id: int, position: int, parcel: Parcel) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "position": position,
        "status": FulfilmentStatus.NEW,
        **seller_snapshot(parcel.cooperative),
        "weight_g": parcel.weight_g,
        "zone": str(parcel.zone),
        "promised_on": parcel.promised_on,
        "currency": parcel.total.currency,
        "goods_minor": parcel.goods.amount_minor,
        "shipping_minor": parcel.shipping.amount_minor,
        "cod_fee_minor": parcel.cod_fee.amount_minor,
        "commission_minor": parcel.commission.amount_minor,
        "delivery_subsidy_minor": parcel.delivery_subsidy.amount_minor,
    }


def _line_row(order_id: int, part_id: int, coop: Cooperative, item: QuoteLine) -> dict[str, Any]:
    product = item.product
    return {
        "order_id": order_id,
        "fulfilment_id": part_id,
        "product_id": product.id,
        "sku": product.sku,
        "title_fr": product.title_fr,
        "title_ar": product.title_ar,
        "title_en": product.title_en,
        "cooperative_name": coop.name_fr,
        "unit_price_minor": item.unit_price.amount_minor,
        "currency": item.unit_price.currency,
        "quantity": item.quantity,
        "total_minor": item.total.amount_minor,
        "commission_bps": item.commission_bps,
        "commission_minor": item.commission.amount_minor,
        "unit_weight_g": product.shipping_weight_g,
        "qty_from_stock": item.from_stock,
        "qty_made_to_order": item.to_make,
        "promised_on": item.promised_on,
    }


def _reserve(session: Session, order: Order, parts: Sequence[Parcel], *, today: date) -> None:
    """Take the stock; a part planned to leave by a given day keeps that day unless
    production promises a later one."""
    reservations.reserve(session, order, today=today)
    for parcel, part in zip(parts, order.fulfilments, strict=True):
        if parcel.ship_by is not None:
            dates = [d for d in (parcel.ship_by, part.promised_on) if d is not None]
            part.promised_on = max(dates)


def _hold_for_payment(
    session: Session,
    order: Order,
    payment: PaymentMethod,
    rules: MarketplaceSettings,
    *,
    now: datetime,
) -> None:
    if payment == PaymentMethod.COD:
        confirm(session, order, now=now)
    elif payment == PaymentMethod.CARD:
        order.reserved_until = now + max(
            timedelta(minutes=rules.card_reservation_minutes), MIN_CARD_RESERVATION
        )
    else:
        order.reserved_until = now + timedelta(days=rules.transfer_reservation_days)


# -- a shopper's cart ---------------------------------------------------------------------------
def place_order(
    session: Session,
    items: Mapping[int, int],
    *,
    customer: Customer,
    address: Address,
    delivery_option: DeliveryOption | str,
    payment_method: PaymentMethod | str,
    now: datetime,
    idempotency_key: str | None = None,
    expected_total_minor: int | None = None,
    offered: Callable[[Money], Collection[PaymentMethod]] | None = None,
) -> Order:
    """Turn a cart into one order with one part per cooperative (see
    :func:`create_order`): the products are read once and the cart priced once.

    :param idempotency_key: the checkout form's one-time key; placing again with the
        same key returns the order already placed.
    :param expected_total_minor: the total the shopper confirmed; if prices or
        shipping changed since, nothing is placed (``total_changed``).
    :param offered: the ways of paying offered for goods worth an amount; a method
        not among them stops the order (``method_not_offered``).
    :raises CheckoutError: listing every problem with the input.
    :raises catalog.errors.InsufficientStock: listing every product short of stock.
    """
    existing = find_placed(session, idempotency_key)
    if existing is not None:
        return existing
    customer, problems = check_details(customer, address)
    try:
        option = DeliveryOption(delivery_option)
        method = PaymentMethod(payment_method)
    except ValueError:
        raise CheckoutError([*problems, Problem("invalid_choice")]) from None
    checked = _checked_items(items, problems)
    products = _sellable_products(session, checked, problems)
    tariff = shipping.active_tariffs(session).get(option)
    if tariff is None:
        problems.append(Problem("no_tariff"))
    if problems:
        raise CheckoutError(problems)
    assert tariff is not None
    rules = settings.current(session)
    lines = [(products[pid], qty) for pid, qty in checked.items()]
    priced = _price(session, lines, address.region_code, tariff, method, now.date(), rules)
    if offered is not None and method not in offered(priced.goods):
        raise CheckoutError([Problem("method_not_offered")])
    if expected_total_minor is not None and expected_total_minor != priced.total.amount_minor:
        raise CheckoutError([Problem("total_changed", {"total_minor": priced.total.amount_minor})])
    buyer = Buyer(customer, address, option, placed_by="shopper")
    return create_order(session, priced.parcels, buyer, method, now, idempotency_key, rules=rules)


def _checked_items(items: Mapping[int, int], problems: list[Problem]) -> dict[int, int]:
    checked: dict[int, int] = {}
    for pid, qty in items.items():
        if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
            problems.append(Problem("unknown_product", {"product_id": str(pid)[:20]}))
            continue
        try:
            checked[pid] = cart.check_quantity(qty)
        except CartError as exc:
            problems.append(Problem(exc.code, {"product_id": pid, **exc.data}))
    if not items:
        problems.append(Problem("empty_cart"))
    if len(checked) > cart.MAX_LINES:
        problems.append(Problem("too_many_lines", {"max": cart.MAX_LINES}))
    return checked


def _sellable_products(
    session: Session, checked: Mapping[int, int], problems: list[Problem]
) -> dict[int, Product]:
    products = {
        p.id: p
        for p in session.scalars(
            select(Product)
            .where(Product.id.in_(list(checked)))
            .options(selectinload(Product.cooperative))
        )
    }
    for pid in checked:
        product = products.get(pid)
        if product is None:
            problems.append(Problem("unknown_product", {"product_id": pid}))
        elif not product.sellable:
            problems.append(Problem("not_sellable", {"product_id": pid}))
    return products


# -- finding placed orders ----------------------------------------------------------------------
def find_by_number(session: Session, number: str) -> Order | None:
    normalised = normalise(number)
    if normalised is None:
        return None
    return session.scalar(select(Order).where(Order.number == normalised))


def find_for_tracking(session: Session, number: str, phone: str) -> Order | None:
    """The order with this number if ``phone`` is the one given at checkout (compared
    after normalisation, in constant time). The same None for a wrong number and a
    wrong phone, so nobody learns which order numbers exist."""
    try:
        cleaned = clean_phone(phone)
    except InvalidIdentifier:
        cleaned = ""
    order = find_by_number(session, number)
    stored = order.phone if order is not None else "+212000000000"
    matches = hmac.compare_digest(stored.encode(), cleaned.encode())
    return order if order is not None and matches and cleaned else None
