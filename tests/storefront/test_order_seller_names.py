"""An order keeps each cooperative's name as it was at sale time in French and in
Arabic: the shopper's order page and invoices name the seller in the visitor's
language, in French when the cooperative has no Arabic name."""

import pytest
from sqlalchemy import select

from orders.models import Order
from tests.storefront.shopping import add, checkout

# pages in English: the tests read the messages as written in the code
pytestmark = pytest.mark.usefixtures("english_pages")


@pytest.fixture
def placed(client, session, shop):
    for product in shop:
        add(client, product)
    checkout(client)
    return session.scalar(select(Order))


def test_the_order_snapshots_the_arabic_name_too(session, placed, shop) -> None:
    names = {
        p.cooperative_id: (p.cooperative_name, p.cooperative_name_ar) for p in placed.fulfilments
    }
    for product in shop:
        coop = product.cooperative
        assert names[coop.id] == (coop.name_fr, coop.name_ar)
    casa = shop[0].cooperative
    casa.name_ar = "اسم جديد"
    session.commit()
    session.expire_all()
    part = next(p for p in placed.fulfilments if p.cooperative_id == casa.id)
    assert part.cooperative_name_ar != "اسم جديد"  # a snapshot, not a link


@pytest.mark.translated
def test_an_arabic_reader_sees_the_sellers_in_arabic(client, session, placed, shop) -> None:
    laayoune = shop[2].cooperative
    part = next(p for p in placed.fulfilments if p.cooperative_id == laayoune.id)
    part.cooperative_name_ar = ""  # a cooperative without an Arabic name
    session.commit()
    client.get("/lang/ar")
    page = client.get(f"/orders/{placed.number}").get_data(as_text=True)
    for part in placed.fulfilments:
        if part.cooperative_name_ar:
            assert part.cooperative_name_ar in page
            assert part.cooperative_name not in page
        else:
            assert part.cooperative_name in page  # French as the fallback
        invoice = client.get(f"/orders/{placed.number}/invoice/{part.position}")
        text = invoice.get_data(as_text=True)
        assert (part.cooperative_name_ar or part.cooperative_name) in text
    client.get("/lang/fr")
    page = client.get(f"/orders/{placed.number}").get_data(as_text=True)
    for part in placed.fulfilments:
        assert part.cooperative_name in page
        assert not part.cooperative_name_ar or part.cooperative_name_ar not in page
