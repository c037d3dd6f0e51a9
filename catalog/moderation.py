"""The operator's decisions about cooperatives and listings: verify, suspend with a
reason, reinstate. Each one refreshes what is sold and goes to the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from catalog import audit
from catalog.audit import Actor
from catalog.errors import FieldProblem, InvalidInput, InvalidState
from catalog.models import Cooperative, CooperativeStatus, Product, ProductStatus
from catalog.rules import refresh_products

MAX_REASON = 2000


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput([FieldProblem("reason", "required")])
    if len(reason) > MAX_REASON:
        raise InvalidInput([FieldProblem("reason", "too_long", {"max": MAX_REASON})])
    return reason


def _cooperative_event(
    session: Session, coop: Cooperative, action: str, actor: Actor, now: datetime, **details: object
) -> None:
    session.flush()
    refresh_products(session, now.date(), cooperative_ids=[coop.id])
    audit.record(
        session,
        actor,
        action,
        object_type="cooperative",
        object_id=coop.id,
        cooperative_id=coop.id,
        now=now,
        details=details,
    )


def verify_cooperative(session: Session, coop: Cooperative, *, actor: Actor, now: datetime) -> None:
    """A pending cooperative may now sell.

    :raises InvalidState: unless the cooperative is pending.
    """
    if coop.status != CooperativeStatus.PENDING:
        raise InvalidState(status=str(coop.status))
    coop.status = CooperativeStatus.VERIFIED
    coop.status_reason = ""
    coop.verified_at = now
    _cooperative_event(session, coop, "cooperative.verify", actor, now)


def suspend_cooperative(
    session: Session, coop: Cooperative, reason: str, *, actor: Actor, now: datetime
) -> None:
    """Stop a cooperative from selling (or refuse a pending registration), saying why.

    :raises InvalidInput: ``reason`` missing or too long.
    :raises InvalidState: when it is already suspended.
    """
    reason = _reason(reason)
    if coop.status == CooperativeStatus.SUSPENDED:
        raise InvalidState(status=str(coop.status))
    previous = coop.status
    coop.status = CooperativeStatus.SUSPENDED
    coop.status_reason = reason
    _cooperative_event(
        session, coop, "cooperative.suspend", actor, now, reason=reason, previous=previous
    )


def reinstate_cooperative(
    session: Session, coop: Cooperative, *, actor: Actor, now: datetime
) -> None:
    """Lift a suspension: the cooperative is verified again (the operator has checked it).

    :raises InvalidState: unless it is suspended.
    """
    if coop.status != CooperativeStatus.SUSPENDED:
        raise InvalidState(status=str(coop.status))
    coop.status = CooperativeStatus.VERIFIED
    coop.status_reason = ""
    coop.verified_at = coop.verified_at or now
    _cooperative_event(session, coop, "cooperative.reinstate", actor, now)


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
