"""Telling people: each party (from :mod:`orders.recipients`) is sent the message
rendered in each contact's language, by e-mail (text + HTML) or by text message (the
subject and the link). A party nobody can reach becomes an operator task on the
order desk."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask
from flask_babel import gettext as _

from catalog import one_time_codes
from catalog.db import utcnow
from catalog.notifications import Attachment, Channel, enqueue_sms, open_task
from catalog.one_time_codes import Purpose
from orders.recipients import Party
from storefront.extensions import db
from storefront.i18n import current_language
from storefront.mailer import queue_mail, render_mail
from storefront.notifications.channels import (
    ConsoleChannel,
    InfobipSms,
    SmsChannel,
    SmtpChannel,
)
from storefront.notifications.sender import Sender


def tell(
    party: Party,
    template: str,
    *,
    topic: str,
    link: str = "",
    order_number: str = "",
    files: Callable[[str], Sequence[Attachment]] | None = None,
    **context: Any,
) -> int:
    """Queue ``mail/<template>.txt`` for every contact of ``party``; returns how many
    messages. An e-mail carries ``files(language)`` (made in each contact's language;
    a text message has only the link). With no contact, opens an operator task
    instead and returns 0."""
    if not party.contacts:
        subject, _, _ = render_mail(template, language="fr", link=link, **context)
        open_task(
            db.session,
            kind="no_contact",
            party_type=party.kind,
            party_id=party.id,
            party_name=party.name,
            summary=subject,
            topic=topic,
            order_number=order_number,
            now=utcnow(),
        )
        return 0
    for contact in party.contacts:
        if contact.channel == Channel.SMS:
            subject, _, _ = render_mail(template, language=contact.language, link=link, **context)
            enqueue_sms(
                db.session,
                to=contact.address,
                text=f"Taawun: {subject}" + (f" {link}" if link else ""),
                language=contact.language,
                topic=topic,
            )
        else:
            queue_mail(
                contact.address,
                template,
                language=contact.language,
                topic=topic,
                attachments=files(contact.language) if files is not None else (),
                link=link,
                **context,
            )
    return len(party.contacts)


def channels_from_config(app: Flask) -> dict[Channel, Sender]:
    """E-mail over SMTP (``MAIL_SERVER`` …) or to the console (``MAIL_BACKEND=console``);
    text messages through Infobip when ``SMS_API_BASE`` and ``SMS_API_KEY`` are set
    (otherwise they wait in the outbox)."""
    config = app.config
    sender = config.get("MAIL_SENDER", "Taawun <no-reply@taawun.ma>")
    channels: dict[Channel, Sender] = {}
    if config.get("MAIL_BACKEND", "smtp") == "console":
        channels[Channel.EMAIL] = ConsoleChannel(sender=sender)
    else:
        channels[Channel.EMAIL] = SmtpChannel(
            config.get("MAIL_SERVER", "localhost"),
            int(config.get("MAIL_PORT", 25)),
            sender=sender,
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
            starttls=bool(config.get("MAIL_STARTTLS", False)),
        )
    if config.get("SMS_API_BASE") and config.get("SMS_API_KEY"):
        channels[Channel.SMS] = SmsChannel(
            InfobipSms(
                str(config["SMS_API_BASE"]),
                str(config["SMS_API_KEY"]),
                sender=str(config.get("SMS_SENDER", "Taawun")),
            )
        )
    return channels


def can_text(app: Flask) -> bool:
    """Whether text messages leave the outbox (an SMS provider is configured)."""
    return Channel.SMS in channels_from_config(app)


def send_code(purpose: Purpose, *, phone: str, subject: str) -> bool:
    """Queue a new one-time code to ``phone`` by text message, in the visitor's
    language. False when the phone received too many codes this hour (nothing sent)."""
    issued = one_time_codes.issue(
        db.session, purpose=purpose, phone=phone, subject=subject, now=utcnow()
    )
    if issued.code is None:
        return False
    enqueue_sms(
        db.session,
        to=phone,
        text=_(
            "Taawun: your code is %(code)s. It expires in 10 minutes. Never give it to anyone.",
            code=issued.code,
        ),
        language=current_language(),
        topic=f"code:{purpose}",
    )
    return True
