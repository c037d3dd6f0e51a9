"""The engine's cost optimum equals an independent, naive per-destination LP.

The reference model is written here from the problem statement only: one variable per
(offer, destination) pair, one shortage variable per (line, destination), and for every
offer and each of its ship dates the units sent to destinations that need it by that
date or earlier are bounded by ``supply_by_date``.  No caps, no fairness, no shadow
discount: the engine runs with the same policy and must find the same cost (within
0.1 %) and the same shortage.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from solidarity_baskets import freight
from solidarity_baskets.engine import (
    Destination,
    Line,
    Offer,
    Policy,
    Problem,
    ShippingTable,
    Supplier,
    allocate,
)
from tests.oracles import supply_by_date

#: ``linprog`` typed loosely: its stubs do not list sparse matrices.
LINPROG: Callable[..., Any] = linprog
PURE_COST = Policy(
    max_share_of_line=1.0, max_share_of_order=1.0, women_led_discount=0.0, fairness=False
)
REGIONS = [f"{i:02d}" for i in range(1, 13)]


def instance(seed: int) -> Problem:
    rng = random.Random(seed)
    today = date(2025, 3, 1) + timedelta(days=rng.randint(0, 6))  # any weekday
    n_lines = rng.randint(1, 4)
    lines = [Line(f"line{i}", rng.randint(1, 5), is_container=i == 0) for i in range(n_lines)]
    dest_regions = rng.sample(REGIONS, rng.randint(1, 4))
    dests = [
        Destination(f"d{i}", region, rng.randint(20, 300))
        for i, region in enumerate(dest_regions + rng.sample(dest_regions, 1))
    ]
    n_sup = rng.randint(3, 15)
    sups = [
        Supplier(i, rng.choice(REGIONS), rng.random() < 0.8, rng.random() < 0.3)
        for i in range(1, n_sup + 1)
    ]
    baskets = sum(d.baskets for d in dests)
    offers = []
    for s in sups:
        for line in rng.sample(lines, rng.randint(1, n_lines)):
            pack = rng.choice([1, 1, 2, 4])
            scale = line.quantity * baskets / n_sup * rng.uniform(0.5, 5.0)
            offers.append(
                Offer(
                    key=f"o{s.id}-{line.key}",
                    supplier_id=s.id,
                    line_key=line.key,
                    unit_price_minor=rng.randint(100, 5000) // pack,
                    units_per_line_unit=pack,
                    stock=int(rng.uniform(0, scale) * pack),
                    units_per_day=int(rng.uniform(0, scale / 6) * pack),
                    committed=rng.choice([0, 0, rng.randint(0, 50)]),
                    weight_g=rng.randint(100, 1500) // pack,
                    lead_days=rng.randint(0, 5),
                )
            )
    full = freight.table(freight.DEFAULT_RATES)
    dropped = set(rng.sample(sorted(full.minor_per_kg), 20))
    shipping = ShippingTable(
        minor_per_kg={k: v for k, v in full.minor_per_kg.items() if k not in dropped},
        transit_days=dict(full.transit_days),
    )
    return Problem(
        lines=tuple(lines),
        destinations=tuple(dests),
        suppliers=tuple(sups),
        offers=tuple(offers),
        today=today,
        deliver_by=today + timedelta(days=rng.randint(1, 15)),
        shipping=shipping,
        policy=PURE_COST,
    )


def naive_lp(p: Problem) -> tuple[float, float]:
    """``(real cost, shortage)`` of the naive per-destination LP optimum."""
    sup = {s.id: s for s in p.suppliers}
    qty = {line.key: line.quantity for line in p.lines}
    dests = [d for d in p.destinations if d.baskets > 0]
    cols: list[tuple[int, int, float, date]] = []  # (offer, dest, cost per line unit, ship date)
    offers = [o for o in p.offers if sup[o.supplier_id].rural]
    for oi, o in enumerate(offers):
        origin = sup[o.supplier_id].region_code
        for di, d in enumerate(dests):
            lane = (origin, d.region_code)
            if lane not in p.shipping.minor_per_kg or lane not in p.shipping.transit_days:
                continue
            ship = p.deliver_by - timedelta(days=p.shipping.transit_days[lane])
            if ship < p.today:
                continue
            k = o.units_per_line_unit
            cost = k * o.unit_price_minor + k * o.weight_g * p.shipping.minor_per_kg[lane] / 1000
            cols.append((oi, di, cost, ship))
    n = len(cols)
    pairs = [(line.key, di) for line in p.lines for di in range(len(dests))]
    pair_row = {pair: i for i, pair in enumerate(pairs)}
    big_m = 10 * max([c for _, _, c, _ in cols] + [1.0])
    c = np.array([x[2] for x in cols] + [big_m] * len(pairs))
    eq_r = [pair_row[(offers[oi].line_key, di)] for oi, di, _, _ in cols] + list(range(len(pairs)))
    a_eq = sp.csr_array(
        (np.ones(n + len(pairs)), (eq_r, list(range(n + len(pairs))))),
        shape=(len(pairs), n + len(pairs)),
    )
    b_eq = np.array([qty[lk] * dests[di].baskets for lk, di in pairs], dtype=float)
    ub_r: list[int] = []
    ub_c: list[int] = []
    b_ub: list[float] = []
    for oi, o in enumerate(offers):
        mine = [(j, ship) for j, (o2, _, _, ship) in enumerate(cols) if o2 == oi]
        for s in sorted({ship for _, ship in mine}):
            row = len(b_ub)
            for j, ship in mine:
                if ship <= s:
                    ub_r.append(row)
                    ub_c.append(j)
            b_ub.append(float(supply_by_date(o, p.today, s) // o.units_per_line_unit))
    a_ub = sp.csr_array((np.ones(len(ub_r)), (ub_r, ub_c)), shape=(len(b_ub), n + len(pairs)))
    res = LINPROG(
        c,
        A_ub=a_ub if b_ub else None,
        b_ub=np.array(b_ub) if b_ub else None,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=(0, None),
        method="highs",
    )
    assert res.status == 0
    x = res.x
    return float(c[:n] @ x[:n]), float(x[n:].sum())


@pytest.mark.parametrize("seed", range(20))
def test_pure_cost_optimum_matches_an_independent_lp(seed: int) -> None:
    p = instance(seed)
    ref_cost, ref_short = naive_lp(p)
    a = allocate(p)
    assert a.stats.shortage_line_units == round(ref_short)
    assert a.stats.pure_cost_optimum_minor == pytest.approx(ref_cost, rel=1e-3, abs=1.0)
    # the integer plan (after rounding) stays within 0.1 % of the LP optimum too
    assert a.stats.total_minor == pytest.approx(ref_cost, rel=1e-3, abs=100.0)
