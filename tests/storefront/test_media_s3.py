"""With ``S3_BUCKET`` set, photos and certificate documents go to an S3-compatible
store (a real moto server on loopback) instead of local folders: a cooperative adds a
photo in the back office, the shop serves it and its copies, removing it removes every
object; a certificate document is kept private under its own prefix."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from catalog import images
from catalog.models import Certificate, ProductImage
from storefront.media import photo_store, s3_client
from tests.s3_server import s3_config, s3_endpoint  # noqa: F401 (fixtures)
from tests.storefront.backoffice import login, member
from tests.storefront.test_coop_certificates import PDF
from tests.storefront.test_coop_certificates import send as send_certificate


@pytest.fixture
def app_config(s3_config) -> dict[str, str]:  # noqa: F811
    return s3_config


def _objects(config: dict[str, str]) -> set[str]:
    listed = s3_client(config).list_objects_v2(Bucket=config["S3_BUCKET"])
    return {item["Key"] for item in listed.get("Contents", [])}


def _jpeg(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (180, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def test_a_photo_lives_in_the_bucket_and_the_shop_serves_it(
    app,
    client,
    session,
    make,
    s3_config,  # noqa: F811
) -> None:
    coop = make.cooperative()
    product = make.product(coop, make.category("huile-argan"))
    user = member(session, coop)
    session.commit()
    login(client, user)
    response = client.post(
        f"/back-office/products/{product.id}/photos",
        data={"photo": (io.BytesIO(_jpeg((1000, 800))), "photo.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    image = session.scalar(select(ProductImage))
    stored = _objects(s3_config)
    assert f"media/{image.filename}" in stored and f"media/{image.thumbnail}" in stored
    copies = {f"media/{name}" for name in images.derived_names(image.filename, image.width)}
    assert copies <= stored, "the smaller and WebP copies are made with the photo"
    assert not Path(app.config["UPLOAD_FOLDER"]).exists(), "nothing on the host's disk"

    calls: list[str] = []
    photo_store(app)._client.meta.events.register(  # type: ignore[attr-defined]
        "before-call.s3", lambda model, **_: calls.append(model.name)
    )
    with client.get(f"/media/{image.filename}") as served:
        assert calls == ["GetObject"], "one request to the bucket for a photo that is there"
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert Image.open(io.BytesIO(served.data)).size == (1000, 800)
        assert "immutable" in served.headers["Cache-Control"]
        etag = served.headers["ETag"]
    again = client.get(f"/media/{image.filename}", headers={"If-None-Match": etag})
    assert again.status_code == 304

    # a copy lost (or asked for the first time for an older photo) is made on request
    lost = images.derived_name(image.filename, 240, "webp")
    s3_client(s3_config).delete_object(Bucket=s3_config["S3_BUCKET"], Key=f"media/{lost}")
    with client.get(f"/media/{lost}") as served:
        assert served.status_code == 200 and served.mimetype == "image/webp"
        assert Image.open(io.BytesIO(served.data)).size == (240, 192)
    assert f"media/{lost}" in _objects(s3_config)
    assert client.get("/media/0123456789abcdef0123456789abcdef-w333.webp").status_code == 404

    client.post(f"/back-office/products/{product.id}/photos/{image.id}/delete")
    assert session.scalar(select(ProductImage)) is None
    assert _objects(s3_config) == set(), "the photo, its thumbnail and every copy are gone"


def test_a_certificate_document_is_private_in_the_bucket(
    app,
    client,
    session,
    make,
    s3_config,  # noqa: F811
) -> None:
    coop = make.cooperative()
    category = make.category("masques", required_kinds=["imanor_mask"], max_price_minor=600)
    make.product(coop, category, price_minor=600)
    user = member(session, coop)
    session.commit()
    login(client, user)
    assert send_certificate(client).status_code == 302
    cert = session.scalar(select(Certificate))
    assert _objects(s3_config) == {f"documents/{cert.document}"}
    with client.get(f"/back-office/certificates/{cert.id}/document") as download:
        assert download.status_code == 200 and download.data == PDF
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert download.headers["Cache-Control"] == "private, no-store"
    assert client.get(f"/media/{cert.document}").status_code == 404, "not public media"
    calls: list[str] = []
    photo_store(app)._client.meta.events.register(  # type: ignore[attr-defined]
        "before-call.s3", lambda model, **_: calls.append(model.name)
    )
    for path in (f"..%2Fdocuments%2F{cert.document}", f"%2E%2E%2Fdocuments%2F{cert.document}"):
        assert client.get(f"/media/{path}").status_code == 404
    assert calls == [], "a name with a folder in it is not even asked for"
