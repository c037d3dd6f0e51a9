"""Claims that stay true: what a verified cooperative says about itself that buyers and
donors rely on (rural, women-led, its region and province, its members) changes only
once an operator has looked.

A verified cooperative that edits one of these fields in its profile proposes a
:class:`ClaimChange` with the evidence asked for; until an operator accepts it the
cooperative keeps its verified values everywhere — the public profile, the listings'
denormalised columns and the basket supply read the cooperative's row, which does not
change. Accepting applies the values (and refreshes the listings); refusing keeps them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from catalog import audit
from catalog.audit import Actor
from catalog.db import Base, utcnow
from catalog.errors import CatalogError
from catalog.models import Cooperative
from catalog.rules import cooperative_changed

#: the profile fields buyers and donors rely on
CLAIM_FIELDS = ("rural", "women_led", "region_code", "province_code", "members", "women_members")
MAX_EVIDENCE = 2000


class ClaimStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class ClaimChange(Base):
    """A verified cooperative's proposed change to its claims, awaiting an operator."""

    __tablename__ = "catalog_claim_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("catalog_cooperative.id"), index=True)
    status: Mapped[ClaimStatus] = mapped_column(String(20), default=ClaimStatus.PENDING)
    #: ``{field: value}`` as proposed, and the verified values it would replace
    proposed: Mapped[dict[str, Any]] = mapped_column(JSON)
    previous: Mapped[dict[str, Any]] = mapped_column(JSON)
    evidence: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("orders_user.id"))
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("orders_user.id"))
    review_note: Mapped[str] = mapped_column(Text, default="")

    cooperative: Mapped[Cooperative] = relationship()

    def diff(self) -> list[tuple[str, Any, Any]]:
        """``(field, verified value, proposed value)`` in the order of the fields."""
        return [
            (f, self.previous.get(f), self.proposed[f]) for f in CLAIM_FIELDS if f in self.proposed
        ]


class ClaimNotPending(CatalogError):
    code = "claim_not_pending"


def pending(session: Session, cooperative_id: int) -> ClaimChange | None:
    return session.scalar(
        select(ClaimChange).where(
            ClaimChange.cooperative_id == cooperative_id,
            ClaimChange.status == ClaimStatus.PENDING,
        )
    )


def pending_changes(session: Session, *, limit: int = 200) -> list[ClaimChange]:
    """What waits for an operator, oldest first."""
    return list(
        session.scalars(
            select(ClaimChange)
            .where(ClaimChange.status == ClaimStatus.PENDING)
            .order_by(ClaimChange.created_at, ClaimChange.id)
            .limit(limit)
        )
    )


def changed_claims(coop: Cooperative, values: Mapping[str, Any]) -> dict[str, Any]:
    """The claim fields ``values`` would change."""
    return {f: values[f] for f in CLAIM_FIELDS if f in values and values[f] != getattr(coop, f)}


def propose(
    session: Session,
    coop: Cooperative,
    changes: Mapping[str, Any],
    *,
    evidence: str,
    actor: Actor,
    now: datetime,
) -> ClaimChange:
    """Put ``changes`` to the operator's review; a change still pending is replaced
    (its fields kept unless proposed again). The cooperative keeps its values."""
    change = pending(session, coop.id)
    proposed = dict(change.proposed) if change is not None else {}
    proposed.update(changes)
    # a field proposed back to its verified value is no longer a change
    proposed = {f: v for f, v in proposed.items() if v != getattr(coop, f)}
    if change is None:
        change = ClaimChange(cooperative=coop, created_by_id=actor.id)
        session.add(change)
    change.proposed = proposed
    change.previous = {f: getattr(coop, f) for f in proposed}
    change.evidence = evidence.strip()[:MAX_EVIDENCE]
    change.created_at = now
    session.flush()
    audit.record_cooperative(
        session,
        actor,
        "claims_proposed",
        coop.id,
        now=now,
        details={f: [change.previous[f], v] for f, v in proposed.items()},
    )
    return change


def _review(
    change: ClaimChange, status: ClaimStatus, note: str, actor: Actor, now: datetime
) -> None:
    if change.status != ClaimStatus.PENDING:
        raise ClaimNotPending()
    change.status = status
    change.review_note = note.strip()[:MAX_EVIDENCE]
    change.reviewed_at = now
    change.reviewed_by_id = actor.id


def accept(
    session: Session, change: ClaimChange, *, note: str, actor: Actor, now: datetime
) -> None:
    """The operator checked the evidence: the cooperative's claims become the proposed
    values and its listings follow (region, women-led).

    :raises ClaimNotPending: when it was already reviewed.
    """
    _review(change, ClaimStatus.ACCEPTED, note, actor, now)
    cooperative_changed(
        session,
        change.cooperative,
        "claims_accepted",
        actor=actor,
        now=now,
        values=change.proposed,
        details={f: [old, new] for f, old, new in change.diff()},
    )


def refuse(
    session: Session, change: ClaimChange, *, note: str, actor: Actor, now: datetime
) -> None:
    """The evidence does not hold: the cooperative keeps its verified values.

    :raises ClaimNotPending: when it was already reviewed.
    """
    _review(change, ClaimStatus.REFUSED, note, actor, now)
    session.flush()
    audit.record_cooperative(
        session,
        actor,
        "claims_refused",
        change.cooperative_id,
        now=now,
        details={"note": change.review_note},
    )
