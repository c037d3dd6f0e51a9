"""Test data builders: valid by default, every field overridable."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from catalog.models import (
    Category,
    CategoryRule,
    Certificate,
    CertificateKind,
    CertificateStatus,
    Cooperative,
    CooperativeStatus,
    Product,
    ProductStatus,
)
from catalog.rules import refresh_products
from storefront.demo.identifiers import make_ice

_seq = itertools.count(1)


class Factory:
    def __init__(self, session: Session, today: date) -> None:
        self.session = session
        self.today = today

    def category(self, slug: str | None = None, **kw: Any) -> Category:
        n = next(_seq)
        rule_kinds = kw.pop("required_kinds", None)
        cap = kw.pop("max_price_minor", None)
        cat = Category(slug=slug or f"cat-{n}", name_fr=kw.pop("name_fr", f"Catégorie {n}"), **kw)
        if rule_kinds is not None or cap is not None:
            cat.rule = CategoryRule(required_kinds=rule_kinds or [], max_unit_price_minor=cap)
        self.session.add(cat)
        self.session.flush()
        return cat

    def cooperative(self, **kw: Any) -> Cooperative:
        n = next(_seq)
        values: dict[str, Any] = {
            "slug": f"coop-{n}",
            "name_fr": f"Coopérative {n}",
            "name_ar": f"تعاونية {n}",
            "ice": make_ice(100_000 + n),
            "region_code": "09",
            "province_code": "09.001",
            "rural": True,
            "women_led": False,
            "members": 12,
            "women_members": 6,
            "status": CooperativeStatus.VERIFIED,
        }
        values.update(kw)
        coop = Cooperative(**values)
        self.session.add(coop)
        self.session.flush()
        return coop

    def certificate(self, coop: Cooperative, kind: str, **kw: Any) -> Certificate:
        values: dict[str, Any] = {
            "cooperative": coop,
            "kind": CertificateKind(kind),
            "number": f"N-{next(_seq)}",
            "issuer": "test",
            "issued_on": self.today - timedelta(days=100),
            "expires_on": self.today + timedelta(days=365),
            "status": CertificateStatus.VERIFIED,
        }
        values.update(kw)
        cert = Certificate(**values)
        self.session.add(cert)
        self.session.flush()
        return cert

    def product(
        self, coop: Cooperative | None = None, category: Category | None = None, **kw: Any
    ) -> Product:
        n = next(_seq)
        coop = coop or self.cooperative()
        category = category or self.category()
        values: dict[str, Any] = {
            "cooperative": coop,
            "category": category,
            "sku": f"SKU-{n}",
            "slug": f"product-{n}",
            "title_fr": f"Produit {n}",
            "price_minor": 10_000,
            "on_hand": 10,
            "shipping_weight_g": 500,
            "status": ProductStatus.PUBLISHED,
        }
        values.update(kw)
        product = Product(**values)
        self.session.add(product)
        self.session.flush()
        refresh_products(self.session, self.today, product_ids=[product.id])
        return product

    # -- accounts --------------------------------------------------------------------
    def users(self, *actors: Any) -> None:
        """The accounts behind ``catalog.audit.Actor`` values a test writes (same ids and
        e-mails), committed so that examples rolled back still find them."""
        from catalog.accounts.users import User

        for actor in actors:
            user = User(id=actor.id, email=actor.email or f"user{actor.id}@example.ma")
            user.set_password("argan-tree-2026")
            self.session.add(user)
        self.session.commit()

    # -- orders ----------------------------------------------------------------------
    def shipping(self) -> None:
        """The Amana-like shipping tariffs (home delivery and agency pick-up)."""
        from orders.shipping import seed_amana_preset

        seed_amana_preset(self.session)

    def order(
        self,
        items: dict[Product, int] | None = None,
        *,
        method: str = "cod",
        region_code: str = "06",
        province_code: str = "06.141",
        phone: str = "0612345678",
        email: str = "amina@example.ma",
        now: Any = None,
        **kw: Any,
    ) -> Any:
        """A placed order (the shipping tariffs are created when missing)."""
        from datetime import UTC, datetime, time

        from sqlalchemy import select

        from orders.models import ShippingTariff
        from orders.placing import Address, Customer, place_order

        if self.session.scalar(select(ShippingTariff.id).limit(1)) is None:
            self.shipping()
        items = items or {self.product(): 1}
        return place_order(
            self.session,
            {p.id: q for p, q in items.items()},
            customer=Customer(name="Amina Alaoui", email=email, phone=phone, **kw),
            address=Address(region_code, province_code, "12 rue des Orangers, Maarif"),
            delivery_option="home",
            payment_method=method,
            now=now or datetime.combine(self.today, time(9, 30), tzinfo=UTC),
        )
