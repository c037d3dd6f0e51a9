"""The donors' impact report of a basket order: baskets per distribution point
(ordered, and received as the organisation confirmed), the cooperatives paid and how
much, the share going to women-led and to rural cooperatives, the regions reached, how
the cost splits, and what a basket covers for a family. Figures only: no person is named.

Money comes from the order's parts (the orders library), so the report adds up to the
order: goods + shipping = total, and what the cooperatives receive = goods + shipping
- the marketplace's commission.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.money import Money
from catalog.spreadsheet import Cell, amount
from orders.models import Fulfilment
from orders.status import FulfilmentStatus
from solidarity_baskets import nutrition
from solidarity_baskets.models import BasketOrder, QuoteDestination

#: Parts that no longer count: nothing was bought from them in the end.
DROPPED = frozenset({FulfilmentStatus.CANCELLED, FulfilmentStatus.REFUNDED})


@dataclass(frozen=True, slots=True)
class PointImpact:
    destination: QuoteDestination
    baskets: int
    baskets_received: int


@dataclass(frozen=True, slots=True)
class CooperativeImpact:
    cooperative_id: int
    name_fr: str
    name_ar: str
    region_code: str
    women_led: bool
    rural: bool
    goods_minor: int
    shipping_minor: int
    commission_minor: int

    @property
    def received_minor(self) -> int:
        """What the cooperative keeps: goods and shipping less the commission."""
        return self.goods_minor + self.shipping_minor - self.commission_minor

    def name(self, lang: str) -> str:
        return self.name_ar if lang == "ar" and self.name_ar else self.name_fr


@dataclass(frozen=True, slots=True)
class RegionImpact:
    region_code: str
    cooperatives: int
    goods_minor: int


@dataclass(frozen=True, slots=True)
class RegionBaskets:
    """The baskets sent to the distribution points of one region."""

    region_code: str
    points: int
    baskets: int
    baskets_received: int


@dataclass(frozen=True)
class ImpactReport:
    order_number: str
    deliver_by: date
    baskets: int
    points: list[PointImpact]
    cooperatives: list[CooperativeImpact]
    regions: list[RegionImpact]
    goods_minor: int
    shipping_minor: int
    commission_minor: int
    family_size: int
    coverage: nutrition.Coverage
    currency: str = "MAD"

    @property
    def total_minor(self) -> int:
        return self.goods_minor + self.shipping_minor

    @property
    def to_cooperatives_minor(self) -> int:
        return self.total_minor - self.commission_minor

    @property
    def baskets_received(self) -> int:
        return sum(p.baskets_received for p in self.points)

    @property
    def families_reached(self) -> int:
        """One basket feeds one family: the baskets received at the points."""
        return self.baskets_received

    @property
    def people_reached(self) -> int:
        return self.baskets_received * self.family_size

    @property
    def baskets_by_region(self) -> list[RegionBaskets]:
        """Baskets ordered and received per region of the distribution points, the
        region with the most baskets first."""
        sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for p in self.points:
            row = sums[p.destination.region_code]
            row[0] += 1
            row[1] += p.baskets
            row[2] += p.baskets_received
        regions = [RegionBaskets(code, n, b, r) for code, (n, b, r) in sums.items()]
        regions.sort(key=lambda r: (-r.baskets, r.region_code))
        return regions

    @property
    def cost_per_basket_minor(self) -> int:
        return (2 * self.total_minor + self.baskets) // (2 * self.baskets) if self.baskets else 0

    @property
    def women_led_goods_minor(self) -> int:
        return sum(c.goods_minor for c in self.cooperatives if c.women_led)

    @property
    def rural_goods_minor(self) -> int:
        return sum(c.goods_minor for c in self.cooperatives if c.rural)

    @property
    def women_led_cooperatives(self) -> int:
        return sum(1 for c in self.cooperatives if c.women_led)

    def share(self, part_minor: int, whole_minor: int | None = None) -> float:
        whole = self.goods_minor if whole_minor is None else whole_minor
        return part_minor / whole if whole else 0.0

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)


def impact_report(session: Session, basket_order: BasketOrder) -> ImpactReport:
    """The report of ``basket_order`` (three queries)."""
    quote = basket_order.quote
    coops = quote.result["cooperatives"]
    parts = list(
        session.scalars(
            select(Fulfilment)
            .where(Fulfilment.order_id == basket_order.order_id)
            .order_by(Fulfilment.position)
        )
    )
    # baskets received: what the organisation confirmed at each point, not the
    # suppliers' word that they delivered
    received = {r.destination_id: r.baskets_received for r in basket_order.receipts}
    points = [
        PointImpact(
            destination=dest,
            baskets=dest.baskets,
            baskets_received=received.get(dest.id, 0),
        )
        for dest in quote.destinations
    ]
    money: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    names: dict[int, str] = {}
    regions_of: dict[int, str] = {}
    for part in parts:
        if FulfilmentStatus(part.status) in DROPPED:
            continue
        figures = money[part.cooperative_id]
        figures[0] += part.goods_minor
        figures[1] += part.shipping_minor
        figures[2] += part.commission_minor
        names[part.cooperative_id] = part.cooperative_name
        regions_of[part.cooperative_id] = part.origin_region_code
    cooperatives = []
    for cid, (goods, shipping, commission) in money.items():
        info = coops.get(str(cid), {})
        cooperatives.append(
            CooperativeImpact(
                cooperative_id=cid,
                name_fr=info.get("name_fr", names[cid]),
                name_ar=info.get("name_ar", ""),
                region_code=info.get("region_code", regions_of[cid]),
                women_led=bool(info.get("women_led", False)),
                rural=bool(info.get("rural", False)),
                goods_minor=goods,
                shipping_minor=shipping,
                commission_minor=commission,
            )
        )
    cooperatives.sort(key=lambda c: (-c.goods_minor, c.name_fr, c.cooperative_id))
    by_region: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c in cooperatives:
        by_region[c.region_code][0] += 1
        by_region[c.region_code][1] += c.goods_minor
    regions = [RegionImpact(code, n, goods) for code, (n, goods) in sorted(by_region.items())]
    coverage = nutrition.basket_coverage(
        [
            nutrition.LineFood(ln["nutrition_key"], ln["net_quantity"], ln["unit"])
            for ln in quote.inputs["lines"]
            if not ln["is_container"]
        ],
        quote.family_size,
    )
    return ImpactReport(
        order_number=basket_order.order.number,
        deliver_by=quote.deliver_by,
        baskets=basket_order.baskets,
        points=points,
        cooperatives=cooperatives,
        regions=regions,
        goods_minor=sum(c.goods_minor for c in cooperatives),
        shipping_minor=sum(c.shipping_minor for c in cooperatives),
        commission_minor=sum(c.commission_minor for c in cooperatives),
        family_size=quote.family_size,
        coverage=coverage,
        currency=quote.currency,
    )


CSV_HEADER = (
    "section",
    "code",
    "name",
    "region_code",
    "women_led",
    "rural",
    "baskets",
    "baskets_received",
    "goods_mad",
    "shipping_mad",
    "commission_mad",
    "received_mad",
)


def impact_rows(
    report: ImpactReport, region_names: dict[str, str] | None = None
) -> list[list[Cell | bool]]:
    """The report as one table under :data:`CSV_HEADER`: a ``summary`` row, one
    ``point`` row per distribution point, one ``cooperative`` row per cooperative, one
    ``region`` row per region (the baskets sent to its points, the goods bought from its
    cooperatives; the first cell: words the reader's language names).
    Amounts in MAD as decimals; ``women_led`` and ``rural`` as yes/no."""
    names = region_names or {}
    rows: list[list[Cell | bool]] = []
    rows.append(
        [
            "summary",
            report.order_number,
            "",
            "",
            "",
            "",
            report.baskets,
            report.baskets_received,
            amount(report.goods_minor),
            amount(report.shipping_minor),
            amount(report.commission_minor),
            amount(report.to_cooperatives_minor),
        ]
    )
    for point in report.points:
        dest = point.destination
        rows.append(
            [
                "point",
                dest.key,
                dest.hub_name,
                dest.region_code,
                "",
                "",
                point.baskets,
                point.baskets_received,
                "",
                "",
                "",
                "",
            ]
        )
    for c in report.cooperatives:
        rows.append(
            [
                "cooperative",
                c.cooperative_id,
                c.name_fr,
                c.region_code,
                c.women_led,
                c.rural,
                "",
                "",
                amount(c.goods_minor),
                amount(c.shipping_minor),
                amount(c.commission_minor),
                amount(c.received_minor),
            ]
        )
    goods = {r.region_code: r.goods_minor for r in report.regions}
    baskets = {r.region_code: r for r in report.baskets_by_region}
    for code in sorted(goods.keys() | baskets.keys()):
        sent = baskets.get(code)
        rows.append(
            [
                "region",
                code,
                names.get(code, ""),
                code,
                "",
                "",
                sent.baskets if sent else "",
                sent.baskets_received if sent else "",
                amount(goods[code]) if code in goods else "",
                "",
                "",
                "",
            ]
        )
    return rows
