"""The sourcing LPs of the allocation engine (private): model, stages, rounding, repair.

Formulation: an exact aggregation of the naive ``x[offer, destination]`` model
---------------------------------------------------------------------------
Every quantity that involves an offer depends on a destination only through the
destination's *region*: the lane price per kg and the transit days (hence the ship date
and the availability).  The model therefore works on destination regions (demand
``D[l, R] = q_l * baskets(R)``); the engine splits region flows back to destinations
afterwards, which changes no cost and no constraint.

Offers are not duplicated per region either.  For each origin region, destination
regions fall into *transit classes* (same number of transit days), ordered from the
longest transit (earliest ship date) to the shortest.  ``avail[o, k]`` (line units ready
by class ``k``'s ship date) is non-decreasing in ``k``.  Offer ``o`` gets one column per
*production bucket*: bucket ``k`` holds ``avail[o, k] - avail[o, k - 1]`` units, made by
class ``k``'s ship date and usable for class ``k`` and every later class.  A bucket feeds
a *hub* ``(line, origin region, grams per line unit, set of classes >= k)``; hubs send
line units to the destination regions of their classes at the lane price
``grams * minor_per_kg / 1000``.  This is the production-by-date network itself, so it
is exact: every plan that respects the nested availability of each offer (units sent to
classes ``<= k`` never exceed ``avail[o, k]``) is a bucket flow and vice versa, and all
offers of a hub have identical lane costs, so any split of a hub's outflow among its
buckets costs the same.  Availability needs no rows at all (bucket bounds only): the LP
has ``sum of buckets (~1-3 per offer) + hubs x regions`` columns, instead of
``offers x destinations`` (90k x 83 = 7.5 M for the national case), and its rows are
hubs + (line, region) demand + caps.

Rows: hub conservation, demand with an elastic shortage ``u[l, R]``, per
supplier-and-line share caps and per supplier order-value caps (both elastic, see
below; a row is only created where the supplier's availability could exceed the cap),
and ``G = total goods value`` for the order-value caps (``goods_c <= beta * G``).

Objective tiers (stage 1): ``big_m`` per unit of shortage > ``p_line`` / ``p_money`` per
unit of cap excess > landed cost (goods with the women-led shadow discount, substitution
penalties, shipping).  The penalties are derived from the largest landed cost, so a cap
is only exceeded when the demand cannot be met within the caps (the "relax if
infeasible" rule) and shortage only remains when the goods cannot exist by the date.

Stage 2 keeps the stage-1 shortage, cap excesses and substitution-penalty total, allows
``real cost <= (1 + eps) * C1`` and maximises ``sum_c w_c * min(revenue_c, F)`` (one
``t_c <= F``, ``t_c <= revenue_c`` pair per supplier), with a tiny tie-breaker on the
stage-1 costs (so equally fair plans keep the women-led and reference preferences).
Its columns are the stage-1 support plus buckets whose landed cost to some region their
hub serves is within 1.25x the stage-1 marginal cost (dual) of their line there.

Rounding: without the cap rows the model is a network (totally unimodular), so the LP
restricted to ``floor(x) <= x <= ceil(x)`` around the fractional solution has integral
vertices.  Solving it (small: the integral variables are fixed first) gives integer
purchases within one unit of the LP plan, every availability bound kept and shortage at
its minimum.  Share caps are then repaired by moving units between buckets of the same
hub (same lane costs and ship dates).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import linprog as _scipy_linprog

from .engine import EngineSolveError

#: ``scipy.optimize.linprog``; typed loosely because its stubs do not list sparse arrays.
_linprog: Callable[..., Any] = _scipy_linprog

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Integrality tolerance when reading LP values.
_SNAP = 1e-6
#: Stage-2 tie-breaker per minor unit of stage-1 cost (shadow discount and substitution
#: penalties included): among equally fair plans, prefer what stage 1 prefers.
_TIE_BREAK = 1e-3
#: Order-cap repair passes (each move changes the order value, hence every cap).
_REPAIR_PASSES = 8
#: Fix-and-resolve rounds for the minimum order value of a part.
_MIN_PART_ROUNDS = 4
#: Stage-2 arc pruning factor on the stage-1 marginal cost.
PRUNE_FACTOR = 1.25
#: Column generation in stage 2: a left-out column joins when its reduced cost is below
#: minus this (the objective counts minor units of revenue); at most this many rounds.
_PRICING_TOLERANCE = 1e-6
_PRICING_ROUNDS = 30
#: HiGHS options for stage 1 (see :func:`stage1`).
STAGE1_OPTIONS: dict[str, object] = {
    "presolve": False,
    "simplex_dual_edge_weight_strategy": "dantzig",
}


@dataclass(frozen=True, slots=True)
class ModelInput:
    """Arrays describing one allocation problem (offers are already filtered and sorted)."""

    demand: IntArray  # (L, nR) line units per line and destination region
    offer_line: IntArray  # (n,)
    offer_supplier: IntArray  # (n,) supplier index
    offer_origin: IntArray  # (n,) origin region index
    offer_goods: IntArray  # (n,) real goods value per line unit, minor
    offer_penalty: IntArray  # (n,) substitution penalty per line unit, minor
    offer_weight: IntArray  # (n,) grams per line unit
    avail: IntArray  # (n, K) line units available per transit class
    class_pos: IntArray  # (nO, nR) transit class of each lane, -1 = no lane
    rate: FloatArray  # (nO, nR) minor per kg
    supplier_women: BoolArray  # (nS,)
    line_cap: IntArray  # (L,) line units one supplier may deliver per line
    order_share: float  # share of the order's goods value one supplier may receive
    goods_lower_bound: float  # a valid lower bound of the plan's goods value
    women_discount: float
    women_weight: float
    revenue_floor: float
    fairness_tolerance: float
    #: smallest goods value of one supplier's purchases for one destination region;
    #: 0: no minimum
    min_part_minor: int = 0
    #: (n,) bit ``R`` set: the offer may not serve destination region ``R`` (a part
    #: below the minimum order value was removed there); ``None``: no ban
    banned: IntArray | None = None

    def banned_regions(self) -> IntArray:
        if self.banned is None:
            return np.zeros(len(self.offer_line), dtype=np.int64)
        return self.banned


@dataclass(slots=True)
class Model:
    """The stage-1 LP and the index arrays needed to read its solution."""

    inp: ModelInput
    col_offer: IntArray
    col_node: IntArray
    col_class: IntArray
    col_ub: IntArray
    offer_first_col: IntArray
    node_line: IntArray
    node_origin: IntArray
    node_weight: IntArray
    node_mask: IntArray
    arc_node: IntArray
    arc_region: IntArray
    arc_ship: FloatArray
    lr_line: IntArray
    lr_region: IntArray
    lr_demand: IntArray
    lr_index: IntArray
    arc_lr: IntArray
    cl_supplier: IntArray
    cl_line: IntArray
    col_cl: IntArray
    c_supplier: IntArray
    col_c: IntArray
    own1: FloatArray
    col_goods: FloatArray
    col_penalty: FloatArray
    a_eq: sp.csr_array
    b_eq: FloatArray
    a_ub: sp.csr_array
    b_ub: FloatArray
    lb: FloatArray
    ub: FloatArray
    excess_weight: FloatArray  # (n_cl + n_c,) weight of each cap's excess in stage 1b

    def objective(self, part: str) -> FloatArray:
        """A stage's cost vector: ``shortage``, ``excess``, ``landed`` (goods with the
        shadow discount and substitution penalties, plus shipping) or ``real`` (goods
        at their price plus shipping)."""
        c = np.zeros(self.n_cols)
        if part == "shortage":
            c[self.off_u : self.off_cl] = 1.0
        elif part == "excess":
            c[self.off_cl : self.off_g] = self.excess_weight
        else:
            c[: self.n_oc] = self.own1 if part == "landed" else self.col_goods
            c[self.off_arc : self.off_u] = self.arc_ship
        return c

    @property
    def n_oc(self) -> int:
        return len(self.col_offer)

    @property
    def n_arc(self) -> int:
        return len(self.arc_node)

    @property
    def n_lr(self) -> int:
        return len(self.lr_line)

    @property
    def n_cl(self) -> int:
        return len(self.cl_supplier)

    @property
    def n_c(self) -> int:
        return len(self.c_supplier)

    @property
    def has_g(self) -> bool:
        return self.n_c > 0

    @property
    def off_arc(self) -> int:
        return self.n_oc

    @property
    def off_u(self) -> int:
        return self.n_oc + self.n_arc

    @property
    def off_cl(self) -> int:
        return self.off_u + self.n_lr

    @property
    def off_c(self) -> int:
        return self.off_cl + self.n_cl

    @property
    def off_g(self) -> int:
        return self.off_c + self.n_c

    @property
    def n_cols(self) -> int:
        return self.off_g + (1 if self.has_g else 0)

    @property
    def n_nodes(self) -> int:
        return len(self.node_line)


@dataclass(slots=True)
class Outcome:
    """What the LP pipeline hands back to the engine."""

    flow_offer: IntArray  # integer line units per (offer, destination region)
    flow_region: IntArray
    flow_units: IntArray
    stage1_real_cost: float
    stage1_penalty: float
    caps_exceeded: list[tuple[int, int, int]]  # (supplier, line or -1, final excess)
    pure_cost: float = 0.0  # cheapest real cost with the same shortage and cap excess
    #: how far (a fraction) the stage-1 cost with the minimum order value can be above
    #: the cheapest plan meeting it: the plan without the minimum is a lower bound
    minimum_gap: float = 0.0
    seconds: dict[str, float] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- build


@dataclass(slots=True)
class _Buckets:
    col_offer: IntArray
    col_class: IntArray
    col_ub: IntArray
    col_mask: IntArray
    offer_first_col: IntArray


def _buckets(inp: ModelInput) -> _Buckets:
    """One column per offer and production bucket (see the module docstring)."""
    avail = inp.avail
    k = avail.shape[1]
    positive = avail > 0
    prev = np.zeros_like(avail)
    prev[:, 1:] = avail[:, :-1]
    # bucket k: units ready by class k's ship date but not by class k-1's; they can serve
    # class k and every later (shorter-transit) class the offer reaches.
    delta = np.where(positive, avail - prev, 0)
    is_col = delta > 0
    flat = np.flatnonzero(is_col.ravel())
    col_offer = (flat // k).astype(np.int64)
    col_class = (flat % k).astype(np.int64)
    pos_bits = (positive.astype(np.int64) << np.arange(k, dtype=np.int64)).sum(axis=1)
    offer_ncols = is_col.sum(axis=1).astype(np.int64)
    return _Buckets(
        col_offer=col_offer,
        col_class=col_class,
        col_ub=delta.ravel()[flat].astype(np.int64),
        col_mask=pos_bits[col_offer] & ~((np.int64(1) << col_class) - 1),
        offer_first_col=(np.cumsum(offer_ncols) - offer_ncols).astype(np.int64),
    )


def _hubs(inp: ModelInput, b: _Buckets) -> tuple[IntArray, IntArray]:
    """Hub keys ``(line, origin, grams, class mask, banned regions)`` and each column's hub."""
    banned = inp.banned_regions()
    keys = np.stack(
        [
            inp.offer_line[b.col_offer],
            inp.offer_origin[b.col_offer],
            inp.offer_weight[b.col_offer],
            b.col_mask,
            banned[b.col_offer],
        ],
        axis=1,
    )
    if not len(b.col_offer):
        return np.zeros((0, 5), dtype=np.int64), np.zeros(0, dtype=np.int64)
    node_keys, col_node = np.unique(keys, axis=0, return_inverse=True)
    return node_keys.astype(np.int64), col_node.reshape(-1).astype(np.int64)


def _arcs(inp: ModelInput, node_keys: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
    """Hub -> destination-region arcs: the class is reached, demand exists, not banned."""
    node_line, node_origin, node_weight, node_mask, node_banned = node_keys.T
    n_regions = inp.demand.shape[1]
    cp = inp.class_pos[node_origin]
    reach = (cp >= 0) & ((np.right_shift(node_mask[:, None], np.maximum(cp, 0)) & 1) == 1)
    reach &= inp.demand[node_line] > 0
    reach &= (np.right_shift(node_banned[:, None], np.arange(n_regions)) & 1) == 0
    arc_node, arc_region = (a.astype(np.int64) for a in np.nonzero(reach))
    arc_ship = node_weight[arc_node] * inp.rate[node_origin[arc_node], arc_region] / 1000.0
    return arc_node, arc_region, arc_ship


def _line_cap_rows(inp: ModelInput, col_offer: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """``(supplier, line)`` pairs whose availability could exceed the line cap, and each
    column's row (-1: none)."""
    n_lines = inp.demand.shape[0]
    top = inp.avail.max(axis=1) if inp.avail.shape[1] else np.zeros(len(inp.avail), np.int64)
    n_sup = len(inp.supplier_women)
    pair = inp.offer_supplier * n_lines + inp.offer_line
    pair_total = np.bincount(pair, weights=top, minlength=n_sup * n_lines)
    pair_line = np.arange(n_sup * n_lines) % n_lines
    pair_rows = np.flatnonzero(pair_total > inp.line_cap[pair_line])
    pair_to_row = np.full(n_sup * n_lines, -1, dtype=np.int64)
    pair_to_row[pair_rows] = np.arange(len(pair_rows))
    col_cl = pair_to_row[pair[col_offer]] if len(col_offer) else np.zeros(0, dtype=np.int64)
    return (pair_rows // n_lines).astype(np.int64), (pair_rows % n_lines).astype(np.int64), col_cl


def _order_cap_rows(inp: ModelInput, col_offer: IntArray) -> tuple[IntArray, IntArray]:
    """Suppliers whose availability could exceed the order-value cap, and each column's
    row (-1: none)."""
    top = inp.avail.max(axis=1) if inp.avail.shape[1] else np.zeros(len(inp.avail), np.int64)
    n_sup = len(inp.supplier_women)
    sup_goods = np.bincount(
        inp.offer_supplier, weights=top * inp.offer_goods.astype(np.float64), minlength=n_sup
    )
    if inp.order_share < 1.0:
        c_supplier = np.flatnonzero(
            sup_goods > inp.order_share * inp.goods_lower_bound + 0.5
        ).astype(np.int64)
    else:
        c_supplier = np.zeros(0, dtype=np.int64)
    sup_to_row = np.full(n_sup, -1, dtype=np.int64)
    sup_to_row[c_supplier] = np.arange(len(c_supplier))
    col_c = sup_to_row[inp.offer_supplier[col_offer]] if len(col_offer) else np.zeros(0, np.int64)
    return c_supplier, col_c


def _sparse(
    rows: list[IntArray], cols: list[IntArray], vals: list[FloatArray], shape: tuple[int, int]
) -> sp.csr_array:
    if not rows:
        return sp.csr_array(shape)
    return sp.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=shape
    )


def build(inp: ModelInput) -> Model:
    """Build the network LP (see the module docstring for the formulation).

    Columns: offer buckets, hub arcs, shortage per (line, region), line-cap excess,
    order-cap excess, and ``G`` (the goods value) when there are order caps.  The
    objective of each stage is set by the stage (:func:`stage1`, :func:`stage2`).
    """
    b = _buckets(inp)
    col_offer = b.col_offer
    node_keys, col_node = _hubs(inp, b)
    arc_node, arc_region, arc_ship = _arcs(inp, node_keys)
    node_line = node_keys[:, 0].astype(np.int64)

    demand = inp.demand
    n_lines, n_regions = demand.shape
    lr_line, lr_region = (a.astype(np.int64) for a in np.nonzero(demand > 0))
    lr_demand = demand[lr_line, lr_region].astype(np.int64)
    lr_index = np.full((n_lines, n_regions), -1, dtype=np.int64)
    lr_index[lr_line, lr_region] = np.arange(len(lr_line))
    arc_lr = lr_index[node_line[arc_node], arc_region]

    cl_supplier, cl_line, col_cl = _line_cap_rows(inp, col_offer)
    c_supplier, col_c = _order_cap_rows(inp, col_offer)

    goods = inp.offer_goods.astype(np.float64)
    women = inp.supplier_women[inp.offer_supplier]
    # float64 already (goods are); numpy's stubs lose the dtype over the int penalty
    own_offer: FloatArray = np.asarray(
        goods * (1.0 - inp.women_discount * women) + inp.offer_penalty, dtype=np.float64
    )
    col_goods = goods[col_offer]
    gpos = goods[goods > 0]
    g_min = float(gpos.min()) if len(gpos) else 1.0

    n_oc, n_arc, n_lr = len(col_offer), len(arc_node), len(lr_line)
    n_cl, n_c = len(cl_supplier), len(c_supplier)
    n_nodes = len(node_keys)
    off_arc = n_oc
    off_u = off_arc + n_arc
    off_cl = off_u + n_lr
    off_c = off_cl + n_cl
    off_g = off_c + n_c
    n_cols = off_g + (1 if n_c else 0)

    # equality rows: hubs, demand, G
    er: list[IntArray] = [col_node, arc_node, n_nodes + arc_lr, n_nodes + np.arange(n_lr)]
    ec: list[IntArray] = [
        np.arange(n_oc),
        off_arc + np.arange(n_arc),
        off_arc + np.arange(n_arc),
        off_u + np.arange(n_lr),
    ]
    ev: list[FloatArray] = [np.ones(n_oc), -np.ones(n_arc), np.ones(n_arc), np.ones(n_lr)]
    n_eq = n_nodes + n_lr
    b_eq_parts = [np.zeros(n_nodes), lr_demand.astype(np.float64)]
    if n_c:
        er += [np.array([n_eq]), np.full(n_oc, n_eq)]
        ec += [np.array([off_g]), np.arange(n_oc)]
        ev += [np.ones(1), -col_goods]
        b_eq_parts.append(np.zeros(1))
        n_eq += 1

    # inequality rows: line caps, order caps (both elastic)
    ur: list[IntArray] = []
    uc: list[IntArray] = []
    uv: list[FloatArray] = []
    b_ub_parts: list[FloatArray] = []
    if n_cl:
        cols = np.flatnonzero(col_cl >= 0)
        ur += [col_cl[cols], np.arange(n_cl)]
        uc += [cols, off_cl + np.arange(n_cl)]
        uv += [np.ones(len(cols)), -np.ones(n_cl)]
        b_ub_parts.append(inp.line_cap[cl_line].astype(np.float64))
    if n_c:
        cols = np.flatnonzero(col_c >= 0)
        ur += [n_cl + col_c[cols], n_cl + np.arange(n_c), n_cl + np.arange(n_c)]
        uc += [cols, np.full(n_c, off_g), off_c + np.arange(n_c)]
        uv += [col_goods[cols], np.full(n_c, -inp.order_share), -np.ones(n_c)]
        b_ub_parts.append(np.zeros(n_c))

    # cap excess is weighed as the old tiers did: a line unit = the value of the
    # cheapest line unit in money
    excess_weight = np.concatenate([np.ones(n_cl), np.full(n_c, 1.0 / g_min)])
    ub = np.concatenate(
        [
            b.col_ub.astype(np.float64),
            np.full(n_arc, np.inf),
            lr_demand.astype(np.float64),
            np.full(n_cl + n_c + (1 if n_c else 0), np.inf),
        ]
    )
    return Model(
        inp=inp,
        col_offer=col_offer,
        col_node=col_node,
        col_class=b.col_class,
        col_ub=b.col_ub,
        offer_first_col=b.offer_first_col,
        node_line=node_line,
        node_origin=node_keys[:, 1].astype(np.int64),
        node_weight=node_keys[:, 2].astype(np.int64),
        node_mask=node_keys[:, 3].astype(np.int64),
        arc_node=arc_node,
        arc_region=arc_region,
        arc_ship=arc_ship,
        lr_line=lr_line,
        lr_region=lr_region,
        lr_demand=lr_demand,
        lr_index=lr_index,
        arc_lr=arc_lr,
        cl_supplier=cl_supplier,
        cl_line=cl_line,
        col_cl=col_cl,
        c_supplier=c_supplier,
        col_c=col_c,
        own1=own_offer[col_offer],
        col_goods=col_goods,
        col_penalty=inp.offer_penalty[col_offer].astype(np.float64),
        a_eq=_sparse(er, ec, ev, (n_eq, n_cols)),
        b_eq=np.concatenate(b_eq_parts),
        a_ub=_sparse(ur, uc, uv, (n_cl + n_c, n_cols)),
        b_ub=np.concatenate(b_ub_parts) if b_ub_parts else np.zeros(0),
        lb=np.zeros(n_cols),
        ub=ub,
        excess_weight=excess_weight,
    )


# --------------------------------------------------------------------------- solve


@dataclass(slots=True)
class _Solution:
    x: FloatArray
    y_eq: FloatArray  # marginals of the equality rows (empty when there are none)
    y_ub: FloatArray  # marginals of the inequality rows
    value: float


def _solve(
    stage: str,
    cost: FloatArray,
    a_ub: sp.csr_array | None,
    b_ub: FloatArray | None,
    a_eq: sp.csr_array | None,
    b_eq: FloatArray | None,
    lb: FloatArray,
    ub: FloatArray,
    options: dict[str, object] | None = None,
) -> _Solution:
    """Run HiGHS through ``scipy.optimize.linprog``.

    :raises EngineSolveError: unless HiGHS reports an optimum.
    """
    if a_ub is not None and a_ub.shape[0] == 0:
        a_ub, b_ub = None, None
    if a_eq is not None and a_eq.shape[0] == 0:
        a_eq, b_eq = None, None
    res = _linprog(
        cost,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=np.column_stack([lb, ub]),
        method="highs",
        options=options or {},
    )
    if res.status != 0 or res.x is None:
        raise EngineSolveError(stage, int(res.status), str(res.message))

    def marginals(part: Any) -> FloatArray:
        if part is None or part.marginals is None:
            return np.zeros(0)
        return np.asarray(part.marginals, dtype=np.float64)

    return _Solution(
        x=np.asarray(res.x, dtype=np.float64),
        y_eq=marginals(res.eqlin) if a_eq is not None else np.zeros(0),
        y_ub=marginals(res.ineqlin) if a_ub is not None else np.zeros(0),
        value=float(res.fun),
    )


def _snap(x: FloatArray) -> FloatArray:
    r = np.round(x)
    return np.where(np.abs(x - r) < _SNAP, r, x)


def _slack(value: float) -> float:
    """Room left above a level an earlier stage reached.

    The earlier stage's own solution meets the level exactly, so the row is feasible
    without room; this much only absorbs round-off and stays below :data:`_SNAP`.
    """
    return 1e-9 * max(1.0, abs(value))


@dataclass(slots=True)
class Stage1:
    """The lexicographic cost stage: its plan, the levels it fixed and the duals."""

    x: FloatArray
    mu: FloatArray  # marginal cost per line unit of each demand row
    shortage: float
    excess: float
    level_rows: sp.csr_array  # shortage <= level, weighted excess <= level
    level_b: FloatArray
    landed: float  # the cost stage's optimum


def _levels(model: Model, shortage: float, excess: float | None) -> tuple[sp.csr_array, FloatArray]:
    parts = [("shortage", shortage)] + ([("excess", excess)] if excess is not None else [])
    rows = sp.csr_array(np.vstack([model.objective(name) for name, _ in parts]))
    return rows, np.array([level + _slack(level) for _, level in parts])


def stage1(model: Model) -> Stage1:
    """Minimise shortage, then (shortage kept) cap excess, then (both kept) landed cost.

    Three LPs instead of one LP with large weights: each stage's optimum becomes a row
    of the next, so no weight has to dominate the next tier's figures (which broke down
    numerically with expensive line units and active caps).

    :raises EngineSolveError: a stage did not reach an optimum.
    """
    short = _solve(
        "shortage",
        model.objective("shortage"),
        None,
        None,
        model.a_eq,
        model.b_eq,
        model.lb,
        model.ub,
        STAGE1_OPTIONS,
    )
    s_level = float(model.objective("shortage") @ short.x)
    rows, b = _levels(model, s_level, None)
    e_level = 0.0
    if model.n_cl + model.n_c:
        excess = _solve(
            "cap_excess",
            model.objective("excess"),
            sp.csr_array(sp.vstack([model.a_ub, rows])),
            np.concatenate([model.b_ub, b]),
            model.a_eq,
            model.b_eq,
            model.lb,
            model.ub,
            STAGE1_OPTIONS,
        )
        e_level = float(model.objective("excess") @ excess.x)
    rows, b = _levels(model, s_level, e_level)
    cost = _solve(
        "cost",
        model.objective("landed"),
        sp.csr_array(sp.vstack([model.a_ub, rows])),
        np.concatenate([model.b_ub, b]),
        model.a_eq,
        model.b_eq,
        model.lb,
        model.ub,
        # Buckets are singleton columns in large hub rows: HiGHS presolve spends most of
        # the time on them (5 s of 7 s nationally) and Dantzig pricing is the cheapest
        # per iteration for this few-rows, many-columns LP (2.4 s instead of 7 s).
        STAGE1_OPTIONS,
    )
    mu = np.full(model.n_lr, np.inf)
    if len(cost.y_eq):
        mu = cost.y_eq[model.n_nodes : model.n_nodes + model.n_lr]
    return Stage1(cost.x, mu, s_level, e_level, rows, b, cost.value)


def pure_cost(model: Model, s1: Stage1) -> float:
    """The cheapest real cost (goods at their price plus shipping, no shadow discount,
    no substitution penalty) with stage 1's shortage and cap excess.

    :raises EngineSolveError: the LP did not reach an optimum.
    """
    if model.inp.women_discount == 0.0 and not np.any(model.col_penalty > 0):
        return real_cost(model, s1.x)
    sol = _solve(
        "pure_cost",
        model.objective("real"),
        sp.csr_array(sp.vstack([model.a_ub, s1.level_rows])),
        np.concatenate([model.b_ub, s1.level_b]),
        model.a_eq,
        model.b_eq,
        model.lb,
        model.ub,
        STAGE1_OPTIONS,
    )
    return sol.value


def real_cost(model: Model, x: FloatArray) -> float:
    """Goods at real prices plus shipping of an LP solution, in minor units."""
    return float(
        model.col_goods @ x[: model.n_oc]
        + model.arc_ship @ x[model.off_arc : model.off_arc + model.n_arc]
    )


def prune(model: Model, x1: FloatArray, mu: FloatArray) -> BoolArray:
    """Offer columns stage 2 starts from: used in stage 1, or within 1.25x the marginal
    cost.  Column generation then adds every other column the fairness LP can use.

    A column is kept when its stage-1 landed cost to some region its hub serves is at
    most ``PRUNE_FACTOR`` times the marginal cost (dual) of its line in that region.
    """
    head = np.full(model.n_nodes, -np.inf)
    if model.n_arc:
        slack = PRUNE_FACTOR * mu[model.arc_lr] - model.arc_ship
        np.maximum.at(head, model.arc_node, slack)
    used = x1[: model.n_oc] > _SNAP
    return used | (model.own1 <= head[model.col_node] + 1e-9)


@dataclass(slots=True)
class _FairLP:
    """Stage 2 restricted to some offer columns; rows and supplier columns are fixed.

    Columns: kept buckets, then every non-bucket column of the model, then one ``t_c``
    per supplier (all suppliers, so that a column added later finds its row).  Rows:
    the model's equality rows; its inequality rows, ``t_c - revenue_c <= 0`` per
    supplier, the real-cost budget and (with substitutes) the penalty budget.
    """

    model: Model
    t_of_col: IntArray  # supplier row of every bucket column of the model
    n_t: int
    weights: FloatArray
    budget: float
    penalty_budget: float | None
    other_lb: FloatArray
    other_ub: FloatArray

    def solve(self, kept: IntArray) -> _Solution:
        m = self.model
        other = np.arange(m.n_oc, m.n_cols)
        cols = np.concatenate([kept, other])
        nk, n_base = len(kept), len(cols)
        n_total = n_base + self.n_t

        def widen(a: sp.csr_array) -> sp.csr_array:
            sub = sp.csc_array(a)[:, cols]
            return sp.csr_array(sp.hstack([sub, sp.csr_array((a.shape[0], self.n_t))]))

        goods_k = m.col_goods[kept]
        rev = sp.csr_array(
            (
                np.concatenate([-goods_k, np.ones(self.n_t)]),
                (
                    np.concatenate([self.t_of_col[kept], np.arange(self.n_t)]),
                    np.concatenate([np.arange(nk), n_base + np.arange(self.n_t)]),
                ),
            ),
            shape=(self.n_t, n_total),
        )
        real_cols = np.concatenate([np.arange(nk), nk + np.arange(m.n_arc)])
        zeros = np.zeros(len(real_cols), dtype=np.int64)
        rows = [
            widen(m.a_ub),
            rev,
            sp.csr_array(
                (np.concatenate([goods_k, m.arc_ship]), (zeros, real_cols)), shape=(1, n_total)
            ),
        ]
        b_ub = [m.b_ub, np.zeros(self.n_t), np.array([self.budget])]
        if self.penalty_budget is not None:
            pen_k = m.col_penalty[kept]
            rows.append(
                sp.csr_array(
                    (pen_k, (np.zeros(nk, dtype=np.int64), np.arange(nk))), shape=(1, n_total)
                )
            )
            b_ub.append(np.array([self.penalty_budget]))
        cost = np.concatenate(
            [
                _TIE_BREAK * m.own1[kept],
                _TIE_BREAK * m.arc_ship,
                np.zeros(n_base - nk - m.n_arc),
                -self.weights,
            ]
        )
        lb = np.concatenate([np.zeros(nk), self.other_lb, np.zeros(self.n_t)])
        ub = np.concatenate([m.ub[kept], self.other_ub, np.full(self.n_t, m.inp.revenue_floor)])
        return _solve(
            "fairness",
            cost,
            sp.csr_array(sp.vstack(rows)),
            np.concatenate(b_ub),
            widen(m.a_eq),
            m.b_eq,
            lb,
            ub,
        )

    def reduced_costs(self, sol: _Solution, cols: IntArray) -> FloatArray:
        """Reduced cost of bucket columns left out of the restricted LP ``sol`` solved."""
        m = self.model
        n_ub = m.a_ub.shape[0]
        y_cap = sol.y_ub[:n_ub]
        y_rev = sol.y_ub[n_ub : n_ub + self.n_t]
        y_real = sol.y_ub[n_ub + self.n_t]
        y_pen = sol.y_ub[n_ub + self.n_t + 1] if self.penalty_budget is not None else 0.0
        goods = m.col_goods[cols]
        dual = sp.csc_array(m.a_eq)[:, cols].T @ sol.y_eq
        if n_ub:
            dual += sp.csc_array(m.a_ub)[:, cols].T @ y_cap
        dual += -goods * y_rev[self.t_of_col[cols]] + goods * y_real
        dual += m.col_penalty[cols] * y_pen
        return np.asarray(_TIE_BREAK * m.own1[cols] - dual, dtype=np.float64)


def stage2(model: Model, s1: Stage1, keep: BoolArray) -> tuple[FloatArray, dict[str, int]]:
    """Fairness LP: maximise the weighted floor utility within ``(1 + eps) * C1``.

    Column generation: the LP starts from the ``keep`` columns; after each solve, every
    left-out bucket column with a negative reduced cost (priced with the duals) joins,
    until none is left, so the result is the optimum over all columns.

    :return: the full-length solution vector and model sizes.
    :raises EngineSolveError: an LP did not reach an optimum, or pricing did not converge.
    """
    inp = model.inp
    x1 = s1.x
    n_oc = model.n_oc
    t_sup, t_of_col = np.unique(inp.offer_supplier[model.col_offer], return_inverse=True)
    other = np.arange(n_oc, model.n_cols)
    other_lb = model.lb[other].copy()
    other_ub = model.ub[other].copy()
    # same shortage per line and region, no more cap excess than stage 1
    # (within the solver's tolerance: stage 1's values carry its round-off)
    u_sl = slice(model.n_arc, model.n_arc + model.n_lr)
    u1 = _snap(x1[model.off_u : model.off_cl])
    band = np.maximum(_SNAP, 1e-9 * u1)
    other_lb[u_sl] = np.maximum(u1 - band, 0.0)
    other_ub[u_sl] = u1 + band
    e_sl = slice(u_sl.stop, u_sl.stop + model.n_cl + model.n_c)
    e1 = _snap(x1[model.off_cl : model.off_g])
    other_ub[e_sl] = e1 + np.maximum(_SNAP, 1e-9 * np.abs(e1))
    c1 = real_cost(model, x1)
    pen1 = float(model.col_penalty @ x1[:n_oc])
    fair = _FairLP(
        model=model,
        t_of_col=t_of_col.reshape(-1).astype(np.int64),
        n_t=len(t_sup),
        weights=np.where(inp.supplier_women[t_sup], inp.women_weight, 1.0),
        budget=(1.0 + inp.fairness_tolerance) * c1 + 0.5 + _slack(c1),
        penalty_budget=pen1 + 0.5 + _slack(pen1) if np.any(model.col_penalty > 0) else None,
        other_lb=other_lb,
        other_ub=other_ub,
    )
    keep = keep.copy()
    rounds = 0
    while True:
        rounds += 1
        kept = np.flatnonzero(keep)
        sol = fair.solve(kept)
        out = np.flatnonzero(~keep)
        if not len(out):
            break
        rc = fair.reduced_costs(sol, out)
        enter = out[rc < -_PRICING_TOLERANCE]
        if not len(enter):
            break
        if rounds >= _PRICING_ROUNDS:
            raise EngineSolveError("fairness", -2, "column generation did not converge")
        keep[enter] = True
    x = np.zeros(model.n_cols)
    x[kept] = sol.x[: len(kept)]
    x[n_oc:] = sol.x[len(kept) : len(kept) + len(other)]
    sizes = {
        "stage2_columns": len(kept) + len(other) + fair.n_t,
        "stage2_kept_offer_columns": len(kept),
        "stage2_pricing_rounds": rounds,
    }
    return _snap(x), sizes


# --------------------------------------------------------------------------- rounding


def round_network(model: Model, x: FloatArray) -> tuple[IntArray, IntArray]:
    """Integer offer columns and hub arcs within one unit of ``x`` (see module docstring).

    :return: ``(column units, arc units)``.
    :raises EngineSolveError: the rounding LP failed or returned a fractional vertex.
    """
    n_net = model.n_oc + model.n_arc + model.n_lr
    v = _snap(x[:n_net])
    lo = np.floor(v + _SNAP)
    hi = np.ceil(v - _SNAP)
    hi = np.maximum(hi, lo)
    free = np.flatnonzero(hi > lo)
    if len(free) == 0:
        xi = lo.astype(np.int64)
        return xi[: model.n_oc], xi[model.n_oc : model.n_oc + model.n_arc]
    n_hub_dem = model.n_nodes + model.n_lr
    a_eq = sp.csc_array(model.a_eq[:n_hub_dem])[:, :n_net]
    fixed = lo.copy()
    fixed[free] = 0.0
    b_eq = model.b_eq[:n_hub_dem] - a_eq @ fixed
    a_eq_f = sp.csr_array(a_eq[:, free])
    eq_rows = np.flatnonzero(np.diff(a_eq_f.indptr) > 0)
    landed = model.objective("landed")[:n_net]
    # every unit left short costs more than any unit bought (a box of one unit per column)
    landed[model.off_u : n_net] = 2.0 * float(np.abs(landed).max(initial=0.0)) + 1.0
    z = _solve(
        "rounding",
        landed[free],
        None,
        None,
        sp.csr_array(a_eq_f[eq_rows]),
        b_eq[eq_rows],
        lo[free],
        hi[free],
    ).x
    zr = np.round(z)
    if np.abs(z - zr).max(initial=0.0) > 1e-4:
        raise EngineSolveError("rounding", -1, "fractional vertex")
    vals = lo.copy()
    vals[free] = zr
    xi = vals.astype(np.int64)
    return xi[: model.n_oc], xi[model.n_oc : model.n_oc + model.n_arc]


# --------------------------------------------------------------------------- repair


class _CapRepair:
    """Moves integer units between suppliers until the share caps hold (see
    :func:`repair_caps`).  State: bucket and arc units, totals per capped row."""

    def __init__(self, model: Model, xc: IntArray, xa: IntArray, x_lp: FloatArray) -> None:
        self.model = model
        self.inp = model.inp
        self.xc = xc.copy()
        self.xa = xa.copy()
        self.e_cl = np.maximum(np.ceil(x_lp[model.off_cl : model.off_c] - _SNAP), 0)
        self.e_c = np.maximum(np.ceil(x_lp[model.off_c : model.off_g] - _SNAP), 0)
        self.goods = model.col_goods.astype(np.int64)
        self.col_sup = self.inp.offer_supplier[model.col_offer]
        self.cl_cap = self.inp.line_cap[model.cl_line].astype(np.int64)
        self.cl_limit = self.cl_cap + self.e_cl.astype(np.int64)
        col_cl, col_c = model.col_cl, model.col_c
        self.cl_tot = np.zeros(model.n_cl, dtype=np.int64)
        np.add.at(self.cl_tot, col_cl[col_cl >= 0], self.xc[col_cl >= 0])
        self.c_goods = np.zeros(model.n_c, dtype=np.int64)
        np.add.at(self.c_goods, col_c[col_c >= 0], (self.xc * self.goods)[col_c >= 0])
        self.total_goods = int((self.xc * self.goods).sum())
        self.moves = 0
        self.node_cols: dict[int, list[int]] = {}
        self.arcs_of_node: dict[int, list[int]] = defaultdict(list)
        self.arcs_into: dict[tuple[int, int], list[int]] = defaultdict(list)
        for arc in range(model.n_arc):
            node = int(model.arc_node[arc])
            self.arcs_of_node[node].append(arc)
            self.arcs_into[(int(model.node_line[node]), int(model.arc_region[arc]))].append(arc)
        self.region_cands: dict[int, list[tuple[float, int, int]]] = {}
        self.cl_members: dict[int, list[int]] = defaultdict(list)
        for col in np.flatnonzero(col_cl >= 0).tolist():
            self.cl_members[int(col_cl[col])].append(col)
        self.c_members: dict[int, list[int]] = defaultdict(list)
        for col in np.flatnonzero(col_c >= 0).tolist():
            self.c_members[int(col_c[col])].append(col)

    def cols_of_node(self, node: int) -> list[int]:
        """The hub's buckets, cheapest landed cost first."""
        if node not in self.node_cols:
            cs = np.flatnonzero(self.model.col_node == node)
            self.node_cols[node] = [int(c) for c in cs[np.lexsort((cs, self.model.own1[cs]))]]
        return self.node_cols[node]

    def candidates_into(self, arc: int) -> list[tuple[float, int, int]]:
        """``(landed cost, bucket, arc)`` of every bucket that can serve ``arc``'s region."""
        m = self.model
        node = int(m.arc_node[arc])
        line, region = int(m.node_line[node]), int(m.arc_region[arc])
        key = int(m.lr_index[line, region])
        if key not in self.region_cands:
            out = [
                (float(m.own1[c] + m.arc_ship[a2]), c, a2)
                for a2 in self.arcs_into[(line, region)]
                for c in self.cols_of_node(int(m.arc_node[a2]))
            ]
            out.sort()
            self.region_cands[key] = out
        return self.region_cands[key]

    def c_room(self, row: int) -> float:
        """Minor units supplier row ``row`` may still receive (negative: over its cap)."""
        if row < 0:
            return math.inf
        share = self.inp.order_share * self.total_goods
        return share + float(self.e_c[row]) - float(self.c_goods[row])

    def room(self, col: int) -> int:
        """Units bucket ``col`` may still take: its bound and its supplier's caps."""
        m = self.model
        r = int(m.col_ub[col] - self.xc[col])
        if m.col_cl[col] >= 0:
            r = min(r, int(self.cl_limit[m.col_cl[col]] - self.cl_tot[m.col_cl[col]]))
        money = self.c_room(int(m.col_c[col]))
        if self.goods[col] > 0 and money < math.inf:
            r = min(r, math.floor(money / int(self.goods[col])))
        return r

    def move(self, src: int, dst: int, units: int) -> None:
        m = self.model
        self.xc[src] -= units
        self.xc[dst] += units
        for col, sign in ((src, -1), (dst, 1)):
            if m.col_cl[col] >= 0:
                self.cl_tot[m.col_cl[col]] += sign * units
            if m.col_c[col] >= 0:
                self.c_goods[m.col_c[col]] += sign * units * self.goods[col]
        self.total_goods += units * int(self.goods[dst] - self.goods[src])
        self.moves += 1

    def move_out(self, cols: list[int], need: Callable[[int], int]) -> None:
        """Move units off ``cols`` (one supplier's buckets) while ``need(col) > 0``.

        ``need(col)`` is the number of units of ``col`` still to move, recomputed after
        every move (an order-value cap moves with the order's total goods value).
        """
        m = self.model
        sup = int(self.col_sup[cols[0]])
        for col in sorted(cols, key=lambda c: (-m.own1[c], c)):
            node = int(m.col_node[col])
            for cand in self.cols_of_node(node):  # same hub: shipping unchanged
                if need(col) <= 0 or self.xc[col] <= 0:
                    break
                if int(self.col_sup[cand]) != sup:
                    step = min(need(col), int(self.xc[col]), self.room(cand))
                    if step > 0:
                        self.move(col, cand, step)
            for arc in self.arcs_of_node[node]:  # another hub serving the same region
                self.move_to_other_hubs(col, arc, sup, need)

    def move_to_other_hubs(self, col: int, arc: int, sup: int, need: Callable[[int], int]) -> None:
        for _, cand, a2 in self.candidates_into(arc):
            if need(col) <= 0 or self.xc[col] <= 0 or self.xa[arc] <= 0:
                break
            if int(self.col_sup[cand]) == sup or a2 == arc:
                continue
            step = min(need(col), int(self.xc[col]), int(self.xa[arc]), self.room(cand))
            if step > 0:
                self.move(col, cand, step)
                self.xa[arc] -= step
                self.xa[a2] += step

    def line_need(self, row: int) -> Callable[[int], int]:
        return lambda col: int(self.cl_tot[row] - self.cl_limit[row])

    def order_need(self, row: int) -> Callable[[int], int]:
        """Units of ``col`` whose value covers the supplier's excess over its order cap."""

        def need(col: int) -> int:
            excess = -self.c_room(row)
            if excess <= 0 or self.goods[col] <= 0:
                return 0
            return math.ceil(excess / int(self.goods[col]))

        return need

    def repair(self) -> None:
        for row in range(self.model.n_cl):
            if self.cl_tot[row] > self.cl_limit[row]:
                self.move_out(self.cl_members[row], self.line_need(row))
        # Moving units between suppliers changes the order's goods value, hence every
        # order cap: repeat until no supplier is over its cap or a pass moves nothing.
        for _ in range(_REPAIR_PASSES):
            before = self.moves
            over_rows = [row for row in range(self.model.n_c) if self.c_room(row) < 0]
            for row in over_rows:
                self.move_out(self.c_members[row], self.order_need(row))
            if not over_rows or self.moves == before:
                break

    def exceeded(self) -> list[tuple[int, int, int]]:
        m = self.model
        out: list[tuple[int, int, int]] = []
        for row in range(m.n_cl):
            over = int(self.cl_tot[row] - self.cl_cap[row])
            if over > (0 if self.e_cl[row] > 0 else 1):
                out.append((int(m.cl_supplier[row]), int(m.cl_line[row]), over))
        for row in range(m.n_c):
            over_minor = math.ceil(self.c_goods[row] - self.inp.order_share * self.total_goods)
            # the tolerance is one line unit of the most valuable line the supplier is paid
            paid = [c for c in self.c_members[row] if self.xc[c] > 0]
            unit = int(self.goods[paid].max()) if paid else 0
            if over_minor > (0 if self.e_c[row] > 0 else unit):
                out.append((int(m.c_supplier[row]), -1, over_minor))
        return out


def repair_caps(
    model: Model, xc: IntArray, xa: IntArray, x_lp: FloatArray
) -> tuple[IntArray, IntArray, list[tuple[int, int, int]]]:
    """Bring integer purchases back under the share caps after rounding.

    Rounding may add up to one unit per bucket, so a supplier at its cap can end a few
    units above it.  Units then move from the supplier to other suppliers' buckets with
    units left and room under their own caps: first within the same hub (same lane costs
    and ship dates), then to other hubs of the line that serve the same region (cheapest
    landed cost first).  A bucket never exceeds its bound, so availability holds.

    :return: ``(bucket units, arc units, caps exceeded)``, the last as ``(supplier, line
        or -1, final excess)`` for every cap the LP had to relax (the demand could not be
        met within it) and every cap still exceeded by more than one unit because no other
        supplier serving the same line and region had units and room left.  One unit is
        one line unit for a line cap and, for the order-value cap, the value of one line
        unit of the most valuable offer the supplier is paid for in the final plan.
        Smaller leftovers are the rounding tolerance.

    An order-value excess is moved as money: from each of the supplier's buckets, as many
    units as cover the remaining excess at that bucket's own price, re-evaluated after
    every move because the cap is a share of the order's goods value, which every move
    changes.  Passes repeat until no supplier is over its cap or a pass moves nothing.
    """
    if model.n_cl == 0 and model.n_c == 0:
        return xc.copy(), xa.copy(), []
    fixer = _CapRepair(model, xc, xa, x_lp)
    fixer.repair()
    return fixer.xc, fixer.xa, fixer.exceeded()


# --------------------------------------------------------------------------- split


def decompose(model: Model, xc: IntArray, xa: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Split each hub's integer outflow among its offers (north-west corner, by key).

    Any split is cost-neutral (one hub = one lane price and one ship-date class set).
    If rounding left a hub unbalanced, only the matched part is kept (never more than
    the offers hold; unmatched outflow becomes shortage downstream).

    :return: ``(offer index, destination region index, line units)`` triples.
    """
    offers: list[int] = []
    regions: list[int] = []
    units: list[int] = []
    # the positive columns and arcs only, sorted by hub, read once as Python ints
    col_order = np.lexsort((model.col_offer, model.col_node))
    col_order = col_order[xc[col_order] > 0]
    arc_order = np.lexsort((model.arc_region, model.arc_node))
    arc_order = arc_order[xa[arc_order] > 0]
    c_bounds = np.searchsorted(model.col_node[col_order], np.arange(model.n_nodes + 1)).tolist()
    a_bounds = np.searchsorted(model.arc_node[arc_order], np.arange(model.n_nodes + 1)).tolist()
    col_offer = model.col_offer[col_order].tolist()
    col_units = [int(v) for v in xc[col_order].tolist()]
    arc_region = model.arc_region[arc_order].tolist()
    arc_units = [int(v) for v in xa[arc_order].tolist()]
    for node in range(model.n_nodes):
        c0, c1, a0, a1 = c_bounds[node], c_bounds[node + 1], a_bounds[node], a_bounds[node + 1]
        if c0 == c1 or a0 == a1:
            continue
        ins = list(zip(col_offer[c0:c1], col_units[c0:c1], strict=True))
        outs = list(zip(arc_region[a0:a1], arc_units[a0:a1], strict=True))
        i = j = 0
        left_in = ins[0][1] if ins else 0
        left_out = outs[0][1] if outs else 0
        while i < len(ins) and j < len(outs):
            step = min(left_in, left_out)
            offers.append(ins[i][0])
            regions.append(outs[j][0])
            units.append(step)
            left_in -= step
            left_out -= step
            if left_in == 0:
                i += 1
                left_in = ins[i][1] if i < len(ins) else 0
            if left_out == 0:
                j += 1
                left_out = outs[j][1] if j < len(outs) else 0
    fo = np.array(offers, dtype=np.int64)
    fr = np.array(regions, dtype=np.int64)
    fu = np.array(units, dtype=np.int64)
    # merge duplicates (an offer can reach one region through two hubs: one per column)
    if len(fo):
        key = fo * (model.inp.demand.shape[1] + 1) + fr
        uk, inv = np.unique(key, return_inverse=True)
        fu = np.bincount(inv.reshape(-1), weights=fu, minlength=len(uk)).astype(np.int64)
        fo = uk // (model.inp.demand.shape[1] + 1)
        fr = uk % (model.inp.demand.shape[1] + 1)
    return fo, fr, fu


# --------------------------------------------------------------------------- pipeline


@dataclass(slots=True)
class _Plan:
    flows: tuple[IntArray, IntArray, IntArray]
    real_cost: float
    penalty: float
    pure_cost: float
    landed: float
    shortage: float
    exceeded: list[tuple[int, int, int]]
    seconds: dict[str, float]
    sizes: dict[str, int]


def _plan(inp: ModelInput, *, fairness: bool) -> _Plan:
    """Stage 1, optional stage 2, rounding, cap repair and hub split."""
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    model = build(inp)
    seconds["build"] = time.perf_counter() - t
    sizes = {
        "offer_columns": model.n_oc,
        "hubs": model.n_nodes,
        "hub_arcs": model.n_arc,
        "stage1_columns": model.n_cols,
        "stage1_rows": model.a_eq.shape[0] + model.a_ub.shape[0],
    }
    t = time.perf_counter()
    s1 = stage1(model)
    seconds["stage1"] = time.perf_counter() - t
    t = time.perf_counter()
    pure = pure_cost(model, s1)
    seconds["pure_cost"] = time.perf_counter() - t
    x = s1.x
    if fairness and model.n_oc:
        t = time.perf_counter()
        x, s2 = stage2(model, s1, prune(model, s1.x, s1.mu))
        sizes.update(s2)
        seconds["stage2"] = time.perf_counter() - t
    t = time.perf_counter()
    xc, xa = round_network(model, x)
    xc, xa, exceeded = repair_caps(model, xc, xa, x)
    flows = decompose(model, xc, xa)
    seconds["rounding"] = time.perf_counter() - t
    return _Plan(
        flows=flows,
        real_cost=real_cost(model, s1.x),
        penalty=float(model.col_penalty @ s1.x[: model.n_oc]),
        pure_cost=pure,
        landed=s1.landed,
        shortage=s1.shortage,
        exceeded=exceeded,
        seconds=seconds,
        sizes=sizes,
    )


def _small_parts(inp: ModelInput, plan: _Plan) -> IntArray:
    """Ban bits adding, for each offer, the regions where its supplier's purchases are
    worth less than the minimum order value (all lines of the supplier together)."""
    fo, fr, fu = plan.flows
    n_regions = inp.demand.shape[1]
    extra = np.zeros(len(inp.offer_line), dtype=np.int64)
    if not len(fo):
        return extra
    key = inp.offer_supplier[fo] * n_regions + fr
    value = np.bincount(key, weights=fu * inp.offer_goods[fo].astype(np.float64))
    small = np.flatnonzero((value > 0) & (value < inp.min_part_minor))
    if not len(small):
        return extra
    sup_small = small // n_regions
    bits = np.zeros(len(inp.supplier_women), dtype=np.int64)
    np.bitwise_or.at(bits, sup_small, np.int64(1) << (small % n_regions))
    return bits[inp.offer_supplier]


def run(inp: ModelInput, *, fairness: bool) -> Outcome:
    """Plan ``inp``; with a minimum order value, fix and resolve.

    Minimum order value: a (supplier, destination region) pair whose purchases are
    worth less than ``min_part_minor`` is banned (its offers may no longer serve the
    region) and the plan is made again, until no such pair is left or
    :data:`_MIN_PART_ROUNDS` rounds were made.  A round that would raise the shortage
    is undone and the search stops (those small parts are then needed to meet the
    demand, and stay).  The first round's stage-1 optimum is a lower bound of the
    cheapest plan with the minimum (it solves the relaxation without it), so the last
    round's over the first's, minus one, bounds how far the result can be from it
    (``minimum_gap``).  When a ban lets the cap-excess stage settle lower, the later
    cost stage runs on other terms and can land a hair under the first round's; the
    minimum then cost nothing measurable and the gap is 0.
    """
    plan = _plan(inp, fairness=fairness)
    first_landed = plan.landed
    seconds = dict(plan.seconds)
    rounds = 0
    notes: list[str] = []
    banned = inp.banned_regions().copy()
    while inp.min_part_minor > 0 and rounds < _MIN_PART_ROUNDS:
        extra = _small_parts(inp, plan)
        if not np.any(extra & ~banned):
            break
        rounds += 1
        trial_inp = dataclasses.replace(inp, banned=banned | extra)
        trial = _plan(trial_inp, fairness=fairness)
        for k, v in trial.seconds.items():
            seconds[k] = seconds.get(k, 0.0) + v
        if trial.shortage > plan.shortage + 0.5:
            notes.append("small_parts_needed_for_demand")
            break
        banned = banned | extra
        plan = trial
    sizes = dict(plan.sizes)
    sizes["min_part_rounds"] = rounds
    fo, fr, fu = plan.flows
    return Outcome(
        flow_offer=fo,
        flow_region=fr,
        flow_units=fu,
        stage1_real_cost=plan.real_cost,
        stage1_penalty=plan.penalty,
        caps_exceeded=plan.exceeded,
        pure_cost=plan.pure_cost,
        minimum_gap=max(0.0, plan.landed / first_landed - 1.0)
        if rounds and first_landed > 0
        else 0.0,
        seconds=seconds,
        sizes=sizes,
        notes=notes,
    )
