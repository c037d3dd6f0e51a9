"""Solidarity-basket allocation engine: pure data in, data out (no database, no web).

Given a basket template (lines), distribution points (destinations), rural cooperatives
(suppliers) and what they offer, :func:`allocate` decides how many line units each offer
sends to each destination so that:

* only offers of suppliers flagged ``rural`` are ever used (a filter, checked again on the
  output);
* every line reaches every destination in full (``quantity x baskets`` line units), or
  the missing part is reported as a :class:`Shortfall` with concrete fixes;
* no offer ships more than it can have ready: for each of its ship dates (delivery date
  minus lane transit days), the units sent to destinations
  that need it by that date or earlier never exceed what it can have ready by that date
  (see *Availability* below);
* no supplier exceeds its share caps (:class:`Policy`), unless the demand cannot be met
  otherwise, in which case the cap is relaxed as little as possible and the relaxation is
  reported in :class:`Stats`;
* cost (goods + shipping) is minimal (stage 1), then the benefit is spread across
  cooperatives within a small cost tolerance (stage 2);
* purchases are integers; money is always integer minor units (centimes).

Availability
------------
An offer ``o`` from region ``r`` serving a destination in region ``R`` must ship by
``deliver_by - transit(r, R)``.  What it can have ready by a date is its supply by that date
(stock + daily capacity over its production days - committed; production starts when
the offer's lead days are over and runs on working days in Morocco, see
:mod:`catalog.calendar`), in product units, hence ``// units_per_line_unit`` line
units.  Destinations with the longest transit need the goods earliest.  The engine
enforces, for every offer and each of its distinct ship dates ``s``, that the units sent
to destinations whose ship date is ``<= s`` do not exceed the availability at ``s``.
This implies the per-destination bound (each destination's own ship date) and the total
bound (the latest ship date), and it is exact: a production schedule exists iff these
nested conditions hold.  Lanes whose ship date is before ``today`` are not used.

Shortage and money
------------------
When regions compete for a short line, the cheapest plan decides which region goes short;
within a region the shortage is shared between destinations in proportion to demand.
``goods_minor`` is exactly ``product_units x unit_price_minor``; ``shipping_minor`` is
weight x lane price rounded half up per assignment; every total in :class:`Stats` is a sum
of assignments, and per-line figures are split by largest remainder so they add up.

Packs and line units
--------------------
A line states a net quantity per basket (850 g of tea); cooperatives sell packs (250 g).
:func:`packs_per_line_unit` decides how many packs make one line unit: the smallest
whole number of packs that holds at least the line's quantity, accepted only if it
holds at most :data:`MAX_OVERFILL_PERCENT` (20 %) more.  A basket never gets less than
the line states; it gets at most a fifth more, paid at the pack price (the quote's cost
shows it).  Two 500 g packs make a 1 kg line exactly; four 250 g packs (1 kg, +17.6 %)
make an 850 g line; three 750 g bags (2.25 kg, +12.5 %) make a 2 kg line; 400 g tins
never make an 850 g line (three tins = 1.2 kg, +41 %), and a pack larger than the line
only if it is within the same 20 % (a 1 kg bag for a 900 g line, never for 500 g).

Complete baskets
----------------
A shortfall's ``fewer_baskets`` fix gives, for each short destination, how many complete
baskets (every line met) it can receive; the figures hold together, so asking each short
destination for its figure (and the others for what they asked) is a request the supply
serves in full.  They do not follow the plan's own spread: when several lines are short,
the cheapest plan may send one line's shortage to one point and another's to another, so
that no point receives every line.  Per line, a vector ``D`` of line units per
destination region is deliverable iff ``D(S) <= supply(S)`` for every subset ``S`` of
regions (max-flow / min-cut, :func:`_capacity.subset_supply`), so complete baskets ``n``
per region are servable iff ``n(S) <= min over lines supply(S) // quantity``.  A small LP
on ``n`` (one variable per region) maximises the complete baskets in all, then the
smallest share of what each short region asked; regions with no short point keep what
they asked, short ones keep at least what the plan already completes there.  A region's
figure is split between its short points by largest remainder.  The ``scale`` fix is
the largest total that, split over every destination in proportion to what it asked,
fits the same conditions (whatever way the split breaks ties).  Beyond
:data:`_capacity.MAX_SUBSET_REGIONS` destination regions the figures fall back to what
the plan completes at each point, and there is no ``scale`` fix.

Determinism
-----------
Inputs are sorted by key (lines, destinations, offers) or id (suppliers) before anything
else, the LP solver is deterministic, and ties are broken by key; the same problem, in any
input order, gives the same :class:`Allocation` (timings are excluded from equality).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from . import _capacity

if TYPE_CHECKING:  # the LP module (and SciPy) load when a plan is solved, not on import
    from . import _lp

IntArray = npt.NDArray[np.int64]


def _linprog(*args: Any, **kwargs: Any) -> Any:
    """``scipy.optimize.linprog``, imported on first use: web workers that never
    solve a plan never load SciPy."""
    from scipy.optimize import linprog

    return linprog(*args, **kwargs)


#: Most a line may be overfilled, in percent, by rounding its packs up
#: (see :func:`packs_per_line_unit`).
MAX_OVERFILL_PERCENT = 20

#: How far :class:`Fix` ``move_date`` looks forward from the requested delivery date.
MOVE_DATE_HORIZON_DAYS = 180

FixKind = Literal["accept_equivalent", "move_date", "fewer_baskets", "scale"]


# =========================================================================== errors


class EngineInputError(ValueError):
    """Invalid problem data.  Carries data, not sentences.

    :ivar code: machine-readable reason, e.g. ``"unknown_line"``.
    :ivar subject: what is wrong, e.g. ``"offer:17"`` or ``"line:flour.quantity"``.
    :ivar value: the offending value, when there is one.
    """

    def __init__(self, code: str, subject: str | None = None, value: object = None) -> None:
        super().__init__(code, subject, value)
        self.code = code
        self.subject = subject
        self.value = value


class EngineSolveError(RuntimeError):
    """An LP stage did not reach an optimum (numerical trouble or a time limit); carries
    the stage and the solver's status (raised by the solver module, :mod:`._lp`)."""

    def __init__(self, stage: str, status: int, message: str) -> None:
        super().__init__(stage, status, message)
        self.stage = stage
        self.status = status
        self.message = message


# =========================================================================== inputs


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the basket template, e.g. flour 10 kg or the woven-bag container.

    :ivar quantity: line units per basket; a line unit is what one reference pack holds.
    """

    key: str
    quantity: int
    is_container: bool = False


@dataclass(frozen=True, slots=True)
class Destination:
    """A distribution point (province or hub) in an HCP region ``"01".."12"``."""

    key: str
    region_code: str
    baskets: int


@dataclass(frozen=True, slots=True)
class Supplier:
    """A cooperative.  Only ``rural`` ones may supply solidarity baskets."""

    id: int
    region_code: str
    rural: bool
    women_led: bool


@dataclass(frozen=True, slots=True)
class Offer:
    """One product of one cooperative that can fill one line.

    Money, weight and stock fields are per *product unit*; ``units_per_line_unit`` product
    units make one line unit (two 500 g packs for a 1 kg line -> 2).

    :ivar substitution_penalty_minor: per product unit, ``> 0`` for an accepted equivalent
        (not the reference product); it steers the cost optimisation, it is never paid.
    :ivar accepted: ``False`` for a known equivalent the buyer has not accepted yet: it is
        never used, only proposed as an ``accept_equivalent`` :class:`Fix`.
    """

    key: str
    supplier_id: int
    line_key: str
    unit_price_minor: int
    units_per_line_unit: int = 1
    stock: int = 0
    units_per_day: int = 0
    committed: int = 0
    weight_g: int = 0
    lead_days: int = 0
    substitution_penalty_minor: int = 0
    accepted: bool = True


@dataclass(frozen=True, slots=True)
class Policy:
    """Sourcing policy.

    :ivar max_share_of_line: no supplier above this share of a line's total units; for a
        line with ``n`` eligible suppliers the cap is ``max(share, 1.2 / n)``.
    :ivar max_share_of_order: no supplier above this share of the order's goods value;
        ``max(share, 1.2 / n)`` with ``n`` eligible suppliers.
    :ivar women_led_discount: stage-1 shadow discount on women-led suppliers' prices.
    :ivar fairness_tolerance: stage 2 may raise the real cost by at most this fraction.
    :ivar revenue_floor_minor: ``F`` in the stage-2 utility ``sum w_c * min(revenue_c, F)``.
    :ivar women_led_weight: ``w_c`` for women-led suppliers (1 for the others).
    :ivar fairness: run stage 2.
    :ivar min_part_minor: smallest goods value of a purchase order part (one
        cooperative's goods for one distribution point); smaller parts are removed from
        the plan and it is made again (fix and resolve, see ``_lp.run``) unless they are
        needed to meet the demand.  0: no minimum.
    :ivar shipment_fee_minor: fixed cost of each shipment (one per part), added to the
        plan's total.
    :ivar max_parts: the most parts an order may have; the plan reports its count
        (:attr:`Stats.parts`) so that a larger plan is refused before confirmation.

    Both caps are soft in one way only: when the demand cannot be met within them, the
    LP exceeds them as little as possible (reported in :attr:`Stats.relaxed_caps`).
    """

    max_share_of_line: float = 0.10
    max_share_of_order: float = 0.05
    women_led_discount: float = 0.05
    fairness_tolerance: float = 0.03
    revenue_floor_minor: int = 500_000
    women_led_weight: float = 1.5
    fairness: bool = True
    min_part_minor: int = 0
    shipment_fee_minor: int = 0
    max_parts: int = 0


@dataclass(frozen=True, slots=True)
class ShippingTable:
    """Region-to-region lanes: price per kg (minor units) and transit days, and the
    least a shipment on the lane costs (see :mod:`solidarity_baskets.freight`, which
    builds the table from the operator's tariffs).

    A pair missing from either of the first two mappings is not a lane: nothing ships
    on it.  A pair missing from ``min_shipment_minor`` has no minimum.
    """

    minor_per_kg: Mapping[tuple[str, str], int]
    transit_days: Mapping[tuple[str, str], int]
    min_shipment_minor: Mapping[tuple[str, str], int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Problem:
    """Everything :func:`allocate` needs.

    :ivar budget_per_basket_minor: when set, a cost above ``budget x baskets`` is reported
        as :class:`BudgetExcess` (the plan is still the cheapest one).
    """

    lines: tuple[Line, ...]
    destinations: tuple[Destination, ...]
    suppliers: tuple[Supplier, ...]
    offers: tuple[Offer, ...]
    today: date
    deliver_by: date
    shipping: ShippingTable
    budget_per_basket_minor: int | None = None
    policy: Policy = Policy()


# =========================================================================== outputs


@dataclass(frozen=True, slots=True)
class Assignment:
    """Units of one offer for one destination (one purchase-order line).

    :ivar shipping_minor: lane price x weight, rounded half up to the centime.
    :ivar ship_by: the date the goods must leave the cooperative.
    """

    offer_key: str
    supplier_id: int
    line_key: str
    destination_key: str
    line_units: int
    product_units: int
    goods_minor: int
    shipping_minor: int
    ship_by: date | None = None


@dataclass(frozen=True, slots=True)
class Fix:
    """One way to remove (part of) a shortfall.

    * ``accept_equivalent``: accept the listed not-yet-accepted equivalents
      (``offer_keys``), which add ``line_units`` deliverable units of the line;
    * ``move_date``: deliver on ``deliver_by`` instead, the earliest date (within
      :data:`MOVE_DATE_HORIZON_DAYS`) at which the line can be delivered in full everywhere;
    * ``fewer_baskets``: ``baskets`` complete baskets (every line met) can be served at
      this destination.  The figures of all short destinations hold together: asking
      each short destination for its figure, and every other destination for what it
      asked, is a request the supply can serve in full (see *Complete baskets* in the
      module docstring);
    * ``scale``: ``baskets`` in all, split over every destination in proportion to what
      it asked (largest remainder, ties either way), can be served in full.

    :ivar resolves_line: the fix alone removes the line's shortage at every destination.
    """

    kind: FixKind
    deliver_by: date | None = None
    baskets: int | None = None
    offer_keys: tuple[str, ...] = ()
    line_units: int = 0
    resolves_line: bool = False


@dataclass(frozen=True, slots=True)
class Shortfall:
    """A line that cannot reach a destination in full by the delivery date.

    :ivar available_line_units: what the plan delivers there (``needed - missing``).
    """

    line_key: str
    destination_key: str
    needed_line_units: int
    missing_line_units: int
    available_line_units: int
    deliver_by: date
    fixes: tuple[Fix, ...] = ()


@dataclass(frozen=True, slots=True)
class BudgetExcess:
    """The plan costs more than the budget.

    :ivar per_basket_excess_minor: ``ceil(total_excess / baskets)``.
    :ivar drivers: ``(line_key, cost per basket)`` for every line, most expensive first;
        the per-line figures add up to :attr:`Stats.cost_per_basket_minor`.
    """

    total_excess_minor: int
    per_basket_excess_minor: int
    drivers: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class CapRelaxation:
    """A share cap the plan had to exceed because the demand could not be met otherwise.

    :ivar line_key: the line for a per-line cap, ``None`` for the order-value cap.
    :ivar extra: line units (per-line cap) or minor units (order cap) above the cap.
    """

    supplier_id: int
    line_key: str | None
    extra: int


@dataclass(frozen=True, slots=True)
class Stats:
    """Figures about the plan.  Shares are floats in ``[0, 1]``; money is minor units.

    :ivar pure_cost_optimum_minor: real cost (goods + shipping) of the stage-1 plan, i.e.
        the cheapest plan under the policy before the fairness stage.
    :ivar gini: Gini coefficient of revenue among the suppliers paid.
    :ivar line_share_caps: ``(line_key, max line units per supplier)``.
    :ivar relaxed_caps: caps exceeded because the demand could not be met within them,
        or exceeded after rounding by more than one unit because no other supplier had
        room, with the final excess.  Rounding leftovers of at most one unit are not
        listed: one line unit for a line cap; for the order cap, the value of one line
        unit of the most valuable offer the supplier is paid for in the plan.
    :ivar notes: codes of unusual events (a line's shortage differs from its capacity
        deficit; parts below the minimum order value kept because the demand needs
        them); empty normally.  A stage that fails is an :class:`EngineSolveError`,
        never a note.
    :ivar cheapest_cost_minor: the cheapest real cost with the same shortage and cap
        excess, without the women-led shadow discount or substitution penalties (the
        true pure-cost optimum the plan's cost is compared with).
    :ivar suppliers_eligible: rural suppliers with an offer that can deliver in time.
    :ivar gini_eligible: Gini coefficient of revenue over every eligible supplier
        (unpaid ones count 0).
    :ivar parts: purchase-order parts (one per supplier and destination).
    :ivar smallest_part_minor: goods value of the smallest part.
    :ivar parts_below_minimum: parts below ``policy.min_part_minor``.
    :ivar shipment_fees_minor: what shipments cost above their lines' freight: the
        policy's fixed cost per part and the lanes' minimum per shipment (in the total;
        see :func:`shipment_fee`).
    :ivar minimum_gap: how far (a fraction) the cost stage's result can be above the
        cheapest plan meeting the minimum order value: the plan without the minimum is
        a lower bound (0 when no part was removed).
    :ivar max_parts: ``policy.max_parts`` (0: no limit).
    :ivar solve_seconds: ``(stage, seconds)``; excluded from equality.
    :ivar model_size: LP sizes, for diagnostics.
    """

    goods_minor: int
    shipping_minor: int
    total_minor: int
    cost_per_basket_minor: int
    pure_cost_optimum_minor: int
    suppliers_paid: int
    women_led_share: float
    rural_share: float
    regions_reached: tuple[str, ...]
    gini: float
    baskets_ordered: int = 0
    shortage_line_units: int = 0
    line_share_caps: tuple[tuple[str, int], ...] = ()
    order_share_cap: float = 0.0
    relaxed_caps: tuple[CapRelaxation, ...] = ()
    notes: tuple[str, ...] = ()
    model_size: tuple[tuple[str, int], ...] = ()
    cheapest_cost_minor: int = 0
    suppliers_eligible: int = 0
    gini_eligible: float = 0.0
    parts: int = 0
    smallest_part_minor: int = 0
    parts_below_minimum: int = 0
    shipment_fees_minor: int = 0
    minimum_gap: float = 0.0
    max_parts: int = 0
    solve_seconds: tuple[tuple[str, float], ...] = field(default=(), compare=False)

    @property
    def cost_over_cheapest(self) -> float:
        """Goods and shipping above the true pure-cost optimum, as a fraction."""
        if self.cheapest_cost_minor <= 0:
            return 0.0
        return (self.goods_minor + self.shipping_minor) / self.cheapest_cost_minor - 1.0

    @property
    def too_many_parts(self) -> bool:
        return 0 < self.max_parts < self.parts


@dataclass(frozen=True, slots=True)
class Allocation:
    """The plan: purchases per offer and destination, shortfalls, budget, figures."""

    assignments: tuple[Assignment, ...]
    shortfalls: tuple[Shortfall, ...]
    budget_excess: BudgetExcess | None
    stats: Stats
    #: ``(supplier id, destination key, fee)`` of every part whose shipment costs more
    #: than its lines' freight (see :func:`shipment_fee`); they add up to
    #: :attr:`Stats.shipment_fees_minor`
    shipment_fees: tuple[tuple[int, str, int], ...] = ()


# =========================================================================== public functions


def packs_per_line_unit(line_quantity: int, pack_quantity: int) -> int | None:
    """Packs of ``pack_quantity`` that make one line of ``line_quantity`` (same unit).

    The smallest whole number of packs holding at least the line's quantity, if it holds
    at most :data:`MAX_OVERFILL_PERCENT` more (see *Packs and line units* in the module
    docstring); ``None`` if the pack cannot make the line.

    :param line_quantity: the line's net quantity per basket (g, ml or pieces), ``> 0``.
    :param pack_quantity: one pack's net quantity in the same unit.
    :return: packs per line unit, or ``None``.
    """
    if line_quantity <= 0 or pack_quantity <= 0:
        return None
    packs = -(-line_quantity // pack_quantity)
    if packs * pack_quantity * 100 > line_quantity * (100 + MAX_OVERFILL_PERCENT):
        return None
    return packs


def allocate(problem: Problem) -> Allocation:
    """Plan the purchase of ``problem``'s baskets from rural cooperatives.

    Stage 1 minimises shortage, then (keeping it) cap excess, then (keeping both) goods
    + shipping with the women-led shadow discount and substitution penalties: three LPs,
    no weights between tiers; stage 2 (``policy.fairness``)
    maximises ``sum_c w_c * min(revenue_c, F)`` with the same shortage, real cost at most
    ``(1 + fairness_tolerance)`` times stage 1's and no more substitution.  The LP works on
    destination *regions*, with one column per offer and production bucket (what is ready
    by each ship date) feeding ``(line, origin region, weight, transit classes)`` hubs: an
    exact aggregation of the per-destination model (see ``_lp``).  The plan is made integer
    by an LP over the network within one unit of each column (availability kept exactly),
    caps are repaired, and region flows are split to destinations (shortage shared in
    proportion to demand by largest remainder; offers assigned by key).

    :param problem: the data.
    :return: the plan, its shortfalls (with fixes), budget excess and figures.
    :raises EngineInputError: on invalid data (negative quantities, unknown keys, ...).
    :raises EngineSolveError: if any stage (shortage, cap excess, cost, pure cost,
        fairness, rounding) does not reach an optimum; no stage falls back silently.
    """
    t_start = time.perf_counter()
    _validate(problem)
    prep = _prepare(problem)
    seconds: dict[str, float] = {"prepare": time.perf_counter() - t_start}
    if prep.model_input is None:
        outcome = None
    else:
        from . import _lp

        outcome = _lp.run(prep.model_input, fairness=problem.policy.fairness)
        seconds.update(outcome.seconds)
    t = time.perf_counter()
    allocation = _report(problem, prep, outcome, seconds)
    seconds["report"] = time.perf_counter() - t
    total = time.perf_counter() - t_start
    timings = tuple((k, round(v, 4)) for k, v in [*seconds.items(), ("total", total)])
    return dataclasses.replace(
        allocation, stats=dataclasses.replace(allocation.stats, solve_seconds=timings)
    )


# =========================================================================== validation


def _validate(p: Problem) -> None:
    pol = p.policy
    if not p.lines:
        raise EngineInputError("no_lines")
    if p.deliver_by < p.today:
        raise EngineInputError("deliver_by_before_today", "deliver_by", p.deliver_by)
    if p.budget_per_basket_minor is not None and p.budget_per_basket_minor < 0:
        raise EngineInputError(
            "negative_value", "budget_per_basket_minor", p.budget_per_basket_minor
        )
    if not 0.0 < pol.max_share_of_line <= 1.0:
        raise EngineInputError("invalid_policy", "max_share_of_line", pol.max_share_of_line)
    if not 0.0 < pol.max_share_of_order <= 1.0:
        raise EngineInputError("invalid_policy", "max_share_of_order", pol.max_share_of_order)
    if not 0.0 <= pol.women_led_discount < 1.0:
        raise EngineInputError("invalid_policy", "women_led_discount", pol.women_led_discount)
    if not pol.fairness_tolerance >= 0.0:
        raise EngineInputError("invalid_policy", "fairness_tolerance", pol.fairness_tolerance)
    if pol.revenue_floor_minor < 0:
        raise EngineInputError("invalid_policy", "revenue_floor_minor", pol.revenue_floor_minor)
    if not pol.women_led_weight > 0.0:
        raise EngineInputError("invalid_policy", "women_led_weight", pol.women_led_weight)
    for name in ("min_part_minor", "shipment_fee_minor", "max_parts"):
        if getattr(pol, name) < 0:
            raise EngineInputError("invalid_policy", name, getattr(pol, name))

    regions: set[str] = set()
    for mapping, what in (
        (p.shipping.minor_per_kg, "minor_per_kg"),
        (p.shipping.transit_days, "transit_days"),
        (p.shipping.min_shipment_minor, "min_shipment_minor"),
    ):
        for (a, b), v in mapping.items():
            if v < 0:
                raise EngineInputError("negative_value", f"shipping.{what}:{a}->{b}", v)
            regions.update((a, b))

    line_keys: set[str] = set()
    for line in p.lines:
        if line.key in line_keys:
            raise EngineInputError("duplicate_line", f"line:{line.key}")
        line_keys.add(line.key)
        if line.quantity <= 0:
            raise EngineInputError(
                "line_quantity_not_positive", f"line:{line.key}.quantity", line.quantity
            )
    dest_keys: set[str] = set()
    for d in p.destinations:
        if d.key in dest_keys:
            raise EngineInputError("duplicate_destination", f"destination:{d.key}")
        dest_keys.add(d.key)
        if d.baskets < 0:
            raise EngineInputError("negative_value", f"destination:{d.key}.baskets", d.baskets)
        if d.region_code not in regions:
            raise EngineInputError(
                "unknown_region", f"destination:{d.key}.region_code", d.region_code
            )
    supplier_ids: set[int] = set()
    for s in p.suppliers:
        if s.id in supplier_ids:
            raise EngineInputError("duplicate_supplier", f"supplier:{s.id}")
        supplier_ids.add(s.id)
        if s.region_code not in regions:
            raise EngineInputError("unknown_region", f"supplier:{s.id}.region_code", s.region_code)
    offer_keys: set[str] = set()
    for o in p.offers:
        if o.key in offer_keys:
            raise EngineInputError("duplicate_offer", f"offer:{o.key}")
        offer_keys.add(o.key)
        if o.line_key not in line_keys:
            raise EngineInputError("unknown_line", f"offer:{o.key}.line_key", o.line_key)
        if o.supplier_id not in supplier_ids:
            raise EngineInputError("unknown_supplier", f"offer:{o.key}.supplier_id", o.supplier_id)
        if o.units_per_line_unit <= 0:
            raise EngineInputError(
                "units_per_line_unit_not_positive",
                f"offer:{o.key}.units_per_line_unit",
                o.units_per_line_unit,
            )
        for name in (
            "unit_price_minor",
            "stock",
            "units_per_day",
            "committed",
            "weight_g",
            "lead_days",
            "substitution_penalty_minor",
        ):
            value = getattr(o, name)
            if value < 0:
                raise EngineInputError("negative_value", f"offer:{o.key}.{name}", value)


# =========================================================================== preparation


@dataclass(slots=True)
class _OfferSet:
    """Rural offers of one acceptance state, as arrays (sorted by key)."""

    offers: list[Offer]
    line: IntArray
    origin: IntArray
    stock: IntArray
    per_day: IntArray
    committed: IntArray
    conversion: IntArray
    lead: IntArray

    def availability(
        self, prep: _Prepared, deliver_by: date, sel: IntArray | None = None
    ) -> IntArray:
        idx = np.arange(len(self.offers)) if sel is None else sel
        return _capacity.availability(
            stock=self.stock[idx],
            per_day=self.per_day[idx],
            committed=self.committed[idx],
            conversion=self.conversion[idx],
            lead_days=self.lead[idx],
            transit=prep.class_transit[self.origin[idx]],
            today=prep.today,
            deliver_by=deliver_by.toordinal(),
        )


@dataclass(slots=True)
class _Prepared:
    lines: list[Line]
    dests: list[Destination]
    suppliers: dict[int, Supplier]
    supplier_ids: list[int]
    regions: list[str]  # origin index space
    dest_regions: list[str]  # destination region index space (regions with baskets)
    class_pos: IntArray  # (n_regions, n_dest_regions)
    class_transit: IntArray  # (n_regions, K)
    rate_int: IntArray  # (n_regions, n_dest_regions) minor per kg, -1 = no lane
    demand: IntArray  # (L, nR)
    today: int
    accepted: _OfferSet
    candidates: _OfferSet
    avail: IntArray  # availability of accepted offers at deliver_by
    deficits: list[int]
    lp_offers: IntArray  # indices into accepted.offers that enter the LP
    line_caps: list[int]
    order_share: float
    model_input: _lp.ModelInput | None


def _offer_set(
    offers: list[Offer], line_index: dict[str, int], region_of: dict[int, int]
) -> _OfferSet:
    def arr(values: Sequence[int]) -> IntArray:
        return np.asarray(values, dtype=np.int64).reshape(-1)

    return _OfferSet(
        offers=offers,
        line=arr([line_index[o.line_key] for o in offers]),
        origin=arr([region_of[o.supplier_id] for o in offers]),
        stock=arr([o.stock for o in offers]),
        per_day=arr([o.units_per_day for o in offers]),
        committed=arr([o.committed for o in offers]),
        conversion=arr([o.units_per_line_unit for o in offers]),
        lead=arr([o.lead_days for o in offers]),
    )


@dataclass(slots=True)
class _Lanes:
    regions: list[str]  # origin index space
    dest_regions: list[str]
    class_pos: IntArray
    class_transit: IntArray
    rate_int: IntArray
    baskets_by_region: dict[str, int]


def _lanes(p: Problem, dests: list[Destination]) -> _Lanes:
    """Regions, destination regions with baskets, and each lane's transit class and rate."""
    lanes = {k for k in p.shipping.minor_per_kg if k in p.shipping.transit_days}
    regions = sorted(
        {r for lane in p.shipping.minor_per_kg for r in lane}
        | {r for lane in p.shipping.transit_days for r in lane}
    )
    baskets_by_region: dict[str, int] = defaultdict(int)
    for d in dests:
        baskets_by_region[d.region_code] += d.baskets
    dest_regions = sorted(r for r, n in baskets_by_region.items() if n > 0)
    n_o, n_r = len(regions), len(dest_regions)
    transit = np.full((n_o, n_r), -1, dtype=np.int64)
    rate_int = np.full((n_o, n_r), -1, dtype=np.int64)
    for i, a in enumerate(regions):
        for j, b in enumerate(dest_regions):
            if (a, b) in lanes:
                transit[i, j] = p.shipping.transit_days[(a, b)]
                rate_int[i, j] = p.shipping.minor_per_kg[(a, b)]
    classes = [sorted({int(t) for t in transit[i] if t >= 0}, reverse=True) for i in range(n_o)]
    k = max([len(c) for c in classes] + [1])
    class_transit = np.full((n_o, k), -1, dtype=np.int64)
    class_pos = np.full((n_o, n_r), -1, dtype=np.int64)
    for i, cl in enumerate(classes):
        for pos, t in enumerate(cl):
            class_transit[i, pos] = t
            class_pos[i, transit[i] == t] = pos
    return _Lanes(regions, dest_regions, class_pos, class_transit, rate_int, baskets_by_region)


def _prepare(p: Problem) -> _Prepared:
    lines = sorted(p.lines, key=lambda x: x.key)
    dests = sorted(p.destinations, key=lambda x: x.key)
    suppliers = {s.id: s for s in p.suppliers}
    line_index = {line.key: i for i, line in enumerate(lines)}
    lanes = _lanes(p, dests)
    per_region = [lanes.baskets_by_region[r] for r in lanes.dest_regions]
    demand = np.array(
        [[line.quantity * n for n in per_region] for line in lines], dtype=np.int64
    ).reshape(len(lines), len(per_region))
    rural_offers = sorted(
        (o for o in p.offers if suppliers[o.supplier_id].rural), key=lambda o: o.key
    )
    region_index = {r: i for i, r in enumerate(lanes.regions)}
    region_of = {sid: region_index[s.region_code] for sid, s in suppliers.items()}
    accepted = _offer_set([o for o in rural_offers if o.accepted], line_index, region_of)
    prep = _Prepared(
        lines=lines,
        dests=dests,
        suppliers=suppliers,
        supplier_ids=sorted(suppliers),
        regions=lanes.regions,
        dest_regions=lanes.dest_regions,
        class_pos=lanes.class_pos,
        class_transit=lanes.class_transit,
        rate_int=lanes.rate_int,
        demand=demand,
        today=p.today.toordinal(),
        accepted=accepted,
        candidates=_offer_set([o for o in rural_offers if not o.accepted], line_index, region_of),
        avail=np.zeros((0, lanes.class_transit.shape[1]), dtype=np.int64),
        deficits=[],
        lp_offers=np.zeros(0, dtype=np.int64),
        line_caps=[],
        order_share=1.0,
        model_input=None,
    )
    avail = accepted.availability(prep, p.deliver_by)
    prep.avail = avail
    prep.deficits = [
        _capacity.line_deficit(
            avail[accepted.line == li],
            accepted.origin[accepted.line == li],
            demand[li],
            lanes.class_pos,
        )
        for li in range(len(lines))
    ]
    usable = avail.max(axis=1) > 0 if len(avail) else np.zeros(0, dtype=bool)
    prep.lp_offers = np.flatnonzero(usable)
    if not lanes.dest_regions or len(prep.lp_offers) == 0:
        prep.line_caps = [int(demand[li].sum()) for li in range(len(lines))]
        return prep
    prep.model_input = _model_input(p, prep)
    return prep


def _share_caps(p: Problem, prep: _Prepared, o_line: IntArray, o_sup: IntArray) -> None:
    """Per-line unit caps and the order-value share, adapted to few suppliers."""
    pol = p.policy
    line_caps: list[int] = []
    for li in range(len(prep.lines)):
        total = int(prep.demand[li].sum())
        n_sup = len(np.unique(o_sup[o_line == li]))
        alpha = max(pol.max_share_of_line, 1.2 / n_sup) if n_sup else 1.0
        line_caps.append(total if alpha >= 1.0 else max(1, math.floor(alpha * total + 1e-9)))
    prep.line_caps = line_caps
    n_suppliers = len(np.unique(o_sup))
    prep.order_share = min(1.0, max(pol.max_share_of_order, 1.2 / n_suppliers))


def _model_input(p: Problem, prep: _Prepared) -> _lp.ModelInput:
    """The LP's arrays for the usable accepted offers (see :class:`_lp.ModelInput`)."""
    accepted, lp_offers, demand = prep.accepted, prep.lp_offers, prep.demand
    offers = [accepted.offers[i] for i in lp_offers]
    sup_local = sorted({o.supplier_id for o in offers})
    sup_pos = {sid: i for i, sid in enumerate(sup_local)}
    o_line = accepted.line[lp_offers]
    o_sup = np.array([sup_pos[o.supplier_id] for o in offers], dtype=np.int64)
    _share_caps(p, prep, o_line, o_sup)
    goods = np.array([o.unit_price_minor * o.units_per_line_unit for o in offers], dtype=np.int64)
    goods_lb = 0.0
    for li in range(len(prep.lines)):
        sel = o_line == li
        if sel.any():
            goods_lb += float(int(demand[li].sum()) - prep.deficits[li]) * float(goods[sel].min())
    big = np.iinfo(np.int64).max // 4
    pol = p.policy
    from . import _lp

    return _lp.ModelInput(
        demand=demand,
        offer_line=o_line,
        offer_supplier=o_sup,
        offer_origin=accepted.origin[lp_offers],
        offer_goods=goods,
        offer_penalty=np.array(
            [o.substitution_penalty_minor * o.units_per_line_unit for o in offers], dtype=np.int64
        ),
        offer_weight=np.array([o.weight_g * o.units_per_line_unit for o in offers], dtype=np.int64),
        avail=prep.avail[lp_offers],
        class_pos=prep.class_pos,
        rate=np.where(prep.rate_int >= 0, prep.rate_int, 0).astype(np.float64),
        supplier_women=np.array([prep.suppliers[s].women_led for s in sup_local], dtype=np.bool_),
        line_cap=np.array(
            [c if c < int(demand[i].sum()) else big for i, c in enumerate(prep.line_caps)],
            dtype=np.int64,
        ),
        order_share=prep.order_share,
        goods_lower_bound=goods_lb,
        women_discount=pol.women_led_discount,
        women_weight=pol.women_led_weight,
        revenue_floor=float(pol.revenue_floor_minor),
        fairness_tolerance=pol.fairness_tolerance,
        min_part_minor=pol.min_part_minor,
    )


# =========================================================================== report


def _largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split the integer ``total`` in proportion to ``weights``; ties go to earlier items."""
    wsum = sum(weights)
    if wsum <= 0 or total == 0:
        return [0] * len(weights)
    base = [total * w // wsum for w in weights]
    rem = [total * w % wsum for w in weights]
    left = total - sum(base)
    for i in sorted(range(len(weights)), key=lambda i: (-rem[i], i))[:left]:
        base[i] += 1
    return base


def _half_up_div(a: int, b: int) -> int:
    return (2 * a + b) // (2 * b)


def _gini(values: Sequence[int]) -> float:
    s = np.sort(np.asarray(values, dtype=np.float64))
    n = len(s)
    if n == 0 or s.sum() <= 0:
        return 0.0
    ranks = 2 * np.arange(1, n + 1) - n - 1
    return float(ranks @ s / (n * s.sum()))


def _region_flows(
    prep: _Prepared, outcome: _lp.Outcome | None
) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """Integer flows per (line, destination region): ``(offer index in accepted, units)``,
    ordered by supplier then offer so that each supplier's lines tend to fall on the same
    points when split (fewer parts)."""
    flows: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    if outcome is None:
        return flows
    accepted = prep.accepted
    units = np.asarray(outcome.flow_units)
    kept = np.flatnonzero(units > 0)  # the LP's flows are mostly zero: drop them at once
    offer = prep.lp_offers[np.asarray(outcome.flow_offer)[kept]]
    region = np.asarray(outcome.flow_region)[kept]
    line = accepted.line[offer]
    supplier = np.fromiter(
        (accepted.offers[i].supplier_id for i in offer.tolist()), dtype=np.int64, count=len(offer)
    )
    order = np.lexsort((offer, supplier, region, line))
    for li, rj, oi, fu in zip(
        line[order].tolist(),
        region[order].tolist(),
        offer[order].tolist(),
        units[kept][order].tolist(),
        strict=True,
    ):
        flows[(li, rj)].append((oi, int(fu)))
    return flows


@dataclass(slots=True)
class _PointSplit:
    assignments: list[Assignment]
    served: dict[tuple[int, str], int]
    short: dict[tuple[int, str], tuple[int, int]]  # (line, dest key) -> (needed, missing)


def _split_to_points(
    p: Problem, prep: _Prepared, flows: dict[tuple[int, int], list[tuple[int, int]]]
) -> _PointSplit:
    """Region flows to destinations: shortage by largest remainder in proportion to
    demand, then offers to points by north-west corner (offers x destinations by key)."""
    region_pos = {r: i for i, r in enumerate(prep.dest_regions)}
    dests_by_region: dict[int, list[Destination]] = defaultdict(list)
    for d in prep.dests:
        if d.baskets > 0:
            dests_by_region[region_pos[d.region_code]].append(d)
    out = _PointSplit([], {}, {})
    for li in range(len(prep.lines)):
        for rj in range(len(prep.dest_regions)):
            ds = dests_by_region.get(rj, [])
            if ds:
                _split_line_region(p, prep, li, rj, ds, flows.get((li, rj), []), out)
    out.assignments.sort(key=lambda a: (a.line_key, a.destination_key, a.offer_key))
    return out


def _split_line_region(
    p: Problem,
    prep: _Prepared,
    li: int,
    rj: int,
    ds: list[Destination],
    fl: list[tuple[int, int]],
    out: _PointSplit,
) -> None:
    line = prep.lines[li]
    need = [line.quantity * d.baskets for d in ds]
    got = sum(u for _, u in fl)
    total_need = sum(need)
    if got > total_need:  # pragma: no cover - the LP never over-delivers
        raise RuntimeError("over_delivery", line.key, prep.dest_regions[rj])
    missing = _largest_remainder(total_need - got, need)
    for d, nd, ms in zip(ds, need, missing, strict=True):
        out.served[(li, d.key)] = nd - ms
        if ms > 0:
            out.short[(li, d.key)] = (nd, ms)
    targets = [(d, nd - ms) for d, nd, ms in zip(ds, need, missing, strict=True) if nd - ms > 0]
    origin_pos = {r: i for i, r in enumerate(prep.regions)}
    ti = 0
    left_t = targets[0][1] if targets else 0
    for oi, units in fl:
        offer = prep.accepted.offers[oi]
        region = prep.suppliers[offer.supplier_id].region_code
        rate = int(prep.rate_int[origin_pos[region], rj])
        transit_days = int(p.shipping.transit_days[(region, prep.dest_regions[rj])])
        ship_by = p.deliver_by - timedelta(days=transit_days)
        while units > 0 and ti < len(targets):
            step = min(units, left_t)
            pu = step * offer.units_per_line_unit
            out.assignments.append(
                Assignment(
                    offer_key=offer.key,
                    supplier_id=offer.supplier_id,
                    line_key=line.key,
                    destination_key=targets[ti][0].key,
                    line_units=step,
                    product_units=pu,
                    goods_minor=pu * offer.unit_price_minor,
                    shipping_minor=_half_up_div(pu * offer.weight_g * rate, 1000),
                    ship_by=ship_by,
                )
            )
            units -= step
            left_t -= step
            if left_t == 0:
                ti += 1
                left_t = targets[ti][1] if ti < len(targets) else 0


def _budget_excess(
    p: Problem, lines: list[Line], assignments: list[Assignment], total: int, baskets: int
) -> BudgetExcess | None:
    budget = p.budget_per_basket_minor
    if budget is None or not baskets or total <= budget * baskets:
        return None
    excess = total - budget * baskets
    line_cost = [0] * len(lines)
    lk = {line.key: i for i, line in enumerate(lines)}
    for a in assignments:
        line_cost[lk[a.line_key]] += a.goods_minor + a.shipping_minor
    per_line = _largest_remainder(_half_up_div(total, baskets), line_cost)
    drivers = sorted(
        ((line.key, per_line[i]) for i, line in enumerate(lines)), key=lambda x: (-x[1], x[0])
    )
    return BudgetExcess(
        total_excess_minor=excess,
        per_basket_excess_minor=-(-excess // baskets),
        drivers=tuple(drivers),
    )


def _part_values(assignments: Sequence[Assignment]) -> dict[tuple[int, str], tuple[int, int]]:
    """``(goods, shipping)`` of each part (one supplier's purchases for one destination)."""
    parts: dict[tuple[int, str], tuple[int, int]] = {}
    for a in assignments:
        goods, ship = parts.get((a.supplier_id, a.destination_key), (0, 0))
        parts[(a.supplier_id, a.destination_key)] = (goods + a.goods_minor, ship + a.shipping_minor)
    return parts


def shipment_fee(p: Problem, supplier: Supplier, destination: Destination, shipping: int) -> int:
    """What one shipment costs above its lines' freight: the policy's fixed cost, plus
    what the lane's minimum per shipment adds to ``shipping`` (the lines' freight)."""
    lane = (supplier.region_code, destination.region_code)
    floor = p.shipping.min_shipment_minor.get(lane, 0)
    return p.policy.shipment_fee_minor + max(0, floor - shipping)


def _report(
    p: Problem, prep: _Prepared, outcome: _lp.Outcome | None, seconds: dict[str, float]
) -> Allocation:
    split = _split_to_points(p, prep, _region_flows(prep, outcome))
    assignments = split.assignments
    goods = sum(a.goods_minor for a in assignments)
    shipping = sum(a.shipping_minor for a in assignments)
    part_figures = _part_values(assignments)
    dest_of = {d.key: d for d in prep.dests}
    part_fees = tuple(
        (sid, dkey, fee)
        for (sid, dkey), (_, ship) in sorted(part_figures.items())
        if (fee := shipment_fee(p, prep.suppliers[sid], dest_of[dkey], ship)) > 0
    )
    fees = sum(fee for _, _, fee in part_fees)
    parts = sorted(g for g, _ in part_figures.values())
    total = goods + shipping + fees
    baskets = sum(d.baskets for d in prep.dests)
    revenue: dict[int, int] = defaultdict(int)
    for a in assignments:
        revenue[a.supplier_id] += a.goods_minor
    paid = {s: v for s, v in revenue.items() if v > 0}
    for sid in paid:
        if not prep.suppliers[sid].rural:  # pragma: no cover - filtered before the LP
            raise RuntimeError("urban_supplier_used", sid)
    eligible = {prep.accepted.offers[i].supplier_id for i in prep.lp_offers.tolist()}
    women = sum(v for s, v in paid.items() if prep.suppliers[s].women_led)
    relaxed, notes, sizes, pure, cheapest, gap = _outcome_figures(prep, outcome)
    notes += _deficit_notes(prep, split.short)
    minimum = p.policy.min_part_minor
    stats = Stats(
        goods_minor=goods,
        shipping_minor=shipping,
        total_minor=total,
        cost_per_basket_minor=_half_up_div(total, baskets) if baskets else 0,
        pure_cost_optimum_minor=pure,
        suppliers_paid=len(paid),
        women_led_share=women / goods if goods else 0.0,
        rural_share=1.0,
        regions_reached=tuple(sorted({prep.suppliers[s].region_code for s in paid})),
        gini=_gini(list(paid.values())),
        baskets_ordered=baskets,
        shortage_line_units=sum(m for _, m in split.short.values()),
        line_share_caps=tuple((line.key, prep.line_caps[i]) for i, line in enumerate(prep.lines))
        if prep.line_caps
        else (),
        order_share_cap=prep.order_share,
        relaxed_caps=tuple(sorted(relaxed, key=lambda c: (c.supplier_id, c.line_key or ""))),
        notes=notes,
        model_size=sizes,
        cheapest_cost_minor=cheapest,
        suppliers_eligible=len(eligible | set(paid)),
        gini_eligible=_gini([revenue.get(s, 0) for s in sorted(eligible | set(paid))]),
        parts=len(parts),
        smallest_part_minor=parts[0] if parts else 0,
        parts_below_minimum=sum(1 for v in parts if v < minimum),
        shipment_fees_minor=fees,
        minimum_gap=gap,
        max_parts=p.policy.max_parts,
    )
    return Allocation(
        assignments=tuple(assignments),
        shortfalls=_shortfalls(p, prep, split.short, split.served),
        budget_excess=_budget_excess(p, prep.lines, assignments, total, baskets),
        stats=stats,
        shipment_fees=part_fees,
    )


def _outcome_figures(
    prep: _Prepared, outcome: _lp.Outcome | None
) -> tuple[list[CapRelaxation], tuple[str, ...], tuple[tuple[str, int], ...], int, int, float]:
    """``(relaxed caps, notes, model sizes, stage-1 cost, cheapest cost, gap of the
    minimum order value)`` of the LP outcome."""
    if outcome is None:
        return [], (), (), 0, 0, 0.0
    accepted = prep.accepted
    sup_ids = sorted({accepted.offers[i].supplier_id for i in prep.lp_offers.tolist()})
    line_key = [line.key for line in prep.lines]
    relaxed = [
        CapRelaxation(sup_ids[s], line_key[li] if li >= 0 else None, e)
        for s, li, e in outcome.caps_exceeded
    ]
    return (
        relaxed,
        tuple(outcome.notes),
        tuple(sorted(outcome.sizes.items())),
        math.floor(outcome.stage1_real_cost + 0.5),
        math.floor(outcome.pure_cost + 0.5),
        outcome.minimum_gap,
    )


def _deficit_notes(
    prep: _Prepared, short: dict[tuple[int, str], tuple[int, int]]
) -> tuple[str, ...]:
    """The plan's shortage must be the capacity deficit found independently by min-cut."""
    short_by_line: dict[int, int] = defaultdict(int)
    for (li, _), (_, missing_units) in short.items():
        short_by_line[li] += missing_units
    return tuple(
        f"shortage_differs_from_capacity_deficit:{line.key}"
        for li, line in enumerate(prep.lines)
        if short_by_line[li] != prep.deficits[li]
    )


def _shortfalls(
    p: Problem,
    prep: _Prepared,
    short: dict[tuple[int, str], tuple[int, int]],
    served: dict[tuple[int, str], int],
) -> tuple[Shortfall, ...]:
    if not short:
        return ()
    lines = prep.lines
    short_lines = sorted({li for li, _ in short})
    line_fixes: dict[int, list[Fix]] = {}
    for li in short_lines:
        fixes: list[Fix] = []
        deficit = _line_deficit_at(prep, li, p.deliver_by)
        cand = prep.candidates
        sel = np.flatnonzero(cand.line == li)
        if len(sel):
            cav = cand.availability(prep, p.deliver_by, sel)
            acc_sel = np.flatnonzero(prep.accepted.line == li)
            both_avail = np.concatenate([prep.avail[acc_sel], cav])
            both_origin = np.concatenate([prep.accepted.origin[acc_sel], cand.origin[sel]])
            after = _capacity.line_deficit(both_avail, both_origin, prep.demand[li], prep.class_pos)
            if after < deficit:
                useful = [
                    cand.offers[int(i)].key for i, a in zip(sel, cav, strict=True) if a.max() > 0
                ]
                fixes.append(
                    Fix(
                        kind="accept_equivalent",
                        offer_keys=tuple(useful),
                        line_units=deficit - after,
                        resolves_line=after == 0,
                    )
                )
        when = _earliest_full_date(prep, li, p.deliver_by)
        if when is not None:
            fixes.append(Fix(kind="move_date", deliver_by=when, resolves_line=True))
        line_fixes[li] = fixes

    complete, scaled = _complete_baskets(prep, short, served)
    out: list[Shortfall] = []
    for (li, dkey), (need, missing) in sorted(
        short.items(), key=lambda kv: (lines[kv[0][0]].key, kv[0][1])
    ):
        fixes = [*line_fixes[li], Fix(kind="fewer_baskets", baskets=complete[dkey])]
        if scaled > 0:
            fixes.append(Fix(kind="scale", baskets=scaled))
        out.append(
            Shortfall(
                line_key=lines[li].key,
                destination_key=dkey,
                needed_line_units=need,
                missing_line_units=missing,
                available_line_units=need - missing,
                deliver_by=p.deliver_by,
                fixes=tuple(fixes),
            )
        )
    return tuple(out)


def _basket_capacity(prep: _Prepared) -> IntArray:
    """Complete baskets the supply can serve in each subset of destination regions.

    ``out[S] = min over lines of subset_supply(line, S) // quantity(line)``: a vector of
    complete baskets per region ``n`` can be served in full iff ``n(S) <= out[S]`` for
    every subset ``S`` (each line on its own is a max-flow problem).
    """
    acc = prep.accepted
    n_sub = 1 << len(prep.dest_regions)
    out = np.full(n_sub, np.iinfo(np.int64).max, dtype=np.int64)
    for li, line in enumerate(prep.lines):
        sel = acc.line == li
        supply = _capacity.subset_supply(prep.avail[sel], acc.origin[sel], prep.class_pos)
        out = np.minimum(out, supply // line.quantity)
    return out


def _complete_baskets(
    prep: _Prepared,
    short: dict[tuple[int, str], tuple[int, int]],
    served: dict[tuple[int, str], int],
) -> tuple[dict[str, int], int]:
    """The ``fewer_baskets`` figure of every short destination, and the ``scale`` total.

    See *Complete baskets* in the module docstring.

    :return: ``({destination key: complete baskets}, largest proportional total)``; the
        total is 0 when nothing can be served or regions are too many to enumerate.
    """
    lines = prep.lines
    short_keys = {dkey for _, dkey in short}
    n_r = len(prep.dest_regions)
    if n_r > _capacity.MAX_SUBSET_REGIONS:  # what the plan itself makes complete
        plan = {
            dkey: min(served.get((li, dkey), 0) // ln.quantity for li, ln in enumerate(lines))
            for dkey in short_keys
        }
        return plan, 0
    region_pos = {r: i for i, r in enumerate(prep.dest_regions)}
    points: list[list[Destination]] = [[] for _ in range(n_r)]
    for d in prep.dests:
        if d.baskets > 0:
            points[region_pos[d.region_code]].append(d)
    asked = np.array([sum(d.baskets for d in ps) for ps in points], dtype=np.int64)
    cap = _basket_capacity(prep)
    member = (np.arange(1 << n_r)[:, None] >> np.arange(n_r)) & 1

    def fits(n: IntArray) -> bool:
        return bool((member @ n <= cap).all())

    # Regions without a short point keep what they asked; the others are bounded below by
    # the complete baskets the plan already makes there (so the plan is a solution).
    lo = asked.copy()
    is_short = np.zeros(n_r, dtype=np.bool_)
    for r, ps in enumerate(points):
        if any(d.key in short_keys for d in ps):
            is_short[r] = True
            lo[r] = min(
                sum(served.get((li, d.key), 0) for d in ps) // ln.quantity
                for li, ln in enumerate(lines)
            )
    sr = np.flatnonzero(is_short)
    # max sum(n) + 0.5 t  s.t.  n(S) <= cap(S), t * asked_r <= n_r (short regions):
    # as many complete baskets as possible, then the most even share of what was asked.
    n_sub = len(member) - 1
    a_ub = np.zeros((n_sub + len(sr), n_r + 1))
    a_ub[:n_sub, :n_r] = member[1:]
    a_ub[n_sub + np.arange(len(sr)), sr] = -1.0
    a_ub[n_sub:, n_r] = asked[sr]
    b_ub = np.concatenate([np.minimum(cap[1:], asked.sum()), np.zeros(len(sr))])
    res = _linprog(
        np.concatenate([-np.ones(n_r), [-0.5]]),
        A_ub=a_ub,
        b_ub=b_ub.astype(np.float64),
        bounds=[*zip(lo.tolist(), asked.tolist(), strict=True), (0.0, 1.0)],
        method="highs",
    )
    n = lo.copy()
    if res.status == 0:
        n = np.clip(np.floor(res.x[:n_r] + 1e-6).astype(np.int64), lo, asked)
        if not fits(n):  # pragma: no cover - the floor of a feasible point stays feasible
            n = lo.copy()
    grown = True
    while grown:  # give back what flooring took, least-served region first
        grown = False
        for r in sorted(sr.tolist(), key=lambda r: (n[r] / asked[r], r)):
            if n[r] < asked[r]:
                n[r] += 1
                if fits(n):
                    grown = True
                else:
                    n[r] -= 1

    complete: dict[str, int] = {}
    for r in sr.tolist():
        pts = [d for d in points[r] if d.key in short_keys]
        cut = _largest_remainder(int(asked[r] - n[r]), [d.baskets for d in pts])
        complete.update({d.key: d.baskets - c for d, c in zip(pts, cut, strict=True)})

    # largest total whose proportional split fits, whatever way remainders are broken
    total = int(asked.sum())
    region_of = np.array([region_pos[d.region_code] for d in prep.dests if d.baskets > 0])
    weights = np.array([d.baskets for d in prep.dests if d.baskets > 0], dtype=np.int64)

    def fits_scaled(x: int) -> bool:
        need = np.bincount(region_of, weights=-(-x * weights // total), minlength=n_r)
        return fits(need.astype(np.int64))

    lo_x, hi_x = 0, total - 1
    while lo_x < hi_x:
        mid = (lo_x + hi_x + 1) // 2
        if fits_scaled(mid):
            lo_x = mid
        else:
            hi_x = mid - 1
    return complete, lo_x


def _line_deficit_at(prep: _Prepared, li: int, deliver_by: date) -> int:
    acc = prep.accepted
    sel = np.flatnonzero(acc.line == li)
    av = acc.availability(prep, deliver_by, sel)
    return _capacity.line_deficit(av, acc.origin[sel], prep.demand[li], prep.class_pos)


def _earliest_full_date(prep: _Prepared, li: int, deliver_by: date) -> date | None:
    """Earliest date within the horizon at which line ``li`` has no deficit (bisection)."""
    lo, hi = 1, MOVE_DATE_HORIZON_DAYS
    if _line_deficit_at(prep, li, deliver_by + timedelta(days=hi)) > 0:
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if _line_deficit_at(prep, li, deliver_by + timedelta(days=mid)) > 0:
            lo = mid + 1
        else:
            hi = mid
    return deliver_by + timedelta(days=lo)
