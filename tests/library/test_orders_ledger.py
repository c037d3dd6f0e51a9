"""The payout ledger: what each cooperative is owed, what it owes, payouts, and a
proof that the balances always reconcile to the orders."""

import csv
import io
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from catalog import settings
from catalog.errors import InsufficientStock
from catalog.money import Money
from orders import fulfilment, ledger, payment_attempts, refunds
from orders.errors import LedgerError, OrderError
from orders.models import Fulfilment, LedgerEntry, Order
from orders.refunds import refund_part
from orders.status import FulfilmentStatus, OrderStatus, PaymentMethod
from storefront.demo.identifiers import make_rib
from tests.conftest import NOW


def _paid_card_order(session, make, items):
    order = make.order(items, method="card")
    payment = payment_attempts.new_payment_attempt(session, order, now=NOW)
    payment.payment_intent_id = f"pi_{order.number}"
    payment_attempts.mark_paid(session, order, payment, now=NOW, source="stripe")
    return order


def _deliver(session, part, now=NOW):
    fulfilment.mark_shipped(session, part, "T", now=now)
    fulfilment.mark_delivered(session, part, now=now)


def test_a_delivered_card_part_is_owed_to_its_cooperative_less_commission(session, make) -> None:
    coop = make.cooperative()
    order = _paid_card_order(session, make, {make.product(coop, price_minor=20_000): 2})
    part = order.fulfilments[0]
    assert ledger.balance_of(session, coop.id) == Money(0), "nothing is owed before delivery"
    _deliver(session, part)
    commission = 4_000  # 10 % of 400.00
    assert part.commission_minor == commission
    assert ledger.balance_of(session, coop.id) == Money(40_000 + part.shipping_minor - commission)
    kinds = [e.kind for e in ledger.statement(session, coop.id)]
    assert sorted(kinds) == ["commission", "sale", "shipping"]


def test_a_cooperative_that_collected_the_cash_owes_the_commission(session, make) -> None:
    coop = make.cooperative()
    order = make.order({make.product(coop, price_minor=15_000): 1})
    part = order.fulfilments[0]
    _deliver(session, part)
    assert ledger.balance_of(session, coop.id) == Money(0), "no cash yet, nothing either way"
    fulfilment.record_cash_collected(session, part, now=NOW)
    assert ledger.balance_of(session, coop.id) == Money(-1_500)


def test_refunding_a_delivered_part_reverses_its_entries(session, make) -> None:
    coop = make.cooperative()
    order = _paid_card_order(session, make, {make.product(coop): 1, make.product(): 1})
    part = (
        order.fulfilments[0]
        if order.fulfilments[0].cooperative_id == coop.id
        else (order.fulfilments[1])
    )
    _deliver(session, part)
    refunds = []

    class Gateway:
        def refund(self, payment, amount, *, idempotency_key):
            refunds.append((amount.amount_minor, idempotency_key))
            return "re_1"

    amount = refund_part(session, part, gateway=Gateway(), now=NOW, reason="damaged")
    assert amount.amount_minor == part.total_minor
    assert refunds == [(part.total_minor, f"refund:{order.number}:{part.position}")]
    assert ledger.balance_of(session, coop.id) == Money(0)
    assert part.status == FulfilmentStatus.REFUNDED
    assert order.amount_refunded_minor == part.total_minor
    assert order.status == OrderStatus.CONFIRMED, "the other part is still open"


def test_a_gateway_refusal_changes_nothing(session, make) -> None:
    from orders.errors import GatewayError

    order = _paid_card_order(session, make, {make.product(on_hand=3): 2})

    class Refusing:
        def refund(self, payment, amount, *, idempotency_key):
            raise GatewayError(provider="stripe", provider_code="charge_disputed")

    with pytest.raises(GatewayError):
        refunds.refund_part(session, order.fulfilments[0], gateway=Refusing(), now=NOW, reason="x")
    assert order.fulfilments[0].status == FulfilmentStatus.TO_PREPARE
    assert order.amount_refunded_minor == 0


def test_a_full_refund_before_shipping_restores_the_stock(session, make) -> None:
    a, b = make.product(on_hand=5), make.product(on_hand=5)
    order = _paid_card_order(session, make, {a: 2, b: 1})
    refunded = refunds.refund_order(session, order, gateway=None, now=NOW, reason="x")
    assert refunded == order.total
    session.expire_all()
    assert (a.available, b.available) == (5, 5)
    assert order.status == OrderStatus.REFUNDED
    with pytest.raises(OrderError):
        refunds.refund_part(session, order.fulfilments[0], gateway=None, now=NOW, reason="x")


def test_unpaid_parts_cannot_be_refunded(session, make) -> None:
    order = make.order()
    with pytest.raises(OrderError) as caught:
        refunds.refund_part(session, order.fulfilments[0], gateway=None, now=NOW, reason="x")
    assert caught.value.code == "part_not_paid"


def test_payout_batch_csv_and_mark_paid(session, make) -> None:
    owed, debtor, no_rib = make.cooperative(), make.cooperative(), make.cooperative()
    for coop in (owed, debtor):
        ledger.set_payout_account(
            session, coop.id, holder_name=coop.name_fr, rib=make_rib(7, 780, coop.id)
        )
    card = _paid_card_order(
        session, make, {make.product(owed, price_minor=30_000): 1, make.product(no_rib): 1}
    )
    for part in card.fulfilments:
        _deliver(session, part)
    cod = make.order({make.product(debtor): 1})
    _deliver(session, cod.fulfilments[0])
    fulfilment.record_cash_collected(session, cod.fulfilments[0], now=NOW)
    owed_amount = ledger.balance_of(session, owed.id).amount_minor

    batch = ledger.create_payout_batch(session, now=NOW)
    assert batch.total_minor == owed_amount and batch.status == "open"
    rows = list(csv.DictReader(io.StringIO(ledger.batch_csv(session, batch))))
    assert len(rows) == 1
    assert rows[0]["rib"] == f'="{make_rib(7, 780, owed.id)}"', "text in a spreadsheet"
    assert rows[0]["ice"] == f'="{owed.ice}"'
    assert rows[0]["amount"] == f"{owed_amount / 100:.2f}"
    assert ledger.balance_of(session, owed.id) == Money(0)
    assert ledger.balance_of(session, debtor.id).amount_minor < 0, "debts are not paid out"
    by_coop = {b.cooperative_id: b for b in ledger.balances(session)}
    assert by_coop[owed.id].in_open_batches.amount_minor == owed_amount
    assert by_coop[no_rib.id].balance.amount_minor > 0, "waits for a bank account"

    with pytest.raises(LedgerError) as caught:
        ledger.create_payout_batch(session, now=NOW)
    assert caught.value.code == "nothing_to_pay"
    ledger.mark_batch_paid(session, batch, now=NOW, bank_reference="VIR-2026-001")
    by_coop = {b.cooperative_id: b for b in ledger.balances(session)}
    assert by_coop[owed.id].paid_out.amount_minor == owed_amount
    assert by_coop[owed.id].in_open_batches.amount_minor == 0
    with pytest.raises(LedgerError):
        ledger.mark_batch_paid(session, batch, now=NOW)
    ledger.record_settlement(
        session,
        debtor.id,
        Money(-ledger.balance_of(session, debtor.id).amount_minor),
        now=NOW,
        reference="VIR-IN-1",
    )
    assert ledger.balance_of(session, debtor.id) == Money(0)
    assert ledger.reconcile(session) == {}


def test_a_cancelled_batch_is_owed_again(session, make) -> None:
    coop = make.cooperative()
    ledger.set_payout_account(session, coop.id, holder_name="X", rib=make_rib(1, 2, 3))
    _deliver(session, _paid_card_order(session, make, {make.product(coop): 1}).fulfilments[0])
    before = ledger.balance_of(session, coop.id)
    batch = ledger.create_payout_batch(session, now=NOW)
    ledger.cancel_payout_batch(session, batch)
    assert ledger.balance_of(session, coop.id) == before and batch.status == "cancelled"


# -- the books always balance --------------------------------------------------------------
def _random_history(session, make, rng: random.Random, steps: int) -> None:
    coops = [
        make.cooperative(region_code=r, province_code=p)
        for r, p in (("06", "06.141"), ("09", "09.001"), ("11", "11.321"))
    ]
    for coop in coops:
        ledger.set_payout_account(
            session, coop.id, holder_name=coop.name_fr, rib=make_rib(11, 22, coop.id)
        )
    products = [
        make.product(
            c,
            on_hand=200,
            price_minor=rng.randint(500, 50_000),
            shipping_weight_g=rng.randint(50, 4_000),
        )
        for c in coops * 2
    ]
    settings.update(session, commission_bps=rng.choice([0, 750, 1000, 1250]))
    session.commit()
    now = NOW
    for _ in range(steps):
        now += timedelta(minutes=rng.randint(1, 90))
        action = rng.random()
        orders = session.scalars(select(Order)).all()
        parts = session.scalars(select(Fulfilment)).all()
        moving = [p for p in parts if p.status in ("to_prepare", "shipped")] or parts
        try:
            if action < 0.2 or not orders:
                chosen = rng.sample(products, rng.randint(1, 4))
                order = make.order(
                    {p: rng.randint(1, 3) for p in chosen},
                    method=rng.choice(["cod", "cod", "card", "bank_transfer"]),
                    now=now,
                )
                if order.payment_method == PaymentMethod.CARD and rng.random() < 0.8:
                    payment = payment_attempts.new_payment_attempt(session, order, now=now)
                    payment_attempts.mark_paid(session, order, payment, now=now, source="stripe")
                elif order.payment_method == PaymentMethod.BANK_TRANSFER and rng.random() < 0.8:
                    payment_attempts.record_bank_transfer(
                        session, order, order.total, reference="VIR", now=now
                    )
            elif action < 0.6:
                part = rng.choice(moving)
                if part.status == FulfilmentStatus.TO_PREPARE:
                    fulfilment.mark_shipped(session, part, "T", now=now)
                elif part.status == FulfilmentStatus.SHIPPED:
                    if part.order.payment_method == PaymentMethod.COD and rng.random() < 0.7:
                        fulfilment.record_cash_collected(session, part, now=now)
                    else:
                        fulfilment.mark_delivered(session, part, now=now)
                elif part.status == FulfilmentStatus.DELIVERED:
                    if part.order.payment_method == PaymentMethod.COD:
                        fulfilment.record_cash_collected(session, part, now=now)
            elif action < 0.7:
                part = rng.choice(parts)
                if fulfilment.part_was_paid(part):
                    refunds.refund_part(
                        session, part, gateway=None, now=now, reason="r", restock=rng.random() < 0.5
                    )
                else:
                    fulfilment.cancel_part(session, part, now=now, reason="c")
            elif action < 0.74:
                order = rng.choice(orders)
                refunds.refund_order(session, order, gateway=None, now=now, reason="r")
            elif action < 0.86:
                batch = ledger.create_payout_batch(session, now=now)
                if rng.random() < 0.7:
                    ledger.mark_batch_paid(session, batch, now=now, bank_reference="B")
                elif rng.random() < 0.5:
                    ledger.cancel_payout_batch(session, batch)
            elif action < 0.93:
                for b in ledger.balances(session):
                    if b.balance.amount_minor < 0 and rng.random() < 0.5:
                        ledger.record_settlement(
                            session, b.cooperative_id, -b.balance, now=now, reference="S"
                        )
            else:
                refunds.expire_reservations(session, now=now + timedelta(days=rng.randint(0, 12)))
        except (OrderError, LedgerError, InsufficientStock):
            session.rollback()
            continue
        session.commit()
        assert ledger.reconcile(session) == {}


@pytest.mark.parametrize("seed", [0, 1, 3, 4, 5, 6])
def test_balances_always_reconcile_to_the_orders(session, make, seed) -> None:
    rng = random.Random(seed)
    _random_history(session, make, rng, steps=100)
    entries = session.scalars(select(LedgerEntry)).all()
    kinds = {e.kind for e in entries}
    assert {"sale", "shipping", "payout", "reversal", "cash_collected"} <= kinds
    # the ledger's total equals what delivered orders left to cooperatives, net of payouts
    total = sum(e.amount_minor for e in entries)
    assert total == sum(ledger.expected_balances(session).values())
    assert ledger.reconcile(session) == {}


def test_a_forged_entry_is_caught_by_reconciliation(session, make) -> None:
    coop = make.cooperative()
    _deliver(session, _paid_card_order(session, make, {make.product(coop): 1}).fulfilments[0])
    assert ledger.reconcile(session) == {}
    ledger.add_entry(session, ledger.EntryKind.SALE, coop.id, 100, now=NOW)
    session.flush()
    assert set(ledger.reconcile(session)) == {coop.id}
