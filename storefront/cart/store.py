"""Where the current visitor's cart lives: in the signed session cookie for a guest
(a short list of ``[product_id, quantity]``), in the database for a logged-in user.
A guest's cart is merged into the saved one at login."""

from __future__ import annotations

from typing import Any

from flask import Flask, session
from flask_login import current_user, user_logged_in

from orders import cart
from storefront.extensions import db

SESSION_KEY = "cart"
COUNT_KEY = "cart_n"


def _user_id() -> int | None:
    return int(current_user.id) if current_user.is_authenticated else None


def items() -> cart.Items:
    user_id = _user_id()
    if user_id is not None:
        return cart.load(db.session, user_id)
    return cart.from_session(session.get(SESSION_KEY))


def save(new: cart.Items) -> None:
    """Keep ``new`` as the visitor's cart (the caller commits for a logged-in user)."""
    user_id = _user_id()
    if user_id is not None:
        cart.save(db.session, user_id, new)
        session.pop(SESSION_KEY, None)
    else:
        session[SESSION_KEY] = cart.to_session(new)
    session[COUNT_KEY] = cart.count(new)


def clear() -> None:
    save({})


def _merge_on_login(sender: Any, user: Any, **extra: Any) -> None:
    guest = cart.from_session(session.pop(SESSION_KEY, None))
    saved = cart.load(db.session, user.id)
    merged = cart.merge(saved, guest)
    if guest:
        cart.save(db.session, user.id, merged)
        db.session.commit()
    session[COUNT_KEY] = cart.count(merged)


def init_app(app: Flask) -> None:
    user_logged_in.connect(_merge_on_login, app)
