"""A "tell me when it is back" request: a signed-in shopper asks on a sold-out product's page;
when a change makes it sellable again (a recount, units received, a cancelled order
giving its units back), the shopper gets one e-mail, written to the outbox in the
same transaction as the change, whatever made it (a page, the API, a CSV import, a
scheduled command)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_app_context, has_request_context, url_for
from sqlalchemy import event
from sqlalchemy.orm import Session

from catalog import stock
from catalog.db import utcnow
from catalog.models import Product
from storefront.extensions import db
from storefront.mailer import queue_mail


def product_url(product: Product, language: str) -> str:
    """The product page in the shopper's language."""
    if has_request_context():
        return url_for("shop.product", slug=product.slug, lang_code=language, _external=True)
    base = str(current_app.config.get("PUBLIC_URL", "http://127.0.0.1:5000")).rstrip("/")
    return f"{base}/{language}/p/{product.slug}"


def send_due(session: Session, *, limit: int = 500) -> int:
    """Queue the e-mail of every request whose product can be bought again; returns
    how many."""
    now = utcnow()
    alerts = stock.due_alerts(session, limit=limit)
    for alert in alerts:
        product = alert.product
        queue_mail(
            alert.email,
            "back_in_stock",
            language=alert.language,
            topic=f"product:{product.id}:back_in_stock",
            product=product,
            title=product.title(alert.language),
            link=product_url(product, alert.language),
        )
        alert.sent_at = now
    return len(alerts)


def _before_commit(session: Session) -> None:
    if session.info.pop(stock.BACK_IN_STOCK, False) and has_app_context():
        send_due(session)


def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(stock.BACK_IN_STOCK, None)


def init_app(app: Flask) -> None:
    if not event.contains(db.session, "before_commit", _before_commit):
        event.listen(db.session, "before_commit", _before_commit)
        event.listen(db.session, "after_soft_rollback", _after_rollback)
