"""What shoppers pay for delivery (the operator's settings: free from an amount, per
parcel or one capped fee) and how the marketplace's part is booked in the ledger."""

from datetime import date

import pytest

from catalog import settings
from catalog.audit import SYSTEM
from catalog.errors import InvalidInput
from catalog.money import Money
from orders import fulfilment, ledger, operator, payment_attempts
from orders.pricing import DeliveryPolicy, charge
from orders.shipping import ShippingZone, estimated_delivery
from tests.conftest import NOW


def test_per_parcel_charges_every_parcel_its_price() -> None:
    assert charge([(3_500, 1_000), (4_200, 1_000)], 50_000, DeliveryPolicy()) == [
        (3_500, 1_000, 0),
        (4_200, 1_000, 0),
    ]


def test_a_cap_spreads_over_the_parcels_in_order_and_the_rest_is_subsidised() -> None:
    capped = DeliveryPolicy(cap_minor=4_500)
    charged = charge([(3_500, 1_000), (3_500, 1_000), (5_500, 1_000)], 41_400, capped)
    assert charged == [(3_500, 1_000, 0), (0, 0, 4_500), (0, 0, 6_500)]
    assert sum(s + c for s, c, _ in charged) == 4_500
    # a cap above the carriers' price changes nothing
    assert charge([(2_500, 1_000)], 500, capped) == [(2_500, 1_000, 0)]
    # part of a parcel: shipping first, then the cash-on-delivery fee
    assert charge([(3_000, 1_000), (3_000, 1_000)], 0, DeliveryPolicy(cap_minor=5_000)) == [
        (3_000, 1_000, 0),
        (1_000, 0, 3_000),
    ]


def test_free_delivery_from_an_amount_of_goods() -> None:
    policy = DeliveryPolicy(free_from_minor=30_000, cap_minor=4_500)
    assert charge([(3_500, 1_000)], 29_999, policy) == [(3_500, 1_000, 0)]
    assert charge([(3_500, 1_000), (4_200, 0)], 30_000, policy) == [(0, 0, 4_500), (0, 0, 4_200)]
    assert DeliveryPolicy(free_from_minor=0).allowance(10**9) is None  # 0: never free


def test_the_policy_comes_from_the_operators_settings(session) -> None:
    assert DeliveryPolicy.of(settings.current(session)) == DeliveryPolicy(0, None)
    operator.set_delivery_charging(
        session, free_from_minor=50_000, charging="capped", cap_minor=4_000, actor=SYSTEM, now=NOW
    )
    assert DeliveryPolicy.of(settings.current(session)) == DeliveryPolicy(50_000, 4_000)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"free_from_minor": -1}, "free_from"),
        ({"cap_minor": 10**8}, "cap"),
        ({"charging": "by_weight"}, "charging"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(session, values, field) -> None:
    given = {"free_from_minor": 0, "charging": "per_parcel", "cap_minor": 4_500, **values}
    with pytest.raises(InvalidInput) as caught:
        operator.set_delivery_charging(session, **given, actor=SYSTEM, now=NOW)
    assert [p.field for p in caught.value.problems] == [field]
    assert settings.current(session).delivery_cap_minor == 4_500


def _three_coops(make):
    coops = [
        make.cooperative(region_code=r, province_code=p)
        for r, p in (("06", "06.141"), ("09", "09.001"), ("11", "11.321"))
    ]
    return {make.product(c, price_minor=13_800, on_hand=10): 1 for c in coops}


def test_a_capped_order_totals_the_cap_and_the_ledger_books_the_subsidy(session, make) -> None:
    operator.set_delivery_charging(
        session, free_from_minor=0, charging="capped", cap_minor=4_500, actor=SYSTEM, now=NOW
    )
    order = make.order(_three_coops(make), method="card")
    assert order.shipping_minor + order.cod_fee_minor == 4_500
    assert order.total_minor == order.goods_minor + 4_500
    subsidised = [p for p in order.fulfilments if p.delivery_subsidy_minor]
    assert len(subsidised) == 2
    payment = payment_attempts.new_payment_attempt(session, order, now=NOW)
    payment.payment_intent_id = f"pi_{order.number}"
    payment_attempts.mark_paid(session, order, payment, now=NOW, source="stripe")
    for part in order.fulfilments:
        fulfilment.mark_shipped(session, part, "T", now=NOW)
        fulfilment.mark_delivered(session, part, now=NOW)
    for part in order.fulfilments:
        # the cooperative gets the carrier's whole price, whoever paid it
        owed = part.goods_minor + part.shipping_minor + part.delivery_subsidy_minor
        assert ledger.balance_of(session, part.cooperative_id) == Money(
            owed - part.commission_minor
        )
    kinds = {e.kind for e in ledger.statement(session, subsidised[0].cooperative_id)}
    assert "delivery_subsidy" in kinds
    assert ledger.reconcile(session) == {}


def test_switching_a_capped_card_order_to_cash_keeps_the_cap(session, make) -> None:
    operator.set_delivery_charging(
        session, free_from_minor=0, charging="capped", cap_minor=4_500, actor=SYSTEM, now=NOW
    )
    order = make.order(_three_coops(make), method="card")
    carriers = sum(p.shipping_minor + p.delivery_subsidy_minor for p in order.fulfilments)
    payment_attempts.switch_to_cash_on_delivery(session, order, now=NOW)
    assert order.shipping_minor + order.cod_fee_minor == 4_500
    assert order.total_minor == order.goods_minor + 4_500
    paid_by_all = sum(
        p.shipping_minor + p.cod_fee_minor + p.delivery_subsidy_minor for p in order.fulfilments
    )
    assert paid_by_all == carriers + 3 * 1_000  # three cash-on-delivery fees, all paid for


def test_a_refund_reverses_the_subsidy_too(session, make) -> None:
    operator.set_delivery_charging(
        session, free_from_minor=1, charging="per_parcel", cap_minor=0, actor=SYSTEM, now=NOW
    )
    coop = make.cooperative()
    order = make.order({make.product(coop, price_minor=5_000, on_hand=3): 1})
    part = order.fulfilments[0]
    assert (part.shipping_minor, part.cod_fee_minor) == (0, 0)
    assert part.delivery_subsidy_minor > 0
    fulfilment.mark_shipped(session, part, "T", now=NOW)
    fulfilment.mark_delivered(session, part, now=NOW)
    fulfilment.record_cash_collected(session, part, now=NOW)
    # free delivery: the shopper paid the goods only, the cooperative is owed the parcel
    assert ledger.balance_of(session, coop.id) == Money(
        part.delivery_subsidy_minor - part.commission_minor
    )
    assert ledger.reverse_part(session, part, now=NOW) == -(
        part.delivery_subsidy_minor - part.commission_minor
    )
    assert ledger.balance_of(session, coop.id) == Money(0)


def test_delivery_dates_count_working_days_only() -> None:
    friday = date(2026, 12, 4)
    # prepared Saturday, then one working day: Sunday is skipped
    assert estimated_delivery(friday, ShippingZone.SAME_REGION) == date(2026, 12, 7)
    assert estimated_delivery(friday, ShippingZone.REMOTE) == date(2026, 12, 10)
    made_by = date(2026, 12, 14)
    assert estimated_delivery(friday, ShippingZone.OTHER_REGION, made_by) == date(2026, 12, 16)
