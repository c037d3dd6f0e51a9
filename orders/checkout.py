"""Checkout and the order's money: place an order, take or record payment, cancel,
refund, and let unpaid reservations expire.

The caller owns the transaction. When :func:`place_order` raises, the caller rolls
back (the order rows and the stock taken so far go away with it). Payment providers
are called only from the storefront, after the order and its reservation are
committed, or — for refunds — before any stock is touched: never while a stock row is
locked.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog import regions
from catalog.errors import InvalidIdentifier, Problem
from catalog.identifiers import clean_phone
from catalog.models import Cooperative, Product
from catalog.money import Money
from orders import cart, ledger, reservations, settings, shipping
from orders.errors import CartError, CheckoutError, GatewayError, InvalidTransition, OrderError
from orders.events import move_fulfilment, move_order, record
from orders.fulfilment import cancel_part, confirm, part_was_paid, settle_order_status
from orders.models import Fulfilment, Order, OrderLine, Payment
from orders.numbers import new_order_number, normalise
from orders.payments import stripe_connect
from orders.payments.base import PaymentGateway
from orders.payments.stripe_connect import TransferGateway
from orders.pricing import Quote, quote
from orders.status import (
    HOLDING_STOCK,
    DeliveryOption,
    EventKind,
    FulfilmentStatus,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    can_fulfil,
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
    committed = cart.committed_units(session, [p.id for p, _ in lines if p.made_to_order])
    try:
        priced = quote(
            lines,
            destination_region=destination_region,
            tariff=tariff,
            cash_on_delivery=method == PaymentMethod.COD,
            commission_bps=settings.current(session).commission_bps,
            today=today,
            committed=committed,
        )
    except CheckoutError as exc:
        return Prepared(view, None, [*problems, *exc.problems])
    return Prepared(view, priced, problems)


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
) -> Order:
    """Turn a cart into one order with one part per cooperative, reserving the stock.

    Prices, titles, cooperative names and ICE, and the commission rate are copied onto
    the order. Cash on delivery confirms the order at once; card and bank transfer
    leave it waiting for payment, its stock reserved until ``reserved_until``.

    :param idempotency_key: the checkout form's one-time key; placing again with the
        same key returns the order already placed.
    :param expected_total_minor: the total the shopper confirmed; if prices or
        shipping changed since, nothing is placed (``total_changed``).
    :raises CheckoutError: listing every problem with the input.
    :raises catalog.errors.InsufficientStock: listing every product short of stock.
    """
    if idempotency_key:
        existing = session.scalar(select(Order).where(Order.idempotency_key == idempotency_key))
        if existing is not None:
            return existing
    today = now.date()
    customer, problems = check_details(customer, address)
    try:
        option = DeliveryOption(delivery_option)
        method = PaymentMethod(payment_method)
    except ValueError:
        raise CheckoutError([*problems, Problem("invalid_choice")]) from None
    # -- the cart -------------------------------------------------------------------------
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
    tariff = shipping.active_tariffs(session).get(option)
    if tariff is None:
        problems.append(Problem("no_tariff"))
    if problems:
        raise CheckoutError(problems)
    assert tariff is not None
    lines = [(products[pid], qty) for pid, qty in checked.items()]
    rules = settings.current(session)
    commission_bps = rules.commission_bps
    priced = quote(
        lines,
        destination_region=address.region_code,
        tariff=tariff,
        cash_on_delivery=method == PaymentMethod.COD,
        commission_bps=commission_bps,
        today=today,
        committed=cart.committed_units(session, [p.id for p, _ in lines if p.made_to_order]),
    )
    if expected_total_minor is not None and expected_total_minor != priced.total.amount_minor:
        raise CheckoutError([Problem("total_changed", {"total_minor": priced.total.amount_minor})])
    # -- the order ------------------------------------------------------------------------
    order = Order(
        number=new_order_number(session),
        user_id=customer.user_id,
        organisation_id=customer.organisation_id,
        status=OrderStatus.PENDING_PAYMENT,
        payment_method=method,
        delivery_option=option,
        **buyer_snapshot(customer, address),
        currency=priced.total.currency,
        goods_minor=priced.goods.amount_minor,
        shipping_minor=priced.shipping.amount_minor,
        cod_fee_minor=priced.cod_fee.amount_minor,
        total_minor=priced.total.amount_minor,
        commission_minor=priced.commission.amount_minor,
        placed_at=now,
        idempotency_key=idempotency_key or None,
    )
    session.add(order)
    for position, parcel in enumerate(priced.parcels, start=1):
        coop = parcel.cooperative
        part = Fulfilment(
            position=position,
            status=FulfilmentStatus.NEW,
            **seller_snapshot(coop),
            weight_g=parcel.weight_g,
            zone=str(parcel.zone),
            promised_on=parcel.promised_on,
            currency=parcel.total.currency,
            goods_minor=parcel.goods.amount_minor,
            shipping_minor=parcel.shipping.amount_minor,
            cod_fee_minor=parcel.cod_fee.amount_minor,
            commission_minor=parcel.commission.amount_minor,
        )
        order.fulfilments.append(part)
        for item in parcel.lines:
            product = item.product
            order.lines.append(
                OrderLine(
                    fulfilment=part,
                    product=product,
                    sku=product.sku,
                    title_fr=product.title_fr,
                    title_ar=product.title_ar,
                    title_en=product.title_en,
                    cooperative_name=coop.name_fr,
                    unit_price_minor=item.unit_price.amount_minor,
                    currency=item.unit_price.currency,
                    quantity=item.quantity,
                    total_minor=item.total.amount_minor,
                    commission_bps=item.commission_bps,
                    commission_minor=item.commission.amount_minor,
                    unit_weight_g=product.shipping_weight_g,
                    qty_from_stock=item.from_stock,
                    qty_made_to_order=item.to_make,
                    promised_on=item.promised_on,
                )
            )
    record(
        order,
        EventKind.PLACED,
        now=now,
        source="shopper",
        actor_id=customer.user_id,
        total_minor=order.total_minor,
        payment_method=str(method),
    )
    # the first write: on SQLite it takes the database's write lock, so what follows
    # reads current values; on PostgreSQL the stock rows are locked one by one below
    session.flush()
    reservations.reserve(session, order, today=today)
    if method == PaymentMethod.COD:
        confirm(session, order, now=now)
    elif method == PaymentMethod.CARD:
        order.reserved_until = now + max(
            timedelta(minutes=rules.card_reservation_minutes), MIN_CARD_RESERVATION
        )
    else:
        order.reserved_until = now + timedelta(days=rules.transfer_reservation_days)
    session.flush()
    return order


# -- payments -----------------------------------------------------------------------------
def new_payment_attempt(session: Session, order: Order, *, now: datetime) -> Payment:
    """Record a new attempt to pay ``order`` online, with its idempotency key. Commit
    it before calling the provider.

    :raises OrderError: ``not_awaiting_payment``, ``reservation_expired``.
    """
    if order.status != OrderStatus.PENDING_PAYMENT or order.payment_method != PaymentMethod.CARD:
        raise OrderError("not_awaiting_payment", status=str(order.status))
    if order.reserved_until is not None and order.reserved_until <= now:
        raise OrderError("reservation_expired")
    if order.reserved_until is not None:
        order.reserved_until = max(order.reserved_until, now + MIN_CARD_RESERVATION)
    attempt = len(order.payments) + 1
    for previous in order.payments:
        if previous.status == PaymentStatus.PENDING:
            previous.status = PaymentStatus.FAILED
            previous.last_error = previous.last_error or "superseded"
    payment = Payment(
        method=PaymentMethod.CARD,
        provider="stripe",
        status=PaymentStatus.PENDING,
        attempt=attempt,
        amount_minor=order.total_minor,
        currency=order.currency,
        idempotency_key=f"checkout:{order.number}:{attempt}",
        created_at=now,
    )
    order.payments.append(payment)
    session.flush()
    return payment


def payment_started(
    session: Session,
    payment: Payment,
    *,
    provider_ref: str | None,
    redirect_url: str | None,
    now: datetime,
) -> None:
    payment.provider_ref = provider_ref
    payment.redirect_url = redirect_url or ""
    record(
        payment.order, EventKind.PAYMENT_STARTED, now=now, source="shopper", attempt=payment.attempt
    )
    session.flush()


def payment_not_started(
    session: Session, payment: Payment, *, error_code: str, now: datetime
) -> None:
    """The provider refused to start the payment; the shopper may try again."""
    payment.status = PaymentStatus.FAILED
    payment.last_error = error_code[:200]
    record(
        payment.order,
        EventKind.PAYMENT_FAILED,
        now=now,
        source=payment.provider,
        attempt=payment.attempt,
        error=error_code[:200],
    )
    session.flush()


def mark_paid(
    session: Session,
    order: Order,
    payment: Payment,
    *,
    now: datetime,
    source: str,
    payment_intent_id: str | None = None,
) -> None:
    """The provider confirmed the payment: the order is confirmed and paid.

    :raises InvalidTransition: unless the order awaits payment.
    """
    payment.status = PaymentStatus.SUCCEEDED
    payment.succeeded_at = now
    if payment_intent_id:
        payment.payment_intent_id = payment_intent_id
    order.amount_paid_minor = payment.amount_minor
    order.paid_at = now
    record(
        order,
        EventKind.PAID,
        now=now,
        source=source,
        amount_minor=payment.amount_minor,
        attempt=payment.attempt,
    )
    confirm(session, order, now=now, source=source)


def fail_order(session: Session, order: Order, *, now: datetime, source: str, reason: str) -> None:
    """The payment is over and failed: the order is cancelled and its stock released."""
    move_order(
        order,
        OrderStatus.CANCELLED,
        now=now,
        kind=EventKind.CANCELLED,
        source=source,
        reason=reason,
    )
    for part in order.fulfilments:
        if part.status == FulfilmentStatus.NEW:
            move_fulfilment(
                part,
                FulfilmentStatus.CANCELLED,
                now=now,
                kind=EventKind.CANCELLED,
                source=source,
                reason=reason,
            )
    reservations.release(session, order.lines)


def record_bank_transfer(
    session: Session,
    order: Order,
    amount: Money,
    *,
    reference: str,
    now: datetime,
    actor_id: int | None = None,
) -> Payment:
    """An operator saw the institution's transfer arrive: the order is paid and
    confirmed.

    :raises OrderError: ``not_awaiting_payment``, ``amount_mismatch`` (``expected_minor``),
        ``reference_required``.
    """
    if (
        order.status not in (OrderStatus.PENDING_PAYMENT, OrderStatus.EXPIRED)
        or order.payment_method != PaymentMethod.BANK_TRANSFER
    ):
        raise OrderError("not_awaiting_payment", status=str(order.status))
    reference = " ".join(reference.split())[:120]
    if not reference:
        raise OrderError("reference_required")
    if amount != order.total:
        raise OrderError("amount_mismatch", expected_minor=order.total_minor)
    if order.status == OrderStatus.EXPIRED:
        reinstate(session, order, now=now)
    payment = Payment(
        method=PaymentMethod.BANK_TRANSFER,
        provider="bank",
        status=PaymentStatus.PENDING,
        attempt=len(order.payments) + 1,
        amount_minor=order.total_minor,
        currency=order.currency,
        provider_ref=f"bank:{order.number}:{reference}"[:255],
        idempotency_key=f"bank:{order.number}:{len(order.payments) + 1}",
        created_at=now,
    )
    order.payments.append(payment)
    record(
        order,
        EventKind.BANK_TRANSFER_RECORDED,
        now=now,
        source="operator",
        actor_id=actor_id,
        reference=reference,
    )
    mark_paid(session, order, payment, now=now, source="operator")
    return payment


def reinstate(session: Session, order: Order, *, now: datetime) -> None:
    """Money arrived for an order whose reservation ran out: take its stock again.
    The order stays expired until :func:`mark_paid` confirms it.

    :raises catalog.errors.InsufficientStock: when the stock is gone; the caller
        rolls back, then records the payment with the order flagged for an operator.
    """
    if order.status != OrderStatus.EXPIRED:
        raise OrderError("not_expired", status=str(order.status))
    for line in order.lines:
        line.released = False
    reservations.reserve(session, order, today=now.date())
    record(order, EventKind.REINSTATED, now=now)
    session.flush()


def switch_to_cash_on_delivery(session: Session, order: Order, *, now: datetime) -> None:
    """A shopper whose card payment could not start pays cash instead: each parcel
    gets the cash-on-delivery fee and the order is confirmed.

    :raises OrderError: ``not_awaiting_payment``, ``reservation_expired``.
    """
    if order.status != OrderStatus.PENDING_PAYMENT or order.payment_method != PaymentMethod.CARD:
        raise OrderError("not_awaiting_payment", status=str(order.status))
    if order.reserved_until is not None and order.reserved_until <= now:
        raise OrderError("reservation_expired")
    tariff = shipping.active_tariffs(session).get(DeliveryOption(order.delivery_option))
    fee = tariff.cod_fee_minor if tariff is not None else 0
    for part in order.fulfilments:
        part.cod_fee_minor = fee
    for payment in order.payments:
        if payment.status == PaymentStatus.PENDING:
            payment.status = PaymentStatus.FAILED
            payment.last_error = "switched_to_cash"
    order.cod_fee_minor = fee * len(order.fulfilments)
    order.total_minor = order.goods_minor + order.shipping_minor + order.cod_fee_minor
    order.payment_method = PaymentMethod.COD
    confirm(session, order, now=now, source="shopper")


# -- cancelling and refunding ------------------------------------------------------------------
def cancel_order(
    session: Session,
    order: Order,
    *,
    now: datetime,
    reason: str,
    source: str = "shopper",
    actor_id: int | None = None,
) -> None:
    """Cancel an order nobody has paid for yet, before any parcel left: every part is
    cancelled and its stock goes back on sale.

    :raises OrderError: ``already_shipped``, ``order_is_paid`` (refund it instead).
    :raises InvalidTransition: for a closed order.
    """
    if order.amount_paid_minor > 0:
        raise OrderError("order_is_paid")
    if any(
        p.status not in HOLDING_STOCK and p.status != FulfilmentStatus.CANCELLED
        for p in order.fulfilments
    ):
        raise OrderError("already_shipped")
    move_order(
        order,
        OrderStatus.CANCELLED,
        now=now,
        kind=EventKind.CANCELLED,
        source=source,
        actor_id=actor_id,
        reason=reason[:200],
    )
    for part in order.fulfilments:
        if part.status in HOLDING_STOCK:
            move_fulfilment(
                part,
                FulfilmentStatus.CANCELLED,
                now=now,
                kind=EventKind.CANCELLED,
                source=source,
                actor_id=actor_id,
                reason=reason[:200],
            )
    for payment in order.payments:
        if payment.status == PaymentStatus.PENDING:
            payment.status = PaymentStatus.FAILED
            payment.last_error = "cancelled"
    reservations.release(session, order.lines)
    session.flush()


def refund_part(
    session: Session,
    fulfilment: Fulfilment,
    *,
    gateway: PaymentGateway | None,
    now: datetime,
    reason: str,
    restock: bool | None = None,
    source: str = "operator",
    actor_id: int | None = None,
) -> Money:
    """Give back the money of one cooperative's part: through the provider first (for
    a card), then the part is refunded, its stock restored (always when it had not
    shipped; for shipped goods only with ``restock=True``) and its ledger entries
    reversed. Returns the amount refunded.

    :raises OrderError: ``part_not_paid`` (cancel it instead).
    :raises InvalidTransition: for a part already closed without delivery.
    :raises GatewayError: when the provider refuses; nothing is changed.
    """
    order = fulfilment.order
    if not _part_paid(fulfilment):
        raise OrderError("part_not_paid")
    amount = Money(fulfilment.total_minor, fulfilment.currency)
    # check the transition before any money moves
    if not can_fulfil(FulfilmentStatus(fulfilment.status), FulfilmentStatus.REFUNDED):
        raise InvalidTransition(
            entity="fulfilment", current=str(fulfilment.status), target="refunded"
        )
    payment = _succeeded_payment(order)
    if order.payment_method == PaymentMethod.CARD and gateway is not None and payment is not None:
        left = payment.amount_minor - payment.amount_refunded_minor
        amount = Money(min(amount.amount_minor, left), amount.currency)
        if amount.amount_minor > 0:
            gateway.refund(
                payment, amount, idempotency_key=f"refund:{order.number}:{fulfilment.position}"
            )
    held = fulfilment.status in HOLDING_STOCK
    move_fulfilment(
        fulfilment,
        FulfilmentStatus.REFUNDED,
        now=now,
        kind=EventKind.REFUNDED,
        source=source,
        actor_id=actor_id,
        reason=reason[:200],
        amount_minor=amount.amount_minor,
    )
    fulfilment.refunded_minor = amount.amount_minor
    if payment is not None:
        payment.amount_refunded_minor = min(
            payment.amount_minor, payment.amount_refunded_minor + amount.amount_minor
        )
        payment.status = (
            PaymentStatus.REFUNDED
            if payment.amount_refunded_minor >= payment.amount_minor
            else PaymentStatus.PARTIALLY_REFUNDED
        )
    order.amount_refunded_minor = min(
        order.amount_paid_minor, order.amount_refunded_minor + amount.amount_minor
    )
    lines = list(fulfilment.lines)
    if held:
        reservations.release(session, lines)
    elif restock:
        reservations.restock_returned(session, lines)
    ledger.reverse_part(session, fulfilment, now=now)
    if isinstance(gateway, TransferGateway):
        _take_back_transfer(session, gateway, fulfilment, now=now, source=source)
    settle_order_status(order, now=now)
    session.flush()
    return amount


def _take_back_transfer(
    session: Session, gateway: TransferGateway, part: Fulfilment, *, now: datetime, source: str
) -> None:
    """A refunded part whose share went to the cooperative by Stripe Connect: take the
    transfer back. If Stripe refuses (the cooperative's balance is spent, say), the
    shopper is refunded all the same; the order is flagged and the ledger shows what
    the cooperative owes."""
    try:
        stripe_connect.reverse_transfer(session, gateway, part, now=now)
    except GatewayError as exc:
        part.order.needs_attention = True
        record(
            part.order,
            EventKind.NEEDS_ATTENTION,
            now=now,
            fulfilment=part,
            source=source,
            reason="transfer_not_taken_back",
            provider_code=str(exc.data.get("provider_code", "")),
        )


def refund_order(
    session: Session,
    order: Order,
    *,
    gateway: PaymentGateway | None,
    now: datetime,
    reason: str,
    restock: bool | None = None,
    source: str = "operator",
    actor_id: int | None = None,
) -> Money:
    """Refund every paid part still open or delivered; unpaid parts are cancelled."""
    refunded = Money.zero(order.currency)
    for part in order.fulfilments:
        if part.status in (FulfilmentStatus.CANCELLED, FulfilmentStatus.REFUNDED):
            continue
        if _part_paid(part):
            refunded = refunded + refund_part(
                session,
                part,
                gateway=gateway,
                now=now,
                reason=reason,
                restock=restock,
                source=source,
                actor_id=actor_id,
            )
        else:
            cancel_part(session, part, now=now, reason=reason, source=source, actor_id=actor_id)
    return refunded


def _part_paid(fulfilment: Fulfilment) -> bool:
    return part_was_paid(fulfilment)


def _succeeded_payment(order: Order) -> Payment | None:
    for payment in reversed(order.payments):
        if payment.status in (
            PaymentStatus.SUCCEEDED,
            PaymentStatus.PARTIALLY_REFUNDED,
            PaymentStatus.REFUNDED,
        ):
            return payment
    return None


# -- reservations that run out ------------------------------------------------------------
def expire_reservations(session: Session, *, now: datetime, limit: int = 500) -> list[Order]:
    """Orders still unpaid when their reservation ran out: expired, stock released.
    Rows another transaction is handling (a payment arriving) are skipped and caught
    on the next run. Flushes; returns the expired orders (to tell the shoppers)."""
    stmt = (
        select(Order)
        .where(
            Order.status == OrderStatus.PENDING_PAYMENT,
            Order.reserved_until.is_not(None),
            Order.reserved_until <= now,
        )
        .order_by(Order.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    expired = list(session.scalars(stmt))
    for order in expired:
        expire_order(session, order, now=now)
    session.flush()
    return expired


def expire_order(session: Session, order: Order, *, now: datetime, source: str = "system") -> None:
    """An unpaid order's reservation ran out (or its checkout session expired): the
    order expires and its stock and capacity go back on sale."""
    move_order(
        order, OrderStatus.EXPIRED, now=now, kind=EventKind.RESERVATION_EXPIRED, source=source
    )
    for part in order.fulfilments:
        if part.status == FulfilmentStatus.NEW:
            move_fulfilment(
                part,
                FulfilmentStatus.CANCELLED,
                now=now,
                kind=EventKind.RESERVATION_EXPIRED,
                source=source,
            )
    for payment in order.payments:
        if payment.status == PaymentStatus.PENDING:
            payment.status = PaymentStatus.EXPIRED
    reservations.release(session, order.lines)


# -- finding orders -------------------------------------------------------------------------
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
