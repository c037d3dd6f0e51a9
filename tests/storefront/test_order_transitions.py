"""The order-state transition table, walked through the screens.

For every state a part can be in, every button that moves a part (the cooperative's
ship / delivered / cash / refused / returned / cancel, the operator's cancel / refund,
the shopper's cancel of a parcel) is pressed: a move the table allows happens, a move
it forbids is refused with a message and changes nothing. Then every transition of
the table is checked to have been made by some person's button (or, for the few the
system makes, by the screen that triggers it), so no state waits on a person who has
no screen to act."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from orders import fulfilment, payment_attempts, refunds
from orders.models import Fulfilment, Order
from orders.status import (
    FULFILMENT_TRANSITIONS,
    ORDER_TRANSITIONS,
    FulfilmentStatus,
    OrderStatus,
)
from storefront.orders import access
from tests.conftest import NOW
from tests.storefront.backoffice import login, member, operator

pytestmark = pytest.mark.usefixtures("english_pages")
F = FulfilmentStatus
TRACKING = {"carrier": "amana", "tracking_number": "CB123456789MA"}


@dataclass
class World:
    coop_client: FlaskClient
    desk: FlaskClient
    shopper: FlaskClient
    make: object
    session: object
    product: object


@pytest.fixture
def world(app, session, make) -> World:
    coop = make.cooperative(name_fr="Coopérative Tafoukt")
    product = make.product(coop, on_hand=500, price_minor=10_000)
    coop_user = member(session, coop)
    staff = operator(session)
    session.commit()
    coop_client, desk = app.test_client(), app.test_client()
    login(coop_client, coop_user)
    login(desk, staff)
    shopper = app.test_client()
    shopper.set_cookie("lang", "en")
    return World(coop_client, desk, shopper, make, session, product)


def _order(world: World, method: str, parts: int = 1) -> Order:
    items = {world.product: 1}
    if parts > 1:
        other = world.make.cooperative(name_fr="Coopérative Amal")  # type: ignore[attr-defined]
        items[world.make.product(other, on_hand=50, price_minor=5_000)] = 1  # type: ignore[attr-defined]
    order = world.make.order(items, method=method, now=NOW)  # type: ignore[attr-defined]
    world.session.commit()  # type: ignore[attr-defined]
    return order


def _pay(world: World, order: Order) -> None:
    payment_attempts.record_bank_transfer(
        world.session,  # type: ignore[arg-type]
        order,
        order.total,
        reference="VIR-1",
        now=NOW,
    )


def _act() -> fulfilment.Act:
    return fulfilment.Act(now=NOW + timedelta(hours=1))


#: how to bring a fresh part into each state (by the library: the setting, not the act);
#: ``paid`` parts are paid to the marketplace by transfer, the others are cash on delivery
def _in_state(world: World, state: F, *, paid: bool = False) -> Fulfilment:
    session = world.session
    if state == F.NEW:
        return _order(world, "bank_transfer").fulfilments[0]
    if paid:
        order = _order(world, "bank_transfer")
        _pay(world, order)
    else:
        order = _order(world, "cod")
    part = order.fulfilments[0]
    if state == F.CANCELLED:
        fulfilment.cancel_part(session, part, reason="test", **_act())  # type: ignore[arg-type]
    if state == F.REFUNDED:
        refunds.refund_part(session, part, gateway=None, reason="test", **_act())  # type: ignore[arg-type]
    if state in (F.SHIPPED, F.DELIVERED, F.REFUSED, F.RETURNED):
        fulfilment.mark_shipped(session, part, "CB123456789MA", carrier="amana", **_act())  # type: ignore[arg-type]
    if state == F.DELIVERED:
        fulfilment.mark_delivered(session, part, **_act())  # type: ignore[arg-type]
    if state in (F.REFUSED, F.RETURNED):
        fulfilment.mark_refused_at_door(session, part, **_act())  # type: ignore[arg-type]
    if state == F.RETURNED:
        fulfilment.mark_returned(session, part, **_act())  # type: ignore[arg-type]
    session.commit()  # type: ignore[attr-defined]
    assert part.status == state
    return part


#: the states a part can be in, unpaid (cash on delivery) and paid
SETTINGS = [
    (F.NEW, False),
    (F.TO_PREPARE, False),
    (F.TO_PREPARE, True),
    (F.SHIPPED, False),
    (F.SHIPPED, True),
    (F.DELIVERED, False),
    (F.DELIVERED, True),
    (F.CANCELLED, False),
    (F.REFUNDED, True),
    (F.REFUSED, False),
    (F.RETURNED, False),
]


@dataclass(frozen=True)
class Button:
    """A button of a person's screen that moves a part (when the table allows it)."""

    who: str
    target: F
    press: Callable[[World, Fulfilment], object]
    #: the page where the person finds it
    page: Callable[[Fulfilment], str]


def _coop(path: str, data: dict[str, str] | None = None) -> Callable[[World, Fulfilment], object]:
    def press(world: World, part: Fulfilment) -> object:
        return world.coop_client.post(
            f"/back-office/orders/{part.id}/{path}", data=data or {}, follow_redirects=True
        )

    return press


def _desk(path: str) -> Callable[[World, Fulfilment], object]:
    def press(world: World, part: Fulfilment) -> object:
        return world.desk.post(
            f"/admin/orders/{part.order.number}/parts/{part.position}/{path}",
            data={"reason": "Le client a changé d'avis"},
            follow_redirects=True,
        )

    return press


def _coop_page(part: Fulfilment) -> str:
    return f"/back-office/orders/{part.id}"


def _desk_page(part: Fulfilment) -> str:
    return f"/admin/orders/{part.order.number}"


BUTTONS = [
    Button("cooperative", F.SHIPPED, _coop("ship", TRACKING), _coop_page),
    Button("cooperative", F.DELIVERED, _coop("deliver"), _coop_page),
    Button("cooperative", F.DELIVERED, _coop("cash"), _coop_page),
    Button("cooperative", F.REFUSED, _coop("refused"), _coop_page),
    Button("cooperative", F.RETURNED, _coop("returned"), _coop_page),
    Button("cooperative", F.CANCELLED, _coop("cancel", {"reason": "Rupture"}), _coop_page),
    Button("operator", F.CANCELLED, _desk("cancel"), _desk_page),
    Button("operator", F.REFUNDED, _desk("refund"), _desk_page),
]


def _flashed_error(response: object) -> bool:
    return 'class="flash error"' in response.get_data(as_text=True)  # type: ignore[attr-defined]


def test_every_button_in_every_state_obeys_the_table(world: World) -> None:
    made: set[tuple[F, F]] = set()
    assert {state for state, _ in SETTINGS} == set(F)
    for state, paid in SETTINGS:
        for button in BUTTONS:
            part = _in_state(world, state, paid=paid)
            order_before = OrderStatus(part.order.status)
            response = button.press(world, part)
            world.session.expire_all()  # type: ignore[attr-defined]
            after = F(part.status)
            label = (state.value, paid, button.who, button.target.value)
            if after != state:
                assert after in FULFILMENT_TRANSITIONS[state], label
                made.add((state, after))
            elif button.target == state:
                pass  # no move asked (cash collected on a parcel already delivered)
            else:
                # refused: the person reads why, and nothing moved
                assert response.status_code in (200, 400), label  # type: ignore[attr-defined]
                if response.status_code == 200:  # type: ignore[attr-defined]
                    assert _flashed_error(response), label
                assert button.target not in FULFILMENT_TRANSITIONS[state] or (
                    # allowed by the table, but not for this way of paying (refused at
                    # the door is cash on delivery only; a paid part is refunded, not
                    # cancelled, and an unpaid one cancelled, not refunded)
                    button.target in (F.REFUSED, F.CANCELLED, F.REFUNDED, F.DELIVERED)
                ), label
            order_after = OrderStatus(part.order.status)
            if order_after != order_before:
                assert order_after in ORDER_TRANSITIONS[order_before], label
    # the transitions the buttons above do not make are made by other screens below
    by_other_screens = {
        (F.NEW, F.TO_PREPARE),  # the operator records the transfer
        (F.NEW, F.CANCELLED),  # the shopper cancels the unpaid order
        (F.CANCELLED, F.TO_PREPARE),  # a transfer recorded after the order expired
        (F.SHIPPED, F.CANCELLED),  # the operator cancels a lost unpaid parcel
    }
    allowed = {(s, t) for s, targets in FULFILMENT_TRANSITIONS.items() for t in targets}
    assert allowed - made <= by_other_screens, allowed - made - by_other_screens


def test_each_waiting_part_shows_its_owner_the_button(world: World) -> None:
    """A state that waits on a person shows that person the button that moves it."""
    waiting = {
        F.TO_PREPARE: ("cooperative", "/ship"),
        F.SHIPPED: ("cooperative", "/cash"),  # cash on delivery: delivered and paid
        F.REFUSED: ("cooperative", "/returned"),
    }
    for state, (who, action) in waiting.items():
        part = _in_state(world, state)
        client = world.coop_client if who == "cooperative" else world.desk
        page = client.get(_coop_page(part)).get_data(as_text=True)
        assert f"/back-office/orders/{part.id}{action}" in page, state
    part = _in_state(world, F.NEW)  # waits on the operator's transfer
    page = world.desk.get(_desk_page(part)).get_data(as_text=True)
    assert f"/admin/orders/{part.order.number}/transfer" in page


def test_the_other_screens_make_the_remaining_transitions(world: World) -> None:
    session = world.session
    # NEW -> TO_PREPARE: the operator records the transfer
    part = _in_state(world, F.NEW)
    order = part.order
    amount = f"{order.total_minor // 100},{order.total_minor % 100:02d}"
    world.desk.post(
        f"/admin/orders/{order.number}/transfer",
        data={"amount": amount, "received_on": "2026-03-03", "reference": "VIR-9"},
    )
    session.expire_all()  # type: ignore[attr-defined]
    assert part.status == F.TO_PREPARE and order.status == OrderStatus.CONFIRMED

    # NEW -> CANCELLED: the shopper cancels the unpaid order from its page
    part = _in_state(world, F.NEW)
    order = part.order
    with world.shopper.session_transaction() as browser:
        browser[access.SESSION_KEY] = [order.number]
    page = world.shopper.get(f"/orders/{order.number}").get_data(as_text=True)
    assert f"/orders/{order.number}/cancel" in page
    world.shopper.post(f"/orders/{order.number}/cancel")
    session.expire_all()  # type: ignore[attr-defined]
    assert part.status == F.CANCELLED and order.status == OrderStatus.CANCELLED

    # CANCELLED -> TO_PREPARE: the reservation ran out, the transfer came after
    part = _in_state(world, F.NEW)
    order = part.order
    refunds.expire_order(session, order, now=NOW + timedelta(days=9))  # type: ignore[arg-type]
    session.commit()  # type: ignore[attr-defined]
    assert part.status == F.CANCELLED and order.status == OrderStatus.EXPIRED
    page = world.desk.get(_desk_page(part)).get_data(as_text=True)
    assert f"/admin/orders/{order.number}/transfer" in page
    amount = f"{order.total_minor // 100},{order.total_minor % 100:02d}"
    world.desk.post(
        f"/admin/orders/{order.number}/transfer",
        data={"amount": amount, "received_on": "2026-03-12", "reference": "VIR-10"},
    )
    session.expire_all()  # type: ignore[attr-defined]
    assert part.status == F.TO_PREPARE and order.status == OrderStatus.CONFIRMED

    # SHIPPED -> CANCELLED: a cash-on-delivery parcel lost on the way, cancelled by the desk
    part = _in_state(world, F.SHIPPED)
    world.desk.post(
        f"/admin/orders/{part.order.number}/parts/{part.position}/cancel",
        data={"reason": "Colis perdu"},
    )
    session.expire_all()  # type: ignore[attr-defined]
    assert part.status == F.CANCELLED

    # the shopper's own button: a parcel not shipped, after another one shipped
    order = _order(world, "cod", parts=2)
    first, second = order.fulfilments
    fulfilment.mark_shipped(session, first, "CB123456789MA", carrier="amana", **_act())  # type: ignore[arg-type]
    session.commit()  # type: ignore[attr-defined]
    with world.shopper.session_transaction() as browser:
        browser[access.SESSION_KEY] = [order.number]
    refused = world.shopper.post(
        f"/orders/{order.number}/parts/{first.position}/cancel", follow_redirects=True
    )
    assert _flashed_error(refused)
    world.shopper.post(f"/orders/{order.number}/parts/{second.position}/cancel")
    session.expire_all()  # type: ignore[attr-defined]
    assert (first.status, second.status) == (F.SHIPPED, F.CANCELLED)
    assert session.scalar(select(Order).where(Order.id == order.id)).status == OrderStatus.CONFIRMED  # type: ignore[attr-defined]
