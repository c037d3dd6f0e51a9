"""Mail written in the recipient's language from templates, into the outbox."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from flask import current_app, g, render_template, render_template_string
from flask_babel import force_locale

from catalog import safe_text
from catalog.notifications import Attachment, HeaderTextError, OutboxMessage, enqueue_email
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


def render_mail(template: str, *, language: str, **context: Any) -> tuple[str, str, str]:
    """``mail/<template>.txt`` (first line: subject) in ``language``, and its HTML
    alternative: the same text in the mail layout. Returns (subject, text, html)."""
    language = language if language in LANGUAGES else "fr"
    name = f"mail/{template}.txt"
    with in_language(language), force_locale(FORMAT_LOCALES[language]):
        text = render_template(name, mail_lang=language, **context)
        # the subject is the template's first line: rendered alone, so a line break in
        # a value (a name) cannot move the rest of the subject into the body
        env = current_app.jinja_env
        first_line = env.loader.get_source(env, name)[0].partition("\n")[0]  # type: ignore[union-attr]
        subject = render_template_string(first_line, mail_lang=language, **context)
        body = text.removeprefix(subject).partition("\n")[2].strip() + "\n"
        subject = header_text(subject)
        html = render_template(
            "mail/_layout.html", mail_lang=language, subject=subject, paragraphs=_paragraphs(body)
        )
    return subject, body, html


def _paragraphs(body: str) -> list[list[str]]:
    """Blocks separated by blank lines, each a list of lines."""
    blocks: list[list[str]] = [[]]
    for line in body.splitlines():
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def queue_mail(
    to: str,
    template: str,
    *,
    language: str,
    topic: str = "",
    attachments: Sequence[Attachment] = (),
    **context: Any,
) -> OutboxMessage:
    """Render ``mail/<template>.txt`` in ``language`` as text and HTML, and add the
    message, with its ``attachments``, to the outbox of the current transaction.

    :raises HeaderTextError: ``to`` holds a control character."""
    if not safe_text.is_header_safe(to):
        raise HeaderTextError("to")
    language = language if language in LANGUAGES else "fr"
    subject, text, html = render_mail(template, language=language, **context)
    return enqueue_email(
        db.session,
        to=to,
        subject=subject,
        body_text=text,
        body_html=html,
        language=language,
        topic=topic,
        domain=str(current_app.config.get("MAIL_DOMAIN", "taawun.ma")),
        attachments=attachments,
    )
