"""Messages to a cooperative: one to each active member, in their language (or to the
cooperative's own e-mail, else its phone, when it has no member account yet; an
operator task when it has none of these)."""

from __future__ import annotations

from typing import Any

from catalog.models import Cooperative
from orders import recipients
from storefront.extensions import db
from storefront.notifications import tell


def notify_cooperative(coop: Cooperative, template: str, *, topic: str, **context: Any) -> int:
    """Queue ``mail/<template>.txt`` for ``coop``; returns how many messages."""
    return tell(
        recipients.cooperative(db.session, coop), template, topic=topic, coop=coop, **context
    )
