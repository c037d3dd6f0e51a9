"""People and organisations who use the marketplace.

A :class:`User` is a shopper, a member of one cooperative, a member of one
organisation (an NGO or institution that orders in bulk), or an operator. Every
account is made by :func:`register_user`. Passwords are hashed with Argon2id and are
at least :data:`MIN_PASSWORD_LENGTH` characters long. The class offers the four
attributes Flask-Login expects (``is_authenticated``, ``is_active``, ``is_anonymous``,
``get_id``) without importing it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from catalog.db import Base, utcnow
from catalog.errors import AccountExists, FieldProblem, InvalidInput
from catalog.models import Cooperative

_hasher = PasswordHasher()
RESET_TOKEN_TTL = timedelta(hours=2)
MIN_PASSWORD_LENGTH = 10


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the account does not exist, so that a login for an
    unknown e-mail takes as long as one for a known e-mail (no user enumeration by
    timing). Made on first use, not when the module is imported."""
    return _hasher.hash(secrets.token_urlsafe(16))


class Role(StrEnum):
    SHOPPER = "shopper"
    COOPERATIVE = "cooperative"  # member of one cooperative
    ORGANISATION = "organisation"  # member of one NGO / institution
    OPERATOR = "operator"  # runs the marketplace


class OrganisationStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    SUSPENDED = "suspended"


class Organisation(Base):
    """An NGO or institution that orders in bulk (solidarity baskets, uniforms)."""

    __tablename__ = "orders_organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30), default="ngo")  # ngo | institution | company
    registration_number: Mapped[str] = mapped_column(String(80), default="")
    ice: Mapped[str | None] = mapped_column(String(15))
    region_code: Mapped[str] = mapped_column(String(2), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[OrganisationStatus] = mapped_column(
        String(20), default=OrganisationStatus.PENDING
    )
    status_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_at: Mapped[datetime | None]

    @property
    def is_verified(self) -> bool:
        return self.status == OrganisationStatus.VERIFIED


class User(Base):
    __tablename__ = "orders_user"
    __table_args__ = (
        CheckConstraint(
            "(role = 'cooperative') = (cooperative_id IS NOT NULL)", name="cooperative_member"
        ),
        CheckConstraint(
            "(role = 'organisation') = (organisation_id IS NOT NULL)", name="organisation_member"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")  # E.164, +212...
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(String(20), default=Role.SHOPPER)
    cooperative_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_cooperative.id"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders_organisation.id"), index=True
    )
    language: Mapped[str] = mapped_column(String(5), default="fr")
    marketing_consent: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    reset_token_hash: Mapped[str | None] = mapped_column(String(64))
    reset_token_expires: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    #: bumped to end every session and remember-me cookie of the account at once
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    cooperative: Mapped[Cooperative | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    # -- Flask-Login protocol ---------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What sessions and remember-me cookies carry: the id and the session epoch, so
        :meth:`end_sessions` makes every one of them worthless."""
        return f"{self.id}:{self.session_epoch}"

    def end_sessions(self) -> None:
        """Sign out of every device: sessions and remember-me cookies issued so far no
        longer open the account. Done on request, on a new password, on deactivation
        and on erasure."""
        self.session_epoch = (self.session_epoch or 0) + 1

    # -- passwords ----------------------------------------------------------------
    def set_password(self, password: str) -> None:
        """:raises InvalidInput: ``password`` ``too_short`` (``min``)."""
        hashed = hash_password(password)
        if self.password_hash:  # a new password ends the sessions made with the old one
            self.end_sessions()
        self.password_hash = hashed

    def check_password(self, password: str) -> bool:
        try:
            ok = _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if ok and _hasher.check_needs_rehash(self.password_hash):
            self.password_hash = _hasher.hash(password)  # the same password: sessions stay
        return ok


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def hash_password(password: str) -> str:
    """The stored form of an acceptable password (Argon2, salted).

    :raises InvalidInput: ``password`` ``too_short`` (``min``).
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput([FieldProblem("password", "too_short", {"min": MIN_PASSWORD_LENGTH})])
    return _hasher.hash(password)


@dataclass(frozen=True)
class NewUser:
    """What a person gives to open an account."""

    email: str
    password: str
    name: str = ""
    phone: str = ""
    language: str = "fr"
    marketing_consent: bool = False


def register_user(
    session: Session,
    new: NewUser,
    *,
    role: Role = Role.SHOPPER,
    cooperative_id: int | None = None,
    organisation: Organisation | None = None,
    now: datetime,
    password_hash: str | None = None,
) -> User:
    """Open an account: a shopper, a member of a cooperative (``cooperative_id``) or of
    an organisation (``organisation``, perhaps new). Flushes. ``password_hash``, made by
    :func:`hash_password` from ``new.password``, spares hashing it again when many
    accounts open with one password (the demo's cooperatives).

    :raises AccountExists: the e-mail already has an account (the caller answers
        without saying so to the person typing).
    :raises InvalidInput: ``password`` ``too_short``.
    """
    email = normalise_email(new.email)
    if find_user(session, email) is not None:
        raise AccountExists(email=email)
    user = User(
        email=email,
        name=new.name,
        phone=new.phone,
        role=role,
        cooperative_id=cooperative_id,
        organisation=organisation,
        language=new.language,
        marketing_consent=new.marketing_consent,
        created_at=now,
    )
    if password_hash is None:
        user.set_password(new.password)
    else:
        user.password_hash = password_hash
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str, *, now: datetime) -> User | None:
    """The active user with these credentials, or None. Takes the same time whether or
    not the e-mail exists."""
    user = find_user(session, email)
    if user is None:
        try:
            _hasher.verify(_dummy_hash(), password)
        except VerificationError:
            pass
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = now
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_reset_token(user: User, *, now: datetime) -> str:
    """A single-use password-reset token; only its SHA-256 is stored."""
    token = secrets.token_urlsafe(32)
    user.reset_token_hash = _digest(token)
    user.reset_token_expires = now + RESET_TOKEN_TTL
    return token


def reset_password(session: Session, token: str, password: str, *, now: datetime) -> User | None:
    """Set a new password if ``token`` is valid and unexpired; the token is then spent."""
    if not token:
        return None
    user = session.scalar(select(User).where(User.reset_token_hash == _digest(token)))
    if user is None or user.reset_token_expires is None or user.reset_token_expires < now:
        return None
    user.set_password(password)
    user.reset_token_hash = None
    user.reset_token_expires = None
    return user
