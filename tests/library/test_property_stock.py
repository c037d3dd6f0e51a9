"""Stock never lies, whatever happens in whatever order (a Hypothesis state machine,
on SQLite and, with ``TAAWUN_TEST_DATABASE_URL``, on PostgreSQL).

Random sequences of place / ship / deliver / cancel / refuse / return / expire / edit
/ adjust / import run against the real library; after every step:

* ``0 <= allocated <= on_hand`` on every product (the database's CHECK holds too);
* ``allocated`` is exactly the units of the lines still holding stock (not shipped,
  not released);
* nothing is promised beyond the shelf: the units of all open lines never exceed
  ``on_hand``;
* every change of ``on_hand`` is in the audit log: the initial count plus the
  changes the log records gives the count now.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from catalog import csv_io, stock, upsert
from catalog.audit import Actor, AuditEntry
from catalog.errors import BelowAllocated, InsufficientStock, StockChanged
from catalog.models import Product
from orders import fulfilment, refunds
from orders.models import Fulfilment, Order, OrderLine
from orders.status import FulfilmentStatus, OrderStatus
from tests.conftest import NOW

ME = Actor(7, "membre@example.ma")
INITIAL = (6, 2, 0)  # three products: some stock, little stock, none


@pytest.fixture
def shelf(session, make):
    make.users(ME)  # the audit log refers to real accounts
    make.shipping()
    coop = make.cooperative()
    products = [make.product(coop, on_hand=n, sku=f"P{i}") for i, n in enumerate(INITIAL)]
    session.flush()
    return coop, products


def _machine(session, make, coop, products):  # noqa: C901 (one rule per verb)
    ids = [p.id for p in products]
    later = NOW + timedelta(hours=1)

    class StockMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.savepoint = session.begin_nested()

        def teardown(self) -> None:
            self.savepoint.rollback()
            session.expire_all()

        def _parts(self, *states: FulfilmentStatus) -> list[Fulfilment]:
            return list(
                session.scalars(
                    select(Fulfilment)
                    .where(Fulfilment.status.in_([str(s) for s in states]))
                    .order_by(Fulfilment.id)
                )
            )

        def _pick(self, data, options):  # noqa: ANN001
            return data.draw(st.sampled_from(options)) if options else None

        @rule(index=st.integers(0, 2), quantity=st.integers(1, 4), card=st.booleans())
        def place(self, index: int, quantity: int, card: bool) -> None:
            product = session.get(Product, ids[index])
            try:
                with session.begin_nested():
                    make.order({product: quantity}, method="card" if card else "cod", now=NOW)
            except InsufficientStock:
                pass

        @rule(data=st.data())
        def ship(self, data) -> None:  # noqa: ANN001
            part = self._pick(data, self._parts(FulfilmentStatus.TO_PREPARE))
            if part is not None:
                fulfilment.mark_shipped(session, part, "CB1", now=later)

        @rule(data=st.data())
        def deliver(self, data) -> None:  # noqa: ANN001
            part = self._pick(data, self._parts(FulfilmentStatus.SHIPPED))
            if part is not None:
                fulfilment.record_cash_collected(session, part, now=later)

        @rule(data=st.data())
        def cancel(self, data) -> None:  # noqa: ANN001
            part = self._pick(data, self._parts(FulfilmentStatus.NEW, FulfilmentStatus.TO_PREPARE))
            if part is None:
                return
            if part.status == FulfilmentStatus.NEW:
                refunds.cancel_order(session, part.order, now=later, reason="changed my mind")
            else:
                fulfilment.cancel_part(session, part, now=later, reason="out_of_stock")

        @rule(data=st.data())
        def refuse(self, data) -> None:  # noqa: ANN001
            """A parcel refused at the door comes back to the shelf."""
            part = self._pick(data, self._parts(FulfilmentStatus.SHIPPED))
            if part is not None:
                fulfilment.cancel_part(session, part, now=later, reason="refused")

        @rule(data=st.data())
        def give_back(self, data) -> None:  # noqa: ANN001
            """A delivered, paid parcel is returned and refunded; the goods are restocked."""
            part = self._pick(data, self._parts(FulfilmentStatus.DELIVERED))
            if part is not None:
                refunds.refund_part(
                    session, part, gateway=None, now=later, reason="returned", restock=True
                )

        @rule(data=st.data())
        def expire(self, data) -> None:  # noqa: ANN001
            orders = list(
                session.scalars(select(Order).where(Order.status == OrderStatus.PENDING_PAYMENT))
            )
            order = self._pick(data, orders)
            if order is not None:
                refunds.expire_order(session, order, now=later)

        @rule(index=st.integers(0, 2), count=st.integers(0, 12), stale=st.booleans())
        def edit(self, index: int, count: int, stale: bool) -> None:
            now = stock.level(session, ids[index])
            seen = now.on_hand + 1 if stale else now.on_hand
            try:
                with session.begin_nested():
                    stock.set_on_hand(session, ids[index], count, seen=seen, actor=ME, now=later)
            except StockChanged as exc:
                assert stale and exc.data["on_hand"] == now.on_hand
            except BelowAllocated:
                assert count < now.allocated
            else:
                assert not stale or count == seen == now.on_hand

        @rule(index=st.integers(0, 2), by=st.integers(-5, 6).filter(bool))
        def adjust(self, index: int, by: int) -> None:
            reason = "received" if by > 0 else "damaged"
            now = stock.level(session, ids[index])
            try:
                with session.begin_nested():
                    stock.adjust_on_hand(
                        session, ids[index], by, reason=reason, actor=ME, now=later
                    )
            except BelowAllocated:
                assert now.on_hand + by < now.allocated

        @rule(index=st.integers(0, 2), count=st.integers(0, 12), stale=st.booleans())
        def import_file(self, index: int, count: int, stale: bool) -> None:
            now = stock.level(session, ids[index])
            exported = now.on_hand + 1 if stale else now.on_hand
            text = f"sku;on_hand;on_hand_exported\nP{index};{count};{exported}\n"
            plan = csv_io.plan_import(session, coop, text)
            if not plan.ok:
                codes = {p.code for p in plan.all_problems()}
                assert codes <= {"stock_changed", "below_allocated"}
                assert stale or "stock_changed" not in codes
                return
            with session.begin_nested():
                upsert.upsert_listings(session, coop, plan, actor=ME, now=later, source="import")

        @invariant()
        def stock_never_lies(self) -> None:
            session.flush()
            session.expire_all()
            for index, product_id in enumerate(ids):
                level = stock.level(session, product_id)
                assert 0 <= level.allocated <= level.on_hand
                held = session.scalar(
                    select(func.coalesce(func.sum(OrderLine.qty_from_stock), 0)).where(
                        OrderLine.product_id == product_id, OrderLine.released.is_(False)
                    )
                )
                assert level.allocated == held
                open_units = session.scalar(
                    select(func.coalesce(func.sum(OrderLine.qty_from_stock), 0))
                    .join(Fulfilment, Fulfilment.id == OrderLine.fulfilment_id)
                    .where(
                        OrderLine.product_id == product_id,
                        Fulfilment.status.in_(["new", "to_prepare"]),
                    )
                )
                assert open_units <= level.on_hand
                logged = session.scalars(
                    select(AuditEntry.details).where(
                        AuditEntry.action == "product.stock", AuditEntry.object_id == product_id
                    )
                ).all()
                assert INITIAL[index] + sum(d["on_hand"][1] - d["on_hand"][0] for d in logged) == (
                    level.on_hand
                )

    return StockMachine


def test_stock_never_lies_whatever_happens(session, make, shelf) -> None:
    coop, products = shelf
    run_state_machine_as_test(
        _machine(session, make, coop, products),
        settings=settings(
            max_examples=15,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
