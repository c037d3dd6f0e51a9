"""One-time codes sent by text message, to prove that a person holds a phone: before
a large or first cash-on-delivery order from that phone, and before a guest reads or
erases the personal data of an order placed with it.

A code has six digits, lives ten minutes and allows five tries; a phone receives at
most three codes of a kind per hour (nobody can use the marketplace to flood a phone
with text messages). Only a salted hash of the code is stored. The caller sends the
text (in the person's language) through the outbox, in the same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Index, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalog.db import Base

LIFETIME = timedelta(minutes=10)
MAX_TRIES = 5
MAX_PER_HOUR = 3
DIGITS = 6


class Purpose(StrEnum):
    CASH_ON_DELIVERY = "cod"
    PRIVACY = "privacy"


class Check(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # tries remain
    LOCKED = "locked"  # too many tries: ask for a new code
    EXPIRED = "expired"  # none alive for this phone and subject: ask for a new code


class OneTimeCode(Base):
    __tablename__ = "catalog_one_time_code"
    __table_args__ = (Index("ix_catalog_one_time_code_phone", "phone", "purpose", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[Purpose] = mapped_column(String(10))
    #: the phone the code was sent to, in E.164
    phone: Mapped[str] = mapped_column(String(20))
    #: what the code unlocks: a checkout's token, an order number
    subject: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    tries: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


@dataclass(frozen=True, slots=True)
class Issued:
    """``code`` is None when the phone had too many codes this hour (nothing to send)."""

    code: str | None


def _hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def issue(session: Session, *, purpose: Purpose, phone: str, subject: str, now: datetime) -> Issued:
    """A new code for ``phone`` and ``subject``; the earlier ones for the same subject
    stop working. Send ``Issued.code`` to the phone."""
    sent = session.scalar(
        select(func.count(OneTimeCode.id)).where(
            OneTimeCode.phone == phone,
            OneTimeCode.purpose == purpose,
            OneTimeCode.created_at > now - timedelta(hours=1),
        )
    )
    if (sent or 0) >= MAX_PER_HOUR:
        return Issued(code=None)
    for earlier in _alive(session, purpose, phone, subject, now):
        earlier.expires_at = now
    code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    salt = secrets.token_hex(16)
    session.add(
        OneTimeCode(
            purpose=purpose,
            phone=phone,
            subject=subject,
            salt=salt,
            code_hash=_hash(salt, code),
            tries=0,
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    session.flush()
    return Issued(code=code)


def _alive(
    session: Session, purpose: Purpose, phone: str, subject: str, now: datetime
) -> list[OneTimeCode]:
    return list(
        session.scalars(
            select(OneTimeCode).where(
                OneTimeCode.purpose == purpose,
                OneTimeCode.phone == phone,
                OneTimeCode.subject == subject,
                OneTimeCode.used_at.is_(None),
                OneTimeCode.expires_at > now,
            )
        )
    )


def check(
    session: Session, *, purpose: Purpose, phone: str, subject: str, code: str, now: datetime
) -> Check:
    """Whether ``code`` is the live code for ``phone`` and ``subject``; a right code is
    used up, a wrong one counts a try (the fifth wrong try locks the code)."""
    alive = _alive(session, purpose, phone, subject, now)
    if not alive:
        return Check.EXPIRED
    current = max(alive, key=lambda c: c.created_at)
    if current.tries >= MAX_TRIES:
        return Check.LOCKED
    given = "".join(code.split())
    if hmac.compare_digest(_hash(current.salt, given), current.code_hash):
        current.used_at = now
        session.flush()
        return Check.OK
    current.tries += 1
    session.flush()
    return Check.LOCKED if current.tries >= MAX_TRIES else Check.WRONG
