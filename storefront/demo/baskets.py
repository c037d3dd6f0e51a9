"""Demo data for solidarity baskets: the two ready-made templates, a verified NGO with
one member, and rural cooperatives stocked with staples and woven bags, enough for the
2020 SAC case (4,000 baskets for Casablanca and Agadir in three weeks) while an order
fifty times larger comes back short. Idempotent: what exists already is kept."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.accounts.users import (
    NewUser,
    Organisation,
    OrganisationStatus,
    Role,
    User,
    register_user,
)
from catalog.media import MediaStore
from catalog.models import (
    Category,
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
from solidarity_baskets.templates import ensure_ready_made
from storefront.demo import images
from storefront.demo.identifiers import make_ice
from storefront.demo.orders import DEMO_PASSWORD

NGO_EMAIL = "ngo@taawun.ma"
NGO_NAME = "Association Al Amal"

# kind -> category slug, title fr, title ar, title en, unit, net quantity, weight g,
#         price MAD, made to order (the picture is drawn from the kind key)
STAPLES = {
    "bag": (
        "vannerie",
        "Couffin en doum tressé",
        "قفة من الدوم",
        "Woven doum bag",
        "piece",
        1,
        350,
        30,
        True,
    ),
    "flour": (
        "farine",
        "Farine de blé dur, sac de 5 kg",
        "دقيق القمح الصلب 5 كغ",
        "Durum wheat flour, 5 kg",
        "g",
        5000,
        5100,
        45,
        True,
    ),
    "couscous": (
        "couscous",
        "Couscous roulé main, 1 kg",
        "كسكس مفتول 1 كغ",
        "Hand-rolled couscous, 1 kg",
        "g",
        1000,
        1050,
        18,
        True,
    ),
    "pasta": (
        "pates",
        "Vermicelles de blé dur, 1 kg",
        "شعرية القمح الصلب 1 كغ",
        "Durum wheat vermicelli, 1 kg",
        "g",
        1000,
        1050,
        15,
        True,
    ),
    "oil": (
        "huile-olive",
        "Huile d'olive vierge, 1 L",
        "زيت زيتون بكر 1 ل",
        "Virgin olive oil, 1 L",
        "ml",
        1000,
        1100,
        70,
        False,
    ),
    "lentils": (
        "lentilles",
        "Lentilles du pays, 1 kg",
        "عدس بلدي 1 كغ",
        "Local lentils, 1 kg",
        "g",
        1000,
        1030,
        18,
        False,
    ),
    "sugar": (
        "sucre",
        "Sucre en pain, 2 kg",
        "سكر قالب 2 كغ",
        "Sugar loaf, 2 kg",
        "g",
        2000,
        2050,
        24,
        False,
    ),
    "tea": (
        "the",
        "Thé vert gunpowder, 250 g",
        "شاي أخضر 250 غ",
        "Gunpowder green tea, 250 g",
        "g",
        250,
        270,
        20,
        False,
    ),
    "dates": (
        "dattes",
        "Dattes Boufeggous, 1 kg",
        "تمر بوفقوس 1 كغ",
        "Boufeggous dates, 1 kg",
        "g",
        1000,
        1080,
        45,
        False,
    ),
    "tomato": (
        "concentre-tomate",
        "Concentré de tomate, 850 g",
        "مركز الطماطم 850 غ",
        "Tomato paste, 850 g",
        "g",
        850,
        900,
        15,
        False,
    ),
}

# slug, name fr, name ar, region, province, women-led, sector, [(kind, stock, units per day)]
SUPPLIERS = [
    (
        "tighanimine-doum-rehamna",
        "Coopérative Tighanimine Doum",
        "تعاونية تيغانيمين للدوم",
        "07",
        "07.427",
        True,
        "handicraft",
        [("bag", 250, 70)],
    ),
    (
        "nakhil-sraghna",
        "Coopérative Nakhil Sraghna",
        "تعاونية نخيل السراغنة",
        "07",
        "07.191",
        False,
        "handicraft",
        [("bag", 200, 60), ("lentils", 1500, 0)],
    ),
    (
        "tafilalet-ouahat",
        "Coopérative Ouahat Tafilalet",
        "تعاونية واحات تافيلالت",
        "08",
        "08.201",
        True,
        "agriculture",
        [("dates", 1800, 0), ("bag", 150, 50)],
    ),
    (
        "draa-nakhla",
        "Coopérative Nakhla Drâa",
        "تعاونية نخلة درعة",
        "08",
        "08.587",
        False,
        "agriculture",
        [("dates", 1600, 0), ("tea", 1500, 0)],
    ),
    (
        "souss-tifawin",
        "Coopérative Tifawin Souss",
        "تعاونية تيفاوين سوس",
        "09",
        "09.541",
        True,
        "food",
        [("tomato", 2200, 0), ("couscous", 1500, 220), ("bag", 180, 60)],
    ),
    (
        "chtouka-amal",
        "Coopérative Al Amal Chtouka",
        "تعاونية الأمل اشتوكة",
        "09",
        "09.163",
        False,
        "food",
        [("tomato", 2000, 0), ("oil", 1300, 0)],
    ),
    (
        "tiznit-tamount",
        "Coopérative Tamount Tiznit",
        "تعاونية تامونت تيزنيت",
        "09",
        "09.581",
        True,
        "food",
        [("couscous", 1400, 200), ("pasta", 1200, 200), ("tea", 1500, 0)],
    ),
    (
        "guelmim-doum",
        "Coopérative Doum Oued Noun",
        "تعاونية دوم واد نون",
        "10",
        "10.261",
        True,
        "handicraft",
        [("bag", 150, 50)],
    ),
    (
        "doukkala-baraka",
        "Coopérative Al Baraka Doukkala",
        "تعاونية البركة دكالة",
        "06",
        "06.181",
        False,
        "agriculture",
        [("flour", 900, 110), ("sugar", 2200, 0), ("lentils", 1500, 0)],
    ),
    (
        "chaouia-nahda",
        "Coopérative Annahda Chaouia",
        "تعاونية النهضة الشاوية",
        "06",
        "06.461",
        True,
        "agriculture",
        [("flour", 800, 100), ("couscous", 1500, 200), ("oil", 1200, 0)],
    ),
    (
        "tadla-khair",
        "Coopérative Al Khair Tadla",
        "تعاونية الخير تادلة",
        "05",
        "05.255",
        False,
        "agriculture",
        [("flour", 800, 100), ("sugar", 2000, 0), ("lentils", 1400, 0)],
    ),
    (
        "azilal-tizi",
        "Coopérative Tizi Azilal",
        "تعاونية تيزي أزيلال",
        "05",
        "05.081",
        True,
        "agriculture",
        [("oil", 1300, 0), ("dates", 1200, 0)],
    ),
    (
        "saiss-wafae",
        "Coopérative Al Wafae Saïss",
        "تعاونية الوفاء سايس",
        "03",
        "03.591",
        False,
        "agriculture",
        [("flour", 800, 100), ("oil", 1400, 0), ("pasta", 1200, 200)],
    ),
    (
        "taounate-zitoun",
        "Coopérative Zitoun Taounate",
        "تعاونية زيتون تاونات",
        "03",
        "03.531",
        True,
        "agriculture",
        [("oil", 1300, 0), ("lentils", 1300, 0), ("sugar", 2000, 0)],
    ),
    (
        "haouz-tinmel",
        "Coopérative Tinmel Haouz",
        "تعاونية تينمل الحوز",
        "07",
        "07.041",
        True,
        "food",
        [("couscous", 1400, 200), ("tea", 1500, 0), ("tomato", 1800, 0)],
    ),
]


class DemoBaskets(TypedDict):
    accounts: list[str]
    password: str
    templates: list[str]
    #: cooperatives made for the baskets
    cooperatives: int


def seed_baskets(
    session: Session, upload_folder: Path | MediaStore, *, today: date, now: datetime
) -> DemoBaskets:
    """Flushes only; returns the accounts made (e-mail list) and the templates."""
    made = _suppliers(session, upload_folder, today=today, now=now)
    templates = ensure_ready_made(session)
    accounts: list[str] = []
    if session.scalar(select(User.id).where(User.email == NGO_EMAIL)) is None:
        organisation = Organisation(
            name=NGO_NAME,
            kind="ngo",
            registration_number="RD-2011-0457",
            region_code="06",
            address="140, boulevard Zerktouni, 3e étage, Casablanca",
            phone="+212522334455",
            email="contact@alamal.example.ma",
            status=OrganisationStatus.VERIFIED,
            created_at=now,
            verified_at=now,
        )
        register_user(
            session,
            NewUser(email=NGO_EMAIL, password=DEMO_PASSWORD, name="Responsable des paniers"),
            role=Role.ORGANISATION,
            organisation=organisation,
            now=now,
        )
        accounts.append(NGO_EMAIL)
    session.flush()
    return {
        "accounts": accounts,
        "password": DEMO_PASSWORD,
        "templates": [t.name for t in templates],
        "cooperatives": made,
    }


def _suppliers(
    session: Session, upload_folder: Path | MediaStore, *, today: date, now: datetime
) -> int:
    categories = {c.slug: c for c in session.scalars(select(Category))}
    existing = set(
        session.scalars(
            select(Cooperative.slug).where(Cooperative.slug.in_([s[0] for s in SUPPLIERS]))
        )
    )
    made = []
    for number, (slug, fr, ar, region, province, women, sector, stock) in enumerate(
        SUPPLIERS, start=1
    ):
        if slug in existing:
            continue
        members = 14 + 3 * number
        coop = Cooperative(
            slug=slug,
            name_fr=fr,
            name_ar=ar,
            registration_number=f"{300 + number}/2015",
            registration_court="Tribunal de première instance",
            ice=make_ice(900_000_000 + number),
            region_code=region,
            province_code=province,
            city="",
            rural=True,
            women_led=women,
            members=members,
            women_members=members if women else members // 3,
            sector=Sector(sector),
            founded_year=2005 + number % 12,
            story_fr=(
                f"{fr} réunit {members} membres et fournit des produits de base aux paniers "
                "solidaires des associations."
            ),
            story_ar=(f"{ar}: {members} عضوا يزوّدون السلال التضامنية للجمعيات بالمواد الأساسية."),
            story_en=(
                f"{fr.removeprefix('Coopérative ')} Cooperative: {members} members supplying "
                "staples to the associations' solidarity baskets."
            ),
            phone=f"+2126610{number:05d}",
            status=CooperativeStatus.VERIFIED,
            verified_at=now,
        )
        session.add(coop)
        food = any(STAPLES[kind][0] != "vannerie" for kind, _, _ in stock)
        if food:
            session.add(
                Certificate(
                    cooperative=coop,
                    kind=CertificateKind.ONSSA,
                    number=f"AS.{province.replace('.', '')}.{number:02d}.2024",
                    issuer="ONSSA",
                    issued_on=today - timedelta(days=300),
                    expires_on=today + timedelta(days=700),
                    status=CertificateStatus.VERIFIED,
                    verified_at=now,
                )
            )
        for position, (kind, units, per_day) in enumerate(stock):
            category_slug, t_fr, t_ar, t_en, unit, net, weight, price, mto = STAPLES[kind]
            category = categories.get(category_slug)
            if category is None:
                continue
            product = Product(
                cooperative=coop,
                category=category,
                sku=f"SAC-{kind.upper()}-{number:02d}",
                slug=f"{kind}-{slug}",
                title_fr=t_fr,
                title_ar=t_ar,
                title_en=t_en,
                description_fr=f"{t_fr}, de la {fr[0].lower()}{fr[1:]}.",
                description_ar=f"{t_ar}، من {ar}.",
                description_en=f"{t_en}, from {fr.removeprefix('Coopérative ')} Cooperative.",
                price_minor=(price + number % 3) * 100,
                unit=unit,
                net_quantity=net,
                shipping_weight_g=weight,
                on_hand=units,
                made_to_order=mto,
                units_per_day=per_day if mto else 0,
                lead_days=1 if mto else 0,
                status=ProductStatus.PUBLISHED,
            )
            name, w, h = images.save(upload_folder, seed=500 + number * 10 + position, kind=kind)
            product.images.append(ProductImage(filename=name, width=w, height=h, alt=t_fr))
            session.add(product)
        made.append(coop)
    session.flush()
    if made:
        refresh_products(session, today, cooperative_ids=[c.id for c in made])
    return len(made)
