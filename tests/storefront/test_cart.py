"""The cart: kept in the session for guests, in the database for accounts, grouped by
cooperative, checked against availability, never broken by an unavailable product."""

import pytest
from sqlalchemy import select

from catalog.accounts.users import User
from orders import cart as cart_lib
from orders.models import CartLine
from tests.storefront.shopping import add

# pages in English: the tests read the messages as written in the code
pytestmark = pytest.mark.usefixtures("english_pages")


def test_a_guest_fills_one_cart_from_several_cooperatives(client, shop) -> None:
    oil, honey, masks = shop
    client.set_cookie("lang", "fr")  # prices as written in French: 1 234,50 DH
    assert add(client, oil, 2).headers["Location"] == "/cart/"
    add(client, honey)
    add(client, masks, 10)
    add(client, oil, 1)
    page = client.get("/cart/").get_data(as_text=True)
    for name in ("Coopérative Argan Casa", "Coopérative Miel Souss", "Coopérative Al Jil"):
        assert name in page
    assert "360,00" in page, "oil subtotal: 3 × 120.00"
    assert "60,00" in page and "90,00" in page
    assert "510,00" in page, "goods total"
    with client.session_transaction() as s:
        assert s["cart"] == [[oil.id, 3], [honey.id, 1], [masks.id, 10]]
        assert s["cart_n"] == 14


def test_quantities_change_and_lines_go(client, shop) -> None:
    oil, honey, _ = shop
    add(client, oil, 2)
    add(client, honey)
    client.post(f"/cart/{oil.id}", data={"quantity": 4})
    client.post(f"/cart/{honey.id}", data={"quantity": 0})
    with client.session_transaction() as s:
        assert s["cart"] == [[oil.id, 4]]
    client.post(f"/cart/{oil.id}/remove")
    assert "Your cart is empty." in client.get("/cart/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quantity": "-3"}, "Enter a number from 1 to 10000."),
        ({"quantity": "0"}, "Enter a number from 1 to 10000."),
        ({"quantity": "99999999999999999999"}, "Enter a number from 1 to 10000."),
        ({"quantity": "deux"}, "Enter a number from 1 to 10000."),
        ({"quantity": ""}, "Enter a whole number of at least 1."),
        ({"quantity": "2", "product_id": "999999"}, "No longer available."),
        ({"quantity": "2", "product_id": "1 OR 1=1"}, "No longer available."),
        ({"quantity": "2", "product_id": "9" * 40}, "No longer available."),
        # a digit to str.isdigit(), not to int(): superscript two
        ({"quantity": "2", "product_id": "\u00b2"}, "No longer available."),
    ],
)
def test_bad_add_to_cart_input_is_explained_and_changes_nothing(client, shop, data, message):
    oil = shop[0]
    response = client.post("/cart/add", data={"product_id": oil.id, **data}, follow_redirects=True)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with client.session_transaction() as s:
        assert not s.get("cart")


def test_bad_line_changes_are_refused(client, shop) -> None:
    oil, honey, _ = shop
    add(client, oil, 2)
    for product_id, quantity in ((oil.id, "-1"), (oil.id, "10001"), (honey.id, "3")):
        response = client.post(
            f"/cart/{product_id}", data={"quantity": quantity}, follow_redirects=True
        )
        assert response.status_code == 200
    with client.session_transaction() as s:
        assert s["cart"] == [[oil.id, 2]]
    assert client.post("/cart/-5", data={"quantity": 1}).status_code == 404


def test_asking_for_more_than_the_stock_says_how_many_are_left(client, session, shop) -> None:
    oil = shop[0]
    refused = client.post(
        "/cart/add", data={"product_id": oil.id, "quantity": 7}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Only 5 left in stock." in refused and "Added to your cart." not in refused
    with client.session_transaction() as s:
        assert not s.get("cart"), "nothing was added"
    add(client, oil, 4)
    again = client.post(
        "/cart/add", data={"product_id": oil.id, "quantity": 2}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Only 5 left in stock. You already have 4 in your cart." in again
    oil.on_hand = 3  # the shelf was recounted meanwhile
    session.commit()
    page = client.get("/cart/").get_data(as_text=True)
    assert "Only 3 left in stock." in page
    assert 'href="/checkout/"' not in page, "no checkout until the line is fixed"
    gate = client.get("/checkout/")
    assert gate.status_code == 302 and gate.headers["Location"] == "/cart/"


def test_a_sold_out_product_is_refused_with_sold_out(client, session, shop) -> None:
    oil = shop[0]
    oil.on_hand = 0
    session.commit()
    page = client.post(
        "/cart/add", data={"product_id": oil.id, "quantity": 1}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Sold out." in page


def test_a_product_that_stops_being_sold_stays_in_the_cart_with_a_message(
    client, session, shop
) -> None:
    oil, honey, _ = shop
    add(client, oil)
    add(client, honey)
    honey.sellable = False
    session.commit()
    response = client.get("/cart/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Miel de thym" in page and "No longer available." in page
    client.post(f"/cart/{honey.id}/remove")
    assert 'href="/checkout/"' in client.get("/cart/").get_data(as_text=True)


def test_a_tampered_session_cart_does_not_break_the_page(client, shop) -> None:
    with client.session_transaction() as s:
        s["cart"] = [["x", 1], [shop[0].id, -4], {"a": 1}, [shop[1].id, 2], [424242, 1]]
    response = client.get("/cart/")
    assert response.status_code == 200
    assert "Miel de thym" in response.get_data(as_text=True)


def test_the_cart_is_kept_when_the_guest_logs_in(client, session, shop) -> None:
    oil, honey, masks = shop
    user = User(email="amina@example.ma", name="Amina", phone="+212612345678")
    user.set_password("argan-tree-2026")
    session.add(user)
    session.commit()
    cart_lib.save(session, user.id, {masks.id: 3, oil.id: 1})
    session.commit()
    add(client, oil, 2)
    add(client, honey)
    client.post("/account/login", data={"email": "amina@example.ma", "password": "argan-tree-2026"})
    session.expire_all()
    saved = {line.product_id: line.quantity for line in session.scalars(select(CartLine))}
    assert saved == {masks.id: 3, oil.id: 2, honey.id: 1}
    with client.session_transaction() as s:
        assert "cart" not in s and s["cart_n"] == 6
    add(client, masks, 1)
    session.expire_all()
    assert cart_lib.load(session, user.id)[masks.id] == 4
    client.post("/account/logout")
    assert "Your cart is empty." in client.get("/cart/").get_data(as_text=True)


def test_the_cart_page_makes_a_fixed_number_of_queries(client, make, session, count_queries):
    make.shipping()
    few = [make.product() for _ in range(2)]
    many = [make.product() for _ in range(20)]
    session.commit()
    for product in few:
        add(client, product)
    count_queries.clear()
    assert client.get("/cart/").status_code == 200
    small = len(count_queries)
    for product in many:
        add(client, product)
    count_queries.clear()
    client.get("/cart/")
    assert len(count_queries) == small <= 3


def test_the_product_page_offers_the_cart(client, shop) -> None:
    page = client.get(f"/en/p/{shop[0].slug}").get_data(as_text=True)
    assert 'action="/cart/add"' in page and f'value="{shop[0].id}"' in page


@pytest.mark.translated
def test_the_cart_link_writes_its_count_as_the_page_language_does(client, shop) -> None:
    """What a screen reader hears of the layout's cart link: ``1 200``, not ``1200``."""
    oil, _, _ = shop
    with client.session_transaction() as s:
        s["cart"], s["cart_n"] = [[oil.id, 1200]], 1200
    page = client.get("/fr/regions").get_data(as_text=True)
    assert '<span class="visually-hidden">(1\u202f200 articles)</span>' in page
    page = client.get("/en/regions").get_data(as_text=True)
    assert '<span class="visually-hidden">(1,200 items)</span>' in page
