"""A stored quote arranged for reading: who supplies what to which point, the
cooperatives and regions that benefit, shortfalls with their fixes, what drives a
budget excess, and the full plan as CSV. Reads only the quote's own snapshot."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from catalog.calendar import production_days
from catalog.spreadsheet import Cell, amount
from solidarity_baskets import fairness, nutrition
from solidarity_baskets.fairness import Outcome
from solidarity_baskets.models import BasketQuote, QuoteDestination
from solidarity_baskets.supply import OFFER_FIELDS


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
    #: equivalents to accept together, the units they add and whether that closes the gap
    accept_sets: list[tuple[tuple[EquivalentInfo, ...], int, bool]] = field(default_factory=list)

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
    #: this plan's figures, and the same request at each fairness level (``Outcome``, not
    #: ``fairness.Outcome``: this field shadows the module inside the class)
    fairness: Outcome | None = None
    fairness_levels: list[Outcome] = field(default_factory=list)
    eligible_cooperatives: int = 0
    #: lines no rural cooperative can supply at all, by any date or equivalent
    unsuppliable: list[LineInfo] = field(default_factory=list)
    #: for a short plan, the most complete baskets the supply serves and their cost
    complete_plan: dict[str, int] | None = None

    @property
    def complete_plan_per_basket_minor(self) -> int | None:
        if not self.complete_plan or self.complete_plan["baskets"] <= 0:
            return None
        return -(-self.complete_plan["total_minor"] // self.complete_plan["baskets"])

    @property
    def women_led_cooperatives(self) -> int:
        return sum(1 for c in self.cooperatives if c.women_led)

    @property
    def cheapest(self) -> Outcome | None:
        """The cheapest plan for this request (the 0 % level)."""
        return next((o for o in self.fairness_levels if o.fairness_bps == 0), None)

    @property
    def fairness_extra_minor(self) -> int | None:
        """What this plan costs more than the cheapest one (whole order)."""
        if self.fairness is None or self.cheapest is None:
            return None
        return self.fairness.total_minor - self.cheapest.total_minor

    def levels_within_budget(self) -> list[Outcome]:
        """Fairness levels whose cost per complete basket fits the budget, fairest
        first (the organisation picks one to fit the budget without losing baskets)."""
        budget = self.quote.budget_per_basket_minor
        if budget is None or self.fairness is None:
            return []
        fits = [
            o
            for o in self.fairness_levels
            if o.complete_baskets >= self.fairness.complete_baskets
            and (cost := o.cost_per_complete_basket_minor) is not None
            and cost <= budget
        ]
        return sorted(fits, key=lambda o: -(o.fairness_bps or 0))


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
        accept_sets: list[tuple[tuple[EquivalentInfo, ...], int, bool]] = []
        move_date: date | None = None
        for fix in items[0]["fixes"]:
            if fix["kind"] == "accept_equivalent":
                known = tuple(equivalents[e] for e in fix["equivalent_ids"] if e in equivalents)
                if known and len(known) == len(fix["equivalent_ids"]):
                    accept_sets.append((known, fix["line_units"], fix["resolves_line"]))
                for eq in known:
                    accept.append((eq, fix["line_units"], fix["resolves_line"]))
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
                accept_sets=accept_sets,
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
    stored = result.get("fairness") or {}
    available_by_line: dict[str, int] = defaultdict(int)
    for item in result["shortfalls"]:
        available_by_line[item["line_key"]] += item["available"]
    unsuppliable = [
        s.line
        for s in shortfalls
        if available_by_line[s.line.key] == 0 and not s.accept and s.move_date is None
    ]
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
        fairness=fairness.Outcome.from_json(stored["current"]) if stored else None,
        fairness_levels=[fairness.Outcome.from_json(o) for o in stored.get("levels", [])],
        eligible_cooperatives=stored.get("eligible", 0),
        unsuppliable=unsuppliable,
        complete_plan=result.get("complete_plan"),
    )


@dataclass(frozen=True)
class OfferChange:
    """One offer that moved between two quotes (None: not offered then)."""

    key: str
    cooperative_fr: str | None
    cooperative_ar: str | None
    product_fr: str | None
    product_ar: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def price_change(self) -> tuple[int, int] | None:
        if self.before and self.after:
            a, b = self.before["unit_price_minor"], self.after["unit_price_minor"]
            return (a, b) if a != b else None
        return None

    #: units each quote could have by its delivery date (see :func:`_room`)
    room_before: int = 0
    room_after: int = 0

    @property
    def supply_change(self) -> tuple[int, int] | None:
        """(before, after) of the units ready by each quote's date, when they differ."""
        if self.before and self.after and self.room_before != self.room_after:
            return self.room_before, self.room_after
        return None


def _room(offer: dict[str, Any], quote: BasketQuote) -> int:
    """Units of ``offer`` that can be ready by ``quote``'s delivery date: stock, plus
    daily capacity over the working days after its lead days, less what other orders
    were promised; never below zero (promises past the date are not this quote's)."""
    days = production_days(quote.planned_on, int(offer["lead_days"]), quote.deliver_by)
    ready = int(offer["stock"]) + int(offer["units_per_day"]) * days - int(offer["committed"])
    return max(0, ready)


@dataclass(frozen=True)
class SupplyChanges:
    """Why a later quote of the same request differs: the offers that moved."""

    previous: BasketQuote
    changes: list[OfferChange]
    cooperatives_changed: int  # flags (rural, women-led, region) of cooperatives
    total_before_minor: int
    total_after_minor: int

    @property
    def count(self) -> int:
        return len(self.changes) + self.cooperatives_changed


MAX_CHANGES_SHOWN = 12


def supply_changes(previous: BasketQuote, quote: BasketQuote) -> SupplyChanges | None:
    """The offers that moved between ``previous`` and ``quote`` (None when the supply
    read is the same). Offers are named from either quote's snapshot when they were
    part of its plan."""
    if previous.supply_digest == quote.supply_digest:
        return None

    def offers(q: BasketQuote) -> dict[str, dict[str, Any]]:
        fields = q.inputs.get("offer_fields", list(OFFER_FIELDS))
        return {row[0]: dict(zip(fields, row, strict=True)) for row in q.inputs["offers"]}

    def names(q: BasketQuote) -> tuple[dict[str, Any], dict[str, Any]]:
        return q.result.get("products", {}), q.result.get("cooperatives", {})

    before, after = offers(previous), offers(quote)
    products_a, coops_a = names(previous)
    products_b, coops_b = names(quote)
    changes: list[OfferChange] = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        room_before = _room(old, previous) if old else 0
        room_after = _room(new, quote) if new else 0
        if old and new and room_before == room_after:
            if old["unit_price_minor"] == new["unit_price_minor"]:
                continue  # weight, lead days...: not what moves a quote's headline
        product = products_b.get(key) or products_a.get(key)
        supplier = str((new or old or {}).get("supplier_id"))
        coop = coops_b.get(supplier) or coops_a.get(supplier)
        changes.append(
            OfferChange(
                key=key,
                cooperative_fr=coop["name_fr"] if coop else None,
                cooperative_ar=coop["name_ar"] if coop else None,
                product_fr=product["title_fr"] if product else None,
                product_ar=product["title_ar"] if product else None,
                before=old,
                after=new,
                room_before=room_before,
                room_after=room_after,
            )
        )
    # named changes first, then the largest price moves
    changes.sort(
        key=lambda c: (
            c.product_fr is None,
            -abs((c.price_change or (0, 0))[1] - (c.price_change or (0, 0))[0]),
            c.key,
        )
    )
    flags_a = {s[0]: s[1:] for s in previous.inputs["suppliers"]}
    flags_b = {s[0]: s[1:] for s in quote.inputs["suppliers"]}
    coop_changes = sum(1 for cid in flags_a.keys() & flags_b.keys() if flags_a[cid] != flags_b[cid])
    return SupplyChanges(
        previous=previous,
        changes=changes,
        cooperatives_changed=coop_changes,
        total_before_minor=previous.total_minor,
        total_after_minor=quote.total_minor,
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


def plan_rows(quote: BasketQuote) -> list[list[Cell | bool]]:
    """Every purchase of the quote, one row each under :data:`PLAN_HEADER` (amounts in
    MAD as decimals; ``women_led`` a yes/no the reader's language words)."""
    coops, products = quote.result["cooperatives"], quote.result["products"]
    rows: list[list[Cell | bool]] = []
    for offer_key, supplier_id, line_key, dest_key, _, units, goods, ship, ship_by in quote.result[
        "assignments"
    ]:
        coop = coops[str(supplier_id)]
        rows.append(
            [
                supplier_id,
                coop["name_fr"],
                coop["region_code"],
                bool(coop["women_led"]),
                line_key,
                products[offer_key]["title_fr"],
                dest_key,
                units,
                amount(goods),
                amount(ship),
                date.fromisoformat(ship_by) if ship_by else None,
            ]
        )
    return rows


@dataclass(frozen=True)
class OfferedFix:
    """A fix the quote page offers, as the changes :func:`service.requote` takes.

    ``removes`` says what it claims: ``None`` every shortfall of the quote, else the
    key of the one line whose shortfall it removes at every point.
    """

    kind: Literal[
        "complete_total", "scale", "move_date", "accept_all", "accept", "accept_more", "drop_line"
    ]
    changes: dict[str, Any]
    removes: str | None
    #: ``accept_more``: line units (baskets' worth) the equivalents add to ``removes``'s
    #: line without closing its gap; the line's shortage shrinks by that much
    adds: int = 0
    baskets: int | None = None
    deliver_by: date | None = None
    line: LineInfo | None = None
    equivalents: tuple[EquivalentInfo, ...] = ()


def offered_fixes(view: QuoteView) -> list[OfferedFix]:
    """Every fix the quote page offers, whole-quote fixes first. Each is computed
    over all points and lines together:

    * ``complete_total``: the most complete baskets the supply serves, each point
      asking for its own figure at once;
    * ``scale``: the most baskets in all, split like the request;
    * ``move_date``: the earliest date at which every short line is full everywhere
      (the latest of the lines' own dates: what is ready by a date is ready later);
    * ``accept_all``: every equivalent proposed, when together they close every gap;
    * per line, ``accept`` (equivalents that alone close that line's gap), else
      ``accept_more`` (the equivalents adding the most, and by how much), and
      ``drop_line`` (take the line out of the basket: always closes its gap).
    """
    if not view.shortfalls:
        return []
    fixes: list[OfferedFix] = []
    if view.fewer_baskets:
        total = sum(view.fewer_baskets.get(d.key, d.baskets) for d in view.destinations)
        if total > 0:
            fixes.append(
                OfferedFix(
                    "complete_total",
                    {"baskets": dict(view.fewer_baskets)},
                    None,
                    baskets=total,
                )
            )
    if view.scaled_total:
        fixes.append(
            OfferedFix(
                "scale", {"total_baskets": view.scaled_total}, None, baskets=view.scaled_total
            )
        )
    dates = [s.move_date for s in view.shortfalls]
    if all(d is not None for d in dates):
        latest = max(d for d in dates if d is not None)
        fixes.append(OfferedFix("move_date", {"deliver_by": latest}, None, deliver_by=latest))
    # per line, the set that closes its gap adding the fewest units (the least
    # substitution); a fix set is what the engine proposed together
    resolving = [
        sorted((u, eqs) for eqs, u, resolves in s.accept_sets if resolves)[:1]
        for s in view.shortfalls
    ]
    if len(view.shortfalls) > 1 and all(resolving):
        chosen = tuple(eq for sets in resolving for eq in sets[0][1])
        fixes.append(
            OfferedFix(
                "accept_all",
                {"accept_equivalents": [eq.id for eq in chosen]},
                None,
                equivalents=chosen,
            )
        )
    for s, sets in zip(view.shortfalls, resolving, strict=True):
        if sets:
            eqs = sets[0][1]
            fixes.append(
                OfferedFix(
                    "accept",
                    {"accept_equivalents": [eq.id for eq in eqs]},
                    s.line.key,
                    line=s.line,
                    equivalents=eqs,
                )
            )
        else:
            helping = [(eqs, u) for eqs, u, _ in s.accept_sets if u > 0]
            if helping:
                eqs, units = max(helping, key=lambda h: h[1])
                fixes.append(
                    OfferedFix(
                        "accept_more",
                        {"accept_equivalents": [eq.id for eq in eqs]},
                        s.line.key,
                        adds=min(units, s.missing),
                        line=s.line,
                        equivalents=eqs,
                    )
                )
        if len(view.lines) > 1:
            fixes.append(
                OfferedFix("drop_line", {"drop_lines": [s.line.key]}, s.line.key, line=s.line)
            )
    return fixes
