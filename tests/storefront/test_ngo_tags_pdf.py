"""Every tag of a 2,500-basket distribution point prints from one PDF of A4 label
sheets, and every QR code on it scans (rendered with pdfium, decoded with zxing-cpp)."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import select, update

from catalog.models import Product
from solidarity_baskets.models import BasketOrder, BasketQuote, PackingWave
from tests.baskets import basket_world, order_form
from tests.storefront.backoffice import login

BASKETS = 2_500


@pytest.fixture
def big_order(client, session, make, app):
    world = basket_world(session, make)
    session.execute(update(Product).values(on_hand=20_000))
    session.commit()
    login(client, world.member)
    response = client.post(
        "/ngo/orders/new", data=order_form(world, **{"destinations-0-baskets": str(BASKETS)})
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    quote = session.scalar(select(BasketQuote))
    confirmed = client.post(
        f"/ngo/quotes/{quote.id}/confirm", data={"payment_method": "bank_transfer"}
    )
    assert confirmed.status_code == 302, confirmed.get_data(as_text=True)
    session.expire_all()
    return session.scalar(select(BasketOrder))


def test_every_tag_of_a_point_prints_from_one_pdf_and_scans(client, session, big_order):
    point = next(d for d in big_order.quote.destinations if d.baskets == BASKETS)
    response = client.get(f"/ngo/orders/{big_order.id}/tags.pdf?point={point.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    body = response.get_data()
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == -(-BASKETS // 24)  # 3 x 8 labels per A4 sheet
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (
        210,
        297,
    )

    waves = session.scalars(select(PackingWave).where(PackingWave.destination_id == point.id)).all()
    expected = {
        f"http://localhost/t/{wave.serial(rank)}"
        for wave in waves
        for rank in range(1, wave.baskets + 1)
    }
    assert len(expected) == BASKETS
    found: list[str] = []
    pdf = pdfium.PdfDocument(body)
    for i in range(len(pdf)):
        image = pdf[i].render(scale=150 / 72).to_pil()  # 150 dpi, as a plain office scan
        codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        found += [c.text for c in codes]
        assert len(codes) == (24 if i < len(pdf) - 1 else BASKETS - 24 * (len(pdf) - 1))
    assert sorted(found) == sorted(expected)
    # the serial and the contents are printed beside each code
    text = reader.pages[0].extract_text()
    first = min(waves, key=lambda w: w.first_basket)
    assert first.serial(1) in text
    assert first.manifest[0].cooperative_name_fr[:12] in text


def test_the_tag_page_links_the_pdf_and_sizes_its_codes(client, big_order):
    point = next(d for d in big_order.quote.destinations if d.baskets == BASKETS)
    page = client.get(f"/ngo/orders/{big_order.id}/tags?point={point.id}").get_data(as_text=True)
    assert f"/ngo/orders/{big_order.id}/tags.pdf?point={point.id}" in page
    assert '<svg viewBox="0 0 99 99"' in page and "<svg width" not in page
    assert client.get(f"/ngo/orders/{big_order.id}/tags.pdf?point=999999").status_code == 404
