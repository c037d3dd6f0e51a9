"""Build the demo catalog. Deterministic for a given seed (images get random names)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import regions
from catalog.db import utcnow
from catalog.media import MediaStore
from catalog.models import (
    Category,
    CategoryRule,
    Certificate,
    CertificateKind,
    CertificateStatus,
    Cooperative,
    CooperativeStatus,
    Product,
    ProductImage,
    ProductStatus,
    Sector,
)
from catalog.rules import refresh_products
from storefront.demo import images
from storefront.demo.catalog_data import (
    CATEGORIES,
    DESCRIPTIONS,
    KINDS,
    NAME_STEMS,
    NAMED_COOPERATIVES,
    NAMED_IN_OTHER_LANGUAGES,
    REGION_SPECIALITIES,
    RULES,
    SECTOR_OF_KIND,
)
from storefront.demo.identifiers import make_ice
from storefront.filters import elide_de

GENERATED_PER_REGION = 5
FOOD_CATEGORIES = {
    slug for slug, parent, *_ in CATEGORIES if parent in ("alimentation", "epicerie")
}
STORY_FR = (
    "Fondée par {members} membres{women}, la coopérative {short} valorise le savoir-faire "
    "de {city} : {what}. Les revenus restent au village et financent l'alphabétisation "
    "et l'équipement de l'atelier."
)
STORY_AR = (
    "{name}، في {city}، تثمّن {what}، وعدد أعضائها {members}{women}. تبقى المداخيل "
    "في القرية وتموّل محو الأمية وتجهيز الورشة."
)
STORY_EN = (
    "Founded by {members} members{women}, {name} in {city} turns local know-how into "
    "{what}. The income stays in the village and pays for literacy classes and the "
    "workshop's equipment."
)
#: what a cooperative of a sector makes, in each language of the stories
CRAFT = {
    "textile": ("couture et broderie", "الخياطة والطرز", "sewing and embroidery"),
    "argan": ("huile d'argan", "زيت الأركان", "argan oil"),
    "handicraft": ("artisanat", "الصناعة التقليدية", "handicrafts"),
}
LOCAL_PRODUCE = ("produits du terroir", "منتوجات المنطقة", "local produce")


def _women(count: int) -> tuple[str, str, str]:
    """The stories' mention of the women members (none when there are none)."""
    if count == 0:
        return "", "", ""
    if count == 1:
        return ", dont une femme", "، منهم امرأة واحدة", ", one of them a woman"
    return (
        f", dont {count} femmes",
        f"، منهم {count} من النساء",
        f", {count} of them women",
    )


def is_empty(session: Session) -> bool:
    return session.scalar(select(Cooperative.id).limit(1)) is None


def seed_catalog(
    session: Session, upload_folder: Path | MediaStore, *, today: date, seed: int = 2020
) -> dict[str, int]:
    """Create categories, cooperatives, certificates and products. Flushes only."""
    rng = random.Random(seed)
    cats = _categories(session)
    coops: list[tuple[Cooperative, list[str]]] = []
    for slug, fr, ar, reg, prov, city, sector, women, kinds, story in NAMED_COOPERATIVES:
        coop = _cooperative(rng, slug, fr, ar, reg, prov, city, sector, women, story)
        coop.featured = True
        coops.append((coop, kinds))
    n = len(coops)
    for region in regions.regions():
        provinces = regions.provinces_of(region.code)
        specialities = REGION_SPECIALITIES[region.code]
        for i in range(GENERATED_PER_REGION):
            n += 1
            stem_fr, stem_ar = NAME_STEMS[(n * 7 + i) % len(NAME_STEMS)]
            province = provinces[(i * 3 + n) % len(provinces)]
            kinds = rng.sample(specialities, k=min(len(specialities), rng.choice([2, 3, 4])))
            sector = SECTOR_OF_KIND.get(kinds[0], "agriculture")
            coop = _cooperative(
                rng,
                f"{stem_fr.lower().replace(' ', '-')}-{province.name_fr.lower().replace(' ', '-').replace(chr(39), '')}-{n}",
                f"Coopérative {stem_fr} {province.name_fr}",
                f"تعاونية {stem_ar} {province.name_ar}",
                region.code,
                province.code,
                province.name_fr,
                sector,
                rng.random() < 0.45,
                None,
            )
            coop.rural = rng.random() < 0.85
            coops.append((coop, kinds))
    session.add_all(c for c, _ in coops)
    session.flush()

    products = 0
    for index, (coop, kinds) in enumerate(coops):
        _certificates(session, rng, coop, kinds, cats, today, index)
        for kind in kinds:
            products += 1
            _product(session, rng, coop, kind, cats, upload_folder, products)
    session.flush()
    refresh_products(session, today)
    return {"cooperatives": len(coops), "products": products, "categories": len(cats)}


def _categories(session: Session) -> dict[str, Category]:
    cats: dict[str, Category] = {}
    for position, (slug, parent, fr, ar, en, nutrition) in enumerate(CATEGORIES):
        cat = Category(
            slug=slug,
            name_fr=fr,
            name_ar=ar,
            name_en=en,
            position=position,
            nutrition_key=nutrition,
        )
        if parent:
            cat.parent = cats[parent]
        cats[slug] = cat
        session.add(cat)
        if slug in RULES:
            kinds, cap = RULES[slug]
            cat.rule = CategoryRule(required_kinds=kinds, max_unit_price_minor=cap)
    session.flush()
    return cats


def _cooperative(
    rng: random.Random,
    slug: str,
    fr: str,
    ar: str,
    region_code: str,
    province_code: str,
    city: str,
    sector: str,
    women_led: bool,
    story: str | None,
) -> Cooperative:
    members = rng.randint(7, 120)
    women_members = members if women_led else rng.randint(0, members // 2)
    what_fr, what_ar, what_en = CRAFT.get(sector, LOCAL_PRODUCE)
    women_fr, women_ar, women_en = _women(women_members)
    named = NAMED_IN_OTHER_LANGUAGES.get(slug)
    place = regions.province(province_code)
    city_ar, city_en = named[:2] if named else (place.name_ar if place else city, city)
    return Cooperative(
        slug=slug,
        name_fr=fr,
        name_ar=ar,
        registration_number=f"{rng.randint(100, 9999)}/{rng.randint(2005, 2022)}",
        registration_court=elide_de(f"Tribunal de première instance de {city}"),
        ice=make_ice(rng.randint(1_000_000, 999_999_999)),
        region_code=region_code,
        province_code=province_code,
        city=city,
        rural=True,
        women_led=women_led,
        members=members,
        women_members=women_members,
        sector=Sector(sector),
        founded_year=rng.randint(1995, 2021),
        story_fr=story
        or elide_de(
            STORY_FR.format(
                members=members,
                women=women_fr,
                short=fr.removeprefix("Coopérative "),
                city=city,
                what=what_fr,
            )
        ),
        story_ar=named[2]
        if named
        else STORY_AR.format(name=ar, city=city_ar, what=what_ar, members=members, women=women_ar),
        story_en=named[3]
        if named
        else STORY_EN.format(
            name=fr.removeprefix("Coopérative ") + " Cooperative",
            city=city_en,
            what=what_en,
            members=members,
            women=women_en,
        ),
        phone=f"+2126{rng.randint(10_000_000, 99_999_999)}",
        status=CooperativeStatus.VERIFIED,
        verified_at=utcnow(),
        vat_exempt=True,
    )


def _certificates(
    session: Session,
    rng: random.Random,
    coop: Cooperative,
    kinds: list[str],
    cats: dict[str, Category],
    today: date,
    index: int,
) -> None:
    needed: set[CertificateKind] = set()
    for kind in kinds:
        slug = KINDS[kind][0]
        if slug in FOOD_CATEGORIES:
            needed.add(CertificateKind.ONSSA)
        if slug == "cosmetiques":
            needed.add(CertificateKind.AMMPS)
        if slug == "masques":
            needed.add(CertificateKind.IMANOR_MASK)
    if "saffron" in kinds:
        needed.add(CertificateKind.AOP)
    if "argan_food" in kinds or "argan_cosmetic" in kinds:
        needed.add(CertificateKind.IGP)
    for kind in sorted(needed):
        # every 9th cooperative's first certificate lapsed: its products are not sold
        expired = index % 9 == 8 and kind == sorted(needed)[0]
        issued = today - timedelta(days=rng.randint(200, 900))
        expires = (
            today - timedelta(days=3) if expired else today + timedelta(days=rng.randint(40, 900))
        )
        session.add(
            Certificate(
                cooperative=coop,
                kind=kind,
                number=_certificate_number(rng, kind, coop),
                issuer=ISSUERS[kind],
                issued_on=issued,
                expires_on=expires,
                status=CertificateStatus.EXPIRED if expired else CertificateStatus.VERIFIED,
                verified_at=utcnow(),
            )
        )


ISSUERS = {
    CertificateKind.ONSSA: "ONSSA",
    CertificateKind.AMMPS: "AMMPS — Ministère de la Santé",
    CertificateKind.IMANOR_MASK: "IMANOR",
    CertificateKind.AOP: "Ministère de l'Agriculture (SDOQ)",
    CertificateKind.IGP: "Ministère de l'Agriculture (SDOQ)",
}


def _certificate_number(rng: random.Random, kind: CertificateKind, coop: Cooperative) -> str:
    if kind == CertificateKind.ONSSA:
        return f"AS.{coop.province_code.replace('.', '')}.{rng.randint(10, 99)}.{rng.randint(100, 999)}.20"
    if kind == CertificateKind.IMANOR_MASK:
        return f"NM/ST 21.5.201-{rng.randint(1000, 9999)}"
    return f"{kind.upper()}-{rng.randint(10000, 99999)}"


def _product(
    session: Session,
    rng: random.Random,
    coop: Cooperative,
    kind: str,
    cats: dict[str, Category],
    upload_folder: Path | MediaStore,
    number: int,
) -> Product:
    (slug, fr, ar, en, unit, qty, weight, (low, high), mto, per_day, desc) = KINDS[kind]
    price_mad = rng.randint(low, high)
    product = Product(
        cooperative=coop,
        category=cats[slug],
        sku=f"{kind.upper().replace('_', '-')}-{number:04d}",
        slug=f"{kind.replace('_', '-')}-{coop.slug}"[:150],
        title_fr=fr,
        title_ar=ar,
        title_en=en,
        description_fr=desc,
        description_ar=DESCRIPTIONS[kind][0],
        description_en=DESCRIPTIONS[kind][1],
        price_minor=price_mad * 100,
        unit=unit,
        net_quantity=qty,
        shipping_weight_g=weight,
        on_hand=rng.choice([0, 3, 8, 15, 25, 40, 120]) if not mto else rng.choice([0, 10, 50]),
        made_to_order=mto,
        units_per_day=per_day if mto else 0,
        status=ProductStatus.PUBLISHED,
        featured=rng.random() < 0.12,
    )
    if coop.slug == "ibdaat-rehamna" and kind == "mask":
        product.units_per_day = 2500
    name, w, h = images.save(upload_folder, seed=number, kind=kind)
    product.images.append(ProductImage(filename=name, width=w, height=h, alt=fr))
    session.add(product)
    return product
