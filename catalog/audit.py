"""The audit log: who changed what, and when.

Every use case that changes a cooperative's data or an operator decision calls
:func:`record` in the caller's transaction, so a change and its entry are committed
(or rolled back) together. Actors are user ids (:mod:`catalog.accounts.users`) with the
e-mail copied at the time, so the log survives an account's deletion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalog.db import Base


class AuditEntry(Base):
    __tablename__ = "catalog_audit_entry"
    __table_args__ = (
        Index("ix_catalog_audit_entry_cooperative", "cooperative_id", "id"),
        Index("ix_catalog_audit_entry_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    #: the user who acted; None for the system (a scheduled command) or an account
    #: since deleted (``actor_email`` still says who)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("orders_user.id", ondelete="SET NULL"))
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    #: dotted verb, e.g. "product.update", "certificate.verify"
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    #: the cooperative the object belongs to, so a cooperative can read its own log
    cooperative_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a user (id and e-mail), or the system when ``id`` is None."""

    id: int | None
    email: str = ""


#: scheduled commands act as the system
SYSTEM = Actor(None)


def _plain(value: Any) -> Any:
    """A JSON-safe copy of ``value`` (enums by value, dates in ISO format)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return value


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    object_type: str,
    object_id: int | None,
    now: datetime,
    cooperative_id: int | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry to the log (in the caller's transaction)."""
    entry = AuditEntry(
        at=now,
        actor_id=actor.id,
        actor_email=actor.email,
        action=action,
        object_type=object_type,
        object_id=object_id,
        cooperative_id=cooperative_id,
        details=_plain(dict(details or {})),
    )
    session.add(entry)
    return entry


def record_cooperative(
    session: Session,
    actor: Actor,
    action: str,
    cooperative_id: int,
    *,
    now: datetime,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """An entry about a cooperative itself (its registration, profile, claims or
    status): ``cooperative.<action>``."""
    return record(
        session,
        actor,
        f"cooperative.{action}",
        object_type="cooperative",
        object_id=cooperative_id,
        cooperative_id=cooperative_id,
        now=now,
        details=details,
    )


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value differs."""
    return {
        name: [_plain(before.get(name)), _plain(value)]
        for name, value in after.items()
        if before.get(name) != value
    }


def entries(
    session: Session,
    *,
    cooperative_id: int | None = None,
    action_prefixes: Sequence[str] = (),
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[AuditEntry], int]:
    """A page of the log, newest first, and the total number of matching entries;
    ``action_prefixes``: only actions that start with one of them (``"order."``...)."""
    stmt = select(AuditEntry)
    count = select(func.count(AuditEntry.id))
    if cooperative_id is not None:
        stmt = stmt.where(AuditEntry.cooperative_id == cooperative_id)
        count = count.where(AuditEntry.cooperative_id == cooperative_id)
    if action_prefixes:
        kind = or_(*(AuditEntry.action.startswith(p, autoescape=True) for p in action_prefixes))
        stmt = stmt.where(kind)
        count = count.where(kind)
    page = max(1, page)
    rows = session.scalars(
        stmt.order_by(AuditEntry.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(rows), int(session.scalar(count) or 0)
