"""Solidarity-basket engine benchmark: instance generator + runner.

usage: python bench/baskets.py sac|regional|national [--runs N] [--no-fair] [--seed S]
                                                     [--trace-memory] [--json]
                                                     [--min-part-mad M] [--trade-off]
       python bench/baskets.py national-confirm [--baskets N] [--cooperatives N]
                                                [--database-url URL] [--path service|web]
                                                [--profile] [--json]

* ``sac``: the 2020 "SAC - Solidaire avec les coopératives" drive: 4,000 baskets for
  Casablanca (region 06) and Agadir (Souss-Massa, 09), 12 lines including a woven-bag
  container made by few weaving cooperatives (deliberately short by the date), 400
  cooperatives.
* ``regional``: 100,000 Ramadan baskets for the 19 provinces of Marrakech-Safi,
  Drâa-Tafilalet and Souss-Massa, 9 lines, 10,000 cooperatives nationwide.
* ``--trade-off``: instead of timing, the table an organisation picks a fairness level
  from: the plan under the default policy (share caps, shadow discount), then the plans
  at 0 %, 0.5 %, 1 % and 3 % extra cost over the cheapest, with cooperatives paid,
  women-led share and the Gini coefficient over every eligible cooperative
  (``solidarity_baskets.fairness``).
* ``national-confirm``: quote and confirm the national order in a database, through the
  service layer or through the web and its jobs (``bench/national_confirm.py``).
* ``national``: 1,000,000 Ramadan baskets (flour 10 kg, sugar 4 kg, oil 5 L, rice 5 kg,
  lentils 1 kg, pasta 1 kg, tomato paste 850 g, tea 850 g, milk 6 L) for the 83
  provinces, prefectures and Casablanca prefectures d'arrondissements (households 2024
  as weights, from the data packaged with the catalog), 60,000 cooperatives.

The generator is seeded (numpy ``default_rng``), so every run of a case solves the same
instance.  The Casablanca prefecture keeps only the households its arrondissements do
not cover, so no household is counted twice.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from solidarity_baskets import fairness, freight  # noqa: E402
from solidarity_baskets.engine import (  # noqa: E402
    Allocation,
    Destination,
    Line,
    Offer,
    Policy,
    Problem,
    Supplier,
    allocate,
)
from tests.oracles import supply_by_date  # noqa: E402

#: HCP region code -> (households 2024, provinces and prefectures).
REGION_HOUSEHOLDS = {
    "01": (1048860, 8),
    "02": (575015, 8),
    "03": (1135717, 9),
    "04": (1301492, 7),
    "05": (616566, 5),
    "06": (2021032, 9),
    "07": (1185865, 8),
    "08": (338977, 5),
    "09": (785208, 6),
    "10": (105394, 4),
    "11": (106751, 4),
    "12": (54161, 2),
}
REGIONS = sorted(REGION_HOUSEHOLDS)
#: Relative density of producing cooperatives per region (rural, agricultural regions weigh more).
COOP_DENSITY = {
    "01": 0.9,
    "02": 0.8,
    "03": 1.3,
    "04": 0.8,
    "05": 1.2,
    "06": 0.6,
    "07": 1.4,
    "08": 1.3,
    "09": 1.5,
    "10": 0.6,
    "11": 0.4,
    "12": 0.3,
}


@dataclass(frozen=True)
class LineSpec:
    key: str
    quantity: int
    price_mad: float  # per line unit
    weight_g: int  # per line unit
    container: bool = False
    substitute_pack: int = 2  # product units per line unit of the accepted equivalent


RAMADAN = [
    LineSpec("flour-1kg", 10, 6.0, 1010),
    LineSpec("sugar-1kg", 4, 8.0, 1010),
    LineSpec("oil-1l", 5, 17.0, 950),
    LineSpec("rice-1kg", 5, 14.0, 1010),
    LineSpec("lentils-1kg", 1, 18.0, 1010),
    LineSpec("pasta-500g", 2, 6.0, 510),
    LineSpec("tomato-paste-850g", 1, 14.0, 950),
    LineSpec("tea-850g", 1, 55.0, 900),
    LineSpec("milk-1l", 6, 7.5, 1050),
]
SAC = [
    LineSpec("woven-bag", 1, 35.0, 300, container=True),
    LineSpec("couscous-1kg", 2, 14.0, 1010),
    LineSpec("olive-oil-1l", 1, 70.0, 950),
    LineSpec("flour-1kg", 5, 7.0, 1010),
    LineSpec("lentils-1kg", 1, 18.0, 1010),
    LineSpec("chickpeas-1kg", 1, 16.0, 1010),
    LineSpec("sugar-1kg", 2, 8.0, 1010),
    LineSpec("honey-500g", 1, 90.0, 700),
    LineSpec("tea-250g", 2, 20.0, 270),
    LineSpec("dates-1kg", 1, 40.0, 1050),
    LineSpec("almonds-250g", 2, 30.0, 260),
    LineSpec("argan-oil-250ml", 1, 75.0, 330),
]


def provinces() -> tuple[list[tuple[str, str, int]], bool]:
    """``(key, region_code, households)`` for the 83 distribution points: the 75
    provinces and prefectures and Casablanca's 8 prefectures of arrondissements, from the
    data packaged with the catalog. The Casablanca prefecture keeps only the households
    its arrondissements do not cover, so no household is counted twice."""
    from catalog.regions import provinces as packaged

    rows = packaged()
    covered: dict[str, int] = {}
    for p in rows:
        if p.kind == "prefecture_of_arrondissements":
            parent = p.code.split(".")[0] + "." + p.code.split(".")[1]
            covered[parent] = covered.get(parent, 0) + p.households
    points = [(p.code, p.region_code, max(0, p.households - covered.get(p.code, 0))) for p in rows]
    return points, True


def split_baskets(total: int, weights: list[int]) -> list[int]:
    """Largest remainder split of ``total`` baskets by ``weights``."""
    s = sum(weights)
    base = [total * w // s for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % s), i))
    for i in order[: total - sum(base)]:
        base[i] += 1
    return base


def make_problem(
    *,
    specs: list[LineSpec],
    destinations: list[Destination],
    n_coops: int,
    offers_per_coop: tuple[int, int],
    cover: dict[str, float],
    days: int,
    seed: int,
    policy: Policy,
    budget_mad: float | None = None,
) -> Problem:
    """A seeded synthetic instance.

    :param cover: per line key, total availability by the date / total demand (default 1.6).
    """
    g = np.random.default_rng(seed)
    today = date(2025, 2, 3)  # a Monday
    deliver_by = today + timedelta(days=days)
    weights = np.array([COOP_DENSITY[r] * REGION_HOUSEHOLDS[r][0] ** 0.5 for r in REGIONS])
    coop_region = g.choice(len(REGIONS), n_coops, p=weights / weights.sum())
    rural = g.random(n_coops) < 0.85
    women = g.random(n_coops) < 0.166
    suppliers = tuple(
        Supplier(
            id=i + 1,
            region_code=REGIONS[coop_region[i]],
            rural=bool(rural[i]),
            women_led=bool(women[i]),
        )
        for i in range(n_coops)
    )
    baskets = sum(d.baskets for d in destinations)
    lo, hi = offers_per_coop
    n_off = g.integers(lo, hi + 1, n_coops)
    n_off = np.minimum(n_off, len(specs))
    container = [i for i, s in enumerate(specs) if s.container]
    food = [i for i, s in enumerate(specs) if not s.container]
    # Every coop sells food lines; a few weaving coops make the container.
    weavers = (
        set(g.choice(n_coops, min(12, n_coops), replace=False).tolist()) if container else set()
    )
    line_of: list[list[int]] = []
    for c in range(n_coops):
        chosen = g.choice(food, min(int(n_off[c]), len(food)), replace=False).tolist()
        if c in weavers:
            chosen = [container[0], *chosen[:1]]
        line_of.append(sorted(chosen))
    counts = np.zeros(len(specs))
    for ls in line_of:
        for li in ls:
            counts[li] += 1
    working = max(1, days - days // 7 - 3)
    offers: list[Offer] = []
    for c in range(n_coops):
        for li in line_of[c]:
            spec = specs[li]
            need = spec.quantity * baskets
            # availability target per offer so that the rural offers cover `cover` x the demand
            target = cover.get(spec.key, 1.6) * need / max(counts[li] * 0.85, 1.0)
            target *= g.lognormal(0.0, 0.6)
            stock_share = g.uniform(0.0, 0.6)
            sub = g.random() < 0.15 and not spec.container
            pack = spec.substitute_pack if sub else 1
            stock = int(target * stock_share) * pack
            per_day = int(target * (1 - stock_share) / working * pack)
            price = spec.price_mad * g.uniform(0.85, 1.25) * 100 / pack
            offers.append(
                Offer(
                    key=f"p{c + 1:06d}-{spec.key}",
                    supplier_id=c + 1,
                    line_key=spec.key,
                    unit_price_minor=max(1, int(round(price))),
                    units_per_line_unit=pack,
                    stock=stock,
                    units_per_day=per_day,
                    committed=int(per_day * g.integers(0, 3)) if g.random() < 0.2 else 0,
                    weight_g=int(spec.weight_g / pack + (15 if sub else 0)),
                    lead_days=int(g.integers(0, 4)),
                    substitution_penalty_minor=int(g.integers(20, 80)) // pack if sub else 0,
                )
            )
    lines = tuple(Line(key=s.key, quantity=s.quantity, is_container=s.container) for s in specs)
    budget = None if budget_mad is None else int(budget_mad * 100)
    return Problem(
        lines=lines,
        destinations=tuple(destinations),
        suppliers=suppliers,
        offers=tuple(offers),
        today=today,
        deliver_by=deliver_by,
        shipping=freight.table(freight.DEFAULT_RATES),
        budget_per_basket_minor=budget,
        policy=policy,
    )


def sac(seed: int, policy: Policy) -> Problem:
    dests = [Destination("casablanca", "06", 2500), Destination("agadir", "09", 1500)]
    return make_problem(
        specs=SAC,
        destinations=dests,
        n_coops=400,
        offers_per_coop=(1, 4),
        cover={"woven-bag": 0.55},
        days=21,
        seed=seed,
        policy=policy,
        budget_mad=450.0,
    )


def regional(seed: int, policy: Policy) -> Problem:
    rows, _ = provinces()
    rows = [r for r in rows if r[1] in {"07", "08", "09"}]
    counts = split_baskets(100_000, [h for _, _, h in rows])
    dests = [Destination(k, reg, n) for (k, reg, _), n in zip(rows, counts, strict=True)]
    return make_problem(
        specs=RAMADAN,
        destinations=dests,
        n_coops=10_000,
        offers_per_coop=(1, 2),
        cover={},
        days=28,
        seed=seed,
        policy=policy,
    )


def national(seed: int, policy: Policy) -> Problem:
    rows, _ = provinces()
    counts = split_baskets(1_000_000, [h for _, _, h in rows])
    dests = [Destination(k, reg, n) for (k, reg, _), n in zip(rows, counts, strict=True)]
    return make_problem(
        specs=RAMADAN,
        destinations=dests,
        n_coops=60_000,
        offers_per_coop=(1, 2),
        cover={},
        days=30,
        seed=seed,
        policy=policy,
    )


CASES: dict[str, Callable[[int, Policy], Problem]] = {
    "sac": sac,
    "regional": regional,
    "national": national,
}


def check(problem: Problem, alloc: Allocation) -> dict[str, int]:
    """Re-check the hard rules on the output (independently of the engine's own checks)."""
    sup = {s.id: s for s in problem.suppliers}
    offers = {o.key: o for o in problem.offers}
    lines = {line.key: line for line in problem.lines}
    dests = {d.key: d for d in problem.destinations}
    delivered: dict[tuple[str, str], int] = {}
    by_offer: dict[str, list[tuple[str, int]]] = {}
    for a in alloc.assignments:
        assert sup[a.supplier_id].rural
        delivered[(a.line_key, a.destination_key)] = (
            delivered.get((a.line_key, a.destination_key), 0) + a.line_units
        )
        by_offer.setdefault(a.offer_key, []).append((a.destination_key, a.line_units))
    missing = {(s.line_key, s.destination_key): s.missing_line_units for s in alloc.shortfalls}
    for lk, line in lines.items():
        for dk, d in dests.items():
            need = line.quantity * d.baskets
            assert delivered.get((lk, dk), 0) + missing.get((lk, dk), 0) == need, (lk, dk)
    worst = 0
    for ok, parts in by_offer.items():
        o = offers[ok]
        region = sup[o.supplier_id].region_code
        dated = sorted(
            (
                problem.deliver_by
                - timedelta(days=problem.shipping.transit_days[(region, dests[dk].region_code)]),
                n,
            )
            for dk, n in parts
        )
        cum = 0
        for ship, n in dated:
            cum += n * o.units_per_line_unit
            worst = max(worst, cum - supply_by_date(o, problem.today, ship))
    assert worst <= 0, worst
    return {"offers_used": len(by_offer)}


def run(
    case: str, runs: int, fair: bool, seed: int, trace: bool, min_part_mad: int = 0
) -> dict[str, object]:
    policy = Policy(fairness=fair, min_part_minor=min_part_mad * 100)
    t = time.perf_counter()
    problem = CASES[case](seed, policy)
    gen_s = time.perf_counter() - t
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    walls: list[float] = []
    stages: list[dict[str, float]] = []
    alloc = None
    for _ in range(runs):
        t = time.perf_counter()
        alloc = allocate(problem)
        walls.append(time.perf_counter() - t)
        stages.append(dict(alloc.stats.solve_seconds))
    assert alloc is not None
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    checked = check(problem, alloc)
    traced = None
    if trace:
        tracemalloc.start()
        allocate(problem)
        traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    st = alloc.stats
    median_stage = {k: statistics.median(s.get(k, 0.0) for s in stages) for k in stages[0]}
    return {
        "case": case,
        "seed": seed,
        "fairness": fair,
        "baskets": st.baskets_ordered,
        "lines": len(problem.lines),
        "destinations": len(problem.destinations),
        "cooperatives": len(problem.suppliers),
        "rural_cooperatives": sum(s.rural for s in problem.suppliers),
        "offers": len(problem.offers),
        "generate_s": round(gen_s, 2),
        "wall_s": [round(w, 3) for w in walls],
        "median_wall_s": round(statistics.median(walls), 3),
        "median_stage_s": {k: round(v, 3) for k, v in median_stage.items()},
        "peak_rss_mb_before_solve": round(rss_before / 1024, 1),
        "peak_rss_mb_after_solve": round(rss_after / 1024, 1),
        "tracemalloc_peak_mb": None if traced is None else round(traced / 2**20, 1),
        "total_mad": st.total_minor / 100,
        "cost_per_basket_mad": st.cost_per_basket_minor / 100,
        "pure_cost_optimum_mad": st.pure_cost_optimum_minor / 100,
        "cost_vs_pure_optimum": round(st.total_minor / st.pure_cost_optimum_minor - 1, 5)
        if st.pure_cost_optimum_minor
        else None,
        "cheapest_cost_mad": st.cheapest_cost_minor / 100,
        "cost_over_cheapest": round(st.cost_over_cheapest, 5),
        "suppliers_paid": st.suppliers_paid,
        "suppliers_eligible": st.suppliers_eligible,
        "gini": round(st.gini, 3),
        "gini_eligible": round(st.gini_eligible, 3),
        "parts": st.parts,
        "smallest_part_mad": st.smallest_part_minor / 100,
        "parts_below_minimum": st.parts_below_minimum,
        "minimum_gap": round(st.minimum_gap, 5),
        "women_led_share": round(st.women_led_share, 3),
        "regions_reached": len(st.regions_reached),
        "shortage_line_units": st.shortage_line_units,
        "shortfalls": len(alloc.shortfalls),
        "first_shortfall": None
        if not alloc.shortfalls
        else {
            "line": alloc.shortfalls[0].line_key,
            "destination": alloc.shortfalls[0].destination_key,
            "missing": alloc.shortfalls[0].missing_line_units,
            "fixes": [
                {
                    k: str(v)
                    for k, v in (
                        ("kind", f.kind),
                        ("deliver_by", f.deliver_by),
                        ("baskets", f.baskets),
                    )
                    if v is not None
                }
                for f in alloc.shortfalls[0].fixes
            ],
        },
        "budget_excess_per_basket_mad": None
        if alloc.budget_excess is None
        else alloc.budget_excess.per_basket_excess_minor / 100,
        "relaxed_caps": len(st.relaxed_caps),
        "assignments": len(alloc.assignments),
        "model_size": dict(st.model_size),
        **checked,
    }


def trade_off_table(case: str, seed: int) -> list[dict[str, object]]:
    """The quote's trade-off table for ``case``: its own plan, then each level."""
    problem = CASES[case](seed, Policy())
    own = fairness.outcome_of(problem, allocate(problem), None)
    rows = [own, *fairness.trade_off(problem, women_led_preference=False)]
    cheapest = rows[1].total_minor
    return [
        {
            "plan": "default caps" if row.fairness_bps is None else f"{row.fairness_bps / 100:g} %",
            "total_mad": row.total_minor / 100,
            "over_cheapest": round(row.total_minor / cheapest - 1, 4),
            "per_complete_basket_mad": (row.cost_per_complete_basket_minor or 0) / 100,
            "complete_baskets": row.complete_baskets,
            "cooperatives_paid": row.suppliers_paid,
            "women_led_share": row.women_led_share,
            "gini_all_eligible": row.gini_all,
        }
        for row in rows
    ]


def main_national_confirm(argv: list[str]) -> int:
    from bench.national_confirm import national_confirm

    ap = argparse.ArgumentParser(description="the national order in a database")
    ap.add_argument("--baskets", type=int, default=100_000)
    ap.add_argument("--cooperatives", type=int, default=None)
    ap.add_argument("--database-url", default=None, help="default: SQLite in bench/data/")
    ap.add_argument("--path", choices=("service", "web"), default="service")
    ap.add_argument("--profile", action="store_true", help="cProfile the quote and confirm")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    out = national_confirm(
        baskets=args.baskets,
        cooperatives=args.cooperatives,
        url=args.database_url,
        path=args.path,
        profile=args.profile,
    )
    if args.json:
        print(json.dumps(out, indent=2, default=str))
    else:
        for k, v in out.items():
            print(f"{k:16s} {v}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["national-confirm"]:
        return main_national_confirm(argv[1:])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument(
        "--runs", type=int, default=None, help="default: 3 (sac, regional), 1 (national)"
    )
    ap.add_argument("--no-fair", action="store_true", help="skip stage 2")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--trace-memory", action="store_true", help="extra run under tracemalloc")
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--min-part-mad", type=int, default=0, help="minimum goods value of a part (MAD)"
    )
    ap.add_argument("--trade-off", action="store_true", help="the fairness trade-off table")
    args = ap.parse_args(argv)
    if args.trade_off:
        table = trade_off_table(args.case, args.seed)
        if args.json:
            print(json.dumps(table, indent=2))
        else:
            print(" | ".join(table[0]))
            for row in table:
                print(" | ".join(str(v) for v in row.values()))
        return 0
    runs = args.runs or (1 if args.case == "national" else 3)
    out = run(args.case, runs, not args.no_fair, args.seed, args.trace_memory, args.min_part_mad)
    if args.json:
        print(json.dumps(out, indent=2, default=str))
    else:
        for k, v in out.items():
            print(f"{k:28s} {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
