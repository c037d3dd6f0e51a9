"""The operator's order desk: find an order, record a bank transfer (part and
over-payments), refund or cancel a part, give money back, clear a flag; each in the
audit log, and the people concerned told."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.audit import AuditEntry
from catalog.notifications import OutboxMessage
from orders import fulfilment
from orders.models import Order
from orders.status import FulfilmentStatus, OrderStatus
from tests.conftest import NOW
from tests.storefront.backoffice import login, operator
from tests.storefront.visible_text import visible_text

pytestmark = pytest.mark.usefixtures("english_pages")


@pytest.fixture
def desk(client, session):
    staff = operator(session)
    session.commit()
    login(client, staff)
    return client


@pytest.fixture
def transfer_order(session, make):
    coop = make.cooperative(name_fr="Coopérative Tighanimine", email="tighanimine@example.ma")
    oil = make.product(coop, on_hand=10, price_minor=10_000)
    order = make.order({oil: 2}, method="bank_transfer", now=NOW)
    session.commit()
    return order


def _actions(session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_the_desk_finds_orders_by_number_phone_and_cooperative(desk, transfer_order) -> None:
    number = transfer_order.number
    for query in (number, "0612345678", "+212 6 12 34 56 78", "tighanimine", "amina@example"):
        page = desk.get("/admin/orders", query_string={"q": query}).get_data(as_text=True)
        assert number in page, query
    assert number not in desk.get("/admin/orders", query_string={"q": "nobody"}).get_data(
        as_text=True
    )
    waiting = desk.get("/admin/orders", query_string={"queue": "awaiting_transfer"})
    assert number in waiting.get_data(as_text=True)
    assert "Awaiting a transfer" in desk.get("/admin/").get_data(as_text=True)


def test_a_part_payment_then_the_rest_confirms_the_order(desk, session, transfer_order) -> None:
    number = transfer_order.number
    total = transfer_order.total_minor
    url = f"/admin/orders/{number}/transfer"
    first = desk.post(
        url,
        data={"amount": "100,00", "received_on": "2026-03-03", "reference": "VIR-1"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Part payment recorded" in first
    session.expire_all()
    order = session.scalar(select(Order))
    assert order.status == OrderStatus.PENDING_PAYMENT and order.amount_paid_minor == 10_000
    rest = f"{(total - 10_000) // 100},{(total - 10_000) % 100:02d}"
    desk.post(url, data={"amount": rest, "received_on": "2026-03-04", "reference": "VIR-2"})
    session.expire_all()
    order = session.scalar(select(Order))
    assert order.status == OrderStatus.CONFIRMED and order.amount_paid_minor == total
    assert order.fulfilments[0].status == FulfilmentStatus.TO_PREPARE
    assert _actions(session).count("order.transfer") == 2
    told = {m.to for m in session.scalars(select(OutboxMessage))}
    assert "tighanimine@example.ma" in told  # the cooperative's purchase order
    page = desk.get(f"/admin/orders/{number}").get_data(as_text=True)
    assert "VIR-1" in page and "VIR-2" in page and "Bank transfer received" in page


def test_an_over_payment_is_owed_back_and_given_back(desk, session, transfer_order) -> None:
    number = transfer_order.number
    over = transfer_order.total_minor + 5_000
    desk.post(
        f"/admin/orders/{number}/transfer",
        data={
            "amount": f"{over // 100},{over % 100:02d}",
            "received_on": "2026-03-03",
            "reference": "VIR-9",
        },
    )
    session.expire_all()
    order = session.scalar(select(Order))
    assert order.status == OrderStatus.CONFIRMED and order.needs_attention
    assert order.refund_owed_minor == 5_000
    owed = desk.get("/admin/orders", query_string={"queue": "refund_due"}).get_data(as_text=True)
    assert number in owed
    too_much = desk.post(
        f"/admin/orders/{number}/refund-paid",
        data={"amount": "60", "reference": "VIR-BACK"},
        follow_redirects=True,
    )
    assert "more than what is owed" in too_much.get_data(as_text=True)
    desk.post(f"/admin/orders/{number}/refund-paid", data={"amount": "50", "reference": "VIR-BACK"})
    desk.post(f"/admin/orders/{number}/attention", data={"note": "Over-payment sent back"})
    session.expire_all()
    order = session.scalar(select(Order))
    assert order.refund_owed_minor == 0 and not order.needs_attention
    assert {"order.refund_paid", "order.attention_cleared"} <= set(_actions(session))


def test_bad_transfer_input_changes_nothing(desk, session, transfer_order) -> None:
    number = transfer_order.number
    for data in (
        {"amount": "douze", "received_on": "2026-03-03", "reference": "V"},
        {"amount": "-5", "received_on": "2026-03-03", "reference": "V"},
        {"amount": "5", "received_on": "pas une date", "reference": "V"},
        {"amount": "5", "received_on": "2026-03-03", "reference": ""},
    ):
        response = desk.post(f"/admin/orders/{number}/transfer", data=data)
        assert response.status_code == 302
    session.expire_all()
    assert session.scalar(select(Order)).amount_paid_minor == 0
    assert "order.transfer" not in _actions(session)


def test_an_unpaid_part_is_cancelled_and_a_paid_one_refunded(desk, session, make) -> None:
    coop = make.cooperative(email="coop@example.ma")
    oil = make.product(coop, on_hand=10, price_minor=10_000)
    cod = make.order({oil: 3}, now=NOW)
    session.commit()
    desk.post(f"/admin/orders/{cod.number}/parts/1/cancel", data={"reason": "Out of stock"})
    session.expire_all()
    assert session.get(Order, cod.id).fulfilments[0].status == FulfilmentStatus.CANCELLED
    assert oil.available == 10
    messages = {m.topic for m in session.scalars(select(OutboxMessage))}
    assert f"order:{cod.number}:cancelled:1" in messages
    assert f"order:{cod.number}:part:1:cancelled" in messages  # the cooperative is told

    paid = make.order({oil: 1}, method="bank_transfer", now=NOW)
    session.commit()
    total = paid.total_minor
    desk.post(
        f"/admin/orders/{paid.number}/transfer",
        data={
            "amount": f"{total // 100},{total % 100:02d}",
            "received_on": "2026-03-03",
            "reference": "V1",
        },
    )
    cancel = desk.post(
        f"/admin/orders/{paid.number}/parts/1/cancel",
        data={"reason": "x"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "refund it instead" in cancel
    desk.post(f"/admin/orders/{paid.number}/parts/1/refund", data={"reason": "Damaged"})
    session.expire_all()
    order = session.get(Order, paid.id)
    assert order.fulfilments[0].status == FulfilmentStatus.REFUNDED
    assert order.refund_owed_minor == total  # a transfer is given back by hand
    assert "order.part_refund" in _actions(session)


def test_a_shopper_cannot_use_the_desk(client, session, transfer_order) -> None:
    assert client.get("/admin/orders").status_code in (302, 403, 404)
    assert client.post(f"/admin/orders/{transfer_order.number}/transfer").status_code in (
        302,
        403,
        404,
    )


@pytest.mark.translated
def test_the_order_page_names_the_carrier_in_the_readers_language(desk, session, make) -> None:
    coop = make.cooperative()
    oil = make.product(coop, on_hand=10, price_minor=10_000)
    order = make.order({oil: 1}, now=NOW)
    fulfilment.mark_shipped(
        session, order.fulfilments[0], "CB123456789MA", carrier="amana", now=NOW
    )
    session.commit()
    for lang, name in (("ar", "أمانة"), ("fr", "Amana")):
        desk.set_cookie("lang", lang)
        page = desk.get(f"/admin/orders/{order.number}").get_data(as_text=True)
        text = " ".join(visible_text(page))
        assert text.count(name) == 2, lang  # the parcel and the history
        assert "amana" not in text, lang
