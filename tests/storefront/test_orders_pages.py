"""Order pages: tracking by number + phone for guests, history for accounts, the order
followed to delivery, printable invoices, and the expiry job."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from catalog.accounts.users import User
from catalog.db import utcnow
from catalog.notifications import OutboxMessage
from orders import fulfilment, ledger
from orders.models import Fulfilment, Order
from orders.status import OrderStatus
from storefront.extensions import db
from storefront.orders import notify
from tests.mailbox import smtp_server, text_of
from tests.storefront.shopping import add, checkout

# pages in English: the tests read the messages as written in the code
pytestmark = pytest.mark.usefixtures("english_pages")


@pytest.fixture
def placed(client, session, shop):
    """A guest's cash-on-delivery order from three cooperatives."""
    for product in shop:
        add(client, product)
    checkout(client)
    return session.scalar(select(Order))


def test_another_visitor_cannot_open_the_order(app, placed) -> None:
    stranger = app.test_client()
    assert stranger.get(f"/orders/{placed.number}").status_code == 404
    assert stranger.get(f"/orders/{placed.number}/invoice/1").status_code == 404
    assert stranger.post(f"/orders/{placed.number}/cancel").status_code == 404
    assert stranger.get("/orders/TW-AAA-AAA").status_code == 404


@pytest.mark.parametrize(
    ("number", "phone"),
    [("{n}", "+212612345678"), ("{n_lower}", "06 12 34 56 78"), ("{n_compact}", "0612345678")],
)
def test_a_guest_tracks_the_order_by_number_and_phone(app, placed, number, phone) -> None:
    stranger = app.test_client()
    typed = number.format(
        n=placed.number, n_lower=placed.number.lower(), n_compact=placed.number.replace("-", " ")
    )
    response = stranger.post("/orders/track", data={"number": typed, "phone": phone})
    assert response.headers["Location"] == f"/orders/{placed.number}"
    assert stranger.get(f"/orders/{placed.number}").status_code == 200


def test_a_wrong_phone_or_number_gets_the_same_answer(app, placed) -> None:
    stranger = app.test_client()
    stranger.set_cookie("lang", "en")
    answers = set()
    for number, phone in (
        (placed.number, "0699999999"),
        ("TW-AAA-AAA", "0612345678"),
        ("not a number", "0612345678"),
        (placed.number, "garbage"),
    ):
        response = stranger.post("/orders/track", data={"number": number, "phone": phone})
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "We found no order with this number and phone." in page
        answers.add(page.replace(number, "").replace(phone, ""))
    assert len(answers) == 1
    assert stranger.get(f"/orders/{placed.number}").status_code == 404


def test_guessing_is_slowed_down(app, placed) -> None:
    stranger = app.test_client()
    for _ in range(10):
        stranger.post("/orders/track", data={"number": "TW-AAA-AAA", "phone": "0612345678"})
    response = stranger.post("/orders/track", data={"number": placed.number, "phone": "0612345678"})
    assert response.status_code == 429


def test_the_order_is_followed_to_delivery(client, session, placed) -> None:
    now = utcnow()
    first = placed.fulfilments[0]
    fulfilment.mark_shipped(session, first, "CB123456789MA", now=now)
    session.commit()
    page = client.get(f"/orders/{placed.number}").get_data(as_text=True)
    assert "CB123456789MA" in page and "Shipped" in page
    for part in placed.fulfilments:
        if part.status == "to_prepare":
            fulfilment.mark_shipped(session, part, "T", now=now)
        fulfilment.record_cash_collected(session, part, now=now + timedelta(days=2))
    session.commit()
    page = client.get(f"/orders/{placed.number}").get_data(as_text=True)
    assert "Order completed" in page and page.count("Delivered") >= 3
    assert placed.status == OrderStatus.COMPLETED
    # each cooperative kept the cash and owes the commission
    owed = {b.cooperative_id: b.balance.amount_minor for b in ledger.balances(session)}
    assert owed == {p.cooperative_id: -p.commission_minor for p in placed.fulfilments}


def test_status_mails_reach_the_shopper_over_smtp(app, runner, session, placed) -> None:
    with smtp_server() as (port, inbox):
        with app.test_request_context():  # as the cooperative back office does
            part = db.session.get(Fulfilment, placed.fulfilments[0].id)
            fulfilment.mark_shipped(db.session, part, "CB987MA", now=utcnow())
            notify.part_shipped(part)
            db.session.commit()
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        result = runner.invoke(args=["mail", "send"])
        assert "0 failed" in result.output
    subjects = [m["Subject"] for m in inbox.messages]
    assert any(placed.number in s and "on its way" in s for s in subjects)
    shipped = next(m for m in inbox.messages if "on its way" in m["Subject"])
    body = text_of(shipped)
    assert "CB987MA" in body and f"/orders/{placed.number}" in body


def test_invoices_carry_the_cooperatives_ice_and_vat_mention(client, placed) -> None:
    for part in placed.fulfilments:
        page = client.get(f"/orders/{placed.number}/invoice/{part.position}").get_data(as_text=True)
        assert part.invoice_number in page and part.cooperative_ice in page
        assert part.cooperative_name in page
        exempt = "TVA non applicable (coopérative exonérée)" in page
        assert exempt == part.cooperative_vat_exempt
    assert client.get(f"/orders/{placed.number}/invoice/9").status_code == 404


def test_a_shopper_cancels_before_anything_ships(client, session, placed, shop) -> None:
    response = client.post(f"/orders/{placed.number}/cancel", follow_redirects=True)
    assert "Your order is cancelled." in response.get_data(as_text=True)
    session.expire_all()
    assert placed.status == OrderStatus.CANCELLED
    assert [p.available for p in shop] == [5, 3, 50]
    assert f"order:{placed.number}:cancelled" in session.scalars(select(OutboxMessage.topic)).all()
    again = client.post(f"/orders/{placed.number}/cancel", follow_redirects=True)
    assert "can no longer be cancelled" in again.get_data(as_text=True)


def test_no_cancelling_once_a_parcel_left(client, session, placed) -> None:
    fulfilment.mark_shipped(session, placed.fulfilments[0], "T", now=utcnow())
    session.commit()
    page = client.get(f"/orders/{placed.number}").get_data(as_text=True)
    assert "Cancel this order" not in page
    client.post(f"/orders/{placed.number}/cancel")
    session.expire_all()
    assert placed.status == OrderStatus.CONFIRMED


def test_expire_reservations_command(runner, session, make) -> None:
    order = make.order(method="card", now=utcnow() - timedelta(hours=3))
    session.commit()
    result = runner.invoke(args=["orders", "expire-reservations"])
    assert "1 reservation(s) expired." in result.output
    session.expire_all()
    assert order.status == OrderStatus.EXPIRED
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.topic.like("%expired")))
    assert mail.to == order.email and "http://" in mail.body_text
    assert "0 reservation(s)" in runner.invoke(args=["orders", "expire-reservations"]).output


def test_history_and_order_pages_make_a_fixed_number_of_queries(
    client, session, make, count_queries
) -> None:
    user = User(email="amina@example.ma", name="Amina", phone="+212612345678")
    user.set_password("argan-tree-2026")
    session.add(user)
    session.commit()
    client.post("/account/login", data={"email": user.email, "password": "argan-tree-2026"})

    def order(parts: int) -> Order:
        placed = make.order({make.product(): 1 for _ in range(parts)}, user_id=user.id)
        session.commit()
        return placed

    small = order(1)
    count_queries.clear()
    assert client.get("/orders/").status_code == 200
    history_one = len(count_queries)
    count_queries.clear()
    assert client.get(f"/orders/{small.number}").status_code == 200
    detail_one = len(count_queries)

    big = order(6)
    for _ in range(5):
        order(2)
    count_queries.clear()
    client.get("/orders/")
    assert len(count_queries) == history_one <= 5
    count_queries.clear()
    client.get(f"/orders/{big.number}")
    assert len(count_queries) == detail_one <= 8
