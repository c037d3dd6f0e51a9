"""Telling people: each party (from :mod:`orders.recipients`) is sent the message
rendered in each contact's language, by e-mail (text + HTML) or by text message (the
subject and the link). A party nobody can reach becomes an operator task on the
order desk."""

from __future__ import annotations

from typing import Any

from flask import Flask

from catalog.db import utcnow
from catalog.notifications import Channel, enqueue_sms, open_task
from orders.recipients import Party
from storefront.extensions import db
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
    **context: Any,
) -> int:
    """Queue ``mail/<template>.txt`` for every contact of ``party``; returns how many
    messages. With no contact, opens an operator task instead and returns 0."""
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
