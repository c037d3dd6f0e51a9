"""Personal API tokens: how a partner's program acts for a cooperative, an
organisation or a shopper through the JSON API.

A member creates a token in the back office and sees it once: ``taw_<prefix>_<secret>``.
Only its SHA-256 is stored, with the short public ``prefix`` to find the row; a
database leak gives no usable token. A token acts for the party its creator belonged to
when it was made, and stops working when it is revoked, expires, or its creator leaves
that party or is deactivated.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from catalog.accounts.users import Role, User
from catalog.db import Base, utcnow

PREFIX = "taw_"
MAX_ACTIVE_TOKENS = 10
MAX_NAME_LENGTH = 80
#: how often ``last_used_at`` is written (not at every call)
LAST_USED_RESOLUTION = timedelta(minutes=5)


class TokenError(Exception):
    """A token that cannot be made: ``code`` is ``name_required``, ``name_too_long``,
    ``too_many_tokens`` or ``role_not_allowed``; ``data`` explains."""

    def __init__(self, code: str, **data: Any) -> None:
        self.code = code
        self.data = data
        super().__init__(code, data)


class ApiToken(Base):
    __tablename__ = "orders_api_token"
    __table_args__ = (
        CheckConstraint(
            "cooperative_id IS NULL OR organisation_id IS NULL", name="one_party_at_most"
        ),
        Index("ix_orders_api_token_user", "user_id", "revoked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))
    #: public, random, shown in lists and logs: finds the row
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    #: SHA-256 (hex) of the whole token
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("orders_user.id"))
    cooperative_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_cooperative.id"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders_organisation.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def role(self) -> Role:
        if self.cooperative_id is not None:
            return Role.COOPERATIVE
        if self.organisation_id is not None:
            return Role.ORGANISATION
        return Role.SHOPPER


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: ApiToken
    #: the token itself, to show once; never stored
    secret: str


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _party(user: User) -> dict[str, int | None]:
    return {"cooperative_id": user.cooperative_id, "organisation_id": user.organisation_id}


def _party_filter(user: User) -> Any:
    if user.cooperative_id is not None:
        return ApiToken.cooperative_id == user.cooperative_id
    if user.organisation_id is not None:
        return ApiToken.organisation_id == user.organisation_id
    return (
        (ApiToken.user_id == user.id)
        & ApiToken.cooperative_id.is_(None)
        & (ApiToken.organisation_id.is_(None))
    )


def tokens_for(session: Session, user: User) -> list[ApiToken]:
    """The tokens of the user's party (their cooperative's, their organisation's, or
    their own as a shopper), newest first, revoked ones included."""
    return list(
        session.scalars(select(ApiToken).where(_party_filter(user)).order_by(ApiToken.id.desc()))
    )


def find_for(session: Session, user: User, token_id: int) -> ApiToken | None:
    """One token of the user's party, or None (another party's token is not found)."""
    return session.scalar(select(ApiToken).where(ApiToken.id == token_id, _party_filter(user)))


def issue_token(
    session: Session,
    user: User,
    name: str,
    *,
    now: datetime,
    expires_at: datetime | None = None,
) -> IssuedToken:
    """A new token for the user's party.

    :raises TokenError: ``name_required``, ``name_too_long``, ``too_many_tokens``
        (``max``) or ``role_not_allowed`` (operators use the console, not tokens).
    """
    name = name.strip()
    if user.role == Role.OPERATOR:
        raise TokenError("role_not_allowed", role=str(user.role))
    if not name:
        raise TokenError("name_required")
    if len(name) > MAX_NAME_LENGTH:
        raise TokenError("name_too_long", max=MAX_NAME_LENGTH)
    active = session.scalar(
        select(func.count(ApiToken.id)).where(
            _party_filter(user),
            ApiToken.revoked_at.is_(None),
            (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now),
        )
    )
    if int(active or 0) >= MAX_ACTIVE_TOKENS:
        raise TokenError("too_many_tokens", max=MAX_ACTIVE_TOKENS)
    prefix = secrets.token_hex(4)
    secret = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        name=name,
        prefix=prefix,
        token_hash=digest(secret),
        user_id=user.id,
        created_at=now,
        expires_at=expires_at,
        **_party(user),
    )
    session.add(token)
    session.flush()
    return IssuedToken(token, secret)


def revoke_token(token: ApiToken, *, now: datetime) -> None:
    """Stop a token at once (revoking twice keeps the first date)."""
    if token.revoked_at is None:
        token.revoked_at = now


def authenticate(session: Session, raw: str, *, now: datetime) -> ApiToken | None:
    """The active token ``raw`` is, or None — malformed, unknown, revoked, expired, or
    whose creator is inactive or no longer a member of the token's party. Compares
    digests in constant time."""
    raw = raw.strip()
    if not raw.startswith(PREFIX) or len(raw) > 120:
        return None
    prefix, _, rest = raw[len(PREFIX) :].partition("_")
    if not prefix or not rest:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    if token is None or not hmac.compare_digest(token.token_hash, digest(raw)):
        return None
    user = token.user
    if not token.is_active(now) or not user.active:
        return None
    if (user.cooperative_id, user.organisation_id) != (
        token.cooperative_id,
        token.organisation_id,
    ):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token
