"""Category rules and sellability.

A product is sold only if it is published, its cooperative is verified, every
certificate kind its category (or an ancestor) requires is held — verified and
unexpired, for the product or for the whole cooperative — and its price is under the
category's cap. :func:`refresh_products` writes the verdict into the denormalised
columns the catalog queries filter on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog import audit
from catalog.errors import PriceAboveCap, Problem
from catalog.models import (
    Category,
    Certificate,
    Cooperative,
    CooperativeStatus,
    Product,
    ProductLabel,
    ProductStatus,
)
from catalog.money import Money
from catalog.text import search_texts


def required_kinds(category: Category) -> set[str]:
    """Certificate kinds required by a category and its ancestors."""
    kinds: set[str] = set()
    for node in category.lineage():
        if node.rule is not None:
            kinds.update(node.rule.required_kinds or ())
    return kinds


def price_cap(category: Category) -> Money | None:
    """The lowest price cap among the category and its ancestors."""
    caps = [
        node.rule.max_unit_price
        for node in category.lineage()
        if node.rule is not None and node.rule.max_unit_price is not None
    ]
    caps = [c for c in caps if c is not None]
    return min(caps, key=lambda m: m.amount_minor) if caps else None


def check_price(category: Category, price: Money) -> None:
    """Refuse a price above the category's cap.

    :raises PriceAboveCap: with ``cap_minor``, ``price_minor`` and ``category`` (slug).
    """
    cap = price_cap(category)
    if cap is not None and price.amount_minor > cap.amount_minor:
        raise PriceAboveCap(
            cap_minor=cap.amount_minor, price_minor=price.amount_minor, category=category.slug
        )


def valid_kinds(product: Product, certificates: Iterable[Certificate], today: date) -> set[str]:
    """Kinds of the verified, unexpired certificates covering ``product``."""
    return {
        str(c.kind)
        for c in certificates
        if c.is_valid_on(today) and (c.product_id is None or c.product_id == product.id)
    }


def problems(product: Product, today: date) -> list[Problem]:
    """Every reason ``product`` is not sold today (empty when it is sellable)."""
    found: list[Problem] = []
    if product.status != ProductStatus.PUBLISHED:
        found.append(Problem("not_published", {"status": str(product.status)}))
    coop = product.cooperative
    if coop.status != CooperativeStatus.VERIFIED:
        found.append(Problem("cooperative_not_verified", {"status": str(coop.status)}))
    held = valid_kinds(product, coop.certificates, today)
    missing = sorted(required_kinds(product.category) - held)
    if missing:
        found.append(Problem("missing_certificates", {"kinds": missing}))
    cap = price_cap(product.category)
    if cap is not None and product.price_minor > cap.amount_minor:
        found.append(
            Problem(
                "price_above_cap",
                {"cap_minor": cap.amount_minor, "price_minor": product.price_minor},
            )
        )
    return found


def refresh_products(
    session: Session,
    today: date,
    *,
    product_ids: Iterable[int] | None = None,
    cooperative_ids: Iterable[int] | None = None,
) -> int:
    """Recompute ``sellable``, ``region_code``, ``women_led``, labels and the search
    document of the chosen products (all products when neither filter is given).

    Loads products with their cooperative, certificates and category tree in a fixed
    number of queries. Flushes; the caller commits.

    :return: how many products changed sellability.
    """
    stmt = select(Product).options(
        selectinload(Product.cooperative).selectinload(Cooperative.certificates),
        selectinload(Product.category),
        selectinload(Product.labels),
    )
    if product_ids is not None:
        stmt = stmt.where(Product.id.in_(list(product_ids)))
    if cooperative_ids is not None:
        stmt = stmt.where(Product.cooperative_id.in_(list(cooperative_ids)))
    # the category tree is small: load it whole so lineage() never hits the database
    session.scalars(select(Category)).all()
    changed = 0
    for product in session.scalars(stmt):
        sellable = not problems(product, today)
        if sellable != product.sellable:
            changed += 1
        product.sellable = sellable
        coop = product.cooperative
        product.region_code = coop.region_code
        product.women_led = coop.women_led
        product.search_document, product.search_stems = search_texts(product)
        kinds = valid_kinds(product, coop.certificates, today) if sellable else set()
        for label in list(product.labels):
            if label.kind not in kinds:
                product.labels.remove(label)
        have = {label.kind for label in product.labels}
        for kind in sorted(kinds - have):
            product.labels.append(ProductLabel(kind=kind))
    session.flush()
    return changed


def cooperative_changed(
    session: Session,
    coop: Cooperative,
    action: str,
    *,
    actor: audit.Actor,
    now: datetime,
    values: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """What follows every change to a cooperative's row (its profile, an accepted
    claim, the operator's decision): ``values`` written on it, its listings refreshed
    (region, women-led flag, search text, on sale or not) and ``cooperative.<action>``
    logged. Flushes."""
    for name, value in (values or {}).items():
        setattr(coop, name, value)
    session.flush()
    refresh_products(session, now.date(), cooperative_ids=[coop.id])
    audit.record_cooperative(session, actor, action, coop.id, now=now, details=details)
