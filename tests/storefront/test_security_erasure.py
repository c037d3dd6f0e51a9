"""Erasure erases and export tells everything (finding 2): the copy of a guest's
delivery address in the cooperative's message goes with the rest, the export lists
it first; a guest reaches their order's data by number + phone + a code sent to that
phone, without letting a stranger learn which orders exist; an account holder
downloads and erases their data from their account."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from catalog.notifications import Channel, OutboxMessage
from orders.models import Order
from orders.status import OrderStatus
from tests.storefront.shopping import add, checkout, confirm_fields

pytestmark = pytest.mark.usefixtures("english_pages", "texting")


@pytest.fixture
def texting(app):
    """An SMS provider is configured: codes can reach phones."""
    app.config.update(SMS_API_BASE="http://127.0.0.1:9", SMS_API_KEY="test-key")
    return app


SECRET_ADDRESS = "Derb Secret 7, Medina"


def _place(client, session, **details):
    """Check out; a first cash-on-delivery order from a phone confirms it with the code
    sent to that phone."""
    response = checkout(client, **details)
    if response.headers["Location"] == "/checkout/code":
        client.post("/checkout/code", data={"code": _code(session)})
        review = client.get("/checkout/review").get_data(as_text=True)
        response = client.post("/checkout/confirm", data=confirm_fields(review))
    assert response.headers["Location"].startswith("/orders/")


@pytest.fixture
def guest_order(client, session, shop):
    add(client, shop[0])
    _place(client, session, name="Fatima Privacy", phone="0661424242", address=SECRET_ADDRESS)
    order = session.scalar(select(Order))
    order.status = OrderStatus.COMPLETED  # delivered: nothing left to send to the address
    session.commit()
    return order


def _bodies(session) -> list[str]:
    session.expire_all()
    return [m.body_text for m in session.scalars(select(OutboxMessage))]


def _code(session, phone="+212661424242") -> str:
    session.expire_all()
    sms = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.channel == Channel.SMS, OutboxMessage.to == phone)
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert sms is not None, "a code went to the phone"
    found = re.search(r"\b(\d{6})\b", sms.body_text)
    assert found
    return found.group(1)


def test_the_cooperatives_copy_of_the_address_is_exported_then_erased(
    runner, session, guest_order
) -> None:
    assert any(SECRET_ADDRESS in b for b in _bodies(session)), "the cooperative was told"
    exported = runner.invoke(args=["privacy", "export", "amina@example.ma"])
    assert exported.exit_code == 0
    data = json.loads(exported.output)["data"]
    assert any(SECRET_ADDRESS in m["body_text"] for m in data["messages"])
    erased = runner.invoke(args=["privacy", "erase", "amina@example.ma", "--yes"])
    assert erased.exit_code == 0, erased.output
    assert "Kept: 1 order lines" in erased.output and "law 9-88" in erased.output
    assert not any("Fatima" in b or "661424242" in b or "Derb" in b for b in _bodies(session))
    order = session.get(Order, guest_order.id)
    assert (order.customer_name, order.phone, order.address) == ("—", "", "")


def test_a_guest_downloads_and_erases_an_order_with_a_code(client, app, session, guest_order):
    order_page = client.get(f"/orders/{guest_order.number}").get_data(as_text=True)
    assert 'href="/privacy/order"' in order_page, "the order page leads to its data"
    client = app.test_client()  # another browser than the one that placed the order
    asked = client.post(
        "/privacy/order", data={"number": guest_order.number, "phone": "06 61 42 42 42"}
    )
    assert asked.headers["Location"] == "/privacy/order/code"
    wrong = client.post("/privacy/order/code", data={"code": "12345"})
    assert "This code is not right" in wrong.get_data(as_text=True)
    right = client.post("/privacy/order/code", data={"code": _code(session)})
    assert right.headers["Location"] == "/privacy/order/data"
    page = client.get("/privacy/order/data").get_data(as_text=True)
    assert guest_order.number in page and "law 9-88" in page
    download = client.get("/privacy/order/data/download")
    assert download.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(download.get_data())["data"]
    assert data["orders"][0]["address"] == SECRET_ADDRESS
    refused = client.post("/privacy/order/erase", data={})
    assert refused.status_code == 200 and "This field is required" in refused.get_data(as_text=True)
    done = client.post("/privacy/order/erase", data={"confirm": "y"}, follow_redirects=True)
    assert "Your personal data is erased" in done.get_data(as_text=True)
    session.expire_all()
    order = session.get(Order, guest_order.id)
    assert (order.customer_name, order.address, order.phone) == ("—", "", "")
    assert order.total_minor > 0 and len(order.lines) == 1
    assert not any("Derb" in b or "Fatima" in b for b in _bodies(session))
    assert client.get("/privacy/order/data").status_code == 302, "the proof is used up"


def test_an_unknown_order_gets_the_same_answer_and_no_text_message(
    client, session, guest_order
) -> None:
    answers = []
    for number, phone in ((guest_order.number, "0699999999"), ("TW-ZZZ-ZZZ", "0661424242")):
        response = client.post(
            "/privacy/order", data={"number": number, "phone": phone}, follow_redirects=True
        )
        answers.append(response.get_data(as_text=True).count("a code is on its way"))
    assert answers == [1, 1]
    session.expire_all()
    sent = select(func.count()).where(OutboxMessage.topic == "code:privacy")
    assert session.scalar(sent) == 0
    page = client.post("/privacy/order/code", data={"code": "000000"}).get_data(as_text=True)
    assert "This code is not right, or it has expired" in page


def test_guessing_is_limited_per_browser(client, guest_order) -> None:
    for _ in range(5):
        client.post("/privacy/order", data={"number": "TW-ZZZ-ZZZ", "phone": "0661424242"})
    blocked = client.post(
        "/privacy/order", data={"number": guest_order.number, "phone": "0661424242"}
    )
    assert blocked.status_code == 429


def test_an_account_holder_downloads_then_erases_their_data(client, session, make) -> None:
    from catalog.accounts.users import Role, User

    user = User(email="amina@example.ma", name="Amina Alaoui", phone="+212612345678")
    user.role = Role.SHOPPER
    user.set_password("argan-tree-2026")
    session.add(user)
    session.flush()
    make.order(email="amina@example.ma", user_id=user.id).status = OrderStatus.COMPLETED
    session.commit()
    client.post("/account/login", data={"email": user.email, "password": "argan-tree-2026"})
    assert "My personal data" in client.get("/account/").get_data(as_text=True)
    page = client.get("/privacy/my-data").get_data(as_text=True)
    assert "Erase my data and close my account" in page and "law 9-88" in page
    data = json.loads(client.get("/privacy/my-data/download").get_data())["data"]
    assert data["account"][0]["email"] == "amina@example.ma" and len(data["orders"]) == 1
    wrong = client.post("/privacy/my-data/erase", data={"password": "nope", "confirm": "y"})
    assert "Wrong password" in wrong.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, user.id).name == "Amina Alaoui"
    done = client.post(
        "/privacy/my-data/erase",
        data={"password": "argan-tree-2026", "confirm": "y"},
        follow_redirects=True,
    )
    assert "Your personal data is erased" in done.get_data(as_text=True)
    session.expire_all()
    erased = session.get(User, user.id)
    assert (erased.name, erased.active) == ("", False) and "amina" not in erased.email
    assert client.get("/privacy/my-data").status_code == 302, "logged out"


def test_an_open_order_is_not_erased_from_the_screen(client, session, shop) -> None:
    add(client, shop[0])
    _place(client, session, phone="0661424242")
    order = session.scalar(select(Order))
    client.post("/privacy/order", data={"number": order.number, "phone": "0661424242"})
    client.post("/privacy/order/code", data={"code": _code(session)})
    page = client.post("/privacy/order/erase", data={"confirm": "y"}, follow_redirects=True)
    assert "still on their way" in page.get_data(as_text=True)
    session.expire_all()
    assert session.get(Order, order.id).address.startswith("12 rue")


def test_without_text_messages_the_page_says_where_to_write(app, client) -> None:
    app.config.update(SMS_API_BASE="", PRIVACY_CONTACT_EMAIL="dpo@example.ma")
    page = client.get("/privacy/order").get_data(as_text=True)
    assert "We cannot send text messages" in page and "dpo@example.ma" in page
    assert client.post("/privacy/order", data={"number": "TW-AAA-AAA"}).status_code == 200
