import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog.models import Certificate, CertificateStatus
from catalog.notifications import OutboxMessage
from catalog.rules import refresh_products
from tests.conftest import TODAY
from tests.storefront.backoffice import login, member, operator

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def masks(make, session, client):
    coop = make.cooperative(name_fr="Coopérative Ibdaat")
    category = make.category("masques", required_kinds=["imanor_mask"], max_price_minor=600)
    product = make.product(coop, category, price_minor=600, title_fr="Masque en tissu")
    user = member(session, coop)
    session.commit()
    login(client, user)
    return coop, product, user


def send(client, **changes):
    data = {
        "kind": "imanor_mask",
        "number": "NM/ST 21.5.201-4321",
        "issuer": "IMANOR",
        "issued_on": (TODAY - timedelta(days=10)).isoformat(),
        "expires_on": (TODAY + timedelta(days=700)).isoformat(),
        "product_id": "0",
        "document": (io.BytesIO(PDF), "imanor.pdf"),
        **changes,
    }
    return client.post(
        "/back-office/certificates/new", data=data, content_type="multipart/form-data"
    )


def test_a_certificate_is_sent_then_verified_by_the_operator(client, session, masks, app) -> None:
    coop, product, _ = masks
    assert not product.sellable
    assert send(client).headers["Location"] == "/back-office/certificates"
    cert = session.scalar(select(Certificate))
    assert cert.status == CertificateStatus.PENDING and cert.document.endswith(".pdf")
    assert "Being checked" in client.get("/back-office/certificates").get_data(as_text=True)
    with client.get(f"/back-office/certificates/{cert.id}/document") as download:
        assert download.status_code == 200 and download.data == PDF
        assert download.headers["Content-Disposition"].startswith("attachment")
    assert not (Path(app.config["UPLOAD_FOLDER"]) / cert.document).exists(), "not public media"
    assert client.get(f"/media/{cert.document}").status_code == 404

    client.post("/account/logout")
    boss = operator(session)
    session.commit()
    login(client, boss)
    assert client.post(f"/admin/certificates/{cert.id}/verify").status_code == 302
    session.expire_all()
    assert session.get(Certificate, cert.id).status == CertificateStatus.VERIFIED
    refresh_products(session, TODAY)
    assert product.sellable
    assert session.scalar(select(OutboxMessage.topic)).endswith("certificate_verified")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"document": b"MZ executable"}, "This kind of file is not accepted"),
        ({"document": b"%PDF-1.4 cut"}, "damaged or incomplete"),
        ({"number": ""}, 'id="number-errors"'),
        ({"kind": "fake"}, 'id="kind-errors"'),
        ({"expires_on": (TODAY - timedelta(days=1)).isoformat()}, "This date has already passed."),
        ({"issued_on": "not-a-date"}, 'id="issued_on-errors"'),
        ({"product_id": "999999"}, 'id="product_id-errors"'),
    ],
)
def test_a_bad_certificate_is_explained_and_nothing_is_kept(
    client, session, masks, app, changes, expected
) -> None:
    if "document" in changes:
        changes = {**changes, "document": (io.BytesIO(changes["document"]), "scan.pdf")}
    response = send(client, **changes)
    assert response.status_code == 200
    assert expected in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Certificate.id))) == 0
    documents = Path(app.config["UPLOAD_FOLDER"]).parent / "documents"
    assert not documents.exists() or list(documents.iterdir()) == []


def test_a_product_certificate_is_chosen_from_own_products(client, session, masks, make) -> None:
    coop, product, _ = masks
    other = make.product(title_fr="Produit d'une autre coopérative")
    session.commit()
    page = client.get(f"/back-office/certificates/new?product={product.id}").get_data(as_text=True)
    assert "Masque en tissu" in page and "autre coopérative" not in page
    for garbage in ("\u00b2", "9" * 30, "-1"):  # a superscript two is a digit to isdigit()
        assert client.get(f"/back-office/certificates/new?product={garbage}").status_code == 200
    assert send(client, product_id=str(product.id)).status_code == 302
    assert session.scalar(select(Certificate.product_id)) == product.id
    assert send(client, product_id=str(other.id)).status_code == 200
