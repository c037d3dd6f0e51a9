"""Calendar and capacity arithmetic for the allocation engine (private).

Everything here is vectorised over offers with numpy and works in *line units*
(what one reference pack holds), never in money.

Availability model
------------------
An offer ``o`` made in region ``r`` reaches destination region ``R`` if the shipping
table has a lane ``(r, R)``.  It must leave ``transit(r, R)`` calendar days before the
delivery date; its *ship date* is therefore::

    ship(o, R) = deliver_by - transit(r, R)

and what it can have ready by then is its supply on ``ship(o, R)``
(stock + daily capacity over its production days before ``ship`` - committed; the
production days are the working days in Morocco from the end of the offer's lead days,
:func:`catalog.calendar.production_days`), converted to line units by integer division.
A lane whose ship date lies before ``today`` cannot be used at all.

Ship dates only depend on the *transit class* of a lane (its number of transit days),
so for each origin region the destination regions are grouped into classes, ordered
from the longest transit (earliest ship date) to the shortest one.  ``avail[o, k]`` is
the availability of offer ``o`` at the ship date of class ``k``; it is non-decreasing
in ``k``.  A plan is feasible for the offer iff, for every ``k``, the units sent to
classes ``0..k`` do not exceed ``avail[o, k]`` (units produced by an early date may go
anywhere later, never the other way round).  These *nested* conditions are exactly the
cut conditions of the production-by-date network ``production bucket -> transit class``,
which is how the LP encodes them (one bounded column per bucket, see ``_lp``).

Line deficit (max-flow / min-cut)
---------------------------------
For one line, the largest deliverable quantity is a max flow in the network
``source -> offer (nested by date) -> destination region -> sink``.  By max-flow /
min-cut the shortage equals::

    max over subsets S of regions:  D(S) - sum_o avail[o, latest class of o reaching S]

With at most :data:`MAX_SUBSET_REGIONS` regions this is evaluated exactly by
enumeration (4,096 subsets for Morocco's 12 regions, a few milliseconds); beyond that a
small LP is solved instead.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from catalog import calendar


def _linprog(*args: Any, **kwargs: Any) -> Any:
    """``scipy.optimize.linprog``, imported on first use (web workers that never
    solve a plan never load SciPy); typed loosely: its stubs do not list sparse arrays."""
    from scipy.optimize import linprog

    return linprog(*args, **kwargs)


IntArray = npt.NDArray[np.int64]

#: Enumerate region subsets exactly up to this many destination regions.
MAX_SUBSET_REGIONS = 14


#: Proleptic ordinal of numpy's day zero (``datetime64`` counts days from 1970-01-01).
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def availability(
    *,
    stock: IntArray,
    per_day: IntArray,
    committed: IntArray,
    conversion: IntArray,
    lead_days: IntArray,
    transit: IntArray,
    today: int,
    deliver_by: int,
) -> IntArray:
    """Line units each offer can have ready for each transit class.

    :param stock: product units in stock, shape ``(n,)``.
    :param per_day: product units made per working day, shape ``(n,)``.
    :param committed: product units already promised elsewhere, shape ``(n,)``.
    :param conversion: product units per line unit, shape ``(n,)``.
    :param lead_days: calendar days before production starts, shape ``(n,)``.
    :param transit: transit days of class ``k`` for the offer's origin, shape ``(n, K)``,
        ``-1`` where the origin has no class ``k``.
    :param today: proleptic ordinal of the planning day.
    :param deliver_by: proleptic ordinal of the delivery date.
    :return: ``(n, K)`` line units, ``0`` for missing classes and for ship dates before
        ``today``.
    """
    ship = deliver_by - transit
    valid = (transit >= 0) & (ship >= today)
    ship_day = (np.maximum(ship, today) - _EPOCH_ORDINAL).astype("datetime64[D]")
    days = calendar.production_days_array(date.fromordinal(today), lead_days[:, None], ship_day)
    made = stock[:, None] + per_day[:, None] * days - committed[:, None]
    units = np.maximum(made, 0) // conversion[:, None]
    return np.where(valid, units, 0).astype(np.int64)


def line_deficit(
    avail: IntArray,
    origin: IntArray,
    demand: IntArray,
    class_pos: IntArray,
) -> int:
    """Line units of one line that no plan can deliver (capacity and dates only).

    :param avail: ``(n, K)`` availability of the line's offers per transit class.
    :param origin: ``(n,)`` origin region index of each offer.
    :param demand: ``(n_dest_regions,)`` line units needed per destination region.
    :param class_pos: ``(n_origin_regions, n_dest_regions)`` transit class of each lane,
        ``-1`` where there is no lane.
    :return: the minimum total shortage over all plans (an integer, ``>= 0``).
    """
    regions = np.flatnonzero(demand > 0)
    m = len(regions)
    if m == 0:
        return 0
    if len(avail) == 0:
        return int(demand.sum())
    if m > MAX_SUBSET_REGIONS:
        return _line_deficit_lp(avail, origin, demand, class_pos)
    supply = subset_supply(avail, origin, class_pos[:, regions])
    needed = subset_sums(demand[regions])
    return max(0, int((needed - supply).max()))


def subset_sums(values: IntArray) -> IntArray:
    """``out[S] = sum of values[i] for the bits i of S``, for every subset ``S``."""
    m = len(values)
    out = np.zeros(1 << m, dtype=np.int64)
    for b in range(m):
        lo, hi = 1 << b, 1 << (b + 1)
        out[lo:hi] = out[: hi - lo] + values[b]
    return out


def subset_supply(avail: IntArray, origin: IntArray, class_pos: IntArray) -> IntArray:
    """Line units one line's offers can have ready for each subset of destination regions.

    ``out[S]`` (``S`` a bit mask over the columns of ``class_pos``) counts, for every
    offer, what it has ready by the latest ship date among its lanes into ``S``.  A demand
    vector ``D`` of the line is deliverable iff ``D(S) <= out[S]`` for every ``S``
    (max-flow / min-cut, see the module docstring).

    :param avail: ``(n, K)`` availability of the line's offers per transit class.
    :param origin: ``(n,)`` origin region index of each offer.
    :param class_pos: ``(n_origin_regions, m)`` transit class of each lane into the ``m``
        regions, ``-1`` where there is no lane; ``m <= MAX_SUBSET_REGIONS``.
    :return: ``(2 ** m,)`` line units.
    """
    n_origin, m = class_pos.shape
    k = avail.shape[1] if avail.ndim == 2 else 0
    if len(avail) == 0 or k == 0:
        return np.zeros(1 << m, dtype=np.int64)
    # q[r, j + 1] = units the offers of origin r can have ready for class j; q[r, 0] = 0.
    q = np.zeros((n_origin, k + 1), dtype=np.int64)
    for j in range(k):
        np.add.at(q[:, j + 1], origin, avail[:, j])
    latest = np.full((n_origin, 1 << m), -1, dtype=np.int64)
    for b in range(m):
        lo, hi = 1 << b, 1 << (b + 1)
        latest[:, lo:hi] = np.maximum(latest[:, : hi - lo], class_pos[:, b][:, None])
    supply: IntArray = np.take_along_axis(q, latest + 1, axis=1).sum(axis=0)
    return supply


def _line_deficit_lp(
    avail: IntArray, origin: IntArray, demand: IntArray, class_pos: IntArray
) -> int:
    """Max-flow LP for :func:`line_deficit` when there are too many regions to enumerate."""
    regions = np.flatnonzero(demand > 0)
    cols_o: list[int] = []
    cols_r: list[int] = []
    for o in range(len(avail)):
        for r in regions:
            pos = class_pos[origin[o], r]
            if pos >= 0 and avail[o, pos] > 0:
                cols_o.append(o)
                cols_r.append(int(r))
    if not cols_o:
        return int(demand.sum())
    col_o = np.array(cols_o)
    col_r = np.array(cols_r)
    col_pos = class_pos[origin[col_o], col_r]
    n = len(col_o)
    k = avail.shape[1]
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    rhs: list[IntArray] = []
    n_rows = 0
    for j in range(k):
        # units sent to classes 0..j by offer o <= avail[o, j]
        sel = np.flatnonzero(col_pos <= j)
        rows.append(n_rows + col_o[sel])
        cols.append(sel)
        rhs.append(avail[:, j])
        n_rows += len(avail)
    region_row = np.searchsorted(regions, col_r)
    rows.append(n_rows + region_row)
    cols.append(np.arange(n))
    rhs.append(demand[regions])
    n_rows += len(regions)
    r_idx = np.concatenate(rows)
    c_idx = np.concatenate(cols)
    import scipy.sparse as sp

    a_ub = sp.csr_array((np.ones(len(r_idx)), (r_idx, c_idx)), shape=(n_rows, n))
    res = _linprog(
        -np.ones(n),
        A_ub=a_ub,
        b_ub=np.concatenate(rhs).astype(np.float64),
        bounds=(0, None),
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - a bounded feasible LP
        raise RuntimeError(f"max-flow LP failed: {res.message}")
    return max(0, int(demand.sum()) - int(np.floor(-res.fun + 1e-6)))
