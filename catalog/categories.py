"""The operator's category tree and its rules: the certificate kinds a category
requires and its price cap. Rules apply to the category and everything below it, so
changing one refreshes every product underneath."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import audit
from catalog.audit import Actor
from catalog.errors import FieldProblem, InvalidInput, Problem
from catalog.models import Category, CategoryRule, CertificateKind, Product, ProductStatus
from catalog.rules import problems as rule_problems
from catalog.rules import refresh_products
from catalog.safe_text import text_problems
from catalog.search import descendant_ids

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_CAP_MINOR = 100_000_000  # 1,000,000 MAD


@dataclass(frozen=True, slots=True)
class CategoryDraft:
    slug: str
    name_fr: str
    name_ar: str = ""
    name_en: str = ""
    parent_id: int | None = None
    position: int = 0
    required_kinds: tuple[str, ...] = ()
    max_unit_price_minor: int | None = None


def _subtree(session: Session, category_id: int) -> tuple[int, ...]:
    """A category's id and its descendants' (one read of the tree's ids)."""
    return descendant_ids(
        session.execute(select(Category.id, Category.parent_id)).all(), category_id
    )


def sellable_in(session: Session, category_id: int) -> set[int]:
    """The products on sale in a category and its subcategories (to compare before and
    after its rule changes)."""
    subtree = _subtree(session, category_id)
    return set(
        session.scalars(
            select(Product.id).where(Product.category_id.in_(subtree), Product.sellable.is_(True))
        )
    )


def units_sold_in(session: Session, category_id: int) -> set[str]:
    """How a category and its subcategories are sold: the units (``g``, ``ml``,
    ``piece``) of their published products, else of any of their products; empty when
    the category has no product at all."""
    subtree = _subtree(session, category_id)
    rows = session.execute(
        select(Product.unit, Product.status).where(Product.category_id.in_(subtree)).distinct()
    ).all()
    published = {str(unit) for unit, status in rows if status == ProductStatus.PUBLISHED}
    return published or {str(unit) for unit, _ in rows}


def taken_off_sale(
    session: Session, before: set[int], today: date
) -> dict[int, list[tuple[Product, list[Problem]]]]:
    """Of the products on sale ``before`` a change, those no longer on sale, with why,
    by cooperative: each cooperative is told what its rule change took off sale."""
    if not before:
        return {}
    found: dict[int, list[tuple[Product, list[Problem]]]] = {}
    for product in session.scalars(
        select(Product)
        .where(Product.id.in_(before), Product.sellable.is_(False))
        .order_by(Product.cooperative_id, Product.id)
    ):
        found.setdefault(product.cooperative_id, []).append(
            (product, rule_problems(product, today))
        )
    return found


def save_category(
    session: Session,
    category: Category | None,
    draft: CategoryDraft,
    *,
    actor: Actor,
    now: datetime,
) -> tuple[Category, int]:
    """Create (``category`` None) or change a category and its rule, then refresh
    the products of its subtree.

    :raises InvalidInput: with every problem found.
    :return: the category and how many products changed sellability.
    """
    categories = list(session.scalars(select(Category)))
    problems: list[FieldProblem] = []
    slug = draft.slug.strip().lower()
    if not _SLUG.match(slug) or len(slug) > 80:
        problems.append(FieldProblem("slug", "slug_format"))
    elif any(c.slug == slug and c is not category for c in categories):
        problems.append(FieldProblem("slug", "slug_taken"))
    if not draft.name_fr.strip():
        problems.append(FieldProblem("name_fr", "required"))
    for name in ("name_fr", "name_ar", "name_en"):
        if len(getattr(draft, name)) > 120:
            problems.append(FieldProblem(name, "too_long", {"max": 120}))
    problems += text_problems({n: getattr(draft, n) for n in ("name_fr", "name_ar", "name_en")})
    if draft.parent_id is not None:
        ids = {c.id for c in categories}
        if draft.parent_id not in ids:
            problems.append(FieldProblem("parent_id", "unknown_category"))
        elif category is not None and draft.parent_id in descendant_ids(categories, category.id):
            problems.append(FieldProblem("parent_id", "parent_cycle"))
    unknown = sorted(set(draft.required_kinds) - set(CertificateKind.__members__.values()))
    if unknown:
        problems.append(FieldProblem("required_kinds", "unknown_kind", {"kinds": unknown}))
    cap = draft.max_unit_price_minor
    if cap is not None and not 0 < cap <= MAX_CAP_MINOR:
        problems.append(FieldProblem("max_unit_price_minor", "not_positive"))
    if problems:
        raise InvalidInput(problems)

    creating = category is None
    if category is None:
        category = Category(slug=slug, name_fr=draft.name_fr.strip())
        session.add(category)
    before = _snapshot(category) if not creating else {}
    category.slug = slug
    category.name_fr = draft.name_fr.strip()
    category.name_ar = draft.name_ar.strip()
    category.name_en = draft.name_en.strip()
    category.parent_id = draft.parent_id
    category.position = draft.position
    kinds = sorted(set(draft.required_kinds))
    if kinds or cap is not None:
        if category.rule is None:
            category.rule = CategoryRule(required_kinds=kinds, max_unit_price_minor=cap)
        else:
            category.rule.required_kinds = kinds
            category.rule.max_unit_price_minor = cap
    elif category.rule is not None:
        session.delete(category.rule)
        category.rule = None
    session.flush()
    session.expire(category, ["parent"])  # follow the new parent_id in lineage()
    after = _snapshot(category)
    diff = audit.changes(before, after)
    changed = 0
    if not creating and diff:
        subtree = _subtree(session, category.id)
        product_ids = list(
            session.scalars(select(Product.id).where(Product.category_id.in_(subtree)))
        )
        if product_ids:
            changed = refresh_products(session, now.date(), product_ids=product_ids)
    if creating or diff:
        audit.record(
            session,
            actor,
            "category.create" if creating else "category.update",
            object_type="category",
            object_id=category.id,
            now=now,
            details=after if creating else diff,
        )
    return category, changed


def _snapshot(category: Category) -> dict[str, object]:
    rule = category.rule
    return {
        "slug": category.slug,
        "name_fr": category.name_fr,
        "name_ar": category.name_ar,
        "name_en": category.name_en,
        "parent_id": category.parent_id,
        "position": category.position,
        "required_kinds": sorted(rule.required_kinds or []) if rule else [],
        "max_unit_price_minor": rule.max_unit_price_minor if rule else None,
    }
