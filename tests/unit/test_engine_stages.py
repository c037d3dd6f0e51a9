"""Lexicographic stages, fairness pricing, figures and viable purchase-order parts."""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solidarity_baskets import _lp, engine
from solidarity_baskets.engine import (
    Allocation,
    Destination,
    EngineSolveError,
    Line,
    Offer,
    Policy,
    Problem,
    Supplier,
    allocate,
)
from tests.unit.test_engine import check_invariants, problem, random_problem


def spread_problem(seed: int, policy: Policy, *, n_sup: int = 200) -> Problem:
    """Many suppliers, prices spread x0.7-1.4, two lines, two destination regions."""
    rng = random.Random(seed)
    lines = [Line("flour", 10), Line("oil", 2)]
    dests = [Destination("casa", "06", 3000), Destination("agadir", "09", 2000)]
    sups = [
        Supplier(i, rng.choice(["06", "09", "07", "01"]), True, rng.random() < 0.3)
        for i in range(1, n_sup + 1)
    ]
    offers = [
        Offer(
            f"o{s.id:03d}{line.key}",
            s.id,
            line.key,
            int(600 * rng.uniform(0.7, 1.4)),
            stock=rng.randint(50, 3000),
            weight_g=1000,
        )
        for s in sups
        for line in lines
        if rng.random() < 0.7
    ]
    return problem(lines, dests, sups, offers, days=17, policy=policy)


def floor_utility(model: _lp.Model, x: np.ndarray[Any, Any]) -> float:
    inp = model.inp
    revenue = np.bincount(
        inp.offer_supplier[model.col_offer],
        weights=model.col_goods * x[: model.n_oc],
        minlength=len(inp.supplier_women),
    )
    weights = np.where(inp.supplier_women, inp.women_weight, 1.0)
    return float((weights * np.minimum(revenue, inp.revenue_floor)).sum())


def test_fairness_pricing_reaches_the_optimum_over_every_offer() -> None:
    """Pruned offers priced above 1.25x the marginal cost come back by their reduced cost:
    the fairness optimum equals the LP over all offers, and beats the pruned LP."""
    policy = Policy(fairness_tolerance=0.25, revenue_floor_minor=2_000_000)
    prep = engine._prepare(spread_problem(3, policy))
    assert prep.model_input is not None
    model = _lp.build(prep.model_input)
    s1 = _lp.stage1(model)
    keep = _lp.prune(model, s1.x, s1.mu)
    assert not keep.all()
    x_cg, sizes = _lp.stage2(model, s1, keep)
    x_all, _ = _lp.stage2(model, s1, np.ones(model.n_oc, dtype=bool))
    assert sizes["stage2_pricing_rounds"] > 1
    assert floor_utility(model, x_cg) == pytest.approx(floor_utility(model, x_all), rel=1e-6)
    pruned = dataclasses.replace(model, ub=model.ub.copy())
    pruned.ub[: model.n_oc][~keep] = 0
    x_pruned, _ = _lp.stage2(pruned, s1, keep)
    assert floor_utility(model, x_pruned) < 0.99 * floor_utility(model, x_cg)


@pytest.mark.parametrize("unit_minor", [300_000, 1_000_000, 5_000_000])
def test_expensive_line_units_with_active_caps_solve(unit_minor: int) -> None:
    """Line units of 3,000 to 50,000 MAD with binding caps: no weight tiers to overflow."""
    lines = [Line("tent", 1), Line("stove", 1)]
    dests = [Destination("casa", "06", 4000), Destination("dakhla", "12", 3000)]
    sups = [Supplier(i, ["06", "07", "12"][i % 3], True, i % 4 == 0) for i in range(1, 13)]
    offers = [
        Offer(
            f"{line.key}{s.id:02d}",
            s.id,
            line.key,
            unit_minor + 1000 * s.id,
            stock=900,
            weight_g=20_000,
        )
        for s in sups
        for line in lines
    ]
    policy = Policy(max_share_of_line=0.05, max_share_of_order=0.05)
    p = problem(lines, dests, sups, offers, days=14, policy=policy)
    a = allocate(p)
    check_invariants(p, a)
    assert a.stats.shortage_line_units == 0
    caps = dict(a.stats.line_share_caps)
    units: dict[tuple[int, str], int] = defaultdict(int)
    for x in a.assignments:
        units[(x.supplier_id, x.line_key)] += x.line_units
    assert any(u >= caps[lk] for (_, lk), u in units.items())  # the caps bind
    assert a.stats.cheapest_cost_minor <= a.stats.pure_cost_optimum_minor


def test_a_failed_stage_is_an_error_not_a_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The solver boundary reports a failure in the fairness stage: the engine raises."""
    real = _lp._linprog
    calls = {"n": 0}

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        res = real(*args, **kwargs)
        if kwargs.get("options") == {}:  # the fairness LP runs with HiGHS defaults
            res.status, res.message = 4, "numerical difficulties"
        return res

    monkeypatch.setattr(_lp, "_linprog", failing)
    with pytest.raises(EngineSolveError) as err:
        allocate(spread_problem(1, Policy(), n_sup=30))
    assert err.value.stage == "fairness"


def test_figures_compare_with_the_cheapest_plan_and_every_eligible_supplier() -> None:
    p = spread_problem(5, Policy())
    a = allocate(p)
    s = a.stats
    assert s.cheapest_cost_minor <= s.pure_cost_optimum_minor
    assert s.cost_over_cheapest == pytest.approx(
        (s.goods_minor + s.shipping_minor) / s.cheapest_cost_minor - 1
    )
    eligible = {o.supplier_id for o in p.offers}
    assert s.suppliers_eligible == len(eligible)
    assert s.suppliers_paid < s.suppliers_eligible
    # unpaid eligible suppliers count 0: the distribution over all of them is less even
    assert s.gini_eligible > s.gini
    revenue: dict[int, int] = defaultdict(int)
    for x in a.assignments:
        revenue[x.supplier_id] += x.goods_minor
    values = np.sort(np.array([revenue.get(i, 0) for i in sorted(eligible)], dtype=float))
    n = len(values)
    expected = float((2 * np.arange(1, n + 1) - n - 1) @ values / (n * values.sum()))
    assert s.gini_eligible == pytest.approx(expected)


# --------------------------------------------------------------------------- parts


def part_values(a: Allocation) -> dict[tuple[int, str], int]:
    parts: dict[tuple[int, str], int] = defaultdict(int)
    for x in a.assignments:
        parts[(x.supplier_id, x.destination_key)] += x.goods_minor
    return parts


def region_values(p: Problem, a: Allocation) -> dict[tuple[int, str], int]:
    region = {d.key: d.region_code for d in p.destinations}
    values: dict[tuple[int, str], int] = defaultdict(int)
    for x in a.assignments:
        values[(x.supplier_id, region[x.destination_key])] += x.goods_minor
    return values


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    minimum=st.sampled_from([0, 5_000, 20_000, 60_000]),
    fee=st.sampled_from([0, 1_500]),
    max_parts=st.integers(0, 60),
    fairness=st.booleans(),
)
def test_minimum_order_value_and_parts_limit(
    seed: int, minimum: int, fee: int, max_parts: int, fairness: bool
) -> None:
    """Every cooperative's purchases for a region reach the minimum order value unless
    the demand needs them (noted); the part figures and the limit flag tell the truth."""
    base = random_problem(seed, n_sup=25, baskets=300)
    policy = dataclasses.replace(
        base.policy,
        min_part_minor=minimum,
        shipment_fee_minor=fee,
        max_parts=max_parts,
        fairness=fairness,
    )
    p = dataclasses.replace(base, policy=policy)
    a = allocate(p)
    s = a.stats
    without = allocate(dataclasses.replace(p, policy=dataclasses.replace(policy, min_part_minor=0)))
    # the minimum never costs shortage
    assert s.shortage_line_units == without.stats.shortage_line_units
    rounds = dict(s.model_size).get("min_part_rounds", 0)
    if minimum and "small_parts_needed_for_demand" not in s.notes and rounds < 4:
        assert all(v >= minimum for v in region_values(p, a).values())
    parts = part_values(a)
    assert s.parts == len(parts)
    assert s.smallest_part_minor == (min(parts.values()) if parts else 0)
    assert s.parts_below_minimum == sum(1 for v in parts.values() if v < minimum)
    assert s.shipment_fees_minor == fee * len(parts)
    assert s.total_minor == s.goods_minor + s.shipping_minor + s.shipment_fees_minor
    assert s.too_many_parts == (0 < max_parts < len(parts))
    assert s.minimum_gap >= -1e-9
    if not rounds:
        assert s.minimum_gap == 0.0


def test_minimum_order_value_removes_token_purchases() -> None:
    """A few cheap jars from a far cooperative are no purchase order anyone ships: with a
    minimum order value the near cooperative delivers them, at a reported cost gap."""
    lines = [Line("paste", 1)]
    dests = [Destination("casa", "06", 1000)]
    sups = [Supplier(1, "06", True, False), Supplier(2, "09", True, False)]
    offers = [
        Offer("p1", 1, "paste", 1400, stock=5000, weight_g=400),
        Offer("p2", 2, "paste", 1300, stock=3, weight_g=400),
    ]
    policy = Policy(max_share_of_line=1.0, max_share_of_order=1.0, fairness=False)
    p = problem(lines, dests, sups, offers, days=10, policy=policy)
    a0 = allocate(p)
    assert a0.stats.smallest_part_minor == 3 * 1300  # 3 jars from Agadir
    a1 = allocate(dataclasses.replace(p, policy=dataclasses.replace(policy, min_part_minor=50_000)))
    assert a1.stats.parts == 1
    assert a1.stats.shortage_line_units == 0
    # bound: the plan without the minimum is the cheapest one could hope for
    gap = a1.stats.pure_cost_optimum_minor / a0.stats.pure_cost_optimum_minor - 1
    assert a1.stats.minimum_gap == pytest.approx(gap, abs=1e-6)
    assert a1.stats.minimum_gap > 0
    assert {x.supplier_id for x in a1.assignments} == {1}


def test_small_parts_the_demand_needs_stay_and_are_noted() -> None:
    lines = [Line("paste", 1)]
    dests = [Destination("casa", "06", 1000)]
    sups = [Supplier(1, "06", True, False), Supplier(2, "09", True, False)]
    offers = [
        Offer("p1", 1, "paste", 1400, stock=997, weight_g=400),
        Offer("p2", 2, "paste", 1400, stock=5000, weight_g=400),
    ]
    policy = Policy(
        max_share_of_line=1.0, max_share_of_order=1.0, fairness=False, min_part_minor=50_000
    )
    p = problem(lines, dests, sups, offers, days=10, policy=policy)
    a = allocate(p)
    assert a.stats.shortage_line_units == 0
    assert a.stats.notes == ("small_parts_needed_for_demand",)
    assert a.stats.parts_below_minimum == 1
