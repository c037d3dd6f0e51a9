"""Mail to a cooperative: one message to each active member, in their language (or to
the cooperative's own address when it has no member account yet)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from catalog.models import Cooperative
from orders.accounts import Role, User
from storefront.extensions import db
from storefront.mailer import queue_mail


def notify_cooperative(coop: Cooperative, template: str, *, topic: str, **context: Any) -> int:
    """Queue ``mail/<template>.txt`` for the members of ``coop``; returns how many."""
    members = db.session.scalars(
        select(User)
        .where(User.cooperative_id == coop.id, User.role == Role.COOPERATIVE, User.active.is_(True))
        .order_by(User.id)
    ).all()
    recipients = [(m.email, m.language) for m in members]
    if not recipients and coop.email:
        recipients = [(coop.email, "fr")]
    for email, language in recipients:
        queue_mail(email, template, language=language, topic=topic, coop=coop, **context)
    return len(recipients)
