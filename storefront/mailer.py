"""Mail written in the recipient's language from templates, into the outbox."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import force_locale

from orders.mail import OutboxMessage, enqueue
from storefront.config import FORMAT_LOCALES, LANGUAGES
from storefront.extensions import db


def queue_mail(
    to: str, template: str, *, language: str, topic: str = "", **context: Any
) -> OutboxMessage:
    """Render ``mail/<template>.txt`` (first line: subject) and ``.html`` if present,
    in ``language``, and add the message to the outbox of the current transaction."""
    language = language if language in LANGUAGES else "fr"
    with force_locale(FORMAT_LOCALES[language]):
        text = render_template(f"mail/{template}.txt", mail_lang=language, **context)
    subject, _, body = text.partition("\n")
    return enqueue(
        db.session,
        to=to,
        subject=subject.strip(),
        body_text=body.strip() + "\n",
        language=language,
        topic=topic,
    )
