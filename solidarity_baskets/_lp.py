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
#: Stage-2 arc pruning factor on the stage-1 marginal cost.
PRUNE_FACTOR = 1.25
#: HiGHS options for stage 1 (see :func:`stage1`).
STAGE1_OPTIONS: dict[str, object] = {
    "presolve": False,
    "simplex_dual_edge_weight_strategy": "dantzig",
}


class SolveError(RuntimeError):
    """An LP stage did not reach an optimum (numerical trouble or a time limit)."""

    def __init__(self, stage: str, status: int, message: str) -> None:
        super().__init__(stage, status, message)
        self.stage = stage
        self.status = status
        self.message = message


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
    cost: FloatArray
    lb: FloatArray
    ub: FloatArray
    big_m: float
    p_line: float
    p_money: float

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
    seconds: dict[str, float] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- build


def build(inp: ModelInput) -> Model:
    """Build the stage-1 LP (see the module docstring for the formulation)."""
    avail = inp.avail
    n, k = avail.shape
    positive = avail > 0
    prev = np.zeros_like(avail)
    prev[:, 1:] = avail[:, :-1]
    # bucket k: units ready by class k's ship date but not by class k-1's; they can serve
    # class k and every later (shorter-transit) class the offer reaches.
    delta = np.where(positive, avail - prev, 0)
    is_col = delta > 0
    flat = np.flatnonzero(is_col.ravel())
    n_oc = len(flat)
    col_offer = (flat // k).astype(np.int64)
    col_class = (flat % k).astype(np.int64)
    col_ub = delta.ravel()[flat].astype(np.int64)
    pos_bits = (positive.astype(np.int64) << np.arange(k, dtype=np.int64)).sum(axis=1)
    col_mask = pos_bits[col_offer] & ~((np.int64(1) << col_class) - 1)
    offer_ncols = is_col.sum(axis=1).astype(np.int64)
    offer_first_col = (np.cumsum(offer_ncols) - offer_ncols).astype(np.int64)

    # hubs
    keys = np.stack(
        [
            inp.offer_line[col_offer],
            inp.offer_origin[col_offer],
            inp.offer_weight[col_offer],
            col_mask,
        ],
        axis=1,
    )
    if n_oc:
        node_keys, col_node = np.unique(keys, axis=0, return_inverse=True)
        col_node = col_node.reshape(-1).astype(np.int64)
    else:
        node_keys = np.zeros((0, 4), dtype=np.int64)
        col_node = np.zeros(0, dtype=np.int64)
    node_line = node_keys[:, 0].astype(np.int64)
    node_origin = node_keys[:, 1].astype(np.int64)
    node_weight = node_keys[:, 2].astype(np.int64)
    node_mask = node_keys[:, 3].astype(np.int64)

    # hub -> region arcs
    demand = inp.demand
    n_lines, n_regions = demand.shape
    cp = inp.class_pos[node_origin]
    reach = (cp >= 0) & ((np.right_shift(node_mask[:, None], np.maximum(cp, 0)) & 1) == 1)
    reach &= demand[node_line] > 0
    arc_node, arc_region = (a.astype(np.int64) for a in np.nonzero(reach))
    arc_ship = node_weight[arc_node] * inp.rate[node_origin[arc_node], arc_region] / 1000.0

    # demand rows
    lr_line, lr_region = (a.astype(np.int64) for a in np.nonzero(demand > 0))
    lr_demand = demand[lr_line, lr_region].astype(np.int64)
    lr_index = np.full((n_lines, n_regions), -1, dtype=np.int64)
    lr_index[lr_line, lr_region] = np.arange(len(lr_line))
    arc_lr = lr_index[node_line[arc_node], arc_region]

    # caps
    top = avail.max(axis=1) if k else np.zeros(n, dtype=np.int64)
    n_sup = len(inp.supplier_women)
    pair = inp.offer_supplier * n_lines + inp.offer_line
    pair_total = np.bincount(pair, weights=top, minlength=n_sup * n_lines)
    pair_line = np.arange(n_sup * n_lines) % n_lines
    pair_rows = np.flatnonzero(pair_total > inp.line_cap[pair_line])
    cl_supplier = (pair_rows // n_lines).astype(np.int64)
    cl_line = (pair_rows % n_lines).astype(np.int64)
    pair_to_row = np.full(n_sup * n_lines, -1, dtype=np.int64)
    pair_to_row[pair_rows] = np.arange(len(pair_rows))
    col_cl = pair_to_row[pair[col_offer]] if n_oc else np.zeros(0, dtype=np.int64)

    sup_goods = np.bincount(
        inp.offer_supplier, weights=top * inp.offer_goods.astype(np.float64), minlength=n_sup
    )
    if inp.order_share < 1.0:
        c_rows = np.flatnonzero(sup_goods > inp.order_share * inp.goods_lower_bound + 0.5)
    else:
        c_rows = np.zeros(0, dtype=np.int64)
    c_supplier = c_rows.astype(np.int64)
    sup_to_row = np.full(n_sup, -1, dtype=np.int64)
    sup_to_row[c_supplier] = np.arange(len(c_supplier))
    col_c = sup_to_row[inp.offer_supplier[col_offer]] if n_oc else np.zeros(0, dtype=np.int64)

    # costs
    goods = inp.offer_goods.astype(np.float64)
    women = inp.supplier_women[inp.offer_supplier]
    own_offer = goods * (1.0 - inp.women_discount * women) + inp.offer_penalty
    own1 = own_offer[col_offer]
    col_goods = goods[col_offer]
    col_penalty = inp.offer_penalty[col_offer].astype(np.float64)
    node_max_ship = np.zeros(len(node_line))
    if len(arc_node):
        np.maximum.at(node_max_ship, arc_node, arc_ship)
    c_max = float((own1 + node_max_ship[col_node]).max()) if n_oc else 1.0
    c_max = max(c_max, 1.0)
    p_line = 2.0 * c_max + 1.0
    gpos = goods[goods > 0]
    g_min = float(gpos.min()) if len(gpos) else 1.0
    g_max = float(goods.max()) if len(goods) else 1.0
    p_money = (2.0 * c_max + 1.0) / g_min
    big_m = 2.0 * (c_max + (p_line if len(cl_supplier) else 0.0))
    big_m += 2.0 * (p_money * g_max if len(c_supplier) else 0.0) + 1.0

    n_arc = len(arc_node)
    n_lr = len(lr_line)
    n_cl = len(cl_supplier)
    n_c = len(c_supplier)
    has_g = n_c > 0
    off_arc = n_oc
    off_u = off_arc + n_arc
    off_cl = off_u + n_lr
    off_c = off_cl + n_cl
    off_g = off_c + n_c
    n_cols = off_g + (1 if has_g else 0)
    n_nodes = len(node_line)

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
    if has_g:
        er += [np.array([n_eq]), np.full(n_oc, n_eq)]
        ec += [np.array([off_g]), np.arange(n_oc)]
        ev += [np.ones(1), -col_goods]
        b_eq_parts.append(np.zeros(1))
        n_eq += 1
    a_eq = sp.csr_array(
        (np.concatenate(ev), (np.concatenate(er), np.concatenate(ec))), shape=(n_eq, n_cols)
    )
    b_eq = np.concatenate(b_eq_parts)

    # inequality rows: nested availability, line caps, order caps
    ur: list[IntArray] = []
    uc: list[IntArray] = []
    uv: list[FloatArray] = []
    b_ub_parts: list[FloatArray] = []
    n_ub = 0
    if n_cl:
        cols = np.flatnonzero(col_cl >= 0)
        ur += [n_ub + col_cl[cols], n_ub + np.arange(n_cl)]
        uc += [cols, off_cl + np.arange(n_cl)]
        uv += [np.ones(len(cols)), -np.ones(n_cl)]
        b_ub_parts.append(inp.line_cap[cl_line].astype(np.float64))
        n_ub += n_cl
    if n_c:
        cols = np.flatnonzero(col_c >= 0)
        ur += [n_ub + col_c[cols], n_ub + np.arange(n_c), n_ub + np.arange(n_c)]
        uc += [cols, np.full(n_c, off_g), off_c + np.arange(n_c)]
        uv += [col_goods[cols], np.full(n_c, -inp.order_share), -np.ones(n_c)]
        b_ub_parts.append(np.zeros(n_c))
        n_ub += n_c
    if ur:
        a_ub = sp.csr_array(
            (np.concatenate(uv), (np.concatenate(ur), np.concatenate(uc))), shape=(n_ub, n_cols)
        )
        b_ub = np.concatenate(b_ub_parts)
    else:
        a_ub = sp.csr_array((0, n_cols))
        b_ub = np.zeros(0)

    cost = np.concatenate(
        [
            own1,
            arc_ship,
            np.full(n_lr, big_m),
            np.full(n_cl, p_line),
            np.full(n_c, p_money),
            np.zeros(1 if has_g else 0),
        ]
    )
    lb = np.zeros(n_cols)
    ub = np.concatenate(
        [
            col_ub.astype(np.float64),
            np.full(n_arc, np.inf),
            lr_demand.astype(np.float64),
            np.full(n_cl + n_c + (1 if has_g else 0), np.inf),
        ]
    )
    return Model(
        inp=inp,
        col_offer=col_offer,
        col_node=col_node,
        col_class=col_class,
        col_ub=col_ub,
        offer_first_col=offer_first_col,
        node_line=node_line,
        node_origin=node_origin,
        node_weight=node_weight,
        node_mask=node_mask,
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
        own1=own1,
        col_goods=col_goods,
        col_penalty=col_penalty,
        a_eq=a_eq,
        b_eq=b_eq,
        a_ub=a_ub,
        b_ub=b_ub,
        cost=cost,
        lb=lb,
        ub=ub,
        big_m=big_m,
        p_line=p_line,
        p_money=p_money,
    )


# --------------------------------------------------------------------------- solve


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
) -> tuple[FloatArray, FloatArray | None]:
    """Run HiGHS through ``scipy.optimize.linprog``; return ``(x, equality duals)``."""
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
        raise SolveError(stage, int(res.status), str(res.message))
    duals = None
    if a_eq is not None and res.eqlin is not None and res.eqlin.marginals is not None:
        duals = np.asarray(res.eqlin.marginals, dtype=np.float64)
    return np.asarray(res.x, dtype=np.float64), duals


def _snap(x: FloatArray) -> FloatArray:
    r = np.round(x)
    return np.where(np.abs(x - r) < _SNAP, r, x)


def stage1(model: Model) -> tuple[FloatArray, FloatArray]:
    """Minimise shortage, then cap violations, then landed cost.

    :return: ``(x, marginal cost per line unit of each demand row)``.
    """
    x, duals = _solve(
        "stage1",
        model.cost,
        model.a_ub,
        model.b_ub,
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
    if duals is not None:
        mu = duals[model.n_nodes : model.n_nodes + model.n_lr]
    return x, mu


def real_cost(model: Model, x: FloatArray) -> float:
    """Goods at real prices plus shipping of an LP solution, in minor units."""
    return float(
        model.col_goods @ x[: model.n_oc]
        + model.arc_ship @ x[model.off_arc : model.off_arc + model.n_arc]
    )


def prune(model: Model, x1: FloatArray, mu: FloatArray) -> BoolArray:
    """Offer columns kept in stage 2: used in stage 1, or within 1.25x the marginal cost.

    A column is kept when its stage-1 landed cost to some region its hub serves is at
    most ``PRUNE_FACTOR`` times the marginal cost (dual) of its line in that region.
    """
    head = np.full(model.n_nodes, -np.inf)
    if model.n_arc:
        slack = PRUNE_FACTOR * mu[model.arc_lr] - model.arc_ship
        np.maximum.at(head, model.arc_node, slack)
    used = x1[: model.n_oc] > _SNAP
    return used | (model.own1 <= head[model.col_node] + 1e-9)


def stage2(model: Model, x1: FloatArray, keep: BoolArray) -> tuple[FloatArray, dict[str, int]]:
    """Fairness LP: maximise the weighted floor utility within ``(1 + eps) * C1``.

    :return: the full-length solution vector (pruned columns at zero) and model sizes.
    """
    inp = model.inp
    n_oc = model.n_oc
    kept = np.flatnonzero(keep)
    other = np.arange(n_oc, model.n_cols)
    cols = np.concatenate([kept, other])
    nk = len(kept)
    sup = inp.offer_supplier[model.col_offer[kept]]
    t_sup, t_of_col = np.unique(sup, return_inverse=True)
    t_of_col = t_of_col.reshape(-1)
    n_t = len(t_sup)
    n_base = len(cols)
    n_total = n_base + n_t

    def widen(a: sp.csr_array) -> sp.csr_array:
        sub = sp.csc_array(a)[:, cols]
        return sp.csr_array(sp.hstack([sub, sp.csr_array((a.shape[0], n_t))], format="csr"))

    a_eq = widen(model.a_eq)
    goods_k = model.col_goods[kept]
    ship = model.arc_ship
    # revenue rows: t_c - sum goods x <= 0
    rev = sp.csr_array(
        (
            np.concatenate([-goods_k, np.ones(n_t)]),
            (
                np.concatenate([t_of_col, np.arange(n_t)]),
                np.concatenate([np.arange(nk), n_base + np.arange(n_t)]),
            ),
        ),
        shape=(n_t, n_total),
    )
    real_row_cols = np.concatenate([np.arange(nk), nk + np.arange(model.n_arc)])
    real_row_vals = np.concatenate([goods_k, ship])
    c1 = real_cost(model, x1)
    extra_rows = [
        sp.csr_array(
            (real_row_vals, (np.zeros(len(real_row_cols), dtype=np.int64), real_row_cols)),
            shape=(1, n_total),
        )
    ]
    extra_b = [np.array([(1.0 + inp.fairness_tolerance) * c1 + 0.5])]
    pen_k = model.col_penalty[kept]
    if np.any(pen_k > 0):
        pen_cols = np.flatnonzero(pen_k > 0)
        extra_rows.append(
            sp.csr_array(
                (pen_k[pen_cols], (np.zeros(len(pen_cols), dtype=np.int64), pen_cols)),
                shape=(1, n_total),
            )
        )
        extra_b.append(np.array([float(model.col_penalty @ x1[:n_oc]) + 0.5]))
    a_ub = sp.csr_array(sp.vstack([widen(model.a_ub), rev, *extra_rows], format="csr"))
    b_ub = np.concatenate([model.b_ub, np.zeros(n_t), *extra_b])

    women = inp.supplier_women[t_sup]
    weights = np.where(women, inp.women_weight, 1.0)
    cost = np.concatenate(
        [
            _TIE_BREAK * model.own1[kept],
            _TIE_BREAK * ship,
            np.zeros(n_base - nk - model.n_arc),
            -weights,
        ]
    )
    lb = np.concatenate([model.lb[cols], np.zeros(n_t)])
    ub = np.concatenate([model.ub[cols], np.full(n_t, inp.revenue_floor)])
    # same shortage, no more cap violation than stage 1
    u_sl = slice(nk + model.n_arc, nk + model.n_arc + model.n_lr)
    lb[u_sl] = x1[model.off_u : model.off_u + model.n_lr]
    ub[u_sl] = x1[model.off_u : model.off_u + model.n_lr]
    e_sl = slice(u_sl.stop, u_sl.stop + model.n_cl + model.n_c)
    ub[e_sl] = x1[model.off_cl : model.off_cl + model.n_cl + model.n_c] + _SNAP
    x2, _ = _solve("stage2", cost, a_ub, b_ub, a_eq, model.b_eq, lb, ub)
    out = np.zeros(model.n_cols)
    out[cols] = x2[:n_base]
    sizes = {"stage2_columns": n_total, "stage2_rows": a_eq.shape[0] + a_ub.shape[0]}
    return _snap(out), sizes


# --------------------------------------------------------------------------- rounding


def round_network(model: Model, x: FloatArray) -> tuple[IntArray, IntArray, bool]:
    """Integer offer columns and hub arcs within one unit of ``x`` (see module docstring).

    :return: ``(column units, arc units, exact)``; ``exact`` is False when the rounding LP
        failed and the plan was rounded down instead (never exceeding availability).
    """
    n_net = model.n_oc + model.n_arc + model.n_lr
    v = _snap(x[:n_net])
    lo = np.floor(v + _SNAP)
    hi = np.ceil(v - _SNAP)
    hi = np.maximum(hi, lo)
    free = np.flatnonzero(hi > lo)
    if len(free) == 0:
        xi = lo.astype(np.int64)
        return xi[: model.n_oc], xi[model.n_oc : model.n_oc + model.n_arc], True
    n_hub_dem = model.n_nodes + model.n_lr
    a_eq = sp.csc_array(model.a_eq[:n_hub_dem])[:, :n_net]
    fixed = lo.copy()
    fixed[free] = 0.0
    b_eq = model.b_eq[:n_hub_dem] - a_eq @ fixed
    a_eq_f = sp.csr_array(a_eq[:, free])
    eq_rows = np.flatnonzero(np.diff(a_eq_f.indptr) > 0)
    cost = model.cost[:n_net][free]
    try:
        z, _ = _solve(
            "rounding",
            cost,
            None,
            None,
            sp.csr_array(a_eq_f[eq_rows]),
            b_eq[eq_rows],
            lo[free],
            hi[free],
        )
        zr = np.round(z)
        if np.abs(z - zr).max(initial=0.0) > 1e-4:
            raise SolveError("rounding", -1, "fractional vertex")
        vals = lo.copy()
        vals[free] = zr
        xi = vals.astype(np.int64)
        exact = True
    except SolveError:
        xi = lo.astype(np.int64)
        exact = False
    return xi[: model.n_oc], xi[model.n_oc : model.n_oc + model.n_arc], exact


# --------------------------------------------------------------------------- repair


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
    inp = model.inp
    xc = xc.copy()
    xa = xa.copy()
    e_cl = np.maximum(np.ceil(x_lp[model.off_cl : model.off_cl + model.n_cl] - _SNAP), 0)
    e_c = np.maximum(np.ceil(x_lp[model.off_c : model.off_c + model.n_c] - _SNAP), 0)
    if model.n_cl == 0 and model.n_c == 0:
        return xc, xa, []

    goods = model.col_goods.astype(np.int64)
    col_cl = model.col_cl
    col_c = model.col_c
    col_sup = inp.offer_supplier[model.col_offer]
    cl_cap = inp.line_cap[model.cl_line].astype(np.int64)
    cl_limit = cl_cap + e_cl.astype(np.int64)
    cl_tot = np.zeros(model.n_cl, dtype=np.int64)
    np.add.at(cl_tot, col_cl[col_cl >= 0], xc[col_cl >= 0])
    c_goods = np.zeros(model.n_c, dtype=np.int64)
    np.add.at(c_goods, col_c[col_c >= 0], (xc * goods)[col_c >= 0])
    state = {"goods": int((xc * goods).sum()), "moves": 0}

    node_cols: dict[int, list[int]] = {}

    def cols_of_node(node: int) -> list[int]:
        if node not in node_cols:
            cs = np.flatnonzero(model.col_node == node)
            node_cols[node] = [int(c) for c in cs[np.lexsort((cs, model.own1[cs]))]]
        return node_cols[node]

    arcs_of_node: dict[int, list[int]] = defaultdict(list)
    arcs_into: dict[tuple[int, int], list[int]] = defaultdict(list)
    for arc in range(model.n_arc):
        node = int(model.arc_node[arc])
        arcs_of_node[node].append(arc)
        arcs_into[(int(model.node_line[node]), int(model.arc_region[arc]))].append(arc)
    region_cands: dict[int, list[tuple[float, int, int]]] = {}

    def candidates_into(arc: int) -> list[tuple[float, int, int]]:
        """``(landed cost, bucket, arc)`` of every bucket that can serve ``arc``'s region."""
        node = int(model.arc_node[arc])
        key = int(model.lr_index[model.node_line[node], model.arc_region[arc]])
        if key not in region_cands:
            out: list[tuple[float, int, int]] = []
            for a2 in arcs_into[(int(model.node_line[node]), int(model.arc_region[arc]))]:
                for c in cols_of_node(int(model.arc_node[a2])):
                    out.append((float(model.own1[c] + model.arc_ship[a2]), c, a2))
            out.sort()
            region_cands[key] = out
        return region_cands[key]

    def c_room(row: int) -> float:
        """Minor units supplier row ``row`` may still receive (negative: over its cap)."""
        if row < 0:
            return math.inf
        return inp.order_share * state["goods"] + float(e_c[row]) - float(c_goods[row])

    def room(col: int) -> int:
        r = int(model.col_ub[col] - xc[col])
        if col_cl[col] >= 0:
            r = min(r, int(cl_limit[col_cl[col]] - cl_tot[col_cl[col]]))
        money = c_room(int(col_c[col]))
        if goods[col] > 0 and money < math.inf:
            r = min(r, math.floor(money / int(goods[col])))
        return r

    def move(src: int, dst: int, units: int) -> None:
        xc[src] -= units
        xc[dst] += units
        for col, sign in ((src, -1), (dst, 1)):
            if col_cl[col] >= 0:
                cl_tot[col_cl[col]] += sign * units
            if col_c[col] >= 0:
                c_goods[col_c[col]] += sign * units * goods[col]
        state["goods"] += units * int(goods[dst] - goods[src])
        state["moves"] += 1

    def move_out(cols: list[int], need: Callable[[int], int]) -> None:
        """Move units off ``cols`` (one supplier's buckets) while ``need(col) > 0``.

        ``need(col)`` is the number of units of ``col`` still to move, recomputed after
        every move (an order-value cap moves with the order's total goods value).
        """
        sup = int(col_sup[cols[0]])
        for col in sorted(cols, key=lambda c: (-model.own1[c], c)):
            node = int(model.col_node[col])
            for cand in cols_of_node(node):  # same hub: shipping unchanged
                if need(col) <= 0 or xc[col] <= 0:
                    break
                if int(col_sup[cand]) != sup:
                    step = min(need(col), int(xc[col]), room(cand))
                    if step > 0:
                        move(col, cand, step)
            for arc in arcs_of_node[node]:  # another hub serving the same region
                for _, cand, a2 in candidates_into(arc):
                    if need(col) <= 0 or xc[col] <= 0 or xa[arc] <= 0:
                        break
                    if int(col_sup[cand]) == sup or a2 == arc:
                        continue
                    step = min(need(col), int(xc[col]), int(xa[arc]), room(cand))
                    if step > 0:
                        move(col, cand, step)
                        xa[arc] -= step
                        xa[a2] += step

    def line_need(row: int) -> Callable[[int], int]:
        return lambda col: int(cl_tot[row] - cl_limit[row])

    def order_need(row: int) -> Callable[[int], int]:
        """Units of ``col`` whose value covers the supplier's excess over its order cap."""

        def need(col: int) -> int:
            excess = -c_room(row)
            if excess <= 0 or goods[col] <= 0:
                return 0
            return math.ceil(excess / int(goods[col]))

        return need

    cl_members: dict[int, list[int]] = defaultdict(list)
    for col in np.flatnonzero(col_cl >= 0).tolist():
        cl_members[int(col_cl[col])].append(col)
    c_members: dict[int, list[int]] = defaultdict(list)
    for col in np.flatnonzero(col_c >= 0).tolist():
        c_members[int(col_c[col])].append(col)

    for row in range(model.n_cl):
        if cl_tot[row] > cl_limit[row]:
            move_out(cl_members[row], line_need(row))
    # Moving units between suppliers changes the order's goods value, hence every order
    # cap: repeat until no supplier is over its cap or a pass moves nothing.
    for _ in range(_REPAIR_PASSES):
        before = state["moves"]
        over_rows = [row for row in range(model.n_c) if c_room(row) < 0]
        for row in over_rows:
            move_out(c_members[row], order_need(row))
        if not over_rows or state["moves"] == before:
            break

    exceeded: list[tuple[int, int, int]] = []
    for row in range(model.n_cl):
        over = int(cl_tot[row] - cl_cap[row])
        if over > (0 if e_cl[row] > 0 else 1):
            exceeded.append((int(model.cl_supplier[row]), int(model.cl_line[row]), over))
    for row in range(model.n_c):
        over_minor = math.ceil(c_goods[row] - inp.order_share * state["goods"])
        # the tolerance is one line unit of the most valuable line the supplier is paid for
        paid = [c for c in c_members[row] if xc[c] > 0]
        unit = int(goods[paid].max()) if paid else 0
        if over_minor > (0 if e_c[row] > 0 else unit):
            exceeded.append((int(model.c_supplier[row]), -1, over_minor))
    return xc, xa, exceeded


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
    col_order = np.lexsort((model.col_offer, model.col_node))
    arc_order = np.lexsort((model.arc_region, model.arc_node))
    col_nodes_sorted = model.col_node[col_order]
    arc_nodes_sorted = model.arc_node[arc_order]
    c_bounds = np.searchsorted(col_nodes_sorted, np.arange(model.n_nodes + 1))
    a_bounds = np.searchsorted(arc_nodes_sorted, np.arange(model.n_nodes + 1))
    for node in range(model.n_nodes):
        cols = col_order[c_bounds[node] : c_bounds[node + 1]]
        arcs = arc_order[a_bounds[node] : a_bounds[node + 1]]
        ins = [(int(model.col_offer[c]), int(xc[c])) for c in cols if xc[c] > 0]
        outs = [(int(model.arc_region[a]), int(xa[a])) for a in arcs if xa[a] > 0]
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


def run(inp: ModelInput, *, fairness: bool) -> Outcome:
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
    notes: list[str] = []
    t = time.perf_counter()
    x1, mu = stage1(model)
    seconds["stage1"] = time.perf_counter() - t
    c1 = real_cost(model, x1)
    pen1 = float(model.col_penalty @ x1[: model.n_oc])
    x = x1
    if fairness and model.n_oc:
        t = time.perf_counter()
        keep = prune(model, x1, mu)
        sizes["stage2_kept_offer_columns"] = int(keep.sum())
        try:
            x, s2 = stage2(model, x1, keep)
            sizes.update(s2)
        except SolveError as exc:  # keep the stage-1 plan rather than fail the order
            notes.append(f"stage2:{exc.status}")
            x = x1
        seconds["stage2"] = time.perf_counter() - t
    t = time.perf_counter()
    xc, xa, exact = round_network(model, x)
    if not exact:
        notes.append("rounding:floor")
    xc, xa, exceeded = repair_caps(model, xc, xa, x)
    fo, fr, fu = decompose(model, xc, xa)
    seconds["rounding"] = time.perf_counter() - t
    return Outcome(
        flow_offer=fo,
        flow_region=fr,
        flow_units=fu,
        stage1_real_cost=c1,
        stage1_penalty=pen1,
        caps_exceeded=exceeded,
        seconds=seconds,
        sizes=sizes,
        notes=notes,
    )
