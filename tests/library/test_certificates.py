from datetime import timedelta

import pytest
from sqlalchemy import select

from catalog.audit import SYSTEM, Actor, AuditEntry
from catalog.certificates import (
    CertificateClaim,
    expire_certificates,
    reject_certificate,
    submit_certificate,
    verify_certificate,
)
from catalog.errors import InvalidInput, InvalidState
from catalog.models import CertificateStatus
from tests.conftest import NOW, TODAY

COOP = Actor(5, "coop@example.ma")
OPERATOR = Actor(1, "operator@taawun.ma")


@pytest.fixture(autouse=True)
def _accounts(make) -> None:
    """The accounts of the actors above: the audit log refers to real users."""
    make.users(COOP, OPERATOR)


def claim(**kw) -> CertificateClaim:
    values = {
        "kind": "imanor_mask",
        "number": "NM/ST 21.5.201-1234",
        "issuer": "IMANOR",
        "issued_on": TODAY - timedelta(days=10),
        "expires_on": TODAY + timedelta(days=365),
    }
    values.update(kw)
    return CertificateClaim(**values)


@pytest.fixture
def masks(make):
    coop = make.cooperative()
    category = make.category("masques", required_kinds=["imanor_mask"], max_price_minor=600)
    product = make.product(coop, category, price_minor=600)
    return coop, product


def test_a_submitted_certificate_counts_only_once_verified(make, session, masks) -> None:
    coop, product = masks
    cert = submit_certificate(
        session, coop, claim(), document="a" * 32 + ".pdf", actor=COOP, now=NOW
    )
    assert cert.status == CertificateStatus.PENDING and not product.sellable
    assert verify_certificate(session, cert, actor=OPERATOR, now=NOW) == 1
    assert cert.status == CertificateStatus.VERIFIED and cert.verified_at == NOW
    assert product.sellable
    log = session.execute(
        select(AuditEntry.action, AuditEntry.actor_id).order_by(AuditEntry.id)
    ).all()
    assert log == [("certificate.submit", 5), ("certificate.verify", 1)]


def test_a_rejection_says_why_and_withdraws_a_verified_certificate(session, masks) -> None:
    coop, product = masks
    cert = submit_certificate(session, coop, claim(), document=None, actor=COOP, now=NOW)
    verify_certificate(session, cert, actor=OPERATOR, now=NOW)
    with pytest.raises(InvalidInput):
        reject_certificate(session, cert, "  ", actor=OPERATOR, now=NOW)
    assert reject_certificate(session, cert, "Numéro illisible", actor=OPERATOR, now=NOW) == 1
    assert (cert.status, cert.status_reason) == (CertificateStatus.REJECTED, "Numéro illisible")
    assert not product.sellable
    with pytest.raises(InvalidState):
        verify_certificate(session, cert, actor=OPERATOR, now=NOW)


def test_a_bad_claim_is_refused_with_every_reason(make, session) -> None:
    coop = make.cooperative()
    others = make.product()
    with pytest.raises(InvalidInput) as exc:
        submit_certificate(
            session,
            coop,
            claim(
                kind="fake",
                number="",
                issued_on=TODAY + timedelta(days=1),
                expires_on=TODAY - timedelta(days=1),
                product_id=others.id,
            ),
            document=None,
            actor=COOP,
            now=NOW,
        )
    assert {(p.field, p.code) for p in exc.value.problems} == {
        ("kind", "unknown_kind"),
        ("number", "required"),
        ("issued_on", "in_the_future"),
        ("expires_on", "already_expired"),
        ("product_id", "unknown_product"),
    }


def test_a_product_certificate_covers_that_product_only(make, session, masks) -> None:
    coop, product = masks
    other = make.product(coop, product.category, price_minor=500)
    cert = submit_certificate(
        session, coop, claim(product_id=product.id), document=None, actor=COOP, now=NOW
    )
    verify_certificate(session, cert, actor=OPERATOR, now=NOW)
    assert product.sellable and not other.sellable


def test_expiry_stops_the_listings_that_need_it_and_says_which(make, session, masks) -> None:
    coop, product = masks
    unrelated = make.product(coop)  # its category needs no certificate
    cert = make.certificate(coop, "imanor_mask", expires_on=TODAY)
    make.session.flush()
    from catalog.rules import refresh_products

    refresh_products(session, TODAY)
    assert product.sellable and unrelated.sellable

    same_day = expire_certificates(session, today=TODAY, now=NOW)
    assert same_day.expired == [], "valid through its expiry date"

    report = expire_certificates(session, today=TODAY + timedelta(days=1), now=NOW)
    assert report.expired == [cert] and cert.status == CertificateStatus.EXPIRED
    assert report.unsold == {cert.id: [product]}
    assert not product.sellable and unrelated.sellable
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.expire"))
    assert entry.actor_id is None and entry.cooperative_id == coop.id

    again = expire_certificates(session, today=TODAY + timedelta(days=1), now=NOW)
    assert again.expired == [] and again.reminders == []


def test_reminders_go_out_once_thirty_days_ahead(make, session) -> None:
    coop = make.cooperative()
    soon = make.certificate(coop, "onssa", expires_on=TODAY + timedelta(days=30))
    make.certificate(coop, "igp", expires_on=TODAY + timedelta(days=31))
    make.certificate(
        coop, "aop", expires_on=TODAY + timedelta(days=3), status=CertificateStatus.PENDING
    )
    make.certificate(coop, "organic", expires_on=None)
    report = expire_certificates(session, today=TODAY, now=NOW)
    assert report.reminders == [soon] and soon.reminded_at == NOW
    assert report.by_cooperative() == {coop.id: ([], [soon])}
    assert expire_certificates(session, today=TODAY, now=NOW).reminders == []


def test_a_pending_certificate_that_lapses_is_expired_too(make, session) -> None:
    coop = make.cooperative()
    pending = make.certificate(
        coop, "onssa", status=CertificateStatus.PENDING, expires_on=TODAY - timedelta(days=1)
    )
    report = expire_certificates(session, today=TODAY, now=NOW)
    assert report.expired == [pending]
    with pytest.raises(InvalidState):
        verify_certificate(session, pending, actor=SYSTEM, now=NOW)


def test_a_lapsed_pending_certificate_cannot_be_verified(make, session) -> None:
    coop = make.cooperative()
    cert = make.certificate(
        coop, "onssa", status=CertificateStatus.PENDING, expires_on=TODAY - timedelta(days=1)
    )
    with pytest.raises(InvalidState) as exc:
        verify_certificate(session, cert, actor=OPERATOR, now=NOW)
    assert exc.value.code == "already_expired"
    assert cert.status == CertificateStatus.PENDING
