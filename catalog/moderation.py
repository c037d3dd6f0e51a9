"""The operator's decisions about cooperatives, organisations and listings: verify,
suspend with a reason, reinstate. Each one goes to the audit log; a decision about a
cooperative or a listing refreshes what is sold."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from catalog import audit
from catalog.accounts.users import Organisation, OrganisationStatus
from catalog.audit import Actor
from catalog.errors import FieldProblem, InvalidInput, InvalidState
from catalog.models import Cooperative, CooperativeStatus, Product, ProductStatus
from catalog.rules import cooperative_changed, refresh_products

MAX_REASON = 2000


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput([FieldProblem("reason", "required")])
    if len(reason) > MAX_REASON:
        raise InvalidInput([FieldProblem("reason", "too_long", {"max": MAX_REASON})])
    return reason


# -- cooperatives and organisations: one mechanism --------------------------------------
# Both wait for the operator's verification, may be suspended with a reason and
# reinstated; they differ only in what follows a decision (a cooperative's products
# go on or off sale) and in what the audit entry keeps.
Moderated = Cooperative | Organisation


def _statuses(subject: Moderated) -> type[CooperativeStatus] | type[OrganisationStatus]:
    return CooperativeStatus if isinstance(subject, Cooperative) else OrganisationStatus


def _after_decision(
    session: Session,
    subject: Moderated,
    action: str,
    actor: Actor,
    now: datetime,
    **details: object,
) -> None:
    if isinstance(subject, Cooperative):
        cooperative_changed(session, subject, action, actor=actor, now=now, details=details)
        return
    session.flush()
    audit.record(
        session,
        actor,
        f"organisation.{action}",
        object_type="organisation",
        object_id=subject.id,
        now=now,
        details={"name": subject.name, **details},
    )


def verify(session: Session, subject: Moderated, *, actor: Actor, now: datetime) -> None:
    """A pending cooperative may now sell; a pending organisation may now order.

    :raises InvalidState: unless it is pending.
    """
    status = _statuses(subject)
    if subject.status != status.PENDING:
        raise InvalidState(status=str(subject.status))
    subject.status = status.VERIFIED
    subject.status_reason = ""
    subject.verified_at = now
    _after_decision(session, subject, "verify", actor, now)


def suspend(
    session: Session, subject: Moderated, reason: str, *, actor: Actor, now: datetime
) -> None:
    """Stop a cooperative from selling or an organisation from ordering (or refuse a
    pending registration), saying why.

    :raises InvalidInput: ``reason`` missing or too long.
    :raises InvalidState: when it is already suspended.
    """
    reason = _reason(reason)
    status = _statuses(subject)
    if subject.status == status.SUSPENDED:
        raise InvalidState(status=str(subject.status))
    previous = subject.status
    subject.status = status.SUSPENDED
    subject.status_reason = reason
    _after_decision(session, subject, "suspend", actor, now, reason=reason, previous=previous)


def reinstate(session: Session, subject: Moderated, *, actor: Actor, now: datetime) -> None:
    """Lift a suspension: verified again (the operator has checked it).

    :raises InvalidState: unless it is suspended.
    """
    status = _statuses(subject)
    if subject.status != status.SUSPENDED:
        raise InvalidState(status=str(subject.status))
    subject.status = status.VERIFIED
    subject.status_reason = ""
    subject.verified_at = subject.verified_at or now
    _after_decision(session, subject, "reinstate", actor, now)


# -- listings ------------------------------------------------------------------------------
def suspend_product(
    session: Session, product: Product, reason: str, *, actor: Actor, now: datetime
) -> None:
    """Take a listing off sale, saying why; the cooperative cannot publish it again
    until the operator reinstates it.

    :raises InvalidInput: ``reason`` missing or too long.
    :raises InvalidState: when it is already suspended.
    """
    reason = _reason(reason)
    if product.status == ProductStatus.SUSPENDED:
        raise InvalidState(status=str(product.status))
    previous = product.status
    product.status = ProductStatus.SUSPENDED
    product.status_reason = reason
    _product_event(
        session, product, "product.suspend", actor, now, reason=reason, previous=previous
    )


def reinstate_product(session: Session, product: Product, *, actor: Actor, now: datetime) -> None:
    """Lift a listing's suspension: it is published again.

    :raises InvalidState: unless it is suspended.
    """
    if product.status != ProductStatus.SUSPENDED:
        raise InvalidState(status=str(product.status))
    product.status = ProductStatus.PUBLISHED
    product.status_reason = ""
    _product_event(session, product, "product.reinstate", actor, now)


def _product_event(
    session: Session, product: Product, action: str, actor: Actor, now: datetime, **details: object
) -> None:
    session.flush()
    refresh_products(session, now.date(), product_ids=[product.id])
    audit.record(
        session,
        actor,
        action,
        object_type="product",
        object_id=product.id,
        cooperative_id=product.cooperative_id,
        now=now,
        details={"sku": product.sku, **details},
    )
