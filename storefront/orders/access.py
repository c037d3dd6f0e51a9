"""Who may see an order: its account holder, an operator, or a guest in whose
browser session the order was placed or tracked (order number + phone)."""

from __future__ import annotations

from flask import session
from flask_login import current_user

from catalog.accounts.users import Role
from orders.models import Order

SESSION_KEY = "orders_seen"
REMEMBERED = 20


def remember(number: str) -> None:
    seen = [n for n in session.get(SESSION_KEY, []) if isinstance(n, str) and n != number]
    session[SESSION_KEY] = [number, *seen][:REMEMBERED]


def seen(number: str) -> bool:
    remembered = session.get(SESSION_KEY, [])
    return isinstance(remembered, list) and number in remembered


def can_view(order: Order) -> bool:
    if current_user.is_authenticated:
        if current_user.role == Role.OPERATOR:
            return True
        if order.user_id is not None and order.user_id == current_user.id:
            return True
    return seen(order.number)
