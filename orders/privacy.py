"""A shopper's rights under law 09-08: a copy of everything kept about them, and
erasure that leaves the accounts valid.

Erasing replaces the shopper's name, e-mail, phone and street address — on the
account and on every order they placed, guest orders included — and deletes their
cart, their mail and their API tokens. Order numbers, dates, regions, lines and amounts
stay, no longer linked to a person, so invoices, the cooperatives' ledgers and the
marketplace's accounts still add up.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, selectinload

from catalog.accounts.api_tokens import ApiToken
from catalog.accounts.users import Role, User, normalise_email
from catalog.notifications import OutboxMessage
from orders.errors import OrderError
from orders.models import Cart, Order
from orders.status import OrderStatus

#: orders that are over: nothing is left to deliver or to collect
CLOSED = frozenset(
    {OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REFUNDED}
)
ERASED_NAME = "—"


class PrivacyError(OrderError):
    """Erasure refused: ``not_a_shopper`` (``role``: members and operators are erased
    by their organisation's process, not this one) or ``open_orders`` (``numbers``:
    they still have to be delivered, to this address)."""

    code = "privacy_error"


@dataclass(slots=True)
class Erasure:
    user_id: int | None
    orders: list[str] = field(default_factory=list)
    messages: int = 0
    tokens: int = 0


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in names}


def _orders(session: Session, email: str, user: User | None) -> list[Order]:
    cond = Order.email == email
    if user is not None:
        cond = or_(cond, Order.user_id == user.id)
    return list(
        session.scalars(
            select(Order)
            .where(cond)
            .options(selectinload(Order.lines), selectinload(Order.fulfilments))
            .order_by(Order.id)
        )
    )


def export_shopper(session: Session, email: str) -> dict[str, Any] | None:
    """Everything kept about the person with this e-mail, as JSON-ready data, or None
    when nothing is."""
    email = normalise_email(email)
    user = session.scalar(select(User).where(User.email == email))
    orders = _orders(session, email, user)
    messages = list(
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.to == email).order_by(OutboxMessage.id)
        )
    )
    if user is None and not orders and not messages:
        return None
    data: dict[str, Any] = {
        "email": email,
        "account": None,
        "orders": [],
        "mail": [],
        "api_tokens": [],
    }
    if user is not None:
        data["account"] = _row(
            user,
            (
                "email", "name", "phone", "role", "language", "marketing_consent", "active",
                "created_at", "last_login_at",
            ),
        )  # fmt: skip
        cart = session.scalar(select(Cart).where(Cart.user_id == user.id))
        data["cart"] = [
            {"product_id": line.product_id, "quantity": line.quantity}
            for line in (cart.lines if cart else [])
        ]
        data["api_tokens"] = [
            _row(t, ("name", "prefix", "created_at", "last_used_at", "revoked_at"))
            for t in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id))
        ]
    for order in orders:
        entry = _row(
            order,
            (
                "number", "status", "placed_at", "customer_name", "email", "phone",
                "region_code", "province_code", "city", "address", "payment_method",
                "delivery_option", "currency", "goods_minor", "shipping_minor",
                "cod_fee_minor", "total_minor",
            ),
        )  # fmt: skip
        entry["lines"] = [
            _row(line, ("sku", "title_fr", "cooperative_name", "quantity", "unit_price_minor"))
            for line in order.lines
        ]
        entry["parcels"] = [
            _row(part, ("cooperative_name", "status", "carrier", "tracking_number"))
            for part in order.fulfilments
        ]
        data["orders"].append(entry)
    data["mail"] = [
        _row(m, ("subject", "topic", "status", "created_at", "sent_at")) for m in messages
    ]
    return data


def erase_shopper(session: Session, email: str, *, force: bool = False) -> Erasure:
    """Erase a shopper's personal data (see the module's docstring).

    :param force: erase even with orders still open (their delivery address is lost).
    :raises PrivacyError: ``not_a_shopper`` or ``open_orders``.
    """
    email = normalise_email(email)
    user = session.scalar(select(User).where(User.email == email))
    if user is not None and user.role != Role.SHOPPER:
        raise PrivacyError("not_a_shopper", role=str(user.role))
    orders = _orders(session, email, user)
    still_open = [o.number for o in orders if o.status not in CLOSED]
    if still_open and not force:
        raise PrivacyError("open_orders", numbers=still_open)
    result = Erasure(user_id=user.id if user else None)
    # text messages went to the phone numbers the person gave
    addresses = (
        {email} | {o.phone for o in orders if o.phone} | ({user.phone} - {""} if user else set())
    )
    for order in orders:
        order.customer_name = ERASED_NAME
        order.email = f"erased-{order.id}@invalid"
        order.phone = ""
        order.city = ""
        order.address = ""
        result.orders.append(order.number)
    result.messages = len(
        session.scalars(select(OutboxMessage.id).where(OutboxMessage.to.in_(addresses))).all()
    )
    session.execute(delete(OutboxMessage).where(OutboxMessage.to.in_(addresses)))
    if user is not None:
        tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()
        result.tokens = len(tokens)
        for token in tokens:
            session.delete(token)
        cart = session.scalar(select(Cart).where(Cart.user_id == user.id))
        if cart is not None:
            session.delete(cart)
        user.email = f"erased-{user.id}@invalid"
        user.name = ""
        user.phone = ""
        user.active = False
        user.end_sessions()
        user.marketing_consent = False
        user.reset_token_hash = None
        user.reset_token_expires = None
        user.set_password(secrets.token_urlsafe(32))  # nobody knows it: no log-in
        user.last_login_at = None
    session.flush()
    return result
