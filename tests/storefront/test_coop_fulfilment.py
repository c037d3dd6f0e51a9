"""The cooperative fulfils its parts of orders from the back office."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from catalog.db import utcnow
from catalog.models import CapacityCommitment
from catalog.notifications import OutboxMessage
from orders import ledger, payment_attempts
from orders.models import Fulfilment, LedgerEntry
from orders.status import FulfilmentStatus
from tests.conftest import NOW
from tests.storefront.backoffice import login, member


@pytest.fixture
def cooperative(make, session, client):
    coop = make.cooperative(name_fr="Coopérative Tafoukt", phone="+212661234567")
    user = member(session, coop)
    session.commit()
    login(client, user)
    return coop


@pytest.fixture
def cod_part(make, session, cooperative):
    oil = make.product(cooperative, title_fr="Huile d'argan", sku="ARG-250", on_hand=20)
    order = make.order({oil: 2}, method="cod", now=NOW)
    session.commit()
    [part] = order.fulfilments
    assert part.status == FulfilmentStatus.TO_PREPARE
    return part


def test_the_parts_to_prepare_are_listed(client, cod_part, make, session) -> None:
    other = make.product(title_fr="Miel d'une autre coopérative")
    make.order({other: 1}, method="cod", now=NOW)
    session.commit()
    page = client.get("/back-office/orders").get_data(as_text=True)
    assert cod_part.invoice_number in page and "2 × Huile d&#39;argan" in page
    assert "autre coopérative" not in page
    assert "To prepare (1)" in page


def test_the_packing_slip_lists_what_to_pack_and_the_cash_to_collect(client, cod_part) -> None:
    page = client.get(f"/back-office/orders/{cod_part.id}/packing-slip").get_data(as_text=True)
    assert "ARG-250" in page and "<strong>2</strong>" in page
    assert "Amina Alaoui" in page and "12 rue des Orangers" in page
    assert "collect" in page and cod_part.order.phone in page


def test_shipping_needs_a_tracking_number(client, session, cod_part) -> None:
    response = client.post(
        f"/back-office/orders/{cod_part.id}/ship",
        data={"carrier": "amana", "tracking_number": "  "},
        follow_redirects=True,
    )
    assert "Enter the tracking number" in response.get_data(as_text=True)
    session.expire_all()
    assert cod_part.status == FulfilmentStatus.TO_PREPARE


def test_shipped_then_cash_collected_closes_the_part(client, session, cod_part) -> None:
    client.post(
        f"/back-office/orders/{cod_part.id}/ship",
        data={"carrier": "amana", "tracking_number": "CB123456789MA"},
    )
    session.expire_all()
    assert (cod_part.status, cod_part.tracking_number) == (
        FulfilmentStatus.SHIPPED,
        "CB123456789MA",
    )
    topics = session.scalars(select(OutboxMessage.topic)).all()
    assert any(":shipped" in t for t in topics), topics
    client.post(f"/back-office/orders/{cod_part.id}/cash")
    session.expire_all()
    assert cod_part.status == FulfilmentStatus.DELIVERED
    assert cod_part.cash_collected_minor == cod_part.total_minor
    assert (
        ledger.balance_of(session, cod_part.cooperative_id).amount_minor
        == -cod_part.commission_minor
    )
    again = client.post(f"/back-office/orders/{cod_part.id}/cash", follow_redirects=True)
    assert "already recorded" in again.get_data(as_text=True)
    page = client.get("/back-office/activity").get_data(as_text=True)
    assert "Parcel shipped" in page and "Cash collected" in page
    # the stock that left is named by the parcel's number, as its order page names it
    number = cod_part.invoice_number
    assert "Shipped to a buyer" in page and f'<bdi dir="ltr">{number}</bdi>' in page
    assert number in client.get(f"/back-office/orders/{cod_part.id}").get_data(as_text=True)


def test_an_illegal_step_is_refused_with_a_message(client, session, cod_part) -> None:
    response = client.post(f"/back-office/orders/{cod_part.id}/deliver", follow_redirects=True)
    assert "no longer possible" in response.get_data(as_text=True)
    session.expire_all()
    assert cod_part.status == FulfilmentStatus.TO_PREPARE


def test_a_part_paid_online_is_delivered_and_owed(client, session, make, cooperative) -> None:
    oil = make.product(cooperative, on_hand=5)
    order = make.order({oil: 1}, method="bank_transfer", now=NOW)
    payment_attempts.record_bank_transfer(session, order, order.total, reference="VIR-1", now=NOW)
    session.commit()
    [part] = order.fulfilments
    client.post(
        f"/back-office/orders/{part.id}/ship",
        data={"carrier": "amana", "tracking_number": "CB123456789MA"},
    )
    page = client.get(f"/back-office/orders/{part.id}").get_data(as_text=True)
    assert (
        "Mark as delivered" in page and "cash collected" not in page.lower().split("next step")[1]
    )
    client.post(f"/back-office/orders/{part.id}/deliver")
    session.expire_all()
    assert part.status == FulfilmentStatus.DELIVERED
    owed = ledger.balance_of(session, cooperative.id).amount_minor
    assert owed == part.total_minor - part.commission_minor > 0


def test_made_to_order_commitments_are_shown_against_capacity(client, session, make, cooperative):
    masks = make.product(
        cooperative, title_fr="Masque", on_hand=0, made_to_order=True, units_per_day=100
    )
    make.order({masks: 250}, method="cod", now=utcnow())  # the page reads the real clock
    session.commit()
    commitment = session.scalar(select(CapacityCommitment))
    assert commitment.quantity == 250
    page = client.get("/back-office/capacity").get_data(as_text=True)
    assert "Masque" in page and "250 units promised" in page and "on track" in page
    commitment.due_on = utcnow().date() - timedelta(days=1)
    session.commit()
    page = client.get("/back-office/capacity").get_data(as_text=True)
    assert "250 units are overdue." in page and "at risk" in page


def test_the_orders_list_sends_a_fixed_number_of_queries(
    client, session, make, cooperative, count_queries
) -> None:
    products = [make.product(cooperative, on_hand=500) for _ in range(3)]
    make.order({p: 1 for p in products}, method="cod", now=NOW)
    session.commit()
    client.get("/back-office/orders")
    count_queries.clear()
    client.get("/back-office/orders")
    few = len(count_queries)
    for i in range(15):
        make.order({products[i % 3]: 1, products[(i + 1) % 3]: 2}, method="cod", now=NOW)
    session.commit()
    count_queries.clear()
    assert client.get("/back-office/orders").status_code == 200
    assert len(count_queries) == few <= 10, count_queries
    assert session.scalar(select(LedgerEntry.id)) is None
    assert len(session.scalars(select(Fulfilment)).all()) == 16
