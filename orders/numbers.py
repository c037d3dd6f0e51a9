"""Order numbers people can read over the phone: ``TW-7K3-9QX``.

Six characters from an alphabet without look-alikes (no 0/O, 1/I/L), so 31**6 ≈ 887
million numbers; drawn with :mod:`secrets`, so they cannot be guessed from another
order's number. What a person types is normalised (case, spaces, dashes, the
``TW`` prefix optional) before it is looked up.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from orders.models import Order

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PREFIX = "TW"
LENGTH = 6


def generate(choice: Callable[[str], str] = secrets.choice) -> str:
    body = "".join(choice(ALPHABET) for _ in range(LENGTH))
    return f"{PREFIX}-{body[:3]}-{body[3:]}"


def normalise(text: str) -> str | None:
    """``" tw 7k3 9qx "`` → ``"TW-7K3-9QX"``; None when it cannot be an order number."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if compact.startswith(PREFIX) and len(compact) == LENGTH + len(PREFIX):
        compact = compact[len(PREFIX) :]
    if len(compact) != LENGTH or any(ch not in ALPHABET for ch in compact):
        return None
    return f"{PREFIX}-{compact[:3]}-{compact[3:]}"


def new_order_number(session: Session, choice: Callable[[str], str] = secrets.choice) -> str:
    """A number no order has yet (the unique constraint guards the rare race)."""
    while True:
        number = generate(choice)
        if session.scalar(select(Order.id).where(Order.number == number)) is None:
            return number
