"""Mail to a cooperative: one message to each active member, in their language (or to
the cooperative's own address when it has no member account yet)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import g
from sqlalchemy import select

from catalog.accounts.users import Role, User
from catalog.models import Cooperative
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
        with in_language(language):
            queue_mail(email, template, language=language, topic=topic, coop=coop, **context)
    return len(recipients)


@contextmanager
def in_language(lang: str) -> Iterator[None]:
    """Format dates and money in the recipient's language, whoever's request this is
    (the Jinja filters read ``g.lang``)."""
    had, previous = "lang" in g, g.get("lang")
    g.lang = lang
    try:
        yield
    finally:
        if had:
            g.lang = previous
        else:
            g.pop("lang", None)
