"""Mail written in the recipient's language from templates, into the outbox."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, render_template_string
from flask_babel import force_locale

from catalog import safe_text
from orders.mail import OutboxMessage, enqueue
from storefront.config import FORMAT_LOCALES, LANGUAGES
from storefront.extensions import db


def header_text(text: str) -> str:
    """``text`` fit for an e-mail header: forms refuse control and direction characters,
    but text stored before they did, or by another way in, is checked again here:
    each such character becomes a space, so nothing can start a new header line."""
    text = text.strip()
    if safe_text.is_header_safe(text):
        return text
    return " ".join("".join(" " if safe_text.text_problem(ch) else ch for ch in text).split())


def queue_mail(
    to: str, template: str, *, language: str, topic: str = "", **context: Any
) -> OutboxMessage:
    """Render ``mail/<template>.txt`` (first line: subject) and ``.html`` if present,
    in ``language``, and add the message to the outbox of the current transaction."""
    if not safe_text.is_header_safe(to):
        raise ValueError("refusing a recipient address with control characters")
    language = language if language in LANGUAGES else "fr"
    name = f"mail/{template}.txt"
    with force_locale(FORMAT_LOCALES[language]):
        text = render_template(name, mail_lang=language, **context)
        # the subject is the template's first line: rendered alone, so a line break in
        # a value (a name) cannot move the rest of the subject into the body
        env = current_app.jinja_env
        first_line = env.loader.get_source(env, name)[0].partition("\n")[0]  # type: ignore[union-attr]
        subject = render_template_string(first_line, mail_lang=language, **context)
    body = text.removeprefix(subject).partition("\n")[2]
    return enqueue(
        db.session,
        to=to,
        subject=header_text(subject),
        body_text=body.strip() + "\n",
        language=language,
        topic=topic,
    )
