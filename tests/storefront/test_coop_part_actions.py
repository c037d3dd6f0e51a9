"""What a cooperative does when a part does not go as planned: it cannot send it, it
typed the wrong tracking number, or the cash-on-delivery parcel was refused at the
door and came back."""

import pytest
from sqlalchemy import select

from catalog.audit import AuditEntry
from catalog.notifications import OutboxMessage
from orders import ledger
from orders.models import Fulfilment, LedgerEntry, Order
from orders.status import FulfilmentStatus, OrderStatus
from tests.conftest import NOW
from tests.storefront.backoffice import login, member

pytestmark = pytest.mark.usefixtures("english_pages")


@pytest.fixture
def cooperative(make, session, client):
    coop = make.cooperative(name_fr="Coopérative Tafoukt")
    user = member(session, coop)
    session.commit()
    login(client, user)
    return coop


@pytest.fixture
def oil(make, session, cooperative):
    product = make.product(cooperative, on_hand=20, price_minor=10_000)
    session.commit()
    return product


@pytest.fixture
def cod_part(make, session, oil):
    order = make.order({oil: 2}, method="cod", now=NOW)
    session.commit()
    return order.fulfilments[0]


def _ship(client, part, carrier="amana", number="CB123456789MA"):
    return client.post(
        f"/back-office/orders/{part.id}/ship",
        data={"carrier": carrier, "tracking_number": number},
        follow_redirects=True,
    )


def _part(session, part) -> Fulfilment:
    session.expire_all()
    return session.get(Fulfilment, part.id)


@pytest.mark.parametrize(
    ("carrier", "number"), [("amana", "x"), ("amana", "CB12345678MA"), ("aramex", "CB123456789MA")]
)
def test_a_tracking_number_must_have_the_carriers_shape(
    client, session, cod_part, carrier, number
) -> None:
    page = _ship(client, cod_part, carrier, number).get_data(as_text=True)
    assert "is not a" in page and "tracking number" in page
    assert _part(session, cod_part).status == FulfilmentStatus.TO_PREPARE


def test_a_tracking_number_is_corrected_after_shipping(client, session, cod_part) -> None:
    _ship(client, cod_part, "amana", "cb 123456789 ma")
    assert _part(session, cod_part).tracking_number == "CB123456789MA"
    client.post(
        f"/back-office/orders/{cod_part.id}/tracking",
        data={"carrier": "aramex", "tracking_number": "41234567890"},
    )
    part = _part(session, cod_part)
    assert (part.carrier, part.tracking_number) == ("aramex", "41234567890")
    kinds = [e.kind for e in part.order.events]
    assert "tracking_corrected" in kinds
    page = client.get(f"/orders/{part.order.number}")  # not the shopper: 404
    assert page.status_code == 404


def test_an_unpaid_part_the_cooperative_cannot_send_is_cancelled(
    client, session, cod_part, oil
) -> None:
    response = client.post(f"/back-office/orders/{cod_part.id}/cancel", data={"reason": ""})
    assert response.status_code == 302
    assert _part(session, cod_part).status == FulfilmentStatus.TO_PREPARE
    client.post(f"/back-office/orders/{cod_part.id}/cancel", data={"reason": "Olive harvest lost"})
    part = _part(session, cod_part)
    assert part.status == FulfilmentStatus.CANCELLED
    assert session.get(type(oil), oil.id).available == 20  # the allocation is released
    told = session.scalars(select(OutboxMessage)).all()
    assert any("Olive harvest lost" in m.body_text and m.to == "amina@example.ma" for m in told)
    assert "order.cancel" in set(session.scalars(select(AuditEntry.action)))
    # the cooperative cancelled it: it is not mailed about its own act
    assert [m.topic for m in told if m.to == "amina@example.ma"] == [
        f"order:{part.order.number}:cancelled:1"
    ]
    assert not [m for m in told if m.topic.endswith(":part:1:cancelled")]


def test_a_parcel_refused_at_the_door_comes_back_owing_nothing(
    client, session, cod_part, oil
) -> None:
    _ship(client, cod_part)
    page = client.get(f"/back-office/orders/{cod_part.id}").get_data(as_text=True)
    assert "Refused at the door" in page
    client.post(f"/back-office/orders/{cod_part.id}/refused")
    part = _part(session, cod_part)
    assert part.status == FulfilmentStatus.REFUSED
    assert session.get(type(oil), oil.id).on_hand == 18  # still on its way back
    client.post(f"/back-office/orders/{cod_part.id}/returned")
    part = _part(session, cod_part)
    assert part.status == FulfilmentStatus.RETURNED
    assert session.get(type(oil), oil.id).on_hand == 20
    order = session.get(Order, part.order_id)
    assert order.status == OrderStatus.CANCELLED
    # no commission, nothing owed either way
    assert session.scalars(select(LedgerEntry)).all() == []
    assert all(b.balance.amount_minor == 0 for b in ledger.balances(session))
    topics = {m.topic for m in session.scalars(select(OutboxMessage))}
    assert f"order:{order.number}:refused:1" in topics


def test_only_cash_on_delivery_parcels_are_refused_at_the_door(client, session, make, oil) -> None:
    from orders import payment_attempts

    order = make.order({oil: 1}, method="bank_transfer", now=NOW)
    payment_attempts.record_bank_transfer(session, order, order.total, reference="V", now=NOW)
    session.commit()
    part = order.fulfilments[0]
    _ship(client, part)
    page = client.post(f"/back-office/orders/{part.id}/refused", follow_redirects=True)
    assert "not paid in cash on delivery" in page.get_data(as_text=True)
    assert _part(session, part).status == FulfilmentStatus.SHIPPED
