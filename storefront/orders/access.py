"""Who may see an order: its account holder, an operator, or a guest in whose
browser session the order was placed or tracked (order number + phone)."""

from __future__ import annotations

from flask import session
from flask_login import current_user
from sqlalchemy import ColumnElement, false, or_

from catalog.accounts.users import Role
from orders.models import Order

SESSION_KEY = "orders_seen"
REMEMBERED = 20


def remember(number: str) -> None:
    seen = [n for n in session.get(SESSION_KEY, []) if isinstance(n, str) and n != number]
    session[SESSION_KEY] = [number, *seen][:REMEMBERED]


def _remembered() -> list[str]:
    numbers = session.get(SESSION_KEY, [])
    return [n for n in numbers if isinstance(n, str)] if isinstance(numbers, list) else []


def visible() -> ColumnElement[bool]:
    """The orders the visitor may see, as a condition of the query that looks the
    number up. The lookup is then the same single query whether the number exists or
    not, and a stranger's answer is the same "not found" in the same time: nothing
    about other people's orders is loaded before the visitor's right is known."""
    if current_user.is_authenticated and current_user.role == Role.OPERATOR:
        return Order.id.is_not(None)
    allowed: list[ColumnElement[bool]] = []
    remembered = _remembered()
    if remembered:
        allowed.append(Order.number.in_(remembered))
    if current_user.is_authenticated:
        allowed.append(Order.user_id == current_user.id)
    return or_(*allowed) if allowed else false()
