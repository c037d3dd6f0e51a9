"""Basket templates: the two ready-made ones (the 2020 "Solidaire avec les
coopératives" basket and the national Ramadan basket) and the use cases an
organisation edits its own templates with.

A line is a catalog category (its subcategories count too) and a net quantity in the
unit its products are sold in; an equivalent is another category that may replace
the line, with its own net quantity (pasta 2 kg for couscous 2 kg).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from catalog.categories import units_sold_in
from catalog.errors import FieldProblem, InvalidInput
from catalog.models import Category, Unit
from catalog.safe_text import text_problems
from solidarity_baskets import nutrition
from solidarity_baskets.errors import BasketError
from solidarity_baskets.models import BasketQuote, BasketTemplate, LineEquivalent, TemplateLine

MAX_LINES = 30
MAX_EQUIVALENTS = 5
#: 100 kg, 100 L or 100 pieces of one kind in one basket
MAX_NET_QUANTITY = 100_000
MAX_NAME = 200
MAX_DESCRIPTION = 2000
UNITS = tuple(str(u) for u in Unit)


@dataclass(frozen=True, slots=True)
class EquivalentSpec:
    category_slug: str
    net_quantity: int
    unit: str
    accepted: bool = True


@dataclass(frozen=True, slots=True)
class LineSpec:
    category_slug: str
    net_quantity: int
    unit: str
    is_container: bool = False
    nutrition_key: str | None = None
    equivalents: tuple[EquivalentSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    slug: str
    name: str
    description: str
    lines: tuple[LineSpec, ...] = field(default_factory=tuple)


#: The 2020 drive: 4,000 baskets for families around Casablanca and Agadir, the
#: container and everything in it from rural cooperatives.
SAC_2020 = TemplateSpec(
    slug="sac-2020",
    name="SAC – Solidaire avec les coopératives (2020)",
    description=(
        "Un couffin tressé par une coopérative rurale, rempli de produits de base de "
        "coopératives rurales : farine, couscous, huile d'olive, lentilles, sucre, thé, "
        "dattes et concentré de tomate."
    ),
    lines=(
        LineSpec("vannerie", 1, "piece", is_container=True),
        LineSpec("farine", 5000, "g", nutrition_key="flour_white"),
        LineSpec(
            "couscous",
            2000,
            "g",
            nutrition_key="couscous_wheat",
            equivalents=(EquivalentSpec("pates", 2000, "g"),),
        ),
        LineSpec("huile-olive", 1000, "ml", nutrition_key="olive_oil"),
        LineSpec("lentilles", 1000, "g", nutrition_key="lentils"),
        LineSpec("sucre", 2000, "g", nutrition_key="sugar"),
        LineSpec("the", 250, "g", nutrition_key="tea_green_gunpowder"),
        LineSpec("dattes", 1000, "g", nutrition_key="dates_medjool"),
        LineSpec("concentre-tomate", 850, "g", nutrition_key="tomato_paste"),
    ),
)

#: The national Ramadan food operation: about a million households in the provinces
#: and prefectures, each basket as below (no container in that operation's list).
RAMADAN_NATIONAL = TemplateSpec(
    slug="ramadan-national",
    name="Opération Ramadan – panier national",
    description=(
        "Le panier de l'opération nationale de Ramadan : 10 kg de farine, 4 kg de sucre, "
        "5 L d'huile, 5 kg de riz, 1 kg de lentilles, 1 kg de pâtes, 850 g de concentré "
        "de tomate, 850 g de thé et 6 L de lait."
    ),
    lines=(
        LineSpec("farine", 10_000, "g", nutrition_key="flour_white"),
        LineSpec("sucre", 4000, "g", nutrition_key="sugar"),
        LineSpec("huile-olive", 5000, "ml", nutrition_key="olive_oil"),
        LineSpec(
            "riz",
            5000,
            "g",
            nutrition_key="rice",
            equivalents=(EquivalentSpec("couscous", 5000, "g", accepted=False),),
        ),
        LineSpec("lentilles", 1000, "g", nutrition_key="lentils"),
        LineSpec(
            "pates",
            1000,
            "g",
            nutrition_key="pasta",
            equivalents=(EquivalentSpec("couscous", 1000, "g"),),
        ),
        LineSpec("concentre-tomate", 850, "g", nutrition_key="tomato_paste"),
        LineSpec("the", 850, "g", nutrition_key="tea_green_gunpowder"),
        LineSpec("lait", 6000, "ml", nutrition_key="milk_powder_whole"),
    ),
)

READY_MADE = (SAC_2020, RAMADAN_NATIONAL)


def ensure_ready_made(
    session: Session, specs: tuple[TemplateSpec, ...] = READY_MADE
) -> list[BasketTemplate]:
    """Create the ready-made templates that do not exist yet (by slug). A line whose
    category is missing from the catalog is left out. Flushes.

    :return: the ready-made templates, existing or new, in ``specs`` order.
    """
    categories = {c.slug: c for c in session.scalars(select(Category))}
    made: list[BasketTemplate] = []
    for spec in specs:
        template = session.scalar(select(BasketTemplate).where(BasketTemplate.slug == spec.slug))
        if template is None:
            template = BasketTemplate(slug=spec.slug, name=spec.name, description=spec.description)
            session.add(template)
            for position, line_spec in enumerate(spec.lines, start=1):
                category = categories.get(line_spec.category_slug)
                if category is None:
                    continue
                line = TemplateLine(
                    position=position,
                    category=category,
                    net_quantity=line_spec.net_quantity,
                    unit=line_spec.unit,
                    is_container=line_spec.is_container,
                    nutrition_key=nutrition.resolve(
                        line_spec.nutrition_key or category.nutrition_key
                    ),
                )
                for eq in line_spec.equivalents:
                    eq_category = categories.get(eq.category_slug)
                    if eq_category is None:
                        continue
                    line.equivalents.append(
                        LineEquivalent(
                            category=eq_category,
                            net_quantity=eq.net_quantity,
                            unit=eq.unit,
                            accepted=eq.accepted,
                            nutrition_key=nutrition.resolve(eq_category.nutrition_key),
                        )
                    )
                template.lines.append(line)
        made.append(template)
    session.flush()
    return made


# -- reading ------------------------------------------------------------------------------
_WITH_LINES = selectinload(BasketTemplate.lines).selectinload(TemplateLine.equivalents)


def templates_for(session: Session, organisation_id: int) -> list[BasketTemplate]:
    """The ready-made templates, then the organisation's own, with their lines (a fixed
    number of queries)."""
    stmt = (
        select(BasketTemplate)
        .where(
            or_(
                BasketTemplate.organisation_id.is_(None),
                BasketTemplate.organisation_id == organisation_id,
            )
        )
        .options(_WITH_LINES)
        .order_by(BasketTemplate.organisation_id.is_not(None), BasketTemplate.id)
    )
    return list(session.scalars(stmt))


def template_for(session: Session, organisation_id: int, template_id: int) -> BasketTemplate | None:
    """A template the organisation may use (ready-made or its own), else None."""
    return session.scalar(
        select(BasketTemplate)
        .where(
            BasketTemplate.id == template_id,
            or_(
                BasketTemplate.organisation_id.is_(None),
                BasketTemplate.organisation_id == organisation_id,
            ),
        )
        .options(_WITH_LINES)
    )


def own_template(session: Session, organisation_id: int, template_id: int) -> BasketTemplate | None:
    """A template the organisation may edit (its own), else None."""
    return session.scalar(
        select(BasketTemplate)
        .where(BasketTemplate.id == template_id, BasketTemplate.organisation_id == organisation_id)
        .options(_WITH_LINES)
    )


def line_food(line: TemplateLine) -> nutrition.LineFood:
    return nutrition.LineFood(line.nutrition_key, line.net_quantity, line.unit)


def template_coverage(template: BasketTemplate, family_size: int) -> nutrition.Coverage:
    """What one basket of ``template`` covers for a family of ``family_size``."""
    return nutrition.basket_coverage(
        [line_food(line) for line in template.lines if not line.is_container], family_size
    )


# -- editing an organisation's own templates -------------------------------------------------
def copy_template(
    session: Session,
    source: BasketTemplate,
    *,
    organisation_id: int,
    now: datetime,
    name: str | None = None,
) -> BasketTemplate:
    """A copy of ``source`` (lines and equivalents) that the organisation owns. Flushes."""
    copy = BasketTemplate(
        organisation_id=organisation_id,
        name=(name or source.name)[:MAX_NAME],
        description=source.description,
        based_on_id=source.id,
        created_at=now,
        updated_at=now,
    )
    for line in source.lines:
        new_line = TemplateLine(
            position=line.position,
            category_id=line.category_id,
            net_quantity=line.net_quantity,
            unit=line.unit,
            is_container=line.is_container,
            nutrition_key=line.nutrition_key,
        )
        for eq in line.equivalents:
            new_line.equivalents.append(
                LineEquivalent(
                    category_id=eq.category_id,
                    net_quantity=eq.net_quantity,
                    unit=eq.unit,
                    accepted=eq.accepted,
                    penalty_bps=eq.penalty_bps,
                    nutrition_key=eq.nutrition_key,
                )
            )
        copy.lines.append(new_line)
    session.add(copy)
    session.flush()
    return copy


def delete_template(session: Session, template: BasketTemplate) -> None:
    """Delete an organisation's own template with its lines and equivalents. Quotes and
    orders made from it keep what they copied of it; copies made from it stay. Flushes.

    :raises BasketError: ``template_not_found`` for a ready-made template (no owner).
    """
    if template.organisation_id is None:
        raise BasketError("template_not_found")
    for quote in session.scalars(select(BasketQuote).where(BasketQuote.template_id == template.id)):
        quote.template_id = None
    for child in session.scalars(
        select(BasketTemplate).where(BasketTemplate.based_on_id == template.id)
    ):
        child.based_on_id = None
    session.delete(template)
    session.flush()


def rename_template(
    template: BasketTemplate, name: str, description: str, *, now: datetime
) -> None:
    """:raises InvalidInput: ``name`` missing or too long, ``description`` too long."""
    problems = text_problems({"name": name, "description": description}, multiline=["description"])
    name = " ".join(name.split())
    if not name:
        problems.append(FieldProblem("name", "required"))
    elif len(name) > MAX_NAME:
        problems.append(FieldProblem("name", "too_long", {"max": MAX_NAME}))
    if len(description) > MAX_DESCRIPTION:
        problems.append(FieldProblem("description", "too_long", {"max": MAX_DESCRIPTION}))
    if problems:
        raise InvalidInput(problems)
    template.name = name
    template.description = description.strip()
    template.updated_at = now


def _check_kind(
    session: Session, category_id: int, net_quantity: int, unit: str
) -> tuple[Category | None, list[FieldProblem]]:
    problems: list[FieldProblem] = []
    category = session.get(Category, category_id) if category_id > 0 else None
    if category is None:
        problems.append(FieldProblem("category_id", "unknown_category"))
    if unit not in UNITS:
        problems.append(FieldProblem("unit", "invalid_choice"))
    if not 0 < net_quantity <= MAX_NET_QUANTITY:
        problems.append(FieldProblem("net_quantity", "out_of_range", {"max": MAX_NET_QUANTITY}))
    if category is not None and unit in UNITS:
        problems.extend(unit_problems(session, category.id, unit))
    return category, problems


#: How a kind sold in one unit only is described when another unit is asked for.
SOLD_BY = {"g": "sold_by_weight", "ml": "sold_by_volume", "piece": "sold_by_piece"}


def unit_problems(session: Session, category_id: int, unit: str) -> list[FieldProblem]:
    """A quantity in ``unit`` of a kind nobody sells in that unit can never be bought
    (honey is sold by weight: 1 L of honey finds no product). A kind without any
    product yet is not judged."""
    sold = units_sold_in(session, category_id)
    if not sold or unit in sold:
        return []
    if len(sold) == 1:
        return [FieldProblem("unit", SOLD_BY[next(iter(sold))])]
    return [FieldProblem("unit", "unit_not_sold")]


def _is_food(category: Category) -> bool:
    return any(c.nutrition_key for c in category.lineage())


def same_kind_of_goods(a: Category, b: Category) -> bool:
    """Whether two categories hold the same kind of goods: both food (they have a
    nutrition kind), or under the same top category (a rug with a basket, both
    handicraft). An equivalent of another kind (a rug for flour) needs the
    organisation's word."""
    if _is_food(a) and _is_food(b):
        return True
    return a.lineage()[-1].id == b.lineage()[-1].id


def add_line(
    session: Session,
    template: BasketTemplate,
    *,
    category_id: int,
    net_quantity: int,
    unit: str,
    is_container: bool,
    now: datetime,
) -> TemplateLine:
    """Add a product kind to an organisation's template. Flushes.

    :raises InvalidInput: unknown category, bad quantity or unit, a kind already in the
        template, too many lines, a second container.
    """
    category, problems = _check_kind(session, category_id, net_quantity, unit)
    if any(line.category_id == category_id for line in template.lines):
        problems.append(FieldProblem("category_id", "kind_already_in_template"))
    if len(template.lines) >= MAX_LINES:
        problems.append(FieldProblem("category_id", "too_many_lines", {"max": MAX_LINES}))
    if is_container and any(line.is_container for line in template.lines):
        problems.append(FieldProblem("is_container", "one_container"))
    if problems:
        raise InvalidInput(problems)
    assert category is not None
    line = TemplateLine(
        position=max((ln.position for ln in template.lines), default=0) + 1,
        category=category,
        net_quantity=net_quantity,
        unit=unit,
        is_container=is_container,
        nutrition_key=None if is_container else nutrition.resolve(category.nutrition_key),
    )
    template.lines.append(line)
    template.updated_at = now
    session.flush()
    return line


def change_quantity(
    session: Session,
    template: BasketTemplate,
    line_id: int,
    *,
    net_quantity: int,
    unit: str,
    now: datetime,
) -> bool:
    """Change the net quantity (and unit) of one of the template's lines in place;
    False if it has no such line. Flushes.

    :raises InvalidInput: bad quantity or unit, a unit the kind is not sold in.
    """
    line = next((ln for ln in template.lines if ln.id == line_id), None)
    if line is None:
        return False
    _, problems = _check_kind(session, line.category_id, net_quantity, unit)
    if problems:
        raise InvalidInput(problems)
    line.net_quantity = net_quantity
    line.unit = unit
    template.updated_at = now
    session.flush()
    return True


def remove_line(session: Session, template: BasketTemplate, line_id: int, *, now: datetime) -> bool:
    """Remove a line of the template; False if it has no such line. Flushes."""
    for line in template.lines:
        if line.id == line_id:
            template.lines.remove(line)
            template.updated_at = now
            session.flush()
            return True
    return False


def add_equivalent(
    session: Session,
    line: TemplateLine,
    *,
    category_id: int,
    net_quantity: int,
    unit: str,
    accepted: bool,
    now: datetime,
    other_kind: bool = False,
) -> LineEquivalent:
    """Declare another kind that may replace ``line``. Flushes.

    :param other_kind: the organisation confirmed an equivalent of another kind of
        goods than the line's (see :func:`same_kind_of_goods`).
    :raises InvalidInput: unknown category, bad quantity or unit, a unit the kind is
        not sold in, the line's own kind, a kind already declared, too many
        equivalents, another kind of goods not confirmed.
    """
    category, problems = _check_kind(session, category_id, net_quantity, unit)
    if category is not None and not other_kind and not same_kind_of_goods(category, line.category):
        problems.append(FieldProblem("category_id", "other_kind_of_goods"))
    if category_id == line.category_id or any(
        eq.category_id == category_id for eq in line.equivalents
    ):
        problems.append(FieldProblem("category_id", "kind_already_in_line"))
    if len(line.equivalents) >= MAX_EQUIVALENTS:
        problems.append(
            FieldProblem("category_id", "too_many_equivalents", {"max": MAX_EQUIVALENTS})
        )
    if problems:
        raise InvalidInput(problems)
    assert category is not None
    equivalent = LineEquivalent(
        category=category,
        net_quantity=net_quantity,
        unit=unit,
        accepted=accepted,
        nutrition_key=nutrition.resolve(category.nutrition_key),
    )
    line.equivalents.append(equivalent)
    line.template.updated_at = now
    session.flush()
    return equivalent


def remove_equivalent(
    session: Session, template: BasketTemplate, equivalent_id: int, *, now: datetime
) -> bool:
    """Remove an equivalent from one of the template's lines; False if none matches."""
    for line in template.lines:
        for eq in line.equivalents:
            if eq.id == equivalent_id:
                line.equivalents.remove(eq)
                template.updated_at = now
                session.flush()
                return True
    return False
