"""A stored quote arranged for reading: who supplies what to which point, the
cooperatives and regions that benefit, shortfalls with their fixes, what drives a
budget excess, and the full plan as CSV. Reads only the quote's own snapshot."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from catalog.spreadsheet import Cell, amount, write_csv
from solidarity_baskets import nutrition
from solidarity_baskets.models import BasketQuote, QuoteDestination


@dataclass(frozen=True, slots=True)
class LineInfo:
    key: str
    name_fr: str
    name_ar: str
    name_en: str
    net_quantity: int
    unit: str
    is_container: bool
    nutrition_key: str | None

    def name(self, lang: str) -> str:
        return {"ar": self.name_ar, "en": self.name_en}.get(lang) or self.name_fr


@dataclass(frozen=True, slots=True)
class EquivalentInfo:
    id: int
    line_key: str
    name_fr: str
    name_ar: str
    name_en: str
    net_quantity: int
    unit: str
    accepted: bool

    def name(self, lang: str) -> str:
        return {"ar": self.name_ar, "en": self.name_en}.get(lang) or self.name_fr


@dataclass
class PlanRow:
    """One product of one cooperative for one line, and what goes to each point."""

    line: LineInfo
    product_title_fr: str
    product_title_ar: str
    product_title_en: str
    net_quantity: int
    unit: str
    equivalent: bool
    units: dict[str, int] = field(default_factory=dict)
    goods_minor: int = 0
    shipping_minor: int = 0

    def product_title(self, lang: str) -> str:
        return {"ar": self.product_title_ar, "en": self.product_title_en}.get(lang) or (
            self.product_title_fr
        )


@dataclass
class CooperativeRow:
    id: int
    name_fr: str
    name_ar: str
    region_code: str
    province_code: str
    women_led: bool
    rows: list[PlanRow] = field(default_factory=list)

    @property
    def goods_minor(self) -> int:
        return sum(r.goods_minor for r in self.rows)

    @property
    def shipping_minor(self) -> int:
        return sum(r.shipping_minor for r in self.rows)

    def name(self, lang: str) -> str:
        return self.name_ar if lang == "ar" and self.name_ar else self.name_fr


@dataclass(frozen=True, slots=True)
class RegionRow:
    region_code: str
    cooperatives: int
    goods_minor: int


@dataclass(frozen=True)
class LineShortfall:
    """A line short at some points, and the fixes that concern the whole line."""

    line: LineInfo
    deliver_by: date
    points: list[tuple[QuoteDestination, int, int, int]]  # (point, needed, missing, available)
    accept: list[tuple[EquivalentInfo, int, bool]]  # (equivalent, units it adds, resolves)
    move_date: date | None

    @property
    def missing(self) -> int:
        return sum(m for _, _, m, _ in self.points)


@dataclass(frozen=True)
class QuoteView:
    quote: BasketQuote
    lines: list[LineInfo]
    equivalents: dict[int, EquivalentInfo]
    destinations: list[QuoteDestination]
    cooperatives: list[CooperativeRow]
    regions: list[RegionRow]
    shortfalls: list[LineShortfall]
    #: complete baskets each short point can receive (the "fewer baskets" fix); asking
    #: every listed point for its figure at once is a request the supply serves in full
    #: (0 drops the point)
    fewer_baskets: dict[str, int]
    #: the most baskets that, split like the request, the supply serves in full
    #: (None when nothing is short or nothing can be made)
    scaled_total: int | None
    budget_drivers: list[tuple[LineInfo, int]]
    coverage: nutrition.Coverage
    relaxed_caps: int

    @property
    def women_led_cooperatives(self) -> int:
        return sum(1 for c in self.cooperatives if c.women_led)


def lines_of(inputs: dict[str, Any]) -> list[LineInfo]:
    return [
        LineInfo(
            key=ln["key"],
            name_fr=ln["name_fr"],
            name_ar=ln["name_ar"],
            name_en=ln["name_en"],
            net_quantity=ln["net_quantity"],
            unit=ln["unit"],
            is_container=ln["is_container"],
            nutrition_key=ln["nutrition_key"],
        )
        for ln in sorted(
            inputs["lines"], key=lambda ln: (not ln["is_container"], ln["position"], ln["key"])
        )
    ]


def equivalents_of(inputs: dict[str, Any]) -> dict[int, EquivalentInfo]:
    return {
        eq["id"]: EquivalentInfo(
            id=eq["id"],
            line_key=ln["key"],
            name_fr=eq["name_fr"],
            name_ar=eq["name_ar"],
            name_en=eq["name_en"],
            net_quantity=eq["net_quantity"],
            unit=eq["unit"],
            accepted=eq["accepted"],
        )
        for ln in inputs["lines"]
        for eq in ln["equivalents"]
    }


def quote_view(quote: BasketQuote) -> QuoteView:
    inputs, result = quote.inputs, quote.result
    lines = lines_of(inputs)
    by_key = {ln.key: ln for ln in lines}
    equivalents = equivalents_of(inputs)
    destinations = list(quote.destinations)
    dest_by_key = {d.key: d for d in destinations}
    products, coops = result["products"], result["cooperatives"]
    rows: dict[int, CooperativeRow] = {}
    plan: dict[tuple[int, str], PlanRow] = {}
    for offer_key, supplier_id, line_key, dest_key, _, units, goods, ship, _ in result[
        "assignments"
    ]:
        coop = rows.get(supplier_id)
        if coop is None:
            info = coops[str(supplier_id)]
            coop = rows[supplier_id] = CooperativeRow(
                id=supplier_id,
                name_fr=info["name_fr"],
                name_ar=info["name_ar"],
                region_code=info["region_code"],
                province_code=info["province_code"],
                women_led=info["women_led"],
            )
        row = plan.get((supplier_id, offer_key))
        if row is None:
            product = products[offer_key]
            row = plan[(supplier_id, offer_key)] = PlanRow(
                line=by_key[line_key],
                product_title_fr=product["title_fr"],
                product_title_ar=product["title_ar"],
                product_title_en=product["title_en"],
                net_quantity=product["net_quantity"],
                unit=product["unit"],
                equivalent=product["equivalent_id"] is not None,
            )
            coop.rows.append(row)
        row.units[dest_key] = row.units.get(dest_key, 0) + units
        row.goods_minor += goods
        row.shipping_minor += ship
    order = {ln.key: i for i, ln in enumerate(lines)}
    for coop in rows.values():
        coop.rows.sort(key=lambda r: (order[r.line.key], r.product_title_fr))
    cooperatives = sorted(rows.values(), key=lambda c: (-c.goods_minor, c.name_fr, c.id))
    by_region: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for coop in cooperatives:
        by_region[coop.region_code][0] += 1
        by_region[coop.region_code][1] += coop.goods_minor
    regions = [RegionRow(code, n, g) for code, (n, g) in sorted(by_region.items())]

    shortfalls: list[LineShortfall] = []
    fewer: dict[str, int] = {}
    scaled_total: int | None = None
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in result["shortfalls"]:
        grouped[item["line_key"]].append(item)
        key = item["destination_key"]
        for fix in item["fixes"]:
            if fix["kind"] == "fewer_baskets" and fix["baskets"] is not None:
                if key in dest_by_key and fix["baskets"] < dest_by_key[key].baskets:
                    fewer[key] = fix["baskets"]
            elif fix["kind"] == "scale" and fix["baskets"]:
                scaled_total = fix["baskets"]
    if not any(fewer.values()) and all(d.key in fewer for d in destinations):
        fewer = {}  # no complete basket anywhere: nothing to offer
    for line in lines:
        items = grouped.get(line.key)
        if not items:
            continue
        accept: list[tuple[EquivalentInfo, int, bool]] = []
        move_date: date | None = None
        for fix in items[0]["fixes"]:
            if fix["kind"] == "accept_equivalent":
                for eid in fix["equivalent_ids"]:
                    if eid in equivalents:
                        accept.append((equivalents[eid], fix["line_units"], fix["resolves_line"]))
            elif fix["kind"] == "move_date" and fix["deliver_by"]:
                move_date = date.fromisoformat(fix["deliver_by"])
        shortfalls.append(
            LineShortfall(
                line=line,
                deliver_by=date.fromisoformat(items[0]["deliver_by"]),
                points=[
                    (dest_by_key[i["destination_key"]], i["needed"], i["missing"], i["available"])
                    for i in items
                ],
                accept=accept,
                move_date=move_date,
            )
        )
    excess = result["budget_excess"]
    drivers = (
        [(by_key[key], minor) for key, minor in excess["drivers"] if key in by_key]
        if excess
        else []
    )
    coverage = nutrition.basket_coverage(
        [
            nutrition.LineFood(ln.nutrition_key, ln.net_quantity, ln.unit)
            for ln in lines
            if not ln.is_container
        ],
        quote.family_size,
    )
    return QuoteView(
        quote=quote,
        lines=lines,
        equivalents=equivalents,
        destinations=destinations,
        cooperatives=cooperatives,
        regions=regions,
        shortfalls=shortfalls,
        fewer_baskets=fewer,
        scaled_total=scaled_total,
        budget_drivers=drivers,
        coverage=coverage,
        relaxed_caps=len(result["stats"]["relaxed_caps"]),
    )


PLAN_HEADER = (
    "cooperative_id",
    "cooperative",
    "region_code",
    "women_led",
    "line",
    "product",
    "destination",
    "units",
    "goods_mad",
    "shipping_mad",
    "ship_by",
)


def plan_csv(quote: BasketQuote) -> str:
    """Every purchase of the quote, one row each (amounts in MAD, dot decimals)."""
    coops, products = quote.result["cooperatives"], quote.result["products"]
    rows: list[list[Cell]] = []
    for offer_key, supplier_id, line_key, dest_key, _, units, goods, ship, ship_by in quote.result[
        "assignments"
    ]:
        coop = coops[str(supplier_id)]
        rows.append(
            [
                supplier_id,
                coop["name_fr"],
                coop["region_code"],
                "yes" if coop["women_led"] else "no",
                line_key,
                products[offer_key]["title_fr"],
                dest_key,
                units,
                amount(goods),
                amount(ship),
                ship_by or "",
            ]
        )
    return write_csv(PLAN_HEADER, rows, lineterminator="\n")
