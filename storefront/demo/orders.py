"""Demo data for orders: the Amana-like shipping tariffs, the commission, an operator
and one member account per named cooperative (with a bank account for payouts), one
per other cooperative (they supply the solidarity baskets), and two sample orders so the back office and the payout ledger have something to show.
Idempotent: what exists already is kept."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import settings
from catalog.accounts.users import NewUser, Role, User, hash_password, register_user
from catalog.errors import AccountExists
from catalog.models import Cooperative, Product
from catalog.money import Money
from orders import fulfilment, ledger, payment_attempts, placing
from orders.models import Order, PayoutAccount
from orders.shipping import seed_amana_preset
from storefront.demo.catalog_data import NAMED_COOPERATIVES
from storefront.demo.identifiers import make_rib

#: Printed by ``flask seed-demo``; for the demo only.
DEMO_PASSWORD = "taawun-demo-2026"  # noqa: S105  (demo accounts only)
OPERATOR_EMAIL = "operator@taawun.ma"
MEMBER_EMAILS = {
    "al-jil-al-jadid": "aljil@taawun.ma",
    "ibdaat-rehamna": "ibdaat@taawun.ma",
    "ayadi-el-fath": "ayadi@taawun.ma",
    "oqba": "oqba@taawun.ma",
}


def _account(
    session: Session,
    email: str,
    name: str,
    role: Role,
    cooperative_id: int | None = None,
    *,
    now: datetime,
    password_hash: str | None = None,
) -> bool:
    """Open a demo account with the demo password (``password_hash``: already hashed);
    False when the e-mail has one."""
    try:
        register_user(
            session,
            NewUser(email=email, password=DEMO_PASSWORD, name=name),
            role=role,
            cooperative_id=cooperative_id,
            now=now,
            password_hash=password_hash,
        )
    except AccountExists:
        return False
    return True


#: the other cooperatives' members: ``<slug>@MEMBER_DOMAIN``
MEMBER_DOMAIN = "membres.taawun.ma"


def seed_member_accounts(session: Session, *, now: datetime) -> int:
    """One member account for every cooperative that has none, so each purchase order
    of a demo basket order can be shipped from its back office. Returns how many were
    opened. They share the demo password, hashed once."""
    with_member = select(User.cooperative_id).where(User.cooperative_id.is_not(None))
    coops = session.scalars(
        select(Cooperative).where(Cooperative.id.not_in(with_member)).order_by(Cooperative.id)
    ).all()
    hashed = hash_password(DEMO_PASSWORD) if coops else ""
    opened = 0
    for coop in coops:
        email = f"{coop.slug}@{MEMBER_DOMAIN}"
        if _account(
            session,
            email,
            coop.name_fr,
            Role.COOPERATIVE,
            coop.id,
            now=now,
            password_hash=hashed,
        ):
            opened += 1
            if not coop.email:
                coop.email = email
    return opened


class DemoOrders(TypedDict):
    accounts: list[str]
    password: str
    orders: list[str]


def seed_orders(session: Session, *, now: datetime) -> DemoOrders:
    """Flushes only; returns the accounts made (e-mail list) and the password."""
    seed_amana_preset(session)
    settings.update(session, commission_bps=settings.DEFAULTS["commission_bps"])
    made: list[str] = []
    if _account(session, OPERATOR_EMAIL, "Opératrice Taawun", Role.OPERATOR, now=now):
        made.append(OPERATOR_EMAIL)
    named = [row[0] for row in NAMED_COOPERATIVES]
    coops = {
        c.slug: c for c in session.scalars(select(Cooperative).where(Cooperative.slug.in_(named)))
    }
    for slug in named:
        coop = coops.get(slug)
        if coop is None:
            continue
        email = MEMBER_EMAILS.get(slug, f"{slug.split('-')[0]}@taawun.ma")
        if _account(
            session, email, coop.name_fr, Role.COOPERATIVE, cooperative_id=coop.id, now=now
        ):
            made.append(email)
        if not coop.email:
            coop.email = email
        if session.get(PayoutAccount, coop.id) is None:
            ledger.set_payout_account(
                session, coop.id, holder_name=coop.name_fr, rib=make_rib(7, 780, coop.id)
            )
    session.flush()
    orders = _sample_orders(session, list(coops.values()), now=now)
    return {"accounts": made, "password": DEMO_PASSWORD, "orders": orders}


def _sample_orders(session: Session, coops: list[Cooperative], *, now: datetime) -> list[str]:
    if session.scalar(select(Order.id).limit(1)) is not None or len(coops) < 3:
        return []
    products = []
    for coop in sorted(coops, key=lambda c: c.slug):
        product = session.scalar(
            select(Product)
            .where(
                Product.cooperative_id == coop.id,
                Product.sellable.is_(True),
                (Product.on_hand - Product.allocated >= 2) | Product.made_to_order.is_(True),
            )
            .order_by(Product.id)
            .limit(1)
        )
        if product is not None:
            products.append(product)
    if len(products) < 3:
        return []
    placed = now - timedelta(days=3)
    # a cash-on-delivery order across three cooperatives, waiting to be prepared
    waiting = placing.place_order(
        session,
        {p.id: 1 for p in products[:3]},
        customer=placing.Customer("Salma Bennani", "salma@example.ma", "0661234567"),
        address=placing.Address("04", "04.421", "Hay Riad, rue Annakhil, immeuble 12", "Rabat"),
        delivery_option="home",
        payment_method="cod",
        now=placed,
    )
    # an institution's order paid by bank transfer and delivered: owed to the cooperative
    paid = placing.place_order(
        session,
        {products[0].id: 2},
        customer=placing.Customer("Association Amal", "contact@amal.example.ma", "0522334455"),
        address=placing.Address("06", "06.141", "Bd Zerktouni, 140, 3e étage", "Casablanca"),
        delivery_option="relay",
        payment_method="bank_transfer",
        now=placed,
    )
    payment_attempts.record_bank_transfer(
        session, paid, Money(paid.total_minor), reference="VIR-DEMO-0001", now=placed
    )
    part = paid.fulfilments[0]
    fulfilment.mark_shipped(session, part, "CB000000001MA", now=placed + timedelta(days=1))
    fulfilment.mark_delivered(session, part, now=placed + timedelta(days=2))
    session.flush()
    return [waiting.number, paid.number]
