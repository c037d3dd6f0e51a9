"""Checkout as a guest with cash on delivery: details, a review with each parcel's
shipping price, confirmation; tampered or stale input changes nothing."""

import re

import pytest
from sqlalchemy import func, select

from catalog.accounts.users import Organisation, Role, User
from catalog.models import Product
from catalog.notifications import OutboxMessage
from orders.models import Order
from orders.status import FulfilmentStatus, OrderStatus
from tests.storefront.shopping import DETAILS, add, checkout, confirm_fields

# pages in English: the tests read the messages as written in the code
pytestmark = pytest.mark.usefixtures("english_pages")


def _orders(session) -> int:
    return session.scalar(select(func.count(Order.id)))


def test_a_guest_buys_from_three_cooperatives_cash_on_delivery(client, session, shop) -> None:
    oil, honey, masks = shop
    add(client, oil, 2)
    add(client, honey)
    add(client, masks, 10)
    client.post("/checkout/", data=DETAILS)
    review = client.get("/checkout/review").get_data(as_text=True)
    # each parcel with its own shipping price, shown before confirmation
    assert review.count("Parcel total") == 3
    assert "same region" in review and "another region" in review and "remote region" in review
    assert "Cash-on-delivery fee" in review
    response = client.post("/checkout/confirm", data=confirm_fields(review))
    order = session.scalar(select(Order))
    assert response.headers["Location"] == f"/orders/{order.number}"
    assert order.status == OrderStatus.CONFIRMED and order.payment_method == "cod"
    assert len(order.fulfilments) == 3
    assert {p.status for p in order.fulfilments} == {FulfilmentStatus.TO_PREPARE}
    assert order.user_id is None and order.phone == "+212612345678"
    assert (order.region_code, order.province_code) == ("06", "06.141")
    session.expire_all()
    assert (oil.available, honey.available, masks.available) == (3, 2, 40)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert order.number in page and page.count("Being prepared") == 3
    with client.session_transaction() as s:
        assert not s.get("cart") and "checkout" not in s
    topics = session.scalars(select(OutboxMessage.topic)).all()
    assert f"order:{order.number}:confirmed" in topics
    argan = next(p for p in order.fulfilments if p.cooperative_id == oil.cooperative_id)
    assert f"order:{order.number}:part:{argan.position}" in topics, "its cooperative is told"
    assert len([t for t in topics if ":part:" in t]) == 1, "only cooperatives with an e-mail"


def test_the_confirmation_mail_is_in_the_shoppers_language(client, session, shop) -> None:
    client.set_cookie("lang", "ar")
    add(client, shop[0])
    checkout(client)
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.topic.like("%confirmed")))
    assert mail.language == "ar" and mail.to == "amina@example.ma"
    order = session.scalar(select(Order))
    assert order.language == "ar" and order.number in mail.subject


def test_a_double_submit_places_one_order(client, session, shop) -> None:
    add(client, shop[0])
    client.post("/checkout/", data=DETAILS)
    fields = confirm_fields(client.get("/checkout/review").get_data(as_text=True))
    first = client.post("/checkout/confirm", data=fields)
    second = client.post("/checkout/confirm", data=fields)
    assert first.status_code == second.status_code == 302
    assert _orders(session) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "12345", "Enter a Moroccan phone number"),
        ("province", "99.999", "Not a valid choice"),
        ("province", "", "Choose the province or prefecture to deliver to."),
        ("province", "06.141.01.00", "Not a valid choice"),
        ("payment_method", "bank_transfer", "Not a valid choice"),
        ("payment_method", "card", "Not a valid choice"),
        ("delivery_option", "drone", "Not a valid choice"),
        ("address", "x", "Field must be between 5 and 500 characters long."),
        ("email", "not-an-email", "Invalid email address."),
    ],
)
def test_tampered_or_bad_details_are_refused(client, session, shop, field, value, message):
    add(client, shop[0])
    client.set_cookie("lang", "en")
    response = client.post("/checkout/", data=dict(DETAILS, **{field: value}))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with client.session_transaction() as s:
        assert "checkout" not in s


def test_the_review_needs_details_and_a_cart(client, shop) -> None:
    assert client.get("/checkout/review").headers["Location"] == "/checkout/"
    assert client.get("/checkout/").headers["Location"] == "/cart/"


def test_a_tampered_confirmation_changes_nothing(client, session, shop) -> None:
    add(client, shop[0])
    client.post("/checkout/", data=DETAILS)
    fields = confirm_fields(client.get("/checkout/review").get_data(as_text=True))
    for bad in (
        dict(fields, token="forged"),
        dict(fields, expected_total="-1"),
        dict(fields, expected_total="1"),
        dict(fields, expected_total="9" * 30),
        dict(fields, expected_total="\u00b2"),  # a digit to str.isdigit(), not to int()
        {},
    ):
        response = client.post("/checkout/confirm", data=bad, follow_redirects=True)
        assert response.status_code == 200
    assert _orders(session) == 0
    client.set_cookie("lang", "en")
    page = client.post(
        "/checkout/confirm", data=dict(fields, expected_total="1"), follow_redirects=True
    ).get_data(as_text=True)
    assert "check the new total" in page


def test_a_price_change_after_review_shows_the_new_total(client, session, shop) -> None:
    oil = shop[0]
    add(client, oil)
    client.post("/checkout/", data=DETAILS)
    fields = confirm_fields(client.get("/checkout/review").get_data(as_text=True))
    oil.price_minor = 13_000
    session.commit()
    response = client.post("/checkout/confirm", data=fields)
    assert response.headers["Location"] == "/checkout/review"
    assert _orders(session) == 0
    review = client.get("/checkout/review").get_data(as_text=True)
    assert "130.00" in review


def test_stock_gone_before_confirmation_says_how_many_are_left(client, session, shop) -> None:
    oil = shop[0]
    add(client, oil, 4)
    client.post("/checkout/", data=DETAILS)
    fields = confirm_fields(client.get("/checkout/review").get_data(as_text=True))
    session.execute(Product.__table__.update().where(Product.id == oil.id).values(on_hand=1))
    session.commit()
    response = client.post("/checkout/confirm", data=fields, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "only 1 left" in page and response.request.path == "/cart/"
    assert _orders(session) == 0
    session.expire_all()
    assert oil.available == 1


def test_an_account_holder_finds_the_order_in_the_history(client, session, shop) -> None:
    user = User(email="amina@example.ma", name="Amina Alaoui", phone="+212612345678")
    user.set_password("argan-tree-2026")
    session.add(user)
    session.commit()
    client.post("/account/login", data={"email": user.email, "password": "argan-tree-2026"})
    add(client, shop[0])
    assert 'value="Amina Alaoui"' in client.get("/checkout/").get_data(as_text=True)
    checkout(client)
    order = session.scalar(select(Order))
    assert order.user_id == user.id
    assert order.number in client.get("/orders/").get_data(as_text=True)


def test_institutions_may_pay_by_bank_transfer(client, session, shop) -> None:
    org = Organisation(name="Association Amal", status="verified")
    session.add(org)
    session.flush()
    user = User(
        email="amal@example.ma", name="Amal", role=Role.ORGANISATION, organisation_id=org.id
    )
    user.set_password("argan-tree-2026")
    session.add(user)
    session.commit()
    client.post("/account/login", data={"email": user.email, "password": "argan-tree-2026"})
    add(client, shop[1])
    client.set_cookie("lang", "en")
    assert "Bank transfer" in client.get("/checkout/").get_data(as_text=True)
    response = checkout(client, payment_method="bank_transfer")
    order = session.scalar(select(Order))
    assert order.status == OrderStatus.PENDING_PAYMENT and order.organisation_id == org.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert order.number in page and "reference" in page.lower()
    topics = session.scalars(select(OutboxMessage.topic)).all()
    assert f"order:{order.number}:awaiting_transfer" in topics


def test_checkout_works_with_csrf_protection_on(app, session, shop) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    product_page = client.get(f"/en/p/{shop[0].slug}").get_data(as_text=True)
    assert 'action="/cart/add"' in product_page and "csrf_token" not in product_page
    added = {"product_id": shop[0].id, "quantity": 1}
    assert client.post("/cart/add", data=added).status_code == 400, "from nowhere"
    client.post("/cart/add", data=added, headers={"Sec-Fetch-Site": "same-origin"})
    form = client.get("/checkout/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    client.post("/checkout/", data=dict(DETAILS, csrf_token=token))
    review = client.get("/checkout/review").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', review).group(1)
    response = client.post("/checkout/confirm", data=dict(confirm_fields(review), csrf_token=token))
    assert response.status_code == 302 and _orders(session) == 1


def test_confirming_reads_the_products_once_and_prices_once(
    client, session, shop, count_queries
) -> None:
    for product in shop:
        add(client, product)
    client.post("/checkout/", data=DETAILS)
    review = client.get("/checkout/review").get_data(as_text=True)
    count_queries.clear()
    response = client.post("/checkout/confirm", data=confirm_fields(review))
    assert response.status_code == 302 and response.headers["Location"].startswith("/orders/")
    product_reads = [
        s
        for s in count_queries
        if s.lstrip().upper().startswith("SELECT")
        and "FROM catalog_product" in s
        and not s.rstrip().endswith("FOR NO KEY UPDATE")
    ]
    assert len(product_reads) == 1, product_reads
    # on PostgreSQL the stock's rows are locked in id order before the one UPDATE that
    # takes them (a lock that reads only ids; SQLite's transaction holds the write lock)
    locks = sum("FOR NO KEY UPDATE" in s for s in count_queries)
    assert locks == (0 if session.bind.dialect.name == "sqlite" else 1)
    # three parcels: the order, its parts and lines, three stock updates, the catalog
    # stamp (two products now show "only N left"), the events and two e-mails; the
    # cooperatives' members in one query, and an operator task (a look-up and an insert)
    # for each of the two cooperatives nobody can reach; nothing read twice (32
    # statements when the cart was priced twice, before the tasks and the stamp)
    assert len(count_queries) - locks <= 33, "\n".join(count_queries)


@pytest.mark.translated
def test_the_province_starts_empty_and_a_form_without_one_is_refused(client, session, shop):
    """No silent default: the first option is an empty "Choose…", which ``required``
    catches in the browser; the server refuses a form without a province too."""
    add(client, shop[0])
    client.set_cookie("lang", "fr")
    page = client.get("/checkout/").get_data(as_text=True)
    select = re.search(r'<select[^>]*id="province"[^>]*>(.*?)</select>', page, re.S)
    assert select and "required" in select.group(0).split(">")[0]
    first = re.search(r"<option[^>]*>[^<]*</option>", select.group(1)).group(0)
    assert 'value=""' in first and "Choisissez…" in first
    assert "selected" not in select.group(1)
    without = {k: v for k, v in DETAILS.items() if k != "province"}
    response = client.post("/checkout/", data=without)
    assert response.status_code == 200
    assert "Choisissez la province ou la préfecture de livraison." in response.get_data(
        as_text=True
    )
    with client.session_transaction() as s:
        assert "checkout" not in s


def test_contact_fields_open_the_right_keyboard_and_autofill(client, shop):
    add(client, shop[0])
    page = client.get("/checkout/").get_data(as_text=True)
    inputs = {
        m.group(1): m.group(0)
        for m in re.finditer(r'<(?:input|textarea)[^>]*\bid="(\w+)"[^>]*>', page)
    }
    assert 'type="tel"' in inputs["phone"] and 'inputmode="tel"' in inputs["phone"]
    assert 'autocomplete="tel"' in inputs["phone"]
    assert 'type="email"' in inputs["email"] and 'autocomplete="email"' in inputs["email"]
    assert 'autocomplete="name"' in inputs["name"]
    assert 'autocomplete="street-address"' in inputs["address"]
    assert 'autocomplete="address-level2"' in inputs["city"]
    track = client.get("/orders/track").get_data(as_text=True)
    phone = re.search(r'<input[^>]*\bid="phone"[^>]*>', track).group(0)
    assert 'type="tel"' in phone and 'autocomplete="tel"' in phone
