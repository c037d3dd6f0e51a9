"""Abuse: a pending cooperative cannot use the site as a mail relay, invitations are
limited and answer the same whoever the address belongs to, a small file cannot make
a worker decode hundreds of megabytes, and no metadata (JPEG comments included)
survives an upload."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from catalog import images
from catalog.errors import InvalidUpload
from catalog.models import CooperativeInvitation, CooperativeStatus
from catalog.notifications import OutboxMessage
from tests.storefront.backoffice import login, member


def _invitations(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(CooperativeInvitation.id)))


def _mails(session) -> int:
    return session.scalar(select(func.count(OutboxMessage.id)))


def test_a_pending_cooperative_cannot_invite(client, session, make) -> None:
    coop = make.cooperative(status=CooperativeStatus.PENDING)
    inviter = member(session, coop)
    session.commit()
    login(client, inviter)
    response = client.post(
        "/back-office/members", data={"email": "victim@example.ma"}, follow_redirects=True
    )
    assert "once the operator has verified it" in response.get_data(as_text=True)
    assert _invitations(session) == 0 and _mails(session) == 0


def test_invitations_are_limited_per_cooperative_and_per_address(client, session, make) -> None:
    coop = make.cooperative()
    inviter = member(session, coop)
    session.commit()
    login(client, inviter)
    for _ in range(3):
        client.post("/back-office/members", data={"email": "same@example.ma"})
    assert _invitations(session) == 2, "an address gets two invitations a day at most"
    for n in range(20):
        client.post("/back-office/members", data={"email": f"person{n}@example.ma"})
    assert _invitations(session) == 10, "ten an hour per cooperative"
    page = client.post(
        "/back-office/members", data={"email": "one-more@example.ma"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "try again in an hour" in page


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG", optimize=True)
    return out.getvalue()


def test_a_small_png_of_huge_dimensions_is_refused_before_decoding() -> None:
    bomb = _png(6300, 6300)
    assert len(bomb) < 200_000
    with pytest.raises(InvalidUpload) as caught:
        images.prepare_photo(bomb)
    assert caught.value.code == "too_many_pixels"


def test_a_large_jpeg_is_decoded_reduced() -> None:
    out = io.BytesIO()
    Image.new("RGB", (4800, 3600), (200, 120, 40)).save(out, "JPEG", quality=60)
    image = images.open_image(
        out.getvalue(), formats=images.PHOTO_FORMATS, reduce_to=images.WEB_SIZE
    )
    assert image.size == (2400, 1800), "decoded at half its size, never at full size"
    photo = images.prepare_photo(out.getvalue())
    assert (photo.width, photo.height) == (1200, 900)


def test_jpeg_comments_and_exif_do_not_survive() -> None:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "Maker"  # camera make
    Image.new("RGB", (800, 600), (10, 100, 200)).save(
        out, "JPEG", comment=b"GPS 34.0N home of Fatima", exif=exif
    )
    photo = images.prepare_photo(out.getvalue())
    for data in (photo.web, photo.thumbnail):
        assert b"Fatima" not in data and b"Maker" not in data
        reread = Image.open(io.BytesIO(data))
        assert "comment" not in reread.info and "exif" not in reread.info
    document, _ = images.clean_document(out.getvalue())
    assert b"Fatima" not in document and b"Maker" not in document
