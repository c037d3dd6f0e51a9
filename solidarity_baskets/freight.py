"""Basket freight and the rules for viable purchase orders, both set by the operator.

Freight: one rate per zone, the zones of the shop's parcels
(:func:`orders.shipping.zone_for`: same region, another region, a remote region at
either end). A lane between two regions costs ``per_kg + per_kg_100km x distance / 100``
per kg, where the distance is the road distance between the regions' capitals
(:mod:`catalog.regions`, great circle x :data:`ROAD_FACTOR`), rounded half up to the
centime; each shipment (one cooperative's part for one distribution point) costs at
least the zone's minimum, and takes the zone's transit days.

Sourcing: a minimum goods value per part, a fixed cost per shipment and a maximum
number of parts per order (see :class:`solidarity_baskets.engine.Policy`).

Until the operator saves anything, :data:`DEFAULT_RATES` and :data:`DEFAULT_SOURCING`
apply (never written).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import regions
from catalog.errors import FieldProblem, InvalidInput
from orders.shipping import ShippingZone, zone_for
from solidarity_baskets import engine
from solidarity_baskets.models import FreightRate, SourcingSettings

#: Road distance / great-circle distance between two capitals.
ROAD_FACTOR = 1.3
MAX_TRANSIT_DAYS = 30
#: Upper bounds of what the console accepts (minor units), against typing slips.
MAX_RATE_MINOR = 100_000
MAX_MONEY_MINOR = 100_000_000
MAX_PARTS_LIMIT = 1_000_000


@dataclass(frozen=True, slots=True)
class Rate:
    per_kg_minor: int
    per_kg_100km_minor: int
    min_shipment_minor: int
    transit_days: int


@dataclass(frozen=True, slots=True)
class Sourcing:
    min_part_minor: int
    shipment_fee_minor: int
    max_parts: int


#: Bulk freight: 0.30 MAD/kg plus 0.20 MAD/kg per 100 km; 1 day within a region, 2
#: between regions, 3 to or from the south; 50, 100 and 200 MAD at least per shipment.
DEFAULT_RATES: Mapping[ShippingZone, Rate] = {
    ShippingZone.SAME_REGION: Rate(30, 20, 5_000, 1),
    ShippingZone.OTHER_REGION: Rate(30, 20, 10_000, 2),
    ShippingZone.REMOTE: Rate(30, 20, 20_000, 3),
}
#: A part is worth at least 500 MAD; no fixed cost per shipment beyond the tariff's
#: minimum; at most 100,000 parts per order (confirming takes time in proportion to
#: the parts, in a background job: a national order of 300,000 baskets has ~30,000).
DEFAULT_SOURCING = Sourcing(min_part_minor=50_000, shipment_fee_minor=0, max_parts=100_000)


def distance_km(origin_region: str, destination_region: str) -> float:
    """Road distance between two regions' capitals (0 within a region)."""
    if origin_region == destination_region:
        return 0.0
    a, b = regions.region(origin_region), regions.region(destination_region)
    if a is None or b is None:
        raise ValueError("unknown region")
    p1, p2 = math.radians(a.capital_lat), math.radians(b.capital_lat)
    dp, dl = p2 - p1, math.radians(b.capital_lon - a.capital_lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return ROAD_FACTOR * 2 * 6371.0 * math.asin(math.sqrt(h))


def lane_minor_per_kg(rate: Rate, km: float) -> int:
    """A lane's price per kg, rounded half up to the centime."""
    return math.floor(rate.per_kg_minor + rate.per_kg_100km_minor * km / 100 + 0.5)


def table(rates: Mapping[ShippingZone, Rate]) -> engine.ShippingTable:
    """The engine's lanes between every pair of regions under ``rates``."""
    price: dict[tuple[str, str], int] = {}
    transit: dict[tuple[str, str], int] = {}
    minimum: dict[tuple[str, str], int] = {}
    codes = [r.code for r in regions.regions()]
    for a in codes:
        for b in codes:
            rate = rates[zone_for(a, b)]
            price[(a, b)] = lane_minor_per_kg(rate, distance_km(a, b))
            transit[(a, b)] = rate.transit_days
            minimum[(a, b)] = rate.min_shipment_minor
    return engine.ShippingTable(
        minor_per_kg=price, transit_days=transit, min_shipment_minor=minimum
    )


def current(session: Session) -> dict[ShippingZone, Rate]:
    """The saved rate of each zone, the default where none is saved."""
    saved = {row.zone: row for row in session.scalars(select(FreightRate))}
    out: dict[ShippingZone, Rate] = {}
    for zone, default in DEFAULT_RATES.items():
        row = saved.get(str(zone))
        out[zone] = (
            default
            if row is None
            else Rate(
                row.per_kg_minor, row.per_kg_100km_minor, row.min_shipment_minor, row.transit_days
            )
        )
    return out


def sourcing(session: Session) -> Sourcing:
    row = session.get(SourcingSettings, 1)
    if row is None:
        return DEFAULT_SOURCING
    return Sourcing(row.min_part_minor, row.shipment_fee_minor, row.max_parts)


def _check_rate(zone: ShippingZone, rate: Rate) -> list[FieldProblem]:
    problems = []
    for name, top in (
        ("per_kg_minor", MAX_RATE_MINOR),
        ("per_kg_100km_minor", MAX_RATE_MINOR),
        ("min_shipment_minor", MAX_MONEY_MINOR),
        ("transit_days", MAX_TRANSIT_DAYS),
    ):
        if not 0 <= getattr(rate, name) <= top:
            problems.append(FieldProblem(f"{zone}-{name}", "out_of_range", {"min": 0, "max": top}))
    return problems


def save(session: Session, rates: Mapping[ShippingZone, Rate], rules: Sourcing) -> list[str]:
    """Save the zones' rates and the sourcing rules (flushes).

    :return: names of what changed (``"same_region"``..., ``"sourcing"``), for the log.
    :raises InvalidInput: a value out of range (nothing is saved).
    """
    problems: list[FieldProblem] = []
    for zone, rate in rates.items():
        problems += _check_rate(zone, rate)
    for name, top, low in (
        ("min_part_minor", MAX_MONEY_MINOR, 0),
        ("shipment_fee_minor", MAX_MONEY_MINOR, 0),
        ("max_parts", MAX_PARTS_LIMIT, 1),
    ):
        if not low <= getattr(rules, name) <= top:
            problems.append(FieldProblem(name, "out_of_range", {"min": low, "max": top}))
    if problems:
        raise InvalidInput(problems)
    changed: list[str] = []
    before = current(session)
    for zone, rate in rates.items():
        if before[zone] == rate:
            continue
        row = session.get(FreightRate, str(zone))
        if row is None:
            row = FreightRate(zone=str(zone))
            session.add(row)
        row.per_kg_minor = rate.per_kg_minor
        row.per_kg_100km_minor = rate.per_kg_100km_minor
        row.min_shipment_minor = rate.min_shipment_minor
        row.transit_days = rate.transit_days
        changed.append(str(zone))
    if sourcing(session) != rules:
        row_s = session.get(SourcingSettings, 1)
        if row_s is None:
            row_s = SourcingSettings(id=1)
            session.add(row_s)
        row_s.min_part_minor = rules.min_part_minor
        row_s.shipment_fee_minor = rules.shipment_fee_minor
        row_s.max_parts = rules.max_parts
        changed.append("sourcing")
    session.flush()
    return changed
