"""A small catalog of staples from rural (and one urban) cooperatives, an organisation
and a three-line basket template, for the solidarity-basket tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from catalog.accounts.users import Organisation, OrganisationStatus, Role, User
from catalog.db import utcnow
from catalog.models import Category, Cooperative, Product
from orders.shipping import seed_amana_preset
from solidarity_baskets.models import BasketTemplate
from solidarity_baskets.request import BasketRequest, DestinationRequest
from solidarity_baskets.templates import EquivalentSpec, LineSpec, TemplateSpec, ensure_ready_made
from storefront.extensions import db
from tests.factories import Factory

SPEC = TemplateSpec(
    slug="test-basket",
    name="Panier test",
    description="",
    lines=(
        LineSpec("vannerie", 1, "piece", is_container=True),
        LineSpec(
            "couscous",
            2000,
            "g",
            nutrition_key="couscous_wheat",
            equivalents=(EquivalentSpec("pates", 2000, "g", accepted=False),),
        ),
        LineSpec("huile-olive", 1000, "ml", nutrition_key="olive_oil"),
    ),
)


@dataclass
class BasketWorld:
    categories: dict[str, Category]
    template: BasketTemplate
    organisation: Organisation
    member: User
    coops: dict[str, Cooperative] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)

    def request(self, today: date, **kw: object) -> BasketRequest:
        values: dict[str, object] = {
            "organisation_id": self.organisation.id,
            "template_id": self.template.id,
            "destinations": (
                DestinationRequest("06.141", 60),
                DestinationRequest("09.001", 40),
            ),
            "deliver_by": today + timedelta(days=21),
            "family_size": 5,
            "budget_per_basket_minor": 30_000,
            "max_share_bps": 10_000,
        }
        values.update(kw)
        return BasketRequest(**values)  # type: ignore[arg-type]


def now_of(today: date) -> datetime:
    return datetime.combine(today, time(9, 30), tzinfo=UTC)


def organisation(
    session: Session,
    *,
    verified: bool = True,
    name: str = "Association Al Amal",
    email: str = "ngo@example.ma",
) -> tuple[Organisation, User]:
    org = Organisation(
        name=name,
        kind="ngo",
        region_code="06",
        address="12 boulevard Zerktouni, Casablanca",
        phone="+212522000000",
        email=f"contact-{email}",
        status=OrganisationStatus.VERIFIED if verified else OrganisationStatus.PENDING,
    )
    session.add(org)
    session.flush()
    from tests.storefront.backoffice import _password_hash

    user = User(
        email=email,
        name="Khadija Bennani",
        phone="+212612345678",
        role=Role.ORGANISATION,
        organisation_id=org.id,
        password_hash=_password_hash(),
    )
    session.add(user)
    session.flush()
    return org, user


def basket_world(session: Session, make: Factory, *, plenty: bool = True) -> BasketWorld:
    """Rural cooperatives in Marrakech-Safi (07), Souss-Massa (09) and Casablanca-Settat
    (06), one urban cooperative with the cheapest oil, and the test template.

    With ``plenty`` every line can serve 100 baskets from stock; otherwise bags are
    made to order, 10 a day."""
    seed_amana_preset(session)
    cats = {
        "vannerie": make.category("vannerie", name_fr="Vannerie"),
        "couscous": make.category("couscous", name_fr="Couscous", nutrition_key="couscous_wheat"),
        "pates": make.category("pates", name_fr="Pâtes", nutrition_key="pasta_dry"),
        "huile-olive": make.category(
            "huile-olive", name_fr="Huile d'olive", nutrition_key="olive_oil"
        ),
    }
    world = BasketWorld(
        categories=cats,
        template=ensure_ready_made(session, (SPEC,))[0],
        organisation=None,  # type: ignore[arg-type]
        member=None,  # type: ignore[arg-type]
    )
    world.organisation, world.member = organisation(session)
    coop = world.coops
    coop["weavers"] = make.cooperative(
        name_fr="Coopérative Tissage Doum", region_code="07", province_code="07.427", women_led=True
    )
    coop["souss"] = make.cooperative(
        name_fr="Coopérative Souss Couscous", region_code="09", province_code="09.001"
    )
    coop["chaouia"] = make.cooperative(
        name_fr="Coopérative Chaouia", region_code="06", province_code="06.181", women_led=True
    )
    coop["city"] = make.cooperative(
        name_fr="Coopérative urbaine", region_code="06", province_code="06.141", rural=False
    )
    p = world.products
    bag = {"on_hand": 200} if plenty else {"on_hand": 0, "made_to_order": True, "units_per_day": 10}
    p["bag"] = make.product(
        coop["weavers"],
        cats["vannerie"],
        unit="piece",
        net_quantity=1,
        price_minor=3000,
        shipping_weight_g=300,
        title_fr="Couffin en doum",
        **bag,
    )
    p["couscous_1kg"] = make.product(
        coop["souss"],
        cats["couscous"],
        unit="g",
        net_quantity=1000,
        price_minor=2000,
        shipping_weight_g=1050,
        on_hand=300,
        title_fr="Couscous 1 kg",
    )
    p["couscous_900g"] = make.product(
        coop["chaouia"],
        cats["couscous"],
        unit="g",
        net_quantity=900,
        price_minor=1200,
        shipping_weight_g=950,
        on_hand=300,
        title_fr="Couscous 900 g",
    )
    p["pasta"] = make.product(
        coop["chaouia"],
        cats["pates"],
        unit="g",
        net_quantity=500,
        price_minor=700,
        shipping_weight_g=520,
        on_hand=400,
        title_fr="Pâtes 500 g",
    )
    p["oil"] = make.product(
        coop["chaouia"],
        cats["huile-olive"],
        unit="ml",
        net_quantity=1000,
        price_minor=8000,
        shipping_weight_g=1100,
        on_hand=150,
        title_fr="Huile d'olive 1 L",
    )
    p["city_oil"] = make.product(
        coop["city"],
        cats["huile-olive"],
        unit="ml",
        net_quantity=1000,
        price_minor=5000,
        shipping_weight_g=1100,
        on_hand=500,
        title_fr="Huile urbaine",
    )
    session.flush()
    return world


def order_form(world: BasketWorld, **changes: str) -> dict[str, str]:
    """The order form of the storefront, filled for 60 + 40 baskets in three weeks."""
    data: dict[str, str] = {
        "template_id": str(world.template.id),
        "destinations-0-province_code": "06.141",
        "destinations-0-baskets": "60",
        "destinations-0-hub_name": "",
        "destinations-1-province_code": "09.001",
        "destinations-1-baskets": "40",
        "destinations-1-hub_name": "Hub Anza",
        "destinations-2-province_code": "",
        "destinations-2-baskets": "",
        "destinations-2-hub_name": "",
        "deliver_by": (utcnow().date() + timedelta(days=21)).isoformat(),
        "budget_per_basket": "300",
        "family_size": "5",
        "max_share": "100",
        "women_led_preference": "y",
    }
    data.update(changes)
    return data


@contextmanager
def app_queries(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the storefront sends while the block runs (the app has its
    own engine, not the ``engine`` fixture's)."""
    with app.app_context():
        app_engine = db.engine
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        statements.append(statement)

    event.listen(app_engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(app_engine, "before_cursor_execute", before)
