"""Outgoing mail: messages are written to an outbox table in the caller's transaction
(so a rolled-back order sends nothing) and sent later by :func:`send_pending`
(``flask mail send``) through an SMTP transport."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from enum import StrEnum

from sqlalchemy import Index, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalog.db import Base, utcnow

MAX_ATTEMPTS = 5


class MailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS


class OutboxMessage(Base):
    __tablename__ = "orders_outbox_message"
    __table_args__ = (Index("ix_orders_outbox_message_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5), default="fr")
    #: what the message is about, e.g. "order:TW-7K3-9QX:placed", for tests and support
    topic: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[MailStatus] = mapped_column(String(10), default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


def enqueue(
    session: Session,
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    language: str = "fr",
    topic: str = "",
) -> OutboxMessage:
    message = OutboxMessage(
        to=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        language=language,
        topic=topic,
    )
    session.add(message)
    return message


class SmtpTransport:
    """Sends through an SMTP server (STARTTLS and login when configured)."""

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls, self.timeout = (
            username,
            password,
            starttls,
            timeout,
        )

    def __call__(self, message: OutboxMessage) -> None:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email.set_content(message.body_text)
        if message.body_html:
            email.add_alternative(message.body_html, subtype="html")
        email["Content-Language"] = message.language  # after set_content, which resets Content-*
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(email)


def send_pending(
    session: Session,
    transport: Callable[[OutboxMessage], None],
    *,
    now: datetime,
    limit: int = 100,
) -> tuple[int, int]:
    """Send up to ``limit`` pending messages, oldest first. A message that fails is
    retried on the next run, up to :data:`MAX_ATTEMPTS`. Returns (sent, failed)."""
    sent = failed = 0
    pending = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == MailStatus.PENDING)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    for message in pending:
        message.attempts += 1
        try:
            transport(message)
        except (OSError, smtplib.SMTPException) as exc:
            failed += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = MailStatus.FAILED
            continue
        message.status = MailStatus.SENT
        message.sent_at = now
        sent += 1
    session.flush()
    return sent, failed
