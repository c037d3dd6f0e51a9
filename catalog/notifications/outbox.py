"""The outbox: e-mails and text messages are written in the caller's transaction (so a
rolled-back order tells nobody anything) and sent later, one at a time.

A sender (``flask mail send``) repeats, each time in a transaction of its own::

    message = claim_next(session, after_id=last, now=now)   # locked for this sender
    try:
        provider_id = channel.send(message)
    except Exception as exc:
        record_failure(message, exc, now=now, max_attempts=5)
    else:
        record_sent(message, now=now, provider_id=provider_id)
    session.commit()

On PostgreSQL the claim is ``SELECT … FOR UPDATE SKIP LOCKED``: two senders running
at once each take different messages, and a message committed as sent is never
taken again. Elsewhere (SQLite, one writer at a time) a compare-and-set on the
status does the same. A message that fails counts an attempt and keeps its error;
after ``max_attempts`` it is dead and waits for the operator instead of blocking
the messages queued after it.

An e-mail may carry files (an invoice as PDF): they are kept with the message, so a
retry sends the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import make_msgid
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from catalog import safe_text
from catalog.db import Base, utcnow

DEFAULT_MAX_ATTEMPTS = 5
MAX_ERROR_LENGTH = 1000


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"  # failed max_attempts times: shown to the operator


class HeaderTextError(ValueError):
    """Text meant for a header (recipient, subject) holds a control character."""


class OutboxMessage(Base):
    __tablename__ = "notifications_outbox_message"
    __table_args__ = (Index("ix_notifications_outbox_message_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(String(10), default=Channel.EMAIL)
    #: an e-mail address, or a phone number in E.164 for a text message
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5), default="fr")
    #: what the message is about, e.g. "order:TW-7K3-9QX:placed", for tests and support
    topic: Mapped[str] = mapped_column(String(120), default="")
    #: the e-mail's Message-ID, fixed when queued so a retry is the same message
    message_id: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[OutboxStatus] = mapped_column(String(10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    #: the provider's id for a text message
    provider_ref: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    attachments: Mapped[list[OutboxAttachment]] = relationship(
        order_by="OutboxAttachment.id", cascade="all, delete-orphan", passive_deletes=True
    )


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file to send with an e-mail."""

    filename: str
    content_type: str
    content: bytes


class OutboxAttachment(Base):
    """A file an e-mail of the outbox carries; goes with its message."""

    __tablename__ = "notifications_outbox_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("notifications_outbox_message.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)


def _check_header(**fields: str) -> None:
    for name, value in fields.items():
        if not safe_text.is_header_safe(value):
            raise HeaderTextError(name)


def enqueue_email(
    session: Session,
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    language: str = "fr",
    topic: str = "",
    domain: str = "taawun.ma",
    attachments: Sequence[Attachment] = (),
) -> OutboxMessage:
    """Queue an e-mail, with the files in ``attachments``.

    :raises HeaderTextError: the recipient, the subject or a file's name or type holds
        a control character (input must have been refused before it got here).
    """
    _check_header(to=to, subject=subject)
    for file in attachments:
        _check_header(filename=file.filename, content_type=file.content_type)
    message = OutboxMessage(
        channel=Channel.EMAIL,
        to=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        language=language,
        topic=topic,
        message_id=make_msgid(domain=domain),
        status=OutboxStatus.PENDING,
        attempts=0,
        attachments=[
            OutboxAttachment(filename=f.filename, content_type=f.content_type, content=f.content)
            for f in attachments
        ],
    )
    session.add(message)
    return message


def enqueue_sms(
    session: Session, *, to: str, text: str, language: str = "fr", topic: str = ""
) -> OutboxMessage:
    """Queue a text message to ``to`` (E.164). The first line of ``text`` is kept as the
    subject, for the operator's list.

    :raises HeaderTextError: the number holds a control character.
    """
    _check_header(to=to)
    message = OutboxMessage(
        channel=Channel.SMS,
        to=to,
        subject=text.splitlines()[0][:300] if text else "",
        body_text=text,
        language=language,
        topic=topic,
        status=OutboxStatus.PENDING,
        attempts=0,
    )
    session.add(message)
    return message


def claim_next(
    session: Session,
    *,
    after_id: int = 0,
    channels: tuple[Channel, ...] = (Channel.EMAIL, Channel.SMS),
) -> OutboxMessage | None:
    """The oldest pending message after ``after_id``, locked for this transaction
    (skipped by any other sender), or None when there is none left.

    The caller sends it, records the outcome and commits before claiming the next.
    """
    while True:
        message_id = session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.id > after_id,
                OutboxMessage.channel.in_([str(c) for c in channels]),
            )
            .order_by(OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if message_id is None:
            return None
        # Compare-and-set: where the database has no row locks (SQLite) a sender that
        # read the row before another committed it as sent finds nothing to take.
        taken = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING)
            .values(attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            message = session.get(OutboxMessage, message_id, populate_existing=True)
            assert message is not None
            return message
        after_id = message_id


def record_sent(message: OutboxMessage, *, now: datetime, provider_ref: str = "") -> None:
    message.status = OutboxStatus.SENT
    message.sent_at = message.last_attempt_at = now
    message.provider_ref = provider_ref[:120]
    message.last_error = ""


def record_failure(
    message: OutboxMessage,
    error: BaseException,
    *,
    now: datetime,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> None:
    """Keep the error; after ``max_attempts`` the message is dead (the operator sees it
    and may send it again)."""
    message.last_error = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
    message.last_attempt_at = now
    if message.attempts >= max_attempts:
        message.status = OutboxStatus.DEAD


def retry(message: OutboxMessage) -> None:
    """The operator sends a dead message again: it is pending with fresh attempts."""
    if message.status == OutboxStatus.DEAD:
        message.status = OutboxStatus.PENDING
        message.attempts = 0


def dead_messages(session: Session, *, limit: int = 100) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.DEAD)
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(OutboxMessage.status)
    ).all()
    return {str(status): int(n) for status, n in rows}


def pending_count(session: Session, channel: Channel) -> int:
    return int(
        session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.channel == channel
            )
        )
        or 0
    )
