"""What fairness costs, in figures an organisation can choose from.

The cheapest plan buys from the fewest, cheapest cooperatives. Spreading the money
over more of them (and more women-led ones) costs a little more. A *fairness level*
is the extra cost allowed over the cheapest plan: 0 % (the cheapest plan; among plans
of that cost, the fairest), 0.5 %, 1 %, 3 %. For each level the engine plans the same
request with no share cap, no shadow discount and that tolerance in its fairness
stage; the figures kept are what the organisation compares: cost per complete basket,
cooperatives paid, women-led share of the goods and the Gini coefficient of revenue
over **every eligible cooperative** (those not paid count as zero, so a plan paying
few of many scores close to 1).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from solidarity_baskets import engine

#: extra cost over the cheapest plan, in basis points (100 = 1 %)
LEVELS_BPS: tuple[int, ...] = (0, 50, 100, 300)
DEFAULT_LEVEL_BPS = 300


def level_policy(fairness_bps: int, women_led_preference: bool) -> engine.Policy:
    """The engine's policy for a fairness level: the cheapest plan under no cap, then
    the fairest plan costing at most ``fairness_bps`` more."""
    return engine.Policy(
        max_share_of_line=1.0,
        max_share_of_order=1.0,
        women_led_discount=0.0,
        fairness_tolerance=fairness_bps / 10_000,
        women_led_weight=1.5 if women_led_preference else 1.0,
    )


def complete_baskets(
    destinations: Sequence[engine.Destination], shortfalls: Sequence[engine.Shortfall]
) -> int:
    """Baskets that receive every line: at each point, what it asked less the most
    any line misses there (one line unit per basket)."""
    missing: dict[str, int] = defaultdict(int)
    for s in shortfalls:
        missing[s.destination_key] = max(missing[s.destination_key], s.missing_line_units)
    return sum(max(0, d.baskets - missing[d.key]) for d in destinations)


def gini_over(eligible: Sequence[int], revenue: dict[int, int]) -> float:
    """Gini coefficient of revenue over every eligible supplier (0 when unpaid)."""
    values = sorted(revenue.get(s, 0) for s in eligible)
    n, total = len(values), sum(values)
    if n == 0 or total <= 0:
        return 0.0
    weighted = sum((2 * i - n - 1) * v for i, v in enumerate(values, start=1))
    return weighted / (n * total)


def eligible_suppliers(problem: engine.Problem) -> list[int]:
    """Rural suppliers with at least one accepted offer: who could be paid."""
    rural = {s.id for s in problem.suppliers if s.rural}
    return sorted({o.supplier_id for o in problem.offers if o.accepted} & rural)


@dataclass(frozen=True, slots=True)
class Outcome:
    """The figures of one plan, as the trade-off table shows them."""

    fairness_bps: int | None  # None: the request's own settings
    total_minor: int
    complete_baskets: int
    suppliers_paid: int
    women_led_share: float
    gini_all: float

    @property
    def cost_per_complete_basket_minor(self) -> int | None:
        if self.complete_baskets <= 0:
            return None
        return -(-self.total_minor // self.complete_baskets)

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        return cls(**data)


def outcome_of(
    problem: engine.Problem, allocation: engine.Allocation, fairness_bps: int | None
) -> Outcome:
    revenue: dict[int, int] = defaultdict(int)
    for a in allocation.assignments:
        revenue[a.supplier_id] += a.goods_minor
    return Outcome(
        fairness_bps=fairness_bps,
        total_minor=allocation.stats.total_minor,
        complete_baskets=complete_baskets(problem.destinations, allocation.shortfalls),
        suppliers_paid=allocation.stats.suppliers_paid,
        women_led_share=round(allocation.stats.women_led_share, 4),
        gini_all=round(gini_over(eligible_suppliers(problem), revenue), 4),
    )


def trade_off(
    problem: engine.Problem,
    women_led_preference: bool,
    *,
    known: Outcome | None = None,
    levels: Sequence[int] = LEVELS_BPS,
) -> list[Outcome]:
    """One plan per fairness level (``known`` is reused when it is one of them).

    :raises engine.EngineInputError, engine.EngineSolveError: as :func:`engine.allocate`.
    """
    rows: list[Outcome] = []
    for bps in levels:
        if known is not None and known.fairness_bps == bps:
            rows.append(known)
            continue
        allocation = engine.allocate(
            dataclasses.replace(problem, policy=level_policy(bps, women_led_preference))
        )
        rows.append(outcome_of(problem, allocation, bps))
    return rows
