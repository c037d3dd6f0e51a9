"""Certificates: a cooperative submits one (for itself or for one product), the
operator verifies or rejects it, and :func:`expire_certificates` — run every day by
``flask catalog expire-certificates`` — expires the lapsed ones and says which
reminders are due 30 days ahead.

A listing whose category requires a kind of certificate is sold only while a
verified, unexpired one covers it (:mod:`catalog.rules`), so every change here
refreshes the cooperative's listings.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog import audit
from catalog.audit import SYSTEM, Actor
from catalog.errors import FieldProblem, InvalidInput, InvalidState
from catalog.models import (
    Certificate,
    CertificateKind,
    CertificateStatus,
    Cooperative,
    Product,
)
from catalog.rules import refresh_products
from catalog.safe_text import text_problems

REMIND_DAYS = 30
MAX_REASON = 2000


@dataclass(frozen=True, slots=True)
class CertificateClaim:
    """What a cooperative declares about a certificate it uploads."""

    kind: str
    number: str
    issuer: str = ""
    issued_on: date | None = None
    expires_on: date | None = None
    #: the product it covers; None for the whole cooperative
    product_id: int | None = None


def check_claim(
    session: Session, coop: Cooperative, claim: CertificateClaim, *, today: date
) -> list[FieldProblem]:
    found: list[FieldProblem] = []
    if claim.kind not in CertificateKind.__members__.values():
        found.append(FieldProblem("kind", "unknown_kind"))
    if not claim.number.strip():
        found.append(FieldProblem("number", "required"))
    elif len(claim.number.strip()) > 80:
        found.append(FieldProblem("number", "too_long", {"max": 80}))
    if len(claim.issuer.strip()) > 120:
        found.append(FieldProblem("issuer", "too_long", {"max": 120}))
    found += text_problems({"number": claim.number, "issuer": claim.issuer})
    if claim.issued_on is not None and claim.issued_on > today:
        found.append(FieldProblem("issued_on", "in_the_future"))
    if claim.expires_on is not None:
        if claim.expires_on < today:
            found.append(FieldProblem("expires_on", "already_expired"))
        elif claim.issued_on is not None and claim.expires_on < claim.issued_on:
            found.append(FieldProblem("expires_on", "before_issue"))
    if claim.product_id is not None:
        owner = session.scalar(select(Product.cooperative_id).where(Product.id == claim.product_id))
        if owner != coop.id:
            found.append(FieldProblem("product_id", "unknown_product"))
    return found


def submit_certificate(
    session: Session,
    coop: Cooperative,
    claim: CertificateClaim,
    *,
    document: str | None,
    actor: Actor,
    now: datetime,
) -> Certificate:
    """Record a certificate for the operator to verify. ``document`` is the stored
    file's name (see :func:`catalog.images.store_document`).

    :raises InvalidInput: with every problem found; nothing is recorded.
    """
    found = check_claim(session, coop, claim, today=now.date())
    if found:
        raise InvalidInput(found)
    certificate = Certificate(
        cooperative=coop,  # through the relationship: the loaded collection sees it
        product_id=claim.product_id,
        kind=CertificateKind(claim.kind),
        number=claim.number.strip(),
        issuer=claim.issuer.strip(),
        issued_on=claim.issued_on,
        expires_on=claim.expires_on,
        document=document,
        status=CertificateStatus.PENDING,
        created_at=now,
    )
    session.add(certificate)
    session.flush()
    _log(session, certificate, "certificate.submit", actor, now, number=certificate.number)
    return certificate


def verify_certificate(
    session: Session, certificate: Certificate, *, actor: Actor, now: datetime
) -> int:
    """The operator checked the document: the certificate now counts.

    :raises InvalidState: unless it is pending; ``code`` ``already_expired`` when its
        expiry date has passed.
    :return: how many listings changed sellability.
    """
    if certificate.status != CertificateStatus.PENDING:
        raise InvalidState(status=str(certificate.status))
    if certificate.expires_on is not None and certificate.expires_on < now.date():
        raise InvalidState(code="already_expired", expires_on=certificate.expires_on)
    certificate.status = CertificateStatus.VERIFIED
    certificate.status_reason = ""
    certificate.verified_at = now
    return _changed(session, certificate, "certificate.verify", actor, now)


def reject_certificate(
    session: Session, certificate: Certificate, reason: str, *, actor: Actor, now: datetime
) -> int:
    """Refuse a pending certificate, or withdraw a verified one, saying why.

    :raises InvalidInput: ``reason`` missing or too long.
    :raises InvalidState: when it is already rejected or expired.
    :return: how many listings changed sellability.
    """
    reason = reason.strip()
    if not reason:
        raise InvalidInput([FieldProblem("reason", "required")])
    if len(reason) > MAX_REASON:
        raise InvalidInput([FieldProblem("reason", "too_long", {"max": MAX_REASON})])
    if certificate.status not in (CertificateStatus.PENDING, CertificateStatus.VERIFIED):
        raise InvalidState(status=str(certificate.status))
    certificate.status = CertificateStatus.REJECTED
    certificate.status_reason = reason
    return _changed(session, certificate, "certificate.reject", actor, now, reason=reason)


def _changed(
    session: Session,
    certificate: Certificate,
    action: str,
    actor: Actor,
    now: datetime,
    **details: object,
) -> int:
    session.flush()
    changed = refresh_products(session, now.date(), cooperative_ids=[certificate.cooperative_id])
    _log(session, certificate, action, actor, now, number=certificate.number, **details)
    return changed


def _log(
    session: Session,
    certificate: Certificate,
    action: str,
    actor: Actor,
    now: datetime,
    **details: object,
) -> None:
    audit.record(
        session,
        actor,
        action,
        object_type="certificate",
        object_id=certificate.id,
        cooperative_id=certificate.cooperative_id,
        now=now,
        details={"kind": certificate.kind, "product_id": certificate.product_id, **details},
    )


@dataclass(slots=True)
class ExpiryReport:
    """What one run of :func:`expire_certificates` did and what it asks to tell."""

    #: certificates that lapsed in this run
    expired: list[Certificate] = field(default_factory=list)
    #: per lapsed certificate id, the listings that stopped being sold because of it
    unsold: dict[int, list[Product]] = field(default_factory=dict)
    #: verified certificates expiring within REMIND_DAYS, reminded for the first time
    reminders: list[Certificate] = field(default_factory=list)

    def by_cooperative(self) -> dict[int, tuple[list[Certificate], list[Certificate]]]:
        """``{cooperative_id: (expired, reminders)}`` to write one message each."""
        result: dict[int, tuple[list[Certificate], list[Certificate]]] = defaultdict(
            lambda: ([], [])
        )
        for c in self.expired:
            result[c.cooperative_id][0].append(c)
        for c in self.reminders:
            result[c.cooperative_id][1].append(c)
        return dict(result)


def expire_certificates(
    session: Session, *, today: date, now: datetime, remind_days: int = REMIND_DAYS
) -> ExpiryReport:
    """Expire every verified or pending certificate whose expiry date has passed,
    refresh the listings of the cooperatives concerned, and mark the reminders due
    (verified certificates expiring within ``remind_days``, not yet reminded).

    Safe to run again: a second run the same day finds nothing to do.
    """
    report = ExpiryReport()
    lapsed = list(
        session.scalars(
            select(Certificate)
            .where(
                Certificate.status.in_([CertificateStatus.VERIFIED, CertificateStatus.PENDING]),
                Certificate.expires_on < today,
            )
            .options(selectinload(Certificate.cooperative))
            .order_by(Certificate.cooperative_id, Certificate.id)
        )
    )
    if lapsed:
        coop_ids = sorted({c.cooperative_id for c in lapsed})
        sold_before = set(
            session.scalars(
                select(Product.id).where(
                    Product.cooperative_id.in_(coop_ids), Product.sellable.is_(True)
                )
            )
        )
        for certificate in lapsed:
            certificate.status = CertificateStatus.EXPIRED
            _log(
                session,
                certificate,
                "certificate.expire",
                SYSTEM,
                now,
                expires_on=certificate.expires_on,
            )
        session.flush()
        refresh_products(session, today, cooperative_ids=coop_ids)
        stopped = (
            list(
                session.scalars(
                    select(Product)
                    .where(Product.id.in_(sold_before), Product.sellable.is_(False))
                    .options(selectinload(Product.category))
                    .order_by(Product.id)
                )
            )
            if sold_before
            else []
        )
        report.expired = lapsed
        for certificate in lapsed:
            report.unsold[certificate.id] = [
                p
                for p in stopped
                if p.cooperative_id == certificate.cooperative_id
                and certificate.product_id in (None, p.id)
            ]
    due = session.scalars(
        select(Certificate)
        .where(
            Certificate.status == CertificateStatus.VERIFIED,
            Certificate.expires_on >= today,
            Certificate.expires_on <= today + timedelta(days=remind_days),
            Certificate.reminded_at.is_(None),
        )
        .options(selectinload(Certificate.cooperative))
        .order_by(Certificate.cooperative_id, Certificate.id)
    ).all()
    for certificate in due:
        certificate.reminded_at = now
    report.reminders = list(due)
    session.flush()
    return report


def certificates_of(session: Session, coop_id: int) -> list[Certificate]:
    """A cooperative's certificates, newest first, with the products they cover."""
    return list(
        session.scalars(
            select(Certificate)
            .where(Certificate.cooperative_id == coop_id)
            .options(selectinload(Certificate.product))
            .order_by(Certificate.id.desc())
        )
    )


def expiring_soon(
    session: Session, coop_id: int, *, today: date, days: int = REMIND_DAYS
) -> list[Certificate]:
    return list(
        session.scalars(
            select(Certificate)
            .where(
                Certificate.cooperative_id == coop_id,
                Certificate.status == CertificateStatus.VERIFIED,
                Certificate.expires_on >= today,
                Certificate.expires_on <= today + timedelta(days=days),
            )
            .order_by(Certificate.expires_on)
        )
    )
