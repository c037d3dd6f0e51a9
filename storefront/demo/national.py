"""A national-scale supply for the Ramadan basket: thousands of rural cooperatives in
the 12 regions, each selling one or two of the basket's staples from stock, enough
for ``baskets`` baskets of the ``ramadan-national`` template (1.6 times the demand of
every line, spread unevenly). ``flask --app storefront seed-national`` loads it into
the demo; ``bench/baskets.py national-confirm`` into a benchmark database.

Rows go in by bulk inserts (explicit ids after the largest one there); sellability and
the other denormalised columns are then computed by :func:`catalog.rules.refresh_products`
like for any product. Seeded: the same arguments make the same rows.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from catalog import regions as regions_data
from catalog.models import (
    Category,
    Certificate,
    CertificateKind,
    CertificateStatus,
    Cooperative,
    CooperativeStatus,
    Product,
    ProductStatus,
    Sector,
)
from catalog.rules import refresh_products
from solidarity_baskets.templates import RAMADAN_NATIONAL, ensure_ready_made
from storefront.demo.identifiers import make_ice

#: category slug -> (title fr, title ar, title en, unit, net quantity, weight g, price MAD)
PACKS: dict[str, tuple[str, str, str, str, int, int, int]] = {
    "farine": ("Farine de blé, 5 kg", "دقيق القمح 5 كغ", "Wheat flour, 5 kg", "g", 5000, 5100, 40),
    "sucre": ("Sucre, 2 kg", "سكر 2 كغ", "Sugar, 2 kg", "g", 2000, 2050, 16),
    "huile-olive": ("Huile d'olive, 1 L", "زيت زيتون 1 ل", "Olive oil, 1 L", "ml", 1000, 1100, 60),
    "riz": ("Riz, 5 kg", "أرز 5 كغ", "Rice, 5 kg", "g", 5000, 5100, 65),
    "lentilles": ("Lentilles, 1 kg", "عدس 1 كغ", "Lentils, 1 kg", "g", 1000, 1030, 18),
    "pates": ("Vermicelles, 1 kg", "شعرية 1 كغ", "Vermicelli, 1 kg", "g", 1000, 1050, 14),
    "concentre-tomate": (
        "Concentré de tomate, 850 g",
        "مركز الطماطم 850 غ",
        "Tomato paste, 850 g",
        "g",
        850,
        900,
        15,
    ),
    "the": ("Thé vert, 850 g", "شاي أخضر 850 غ", "Green tea, 850 g", "g", 850, 900, 55),
    "lait": ("Lait, 1 L", "حليب 1 ل", "Milk, 1 L", "ml", 1000, 1050, 8),
}
#: supply by the date / demand, for every line
COVER = 1.6
CHUNK = 5_000
FIRST_ICE = 700_000_000


def _next_id(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1


def seed_national(
    session: Session,
    *,
    baskets: int,
    cooperatives: int,
    today: date,
    now: datetime,
    seed: int = 1,
) -> dict[str, int]:
    """Add ``cooperatives`` rural cooperatives (85 % rural, 17 % women-led, weighted
    by the regions' population) and their products. Flushes; returns what was made."""
    rng = random.Random(seed)
    ensure_ready_made(session)
    categories = {
        c.slug: c for c in session.scalars(select(Category).where(Category.slug.in_(PACKS)))
    }
    missing = sorted(set(PACKS) - set(categories))
    if missing:
        raise LookupError(f"categories missing (load the demo first): {', '.join(missing)}")
    needed = {line.category_slug: line.net_quantity for line in RAMADAN_NATIONAL.lines}
    regions = regions_data.regions()
    provinces = {r.code: regions_data.provinces_of(r.code) for r in regions}
    first_coop = _next_id(session, Cooperative)
    first_product = _next_id(session, Product)
    first_certificate = _next_id(session, Certificate)
    offers: dict[str, list[int]] = {slug: [] for slug in PACKS}
    coop_rows: list[dict[str, Any]] = []
    cert_rows: list[dict[str, Any]] = []
    region_of: dict[int, str] = {}
    for n in range(cooperatives):
        cid = first_coop + n
        region = rng.choices(regions, weights=[r.population for r in regions])[0]
        options = provinces[region.code]
        province = rng.choices(options, weights=[p.population for p in options])[0]
        women = rng.random() < 0.17
        members = rng.randint(7, 60)
        coop_rows.append(
            {
                "id": cid,
                "slug": f"cooperative-nationale-{cid}",
                "name_fr": f"Coopérative {province.name_fr} {cid}",
                "name_ar": f"تعاونية {province.name_ar} {cid}",
                "registration_number": f"{cid}/2018",
                "ice": make_ice(FIRST_ICE + cid),
                "region_code": region.code,
                "province_code": province.code,
                "rural": rng.random() < 0.85,
                "women_led": women,
                "members": members,
                "women_members": members if women else members // 3,
                "sector": Sector.AGRICULTURE,
                "status": CooperativeStatus.VERIFIED,
                "created_at": now,
                "verified_at": now,
            }
        )
        region_of[cid] = region.code
        cert_rows.append(
            {
                "id": first_certificate + n,
                "cooperative_id": cid,
                "kind": CertificateKind.ONSSA,
                "number": f"AS.N.{cid}.2025",
                "issuer": "ONSSA",
                "issued_on": today - timedelta(days=200),
                "expires_on": today + timedelta(days=700),
                "status": CertificateStatus.VERIFIED,
                "verified_at": now,
            }
        )
        for slug in rng.sample(sorted(PACKS), rng.choice((1, 1, 2))):
            offers[slug].append(cid)
    product_rows: list[dict[str, Any]] = []
    pid = first_product
    for slug, sellers in sorted(offers.items()):
        title_fr, title_ar, title_en, unit, net, weight, price = PACKS[slug]
        demand = baskets * math.ceil(needed.get(slug, net) / net)
        weights = [rng.lognormvariate(0, 0.6) for _ in sellers]
        total = sum(weights) or 1.0
        for cid, w in zip(sellers, weights, strict=True):
            product_rows.append(
                {
                    "id": pid,
                    "cooperative_id": cid,
                    "category_id": categories[slug].id,
                    "sku": f"NAT-{slug.upper()}-{cid}",
                    "slug": f"{slug}-nationale-{cid}",
                    "title_fr": title_fr,
                    "title_ar": title_ar,
                    "title_en": title_en,
                    "description_fr": f"{title_fr}, de la coopérative {cid}.",
                    "price_minor": round(price * 100 * rng.uniform(0.85, 1.25)),
                    "unit": unit,
                    "net_quantity": net,
                    "shipping_weight_g": weight,
                    "on_hand": max(1, math.ceil(COVER * demand * w / total / 0.85)),
                    "status": ProductStatus.PUBLISHED,
                    "region_code": region_of[cid],
                }
            )
            pid += 1
    for model, rows in (
        (Cooperative, coop_rows),
        (Certificate, cert_rows),
        (Product, product_rows),
    ):
        for start in range(0, len(rows), CHUNK):
            session.execute(insert(model), rows[start : start + CHUNK])
    _sequences_past(session)
    ids = [row["id"] for row in coop_rows]
    for start in range(0, len(ids), CHUNK):
        refresh_products(session, today, cooperative_ids=ids[start : start + CHUNK])
        session.flush()
        session.expunge_all()
    return {"cooperatives": len(coop_rows), "products": len(product_rows)}


def _sequences_past(session: Session) -> None:
    """PostgreSQL's sequences move past the explicit ids."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("catalog_cooperative", "catalog_certificate", "catalog_product"):
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        )
