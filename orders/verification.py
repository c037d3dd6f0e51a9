"""The operator verifies organisations (NGOs, institutions) before they order in
bulk, and may suspend one with a reason. Each decision goes to the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from catalog import audit
from catalog.audit import Actor
from catalog.errors import FieldProblem, InvalidInput, InvalidState
from orders.accounts import Organisation, OrganisationStatus

MAX_REASON = 2000


def _log(
    session: Session, org: Organisation, action: str, actor: Actor, now: datetime, **details: object
) -> None:
    session.flush()
    audit.record(
        session,
        actor,
        action,
        object_type="organisation",
        object_id=org.id,
        now=now,
        details={"name": org.name, **details},
    )


def verify_organisation(
    session: Session, org: Organisation, *, actor: Actor, now: datetime
) -> None:
    """:raises InvalidState: unless the organisation is pending."""
    if org.status != OrganisationStatus.PENDING:
        raise InvalidState(status=str(org.status))
    org.status = OrganisationStatus.VERIFIED
    org.status_reason = ""
    org.verified_at = now
    _log(session, org, "organisation.verify", actor, now)


def suspend_organisation(
    session: Session, org: Organisation, reason: str, *, actor: Actor, now: datetime
) -> None:
    """Refuse a pending organisation or stop a verified one, saying why.

    :raises InvalidInput: ``reason`` missing or too long.
    :raises InvalidState: when it is already suspended.
    """
    reason = reason.strip()
    if not reason:
        raise InvalidInput([FieldProblem("reason", "required")])
    if len(reason) > MAX_REASON:
        raise InvalidInput([FieldProblem("reason", "too_long", {"max": MAX_REASON})])
    if org.status == OrganisationStatus.SUSPENDED:
        raise InvalidState(status=str(org.status))
    previous = org.status
    org.status = OrganisationStatus.SUSPENDED
    org.status_reason = reason
    _log(session, org, "organisation.suspend", actor, now, reason=reason, previous=previous)


def reinstate_organisation(
    session: Session, org: Organisation, *, actor: Actor, now: datetime
) -> None:
    """:raises InvalidState: unless the organisation is suspended."""
    if org.status != OrganisationStatus.SUSPENDED:
        raise InvalidState(status=str(org.status))
    org.status = OrganisationStatus.VERIFIED
    org.status_reason = ""
    org.verified_at = org.verified_at or now
    _log(session, org, "organisation.reinstate", actor, now)
