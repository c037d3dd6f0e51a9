"""A member of one cooperative can never see or change another's data: every URL of
the back office is tried with the other cooperative's object ids."""

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from catalog.accounts.api_tokens import ApiToken, issue_token
from catalog.audit import Actor, AuditEntry
from catalog.csv_io import start_import
from catalog.models import (
    Certificate,
    CooperativeInvitation,
    Product,
    ProductImage,
    ProductImport,
)
from catalog.onboarding import invite_member
from orders.models import Fulfilment, LedgerEntry
from tests.conftest import NOW
from tests.storefront.backoffice import login, member

#: URL arguments that name no object (the report's kind): any value of the caller's own
PLAIN_ARGUMENTS = {"kind": "ledger"}
SECRETS = (
    "Secret argan A",
    "SECRET-SKU-A",
    "CERT-SECRET-A",
    "invitee-a@example.ma",
    "secret-a.csv",
)


@pytest.fixture
def victim(make, session, app):
    """Cooperative A and one of everything it owns."""
    coop = make.cooperative(name_fr="Coopérative A")
    product = make.product(coop, title_fr="Secret argan A", sku="SECRET-SKU-A", on_hand=7)
    image = ProductImage(product_id=product.id, filename="a" * 32 + ".jpg", thumbnail="")
    session.add(image)
    certificate = make.certificate(
        coop, "onssa", number="CERT-SECRET-A", document="b" * 32 + ".pdf"
    )
    record = start_import(
        session, coop, "secret-a.csv", "sku;stock\nSECRET-SKU-A;999\n", actor=Actor(None), now=NOW
    )
    invitation, _ = invite_member(session, coop, "invitee-a@example.ma", actor=Actor(None), now=NOW)
    invitation.expires_at = NOW.replace(year=2100)
    owner = member(session, coop, email="member-a@example.ma")
    token = issue_token(session, owner, "secret-token-a", now=NOW)
    order = make.order({product: 1}, method="cod", now=NOW, email="secret-buyer@example.ma")
    session.commit()
    return {
        "part_id": order.fulfilments[0].id,
        "token_id": token.token.id,
        "coop": coop,
        "product_id": product.id,
        "image_id": image.id,
        "certificate_id": certificate.id,
        "import_id": record.id,
        "invitation_id": invitation.id,
    }


def snapshot(session, coop_id: int) -> dict:
    """Everything of A's that a request could change."""
    session.expire_all()
    product = session.scalar(select(Product).where(Product.cooperative_id == coop_id))
    return {
        "product": {c.key: getattr(product, c.key) for c in Product.__table__.columns},
        "images": session.scalar(select(func.count(ProductImage.id))),
        "products": session.scalar(
            select(func.count(Product.id)).where(Product.cooperative_id == coop_id)
        ),
        "certificate": session.scalar(
            select(Certificate.status).where(Certificate.cooperative_id == coop_id)
        ),
        "import": session.scalar(select(ProductImport.applied_at)),
        "invitation": session.scalar(select(CooperativeInvitation.cancelled_at)),
        "part": session.scalar(
            select(Fulfilment.status).where(Fulfilment.cooperative_id == coop_id)
        ),
        "ledger": session.scalar(select(func.count(LedgerEntry.id))),
        "tokens": session.scalar(select(ApiToken.revoked_at)),
        "log": session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.cooperative_id == coop_id)
        ),
    }


def junk_form() -> dict:
    out = io.BytesIO()
    Image.new("RGB", (300, 300)).save(out, "JPEG")
    return {
        "title_fr": "Pirate",
        "price": "10",
        "category_id": "1",
        "on_hand": "0",
        "reason": "x",
        "tracking_number": "PIRATE-1",
        "carrier": "amana",
        "holder_name": "Pirate",
        "rib": "not a rib",
        "email": "pirate@example.ma",
        "photo": (io.BytesIO(out.getvalue()), "p.jpg"),
    }


def test_every_back_office_url_refuses_another_cooperatives_objects(
    app, client, session, make, victim
) -> None:
    intruder_coop = make.cooperative(name_fr="Coopérative B")
    intruder = member(session, intruder_coop, email="member-b@example.ma")
    session.commit()
    login(client, intruder)
    before = snapshot(session, victim["coop"].id)
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("coop.")]
    assert len(rules) >= 20
    tried = 0
    for rule in rules:
        values = {**victim, **PLAIN_ARGUMENTS}
        unknown = set(rule.arguments) - values.keys()
        assert not unknown, f"{rule.rule}: give this test an object for {unknown}"
        _, path = rule.build({name: values[name] for name in rule.arguments})
        owned = any(name.endswith("_id") for name in rule.arguments)
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(
                path, method=method, data=junk_form(), content_type="multipart/form-data"
            )
            tried += 1
            body = response.get_data(as_text=True)
            if owned:
                assert response.status_code == 404, (method, path, response.status_code)
            else:
                assert response.status_code in (200, 302, 400), (method, path)
            for secret in SECRETS:
                assert secret not in body, (method, path, secret)
            response.close()
    assert tried >= 25
    assert snapshot(session, victim["coop"].id) == before


def test_the_export_holds_only_the_members_own_products(client, session, make, victim) -> None:
    other = make.cooperative()
    make.product(other, sku="MINE-1")
    user = member(session, other, email="member-b@example.ma")
    session.commit()
    login(client, user)
    exported = client.get("/back-office/export.csv").get_data(as_text=True)
    assert "MINE-1" in exported and "SECRET-SKU-A" not in exported
