"""What rural cooperatives can supply for a basket template, as the engine's offers.

For each template line (and each equivalent the organisation may accept) the
candidates are the **sellable** products of **rural** cooperatives in the line's
category or below it, sold in the line's unit (g, ml or pieces) in packs that make
the line's net quantity in whole packs (:func:`engine.packs_per_line_unit`): the fewest
packs holding at least the quantity, at most 20 % more. Two 500 g packs make a 1 kg
line, four 250 g packs make an 850 g line, a 400 g tin never makes an 850 g line. One
line unit is the line's whole net quantity, so one basket takes one line unit of each
line, from one cooperative.

Availability is the catalog's: stock, plus daily capacity over the working days
(made-to-order products only), minus the capacity already promised to other orders
(:func:`catalog.stock.committed`), with the product's lead days. The supply read is
summed up in a digest, so that confirming a quote can tell whether anything moved.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import CapacityCommitment, Category, Cooperative, Product
from solidarity_baskets import engine

#: Offer keys are ``"<line key>:<product id>"``.
KEY_SEPARATOR = ":"


@dataclass(frozen=True, slots=True)
class Kind:
    """A product kind that can fill a line: the line's own, or an equivalent."""

    line_key: str
    category_id: int
    net_quantity: int
    unit: str
    #: None for the line's own kind
    equivalent_id: int | None = None
    accepted: bool = True
    penalty_bps: int = 0


@dataclass(frozen=True, slots=True)
class ProductRef:
    """What a quote shows of a product."""

    product_id: int
    sku: str
    title_fr: str
    title_ar: str
    title_en: str
    net_quantity: int
    unit: str
    equivalent_id: int | None


@dataclass(frozen=True, slots=True)
class CooperativeRef:
    """What a quote shows of a cooperative."""

    id: int
    slug: str
    name_fr: str
    name_ar: str
    region_code: str
    province_code: str
    women_led: bool
    rural: bool


@dataclass(frozen=True)
class Supply:
    """The engine's suppliers and offers, with what a quote needs to name them."""

    suppliers: tuple[engine.Supplier, ...]
    offers: tuple[engine.Offer, ...]
    products: dict[str, ProductRef]
    cooperatives: dict[int, CooperativeRef]
    digest: str


def offer_key(line_key: str, product_id: int) -> str:
    return f"{line_key}{KEY_SEPARATOR}{product_id}"


def product_id_of(key: str) -> int:
    return int(key.rsplit(KEY_SEPARATOR, 1)[1])


def _subtrees(session: Session, roots: Iterable[int]) -> dict[int, set[int]]:
    """Each root category with all its descendants (one query)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for cid, parent in session.execute(select(Category.id, Category.parent_id)):
        children[parent].append(cid)
    found: dict[int, set[int]] = {}
    for root in set(roots):
        seen, todo = {root}, [root]
        while todo:
            for child in children.get(todo.pop(), []):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        found[root] = seen
    return found


def _penalty(price_minor: int, bps: int) -> int:
    if bps <= 0:
        return 0
    return max(1, -(-price_minor * bps // 10_000))


def build_supply(session: Session, kinds: Sequence[Kind]) -> Supply:
    """The offers of rural cooperatives for ``kinds`` (three queries, whatever the
    number of products).

    A product that fits two kinds of the same line counts once, for the first kind
    listed (put each line's own kind first).
    """
    trees = _subtrees(session, (k.category_id for k in kinds))
    kinds_by_category: dict[int, list[Kind]] = defaultdict(list)
    for kind in kinds:
        for cid in trees[kind.category_id]:
            kinds_by_category[cid].append(kind)
    rows = session.execute(
        select(
            Product.id,
            Product.category_id,
            Product.sku,
            Product.title_fr,
            Product.title_ar,
            Product.title_en,
            Product.unit,
            Product.net_quantity,
            Product.price_minor,
            (Product.on_hand - Product.allocated).label("available"),
            Product.made_to_order,
            Product.units_per_day,
            Product.lead_days,
            Product.shipping_weight_g,
            Cooperative.id,
            Cooperative.slug,
            Cooperative.name_fr,
            Cooperative.name_ar,
            Cooperative.region_code,
            Cooperative.province_code,
            Cooperative.women_led,
            Cooperative.rural,
        )
        .join(Cooperative, Product.cooperative_id == Cooperative.id)
        .where(
            Product.sellable.is_(True),
            Product.currency == "MAD",
            Cooperative.rural.is_(True),
            Product.category_id.in_(list(kinds_by_category)),
        )
        .order_by(Product.id)
    ).all()
    made_to_order = [r[0] for r in rows if r[10]]
    committed: dict[int, int] = {}
    if made_to_order:
        committed = {
            pid: int(total)
            for pid, total in session.execute(
                select(CapacityCommitment.product_id, func.sum(CapacityCommitment.quantity))
                .where(
                    CapacityCommitment.product_id.in_(made_to_order),
                    CapacityCommitment.fulfilled.is_(False),
                )
                .group_by(CapacityCommitment.product_id)
            )
        }
    offers: dict[str, engine.Offer] = {}
    products: dict[str, ProductRef] = {}
    cooperatives: dict[int, CooperativeRef] = {}
    for row in rows:
        (
            pid,
            cid,
            sku,
            t_fr,
            t_ar,
            t_en,
            unit,
            net,
            price,
            stock,
            mto,
            per_day,
            lead,
            weight,
            coop_id,
            coop_slug,
            coop_fr,
            coop_ar,
            coop_region,
            coop_province,
            women_led,
            rural,
        ) = row
        per_day = per_day if mto else 0
        if stock <= 0 and per_day <= 0:
            continue
        for kind in kinds_by_category[cid]:
            packs = engine.packs_per_line_unit(kind.net_quantity, net)
            if str(unit) != kind.unit or packs is None:
                continue
            key = offer_key(kind.line_key, pid)
            if key in offers:
                continue
            offers[key] = engine.Offer(
                key=key,
                supplier_id=coop_id,
                line_key=kind.line_key,
                unit_price_minor=price,
                units_per_line_unit=packs,
                stock=stock,
                units_per_day=per_day,
                committed=committed.get(pid, 0),
                weight_g=weight,
                lead_days=lead,
                substitution_penalty_minor=_penalty(price, kind.penalty_bps)
                if kind.equivalent_id is not None
                else 0,
                accepted=kind.accepted,
            )
            products[key] = ProductRef(
                pid, sku, t_fr, t_ar, t_en, net, str(unit), kind.equivalent_id
            )
            if coop_id not in cooperatives:
                cooperatives[coop_id] = CooperativeRef(
                    id=coop_id,
                    slug=coop_slug,
                    name_fr=coop_fr,
                    name_ar=coop_ar,
                    region_code=coop_region,
                    province_code=coop_province,
                    women_led=bool(women_led),
                    rural=bool(rural),
                )
    suppliers = tuple(
        engine.Supplier(c.id, c.region_code, c.rural, c.women_led)
        for c in sorted(cooperatives.values(), key=lambda c: c.id)
    )
    ordered = tuple(offers[k] for k in sorted(offers))
    return Supply(
        suppliers=suppliers,
        offers=ordered,
        products=products,
        cooperatives=cooperatives,
        digest=digest(suppliers, ordered),
    )


def digest(suppliers: Iterable[engine.Supplier], offers: Iterable[engine.Offer]) -> str:
    """SHA-256 of the supply: any change of stock, capacity, commitment, price,
    weight, lead time or cooperative flags changes it."""
    payload = {
        "suppliers": [[s.id, s.region_code, s.rural, s.women_led] for s in suppliers],
        "offers": [offer_row(o) for o in offers],
    }
    text = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


#: The order of an offer's fields in :func:`offer_row`.
OFFER_FIELDS = (
    "key",
    "supplier_id",
    "line_key",
    "unit_price_minor",
    "units_per_line_unit",
    "stock",
    "units_per_day",
    "committed",
    "weight_g",
    "lead_days",
    "substitution_penalty_minor",
    "accepted",
)


def offer_row(offer: engine.Offer) -> list[object]:
    return [getattr(offer, name) for name in OFFER_FIELDS]
