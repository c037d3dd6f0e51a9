"""An invoice in the reader's language says the VAT mention once: in French the legal
French sentence is the page's own, elsewhere it follows the translated one."""

import pytest
from sqlalchemy import select

from orders.models import Order
from tests.storefront.shopping import add, checkout

pytestmark = pytest.mark.translated


def test_the_french_vat_mention_is_said_once(client, session, shop) -> None:
    for product in shop:
        add(client, product)
    checkout(client)
    order = session.scalar(select(Order))
    for lang, exempt_times in (("fr", 1), ("ar", 1), ("en", 1)):
        client.set_cookie("lang", lang)
        for part in order.fulfilments:
            url = f"/orders/{order.number}/invoice/{part.position}"
            page = client.get(url).get_data(as_text=True)
            times = page.count("TVA non applicable")
            assert times == (exempt_times if part.cooperative_vat_exempt else 0), (lang, url)
