"""Business rules of the solidarity-basket allocation engine (pure: no database)."""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict
from datetime import date, timedelta
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from catalog.money import split_by_ratio
from solidarity_baskets import freight
from solidarity_baskets.engine import (
    Allocation,
    Destination,
    EngineInputError,
    Line,
    Offer,
    Policy,
    Problem,
    ShippingTable,
    Supplier,
    allocate,
    packs_per_line_unit,
)
from tests.oracles import supply_by_date

T = TypeVar("T")
MONDAY = date(2025, 2, 3)
#: the operator's default lanes, without a minimum per shipment (totals = goods + freight)
SHIPPING = dataclasses.replace(freight.table(freight.DEFAULT_RATES), min_shipment_minor={})
DEFAULT_POLICY = Policy()
NO_CAPS = Policy(
    max_share_of_line=1.0, max_share_of_order=1.0, fairness=False, women_led_discount=0.0
)


# --------------------------------------------------------------------------- helpers


def problem(
    lines: list[Line],
    destinations: list[Destination],
    suppliers: list[Supplier],
    offers: list[Offer],
    *,
    days: int = 14,
    policy: Policy = NO_CAPS,
    budget: int | None = None,
) -> Problem:
    return Problem(
        lines=tuple(lines),
        destinations=tuple(destinations),
        suppliers=tuple(suppliers),
        offers=tuple(offers),
        today=MONDAY,
        deliver_by=MONDAY + timedelta(days=days),
        shipping=SHIPPING,
        budget_per_basket_minor=budget,
        policy=policy,
    )


def random_problem(
    seed: int, *, n_sup: int = 40, baskets: int = 600, policy: Policy = DEFAULT_POLICY
) -> Problem:
    """A mixed instance: urban and rural coops, substitutes, lead days, Sundays, committed."""
    rng = random.Random(seed)
    regions = [f"{i:02d}" for i in range(1, 13)]
    lines = [Line("bag", 1, True), Line("flour", 5), Line("oil", 2), Line("tea", 1)]
    price = {"bag": 3000, "flour": 700, "oil": 1800, "tea": 2500}
    weight = {"bag": 300, "flour": 1000, "oil": 950, "tea": 260}
    split = rng.randint(1, baskets - 1)
    dests = [
        Destination("casa", "06", split),
        Destination("agadir", "09", baskets - split),
        Destination("laayoune", "11", rng.randint(0, baskets // 4)),
    ]
    sups = [
        Supplier(i, rng.choice(regions), rng.random() < 0.8, rng.random() < 0.25)
        for i in range(1, n_sup + 1)
    ]
    offers = []
    for s in sups:
        for lk in rng.sample(sorted(price), rng.randint(1, 3)):
            pack = 2 if (lk != "bag" and rng.random() < 0.2) else 1
            need = next(line.quantity for line in lines if line.key == lk) * baskets
            scale = need / n_sup * (0.6 if lk == "bag" else 3.0)
            offers.append(
                Offer(
                    key=f"{s.id:03d}-{lk}",
                    supplier_id=s.id,
                    line_key=lk,
                    unit_price_minor=int(price[lk] * rng.uniform(0.8, 1.3)) // pack,
                    units_per_line_unit=pack,
                    stock=int(rng.uniform(0, scale)) * pack,
                    units_per_day=int(rng.uniform(0, scale / 8)) * pack,
                    committed=rng.choice([0, 0, 0, int(scale / 10)]),
                    weight_g=weight[lk] // pack,
                    lead_days=rng.randint(0, 4),
                    substitution_penalty_minor=rng.choice([0, 0, 30]) if pack == 2 else 0,
                    accepted=rng.random() < 0.95,
                )
            )
    return Problem(
        lines=tuple(lines),
        destinations=tuple(dests),
        suppliers=tuple(sups),
        offers=tuple(offers),
        today=MONDAY,
        deliver_by=MONDAY + timedelta(days=rng.randint(3, 20)),
        shipping=SHIPPING,
        budget_per_basket_minor=rng.choice([None, 15000]),
        policy=policy,
    )


def ship_date(p: Problem, offer: Offer, dest: Destination) -> date:
    origin = next(s for s in p.suppliers if s.id == offer.supplier_id).region_code
    transit = p.shipping.transit_days[(origin, dest.region_code)]
    return p.deliver_by - timedelta(days=transit)


def check_invariants(p: Problem, a: Allocation) -> None:
    """The hard rules, re-checked from the outside on every plan."""
    sups = {s.id: s for s in p.suppliers}
    offers = {o.key: o for o in p.offers}
    dests = {d.key: d for d in p.destinations}
    lines = {line.key: line for line in p.lines}
    policy = p.policy

    delivered: dict[tuple[str, str], int] = defaultdict(int)
    by_offer: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for x in a.assignments:
        o = offers[x.offer_key]
        for value in (x.line_units, x.product_units, x.goods_minor, x.shipping_minor):
            assert type(value) is int
        assert x.line_units > 0
        assert sups[x.supplier_id].rural, "urban cooperative used"
        assert o.accepted, "unaccepted equivalent used"
        assert (x.supplier_id, x.line_key) == (o.supplier_id, o.line_key)
        assert x.product_units == x.line_units * o.units_per_line_unit
        assert x.goods_minor == x.product_units * o.unit_price_minor
        d = dests[x.destination_key]
        rate = p.shipping.minor_per_kg[(sups[o.supplier_id].region_code, d.region_code)]
        exact = x.product_units * o.weight_g * rate
        assert x.shipping_minor == (2 * exact + 1000) // 2000  # half up
        transit = p.shipping.transit_days[(sups[o.supplier_id].region_code, d.region_code)]
        assert x.ship_by == p.deliver_by - timedelta(days=transit)
        delivered[(x.line_key, x.destination_key)] += x.line_units
        by_offer[x.offer_key].append((ship_date(p, o, d), x.product_units))

    # demand met or reported, never silently less
    missing = {(s.line_key, s.destination_key): s for s in a.shortfalls}
    assert len(missing) == len(a.shortfalls)
    for lk, line in lines.items():
        for dk, d in dests.items():
            need = line.quantity * d.baskets
            s = missing.get((lk, dk))
            gap = 0 if s is None else s.missing_line_units
            assert delivered[(lk, dk)] + gap == need, (lk, dk)
            if s is not None:
                assert s.missing_line_units > 0
                assert s.needed_line_units == need
                assert s.available_line_units == need - s.missing_line_units
                assert s.deliver_by == p.deliver_by

    # supply never exceeded, by every ship date (earliest ship dates first)
    for ok, parts in by_offer.items():
        o = offers[ok]
        cum = 0
        for when, units in sorted(parts):
            assert when >= p.today
            cum += units
            assert cum <= supply_by_date(o, p.today, when), ok

    # caps (one unit of tolerance after rounding, plus any relaxation the demand needed)
    relaxed_line = {
        (c.supplier_id, c.line_key): c.extra for c in a.stats.relaxed_caps if c.line_key
    }
    relaxed_order = {c.supplier_id: c.extra for c in a.stats.relaxed_caps if c.line_key is None}
    caps = dict(a.stats.line_share_caps)
    units_sl: dict[tuple[int, str], int] = defaultdict(int)
    goods_s: dict[int, int] = defaultdict(int)
    max_unit: dict[int, int] = defaultdict(int)
    for x in a.assignments:
        units_sl[(x.supplier_id, x.line_key)] += x.line_units
        goods_s[x.supplier_id] += x.goods_minor
        o = offers[x.offer_key]
        max_unit[x.supplier_id] = max(
            max_unit[x.supplier_id], o.unit_price_minor * o.units_per_line_unit
        )
    for (sid, lk), units in units_sl.items():
        assert units <= caps[lk] + relaxed_line.get((sid, lk), 0) + 1, (sid, lk)
    goods = sum(goods_s.values())
    if policy.max_share_of_order < 1.0:
        for sid, g in goods_s.items():
            assert (
                g <= a.stats.order_share_cap * goods + relaxed_order.get(sid, 0) + max_unit[sid]
            ), sid

    # money: integers, and the sums hold
    st_ = a.stats
    assert st_.goods_minor == goods
    assert st_.shipping_minor == sum(x.shipping_minor for x in a.assignments)
    assert st_.total_minor == st_.goods_minor + st_.shipping_minor
    baskets = sum(d.baskets for d in p.destinations)
    assert st_.baskets_ordered == baskets
    if baskets:
        assert st_.cost_per_basket_minor == (2 * st_.total_minor + baskets) // (2 * baskets)
    assert st_.shortage_line_units == sum(s.missing_line_units for s in a.shortfalls)
    paid = {x.supplier_id for x in a.assignments}
    assert st_.suppliers_paid == len(paid)
    assert st_.regions_reached == tuple(sorted({sups[s].region_code for s in paid}))
    assert st_.rural_share == 1.0
    women = sum(g for s, g in goods_s.items() if sups[s].women_led)
    assert st_.women_led_share == pytest.approx(women / goods if goods else 0.0)
    assert 0.0 <= st_.gini < 1.0
    assert st_.notes == ()
    if a.budget_excess is not None:
        assert p.budget_per_basket_minor is not None
        assert (
            a.budget_excess.total_excess_minor
            == st_.total_minor - p.budget_per_basket_minor * baskets
            > 0
        )
        assert sum(c for _, c in a.budget_excess.drivers) == st_.cost_per_basket_minor


def shipped(a: Allocation, **where: object) -> int:
    return sum(
        x.line_units for x in a.assignments if all(getattr(x, k) == v for k, v in where.items())
    )


# --------------------------------------------------------------------------- calendar and lanes


def test_supply_by_date_counts_stock_plus_working_days_minus_committed() -> None:
    offer = Offer("o", 1, "flour", 100, stock=10, units_per_day=5, committed=3)
    # Monday 3 Feb .. Monday 10 Feb: six working days (Sunday 9 Feb off)
    assert supply_by_date(offer, MONDAY, MONDAY + timedelta(days=7)) == 10 + 6 * 5 - 3


def test_supply_by_date_is_stock_only_on_the_first_day_and_never_negative() -> None:
    assert supply_by_date(Offer("o", 1, "f", 1, stock=4), MONDAY, MONDAY) == 4
    assert supply_by_date(Offer("o", 1, "f", 1, stock=4, committed=9), MONDAY, MONDAY) == 0


def test_lead_days_delay_production_but_not_the_stock() -> None:
    offer = Offer("o", 1, "flour", 100, stock=10, units_per_day=5, lead_days=2)
    # production starts on Wednesday 5 Feb: Wednesday to Saturday before Monday 10 Feb
    assert supply_by_date(offer, MONDAY, MONDAY + timedelta(days=7)) == 10 + 4 * 5
    assert supply_by_date(offer, MONDAY, MONDAY + timedelta(days=1)) == 10


def test_moroccan_public_holidays_are_not_production_days() -> None:
    offer = Offer("o", 1, "flour", 100, units_per_day=5)
    # Monday 31 March 2025 is Eid al-Fitr: Tuesday to Saturday only
    assert supply_by_date(offer, date(2025, 3, 31), date(2025, 4, 7)) == 5 * 5


def test_default_shipping_covers_the_twelve_regions() -> None:
    t = freight.table(freight.DEFAULT_RATES)
    assert len(t.minor_per_kg) == len(t.transit_days) == 144
    assert t.minor_per_kg[("06", "06")] == 30  # 0.30 MAD/kg within a region
    assert t.transit_days[("06", "06")] == 1
    assert t.transit_days[("06", "09")] == 2
    assert t.transit_days[("06", "11")] == t.transit_days[("12", "01")] == 3
    assert t.transit_days[("11", "11")] == 1
    assert t.minor_per_kg[("06", "09")] == t.minor_per_kg[("09", "06")]
    # Casablanca - Agadir: 1.3 x ~396 km great circle = ~515 km -> 0.30 + 0.002 x 515 MAD/kg
    assert t.minor_per_kg[("06", "09")] == 133
    assert t.minor_per_kg[("01", "12")] > t.minor_per_kg[("01", "06")]


# --------------------------------------------------------------------------- hard rules


def test_never_uses_urban_cooperatives() -> None:
    lines = [Line("flour", 10)]
    dests = [Destination("casa", "06", 100)]
    sups = [Supplier(1, "06", False, False), Supplier(2, "07", True, False)]
    offers = [
        Offer("urban-cheap", 1, "flour", 100, stock=10_000, weight_g=1000),
        Offer("rural", 2, "flour", 900, stock=10_000, weight_g=1000),
    ]
    p = problem(lines, dests, sups, offers)
    a = allocate(p)
    check_invariants(p, a)
    assert {x.offer_key for x in a.assignments} == {"rural"}
    assert shipped(a) == 1000


def test_reports_a_shortfall_when_only_urban_cooperatives_make_a_line() -> None:
    lines = [Line("bag", 1, is_container=True), Line("flour", 2)]
    dests = [Destination("casa", "06", 50)]
    sups = [Supplier(1, "06", False, False), Supplier(2, "06", True, False)]
    offers = [Offer("bag", 1, "bag", 100, stock=500), Offer("flour", 2, "flour", 100, stock=500)]
    p = problem(lines, dests, sups, offers)
    a = allocate(p)
    check_invariants(p, a)
    (s,) = a.shortfalls
    assert (s.line_key, s.destination_key, s.missing_line_units) == ("bag", "casa", 50)
    assert s.available_line_units == 0
    assert [f.baskets for f in s.fixes if f.kind == "fewer_baskets"] == [0]


def test_meets_every_line_at_every_destination_exactly() -> None:
    p = random_problem(3, baskets=800)
    a = allocate(p)
    check_invariants(p, a)


def test_far_destinations_only_get_what_is_ready_by_their_earlier_ship_date() -> None:
    # One coop in Souss-Massa (09): 1 day to Agadir, 3 days to Laayoune (11).
    lines = [Line("tea", 1)]
    dests = [Destination("agadir", "09", 300), Destination("laayoune", "11", 300)]
    sups = [Supplier(1, "09", True, False)]
    offers = [Offer("tea", 1, "tea", 2000, stock=100, units_per_day=100, weight_g=250)]
    p = problem(lines, dests, sups, offers, days=6)  # deliver Sunday 9 Feb
    a = allocate(p)
    check_invariants(p, a)
    # Laayoune must ship by Thursday 6 Feb: 100 + 3 days x 100 = 400 ready, but the
    # total by Saturday 8 Feb (Agadir) is 100 + 5 x 100 = 600.
    assert shipped(a, destination_key="laayoune") + shipped(a, destination_key="agadir") == 600
    assert shipped(a, destination_key="laayoune") <= 400
    assert a.stats.shortage_line_units == 0


def test_a_lane_whose_ship_date_has_passed_is_not_used() -> None:
    lines = [Line("tea", 1)]
    dests = [Destination("laayoune", "11", 10)]
    sups = [Supplier(1, "09", True, False)]
    offers = [Offer("tea", 1, "tea", 2000, stock=100, weight_g=250)]
    p = problem(lines, dests, sups, offers, days=2)  # 3 days of transit needed
    a = allocate(p)
    check_invariants(p, a)
    assert a.assignments == ()
    assert a.shortfalls[0].missing_line_units == 10


def test_conversion_buys_whole_line_units_in_product_units() -> None:
    lines = [Line("pasta", 2)]  # 2 x 500 g per basket
    dests = [Destination("casa", "06", 100)]
    sups = [Supplier(1, "06", True, False)]
    # 250 g packs: 2 per line unit; 301 packs in stock = 150 line units
    offers = [Offer("pasta-250", 1, "pasta", 300, units_per_line_unit=2, stock=301, weight_g=250)]
    p = problem(lines, dests, sups, offers)
    a = allocate(p)
    check_invariants(p, a)
    (x,) = a.assignments
    assert (x.line_units, x.product_units, x.goods_minor) == (150, 300, 300 * 300)
    assert a.shortfalls[0].missing_line_units == 50


@pytest.mark.parametrize(
    ("line", "pack", "packs"),
    [
        (1000, 500, 2),  # exact
        (850, 250, 4),  # 1 kg for 850 g: 17.6 % more
        (2000, 750, 3),  # 2.25 kg for 2 kg: 12.5 % more
        (1000, 1000, 1),
        (900, 1000, 1),  # one pack larger than the line, 11 % more
        (1000, 600, 2),  # 1.2 kg for 1 kg: exactly 20 % more
        (1000, 601, None),  # 1.202 kg: just over
        (850, 400, None),  # three tins = 1.2 kg, 41 % more
        (500, 1000, None),  # twice the line
        (2000, 900, None),  # 2.7 kg
        (850, 0, None),
    ],
)
def test_a_line_takes_the_fewest_whole_packs_reaching_it_within_a_fifth_more(
    line: int, pack: int, packs: int | None
) -> None:
    assert packs_per_line_unit(line, pack) == packs
    if packs is not None:
        assert line <= packs * pack <= line * 1.2  # never less than the line states


def test_destinations_without_baskets_get_nothing() -> None:
    lines = [Line("flour", 1)]
    dests = [Destination("casa", "06", 10), Destination("rabat", "04", 0)]
    sups = [Supplier(1, "04", True, False)]
    p = problem(lines, dests, sups, [Offer("f", 1, "flour", 100, stock=100, weight_g=1000)])
    a = allocate(p)
    check_invariants(p, a)
    assert {x.destination_key for x in a.assignments} == {"casa"}


def test_every_line_is_reported_short_when_no_offer_can_deliver() -> None:
    lines = [Line("flour", 2), Line("oil", 1)]
    dests = [Destination("casa", "06", 10), Destination("agadir", "09", 5)]
    sups = [Supplier(1, "06", True, False)]
    p = problem(lines, dests, sups, [Offer("f", 1, "flour", 100, stock=0)])
    a = allocate(p)
    check_invariants(p, a)
    assert a.assignments == ()
    assert {(s.line_key, s.destination_key, s.missing_line_units) for s in a.shortfalls} == {
        ("flour", "casa", 20),
        ("flour", "agadir", 10),
        ("oil", "casa", 10),
        ("oil", "agadir", 5),
    }


def test_an_order_without_baskets_buys_nothing() -> None:
    lines = [Line("flour", 2)]
    dests = [Destination("casa", "06", 0)]
    sups = [Supplier(1, "06", True, False)]
    p = problem(lines, dests, sups, [Offer("f", 1, "flour", 100, stock=50)], budget=1)
    a = allocate(p)
    assert (a.assignments, a.shortfalls, a.budget_excess) == ((), (), None)
    assert a.stats.total_minor == a.stats.cost_per_basket_minor == 0


@settings(
    max_examples=40,
    deadline=None,
    database=None,  # no example store: every run starts afresh, nothing written to disk
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 1_000_000),
    fair=st.booleans(),
    n_sup=st.integers(2, 40),
    baskets=st.integers(2, 2_000),
    order_share=st.sampled_from([0.01, 0.05, 0.10]),
    line_share=st.sampled_from([0.10, 1.0]),
)
# rounding left a supplier 1,824 centimes over its order-value cap, more than one line
# unit of anything it was paid for, and the cap was not reported as relaxed
@example(seed=737613, fair=False, n_sup=32, baskets=1653, order_share=0.01, line_share=1.0)
def test_hard_rules_hold_on_random_instances(
    seed: int, fair: bool, n_sup: int, baskets: int, order_share: float, line_share: float
) -> None:
    policy = Policy(fairness=fair, max_share_of_order=order_share, max_share_of_line=line_share)
    p = random_problem(seed, n_sup=n_sup, baskets=baskets, policy=policy)
    check_invariants(p, allocate(p))


# --------------------------------------------------------------------------- shortfalls


def short_bag_problem(**kw: object) -> Problem:
    """Woven bags from two weaving coops, short by the date; food is plentiful."""
    lines = [Line("bag", 1, is_container=True), Line("flour", 5)]
    dests = [Destination("casa", "06", 300), Destination("agadir", "09", 200)]
    sups = [
        Supplier(1, "09", True, True),
        Supplier(2, "07", True, False),
        Supplier(3, "06", True, False),
        Supplier(4, "06", False, False),
    ]
    offers = [
        Offer("bag-1", 1, "bag", 3000, stock=100, units_per_day=20, weight_g=300, lead_days=1),
        Offer("bag-2", 2, "bag", 3200, stock=50, units_per_day=10, weight_g=300),
        Offer("bag-urban", 4, "bag", 1000, stock=5000, weight_g=300),
        Offer("bag-4", 3, "bag", 2500, stock=1000, weight_g=300, accepted=False),
        Offer("flour-3", 3, "flour", 700, stock=5000, weight_g=1000),
    ]
    return problem(lines, dests, sups, offers, days=10, **kw)  # type: ignore[arg-type]


def test_shortfall_names_line_destination_amount_and_date() -> None:
    p = short_bag_problem()
    a = allocate(p)
    check_invariants(p, a)
    assert {s.line_key for s in a.shortfalls} == {"bag"}
    # by Thursday 13 Feb: bag-1 150 + 7 x 20 (- lead) ..., bag-2 50 + 8 x 10: far below 500
    total_missing = sum(s.missing_line_units for s in a.shortfalls)
    ready = 100 + 20 * 7 + 50 + 10 * 8  # upper bound of what exists by the latest ship date
    assert total_missing >= 500 - ready
    for s in a.shortfalls:
        assert s.deliver_by == p.deliver_by
        assert s.destination_key in {"casa", "agadir"}


def test_move_date_fix_gives_a_date_that_makes_the_line_feasible() -> None:
    p = short_bag_problem()
    a = allocate(p)
    (when,) = {f.deliver_by for s in a.shortfalls for f in s.fixes if f.kind == "move_date"}
    assert when is not None and when > p.deliver_by
    moved = dataclasses.replace(p, deliver_by=when)
    later = allocate(moved)
    check_invariants(moved, later)
    assert not [s for s in later.shortfalls if s.line_key == "bag"]
    earlier = allocate(dataclasses.replace(p, deliver_by=when - timedelta(days=1)))
    assert [s for s in earlier.shortfalls if s.line_key == "bag"], "the date is the earliest one"


def test_move_date_fix_is_omitted_when_no_date_within_the_horizon_helps() -> None:
    lines = [Line("bag", 1)]
    dests = [Destination("casa", "06", 10)]
    sups = [Supplier(1, "06", True, False)]
    p = problem(lines, dests, sups, [Offer("bag", 1, "bag", 100, stock=3)])
    (s,) = allocate(p).shortfalls
    assert [f.kind for f in s.fixes] == ["fewer_baskets", "scale"]


def test_accept_equivalent_fix_lists_unaccepted_rural_offers() -> None:
    p = short_bag_problem()
    a = allocate(p)
    fixes = [f for s in a.shortfalls for f in s.fixes if f.kind == "accept_equivalent"]
    assert fixes
    for f in fixes:
        assert f.offer_keys == ("bag-4",)  # never the urban one
        assert f.resolves_line
        assert f.line_units == sum(s.missing_line_units for s in a.shortfalls)
    assert "bag-4" not in {x.offer_key for x in a.assignments}


def test_fewer_baskets_fix_counts_complete_baskets_at_the_destination() -> None:
    p = short_bag_problem()
    a = allocate(p)
    for s in a.shortfalls:
        (f,) = [f for f in s.fixes if f.kind == "fewer_baskets"]
        assert f.baskets == s.available_line_units  # one bag per basket, flour is plentiful


def two_short_lines_problem() -> Problem:
    """Tea is made near Casablanca, couscous near Agadir, each enough for 100 baskets."""
    lines = [Line("couscous", 1), Line("tea", 1)]
    dests = [Destination("agadir", "09", 100), Destination("casa", "06", 100)]
    sups = [Supplier(1, "06", True, False), Supplier(2, "09", True, False)]
    offers = [
        Offer("tea", 1, "tea", 2000, stock=100, weight_g=250),
        Offer("couscous", 2, "couscous", 1500, stock=100, weight_g=1000),
    ]
    return problem(lines, dests, sups, offers)


def test_fewer_baskets_fix_finds_complete_baskets_when_lines_are_short_at_different_points() -> (
    None
):
    p = two_short_lines_problem()
    a = allocate(p)
    check_invariants(p, a)
    # the cheapest plan keeps each line near where it is made: no point gets both
    assert shipped(a, line_key="tea", destination_key="casa") == 100
    assert shipped(a, line_key="couscous", destination_key="agadir") == 100
    fewer = {
        s.destination_key: f.baskets
        for s in a.shortfalls
        for f in s.fixes
        if f.kind == "fewer_baskets"
    }
    assert fewer == {"agadir": 50, "casa": 50}  # 100 complete baskets, shared evenly
    scaled = {f.baskets for s in a.shortfalls for f in s.fixes if f.kind == "scale"}
    assert scaled == {100}
    again = dataclasses.replace(
        p, destinations=tuple(dataclasses.replace(d, baskets=fewer[d.key]) for d in p.destinations)
    )
    assert allocate(again).shortfalls == ()


def test_complete_baskets_at_each_point_can_all_be_served_at_once() -> None:
    for seed in range(12):
        p = random_problem(seed, n_sup=8, baskets=300)
        a = allocate(p)
        if not a.shortfalls:
            continue
        fewer = {
            s.destination_key: f.baskets
            for s in a.shortfalls
            for f in s.fixes
            if f.kind == "fewer_baskets"
        }
        fixed = tuple(
            dataclasses.replace(d, baskets=fewer.get(d.key, d.baskets)) for d in p.destinations
        )
        assert allocate(dataclasses.replace(p, destinations=fixed)).shortfalls == (), seed
        (scaled,) = {f.baskets for s in a.shortfalls for f in s.fixes if f.kind == "scale"} or {0}
        if scaled:
            total = sum(d.baskets for d in p.destinations)
            share = split_by_ratio(scaled, [d.baskets for d in p.destinations])
            split = tuple(
                dataclasses.replace(d, baskets=n)
                for d, n in zip(p.destinations, share, strict=True)
            )
            assert scaled < total
            assert allocate(dataclasses.replace(p, destinations=split)).shortfalls == (), seed


def test_shortage_is_shared_within_a_region_in_proportion_to_demand() -> None:
    lines = [Line("oil", 1)]
    dests = [Destination("casa-a", "06", 300), Destination("casa-b", "06", 100)]
    sups = [Supplier(1, "06", True, False)]
    p = problem(lines, dests, sups, [Offer("oil", 1, "oil", 100, stock=200)])
    a = allocate(p)
    check_invariants(p, a)
    assert {s.destination_key: s.missing_line_units for s in a.shortfalls} == {
        "casa-a": 150,
        "casa-b": 50,
    }


# --------------------------------------------------------------------------- budget


def test_budget_excess_names_the_driving_lines() -> None:
    lines = [Line("oil", 2), Line("tea", 1), Line("bag", 1, is_container=True)]
    dests = [Destination("casa", "06", 100)]
    sups = [Supplier(1, "06", True, False)]
    offers = [
        Offer("oil", 1, "oil", 6000, stock=1000, weight_g=900),
        Offer("tea", 1, "tea", 2000, stock=1000, weight_g=250),
        Offer("bag", 1, "bag", 500, stock=1000, weight_g=300),
    ]
    p = problem(lines, dests, sups, offers, budget=10_000)
    a = allocate(p)
    check_invariants(p, a)
    assert a.budget_excess is not None
    assert [k for k, _ in a.budget_excess.drivers] == ["oil", "tea", "bag"]
    costs = [c for _, c in a.budget_excess.drivers]
    assert costs == sorted(costs, reverse=True)
    assert a.budget_excess.per_basket_excess_minor == -(-a.budget_excess.total_excess_minor // 100)
    assert a.stats.cost_per_basket_minor > 10_000


def test_no_budget_excess_within_budget() -> None:
    lines = [Line("tea", 1)]
    dests = [Destination("casa", "06", 100)]
    sups = [Supplier(1, "06", True, False)]
    p = problem(lines, dests, sups, [Offer("tea", 1, "tea", 2000, stock=1000)], budget=2000)
    assert allocate(p).budget_excess is None


# ---------------------------------------------------------------- substitutes, preferences


def substitution_problem(ref_stock: int, sub_price: int, penalty: int) -> Problem:
    lines = [Line("oil", 1)]
    dests = [Destination("casa", "06", 100)]
    sups = [Supplier(1, "06", True, False), Supplier(2, "06", True, False)]
    offers = [
        Offer("ref", 1, "oil", 1800, stock=ref_stock, weight_g=950),
        Offer(
            "sub",
            2,
            "oil",
            sub_price,
            units_per_line_unit=2,
            stock=1000,
            weight_g=475,
            substitution_penalty_minor=penalty,
        ),
    ]
    return problem(lines, dests, sups, offers)


def test_substitute_unused_when_the_reference_is_available_and_cheaper() -> None:
    a = allocate(substitution_problem(ref_stock=500, sub_price=900, penalty=20))
    assert {x.offer_key for x in a.assignments} == {"ref"}


def test_substitute_used_when_the_reference_is_short() -> None:
    p = substitution_problem(ref_stock=60, sub_price=900, penalty=20)
    a = allocate(p)
    check_invariants(p, a)
    assert shipped(a, offer_key="ref") == 60
    assert shipped(a, offer_key="sub") == 40
    assert not a.shortfalls


def test_substitute_used_when_cheaper_even_with_its_penalty() -> None:
    a = allocate(substitution_problem(ref_stock=500, sub_price=850, penalty=10))  # 1700+40 < 1800
    assert {x.offer_key for x in a.assignments} == {"sub"}


def test_fairness_stage_does_not_add_substitutions() -> None:
    p = dataclasses.replace(
        substitution_problem(ref_stock=500, sub_price=900, penalty=20),
        policy=Policy(max_share_of_line=1.0, max_share_of_order=1.0),
    )
    a = allocate(p)
    assert shipped(a, offer_key="sub") == 0


def women_problem(policy: Policy) -> Problem:
    rng = random.Random(7)
    lines = [Line("flour", 5), Line("oil", 1)]
    dests = [Destination("casa", "06", 400), Destination("agadir", "09", 300)]
    sups = [
        Supplier(i, rng.choice(["03", "06", "07", "09"]), True, i % 4 == 0) for i in range(1, 41)
    ]
    offers = [
        Offer(
            f"{s.id}-{lk}",
            s.id,
            lk,
            int(base * rng.uniform(0.9, 1.1)),
            stock=700 if lk == "flour" else 150,
            weight_g=1000,
        )
        for s in sups
        for lk, base in (("flour", 700), ("oil", 1800))
    ]
    return problem(lines, dests, sups, offers, policy=policy)


def test_women_led_preference_shifts_share_within_tolerance() -> None:
    base = Policy(
        max_share_of_line=1.0, max_share_of_order=1.0, fairness=False, women_led_discount=0.0
    )
    pref = dataclasses.replace(base, women_led_discount=0.05)
    a0 = allocate(women_problem(base))
    a1 = allocate(women_problem(pref))
    check_invariants(women_problem(pref), a1)
    assert a1.stats.women_led_share > a0.stats.women_led_share + 0.05
    # a 5% shadow discount can never cost more than 5% of the goods
    assert a1.stats.total_minor <= a0.stats.total_minor * 1.05
    assert a1.stats.total_minor >= a0.stats.total_minor


def test_fairness_pays_more_cooperatives_within_the_cost_tolerance() -> None:
    base = Policy(fairness=False)
    fair = Policy(fairness=True, revenue_floor_minor=100_000)
    p0, p1 = women_problem(base), women_problem(fair)
    a0, a1 = allocate(p0), allocate(p1)
    check_invariants(p1, a1)
    assert a1.stats.suppliers_paid > a0.stats.suppliers_paid
    assert a1.stats.gini < a0.stats.gini
    assert a1.stats.pure_cost_optimum_minor == a0.stats.pure_cost_optimum_minor
    # rounding moves each bought column by less than one line unit
    slack = 2 * 2_000 * len(p1.offers)
    assert (
        a1.stats.total_minor
        <= (1 + fair.fairness_tolerance) * a1.stats.pure_cost_optimum_minor + slack
    )
    assert a1.stats.total_minor > a0.stats.total_minor


# --------------------------------------------------------------------------- caps


def many_suppliers_problem(policy: Policy) -> Problem:
    lines = [Line("flour", 10)]
    dests = [Destination("casa", "06", 500)]
    sups = [Supplier(i, "06", True, False) for i in range(1, 31)]
    offers = [
        Offer(f"f{i:02d}", i, "flour", 600 + i, stock=5000, weight_g=1000) for i in range(1, 31)
    ]
    return problem(lines, dests, sups, offers, policy=policy)


def test_no_supplier_above_its_share_of_a_line() -> None:
    p = many_suppliers_problem(
        Policy(max_share_of_line=0.10, max_share_of_order=1.0, fairness=False)
    )
    a = allocate(p)
    check_invariants(p, a)
    assert max(shipped(a, supplier_id=i) for i in range(1, 31)) <= 500
    assert a.stats.suppliers_paid == 10  # the ten cheapest, 10% each
    assert a.stats.relaxed_caps == ()


def test_no_supplier_above_its_share_of_the_order_value() -> None:
    p = many_suppliers_problem(
        Policy(max_share_of_line=1.0, max_share_of_order=0.05, fairness=False)
    )
    a = allocate(p)
    check_invariants(p, a)
    assert a.stats.suppliers_paid >= 20


def test_line_cap_adapts_to_few_suppliers() -> None:
    lines = [Line("bag", 1)]
    dests = [Destination("casa", "06", 100)]
    sups = [Supplier(i, "06", True, False) for i in (1, 2, 3)]
    offers = [Offer(f"b{i}", i, "bag", 1000 * i, stock=100) for i in (1, 2, 3)]
    policy = Policy(max_share_of_line=0.1, max_share_of_order=1.0, fairness=False)
    p = problem(lines, dests, sups, offers, policy=policy)
    a = allocate(p)
    check_invariants(p, a)
    assert dict(a.stats.line_share_caps) == {"bag": 40}  # 1.2 / 3 suppliers
    assert [shipped(a, supplier_id=i) for i in (1, 2, 3)] == [40, 40, 20]


def test_caps_are_exceeded_only_when_the_demand_cannot_be_met_otherwise() -> None:
    lines = [Line("bag", 1)]
    dests = [Destination("casa", "06", 100)]
    sups = [Supplier(i, "06", True, False) for i in (1, 2, 3)]
    offers = [
        Offer("b1", 1, "bag", 1000, stock=90),
        Offer("b2", 2, "bag", 900, stock=5),
        Offer("b3", 3, "bag", 900, stock=5),
    ]
    p = problem(
        lines, dests, sups, offers, policy=Policy(max_share_of_line=0.1, max_share_of_order=1.0)
    )
    a = allocate(p)
    check_invariants(p, a)
    assert not a.shortfalls
    assert shipped(a, supplier_id=1) == 90
    (relaxed,) = a.stats.relaxed_caps
    assert (relaxed.supplier_id, relaxed.line_key, relaxed.extra) == (1, "bag", 50)


# --------------------------------------------------------------------------- determinism


def test_same_input_gives_the_same_plan() -> None:
    p = random_problem(5)
    assert allocate(p) == allocate(p)


def test_input_order_does_not_change_the_plan() -> None:
    p = random_problem(6)
    rng = random.Random(1)

    def shuffled(items: tuple[T, ...]) -> tuple[T, ...]:
        out = list(items)
        rng.shuffle(out)
        return tuple(out)

    q = dataclasses.replace(
        p,
        lines=shuffled(p.lines),
        destinations=shuffled(p.destinations),
        suppliers=shuffled(p.suppliers),
        offers=shuffled(p.offers),
        shipping=ShippingTable(
            minor_per_kg=dict(reversed(list(p.shipping.minor_per_kg.items()))),
            transit_days=dict(reversed(list(p.shipping.transit_days.items()))),
        ),
    )
    a, b = allocate(p), allocate(q)
    assert a == b
    assert a.assignments == tuple(
        sorted(a.assignments, key=lambda x: (x.line_key, x.destination_key, x.offer_key))
    )


# --------------------------------------------------------------------------- bad input


def base_parts() -> dict[str, object]:
    return dict(
        lines=(Line("flour", 1),),
        destinations=(Destination("casa", "06", 10),),
        suppliers=(Supplier(1, "06", True, False),),
        offers=(Offer("f", 1, "flour", 100, stock=10),),
        today=MONDAY,
        deliver_by=MONDAY + timedelta(days=5),
        shipping=SHIPPING,
    )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"lines": ()}, "no_lines"),
        ({"lines": (Line("flour", -1),)}, "line_quantity_not_positive"),
        ({"lines": (Line("flour", 1), Line("flour", 2))}, "duplicate_line"),
        ({"destinations": (Destination("casa", "06", -5),)}, "negative_value"),
        ({"destinations": (Destination("casa", "13", 5),)}, "unknown_region"),
        (
            {"destinations": (Destination("casa", "06", 5), Destination("casa", "09", 5))},
            "duplicate_destination",
        ),
        ({"suppliers": (Supplier(1, "6", True, False),)}, "unknown_region"),
        ({"offers": (Offer("f", 1, "sugar", 100),)}, "unknown_line"),
        ({"offers": (Offer("f", 2, "flour", 100),)}, "unknown_supplier"),
        ({"offers": (Offer("f", 1, "flour", 100, stock=-1),)}, "negative_value"),
        ({"offers": (Offer("f", 1, "flour", -100),)}, "negative_value"),
        (
            {"offers": (Offer("f", 1, "flour", 100, units_per_line_unit=0),)},
            "units_per_line_unit_not_positive",
        ),
        ({"offers": (Offer("f", 1, "flour", 1), Offer("f", 1, "flour", 2))}, "duplicate_offer"),
        ({"deliver_by": MONDAY - timedelta(days=1)}, "deliver_by_before_today"),
        ({"budget_per_basket_minor": -1}, "negative_value"),
        ({"policy": Policy(max_share_of_line=0.0)}, "invalid_policy"),
        ({"shipping": ShippingTable({("06", "06"): -1}, {("06", "06"): 1})}, "negative_value"),
    ],
)
def test_invalid_input_is_refused_with_a_code(change: dict[str, object], code: str) -> None:
    parts = base_parts() | change
    with pytest.raises(EngineInputError) as err:
        allocate(Problem(**parts))  # type: ignore[arg-type]
    assert err.value.code == code
    assert isinstance(err.value, ValueError)


def test_errors_carry_data_not_sentences() -> None:
    parts = base_parts() | {"offers": (Offer("f", 1, "sugar", 100),)}
    with pytest.raises(EngineInputError) as err:
        allocate(Problem(**parts))  # type: ignore[arg-type]
    assert (err.value.code, err.value.subject, err.value.value) == (
        "unknown_line",
        "offer:f.line_key",
        "sugar",
    )
