"""Choices for select fields, in the user's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from catalog import regions
from catalog.models import Category, CertificateKind, Unit
from catalog.search import category_tree
from storefront import labels
from storefront.extensions import db
from storefront.i18n import current_language

UNITS = {
    Unit.PIECE.value: _l("Piece"),
    Unit.GRAM.value: _l("Weight (g)"),
    Unit.MILLILITRE.value: _l("Volume (ml)"),
}


ADJUST_REASONS = {
    "received": _l("Received"),
    "returned": _l("Returned by a customer"),
    "found": _l("Found in a recount"),
    "damaged": _l("Damaged"),
    "lost": _l("Lost"),
    "correction": _l("Correction"),
}


def adjust_reason_choices() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in ADJUST_REASONS.items()]


def category_choices() -> list[tuple[int, str]]:
    """Every category, children indented under their parent."""
    lang = current_language()
    tree = category_tree(db.session)
    children: dict[int | None, list[Category]] = {}
    for c in tree:
        children.setdefault(c.parent_id, []).append(c)
    result: list[tuple[int, str]] = []

    def walk(parent: int | None, depth: int) -> None:
        for c in sorted(children.get(parent, []), key=lambda c: (c.position, c.id)):
            result.append((c.id, f"{'— ' * depth}{c.name(lang)}"))
            walk(c.id, depth + 1)

    walk(None, 0)
    return result


def region_choices() -> list[tuple[str, str]]:
    lang = current_language()
    return [("", "—")] + [(r.code, r.name(lang)) for r in regions.regions()]


def province_choices() -> dict[str, list[tuple[str, str]]]:
    """Provinces grouped by region (``<optgroup>``), so no script is needed."""
    lang = current_language()
    return {
        r.name(lang): [(p.code, p.name(lang)) for p in regions.provinces_of(r.code)]
        for r in regions.regions()
    }


def sector_choices() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in labels.SECTORS.items()]


def kind_choices() -> list[tuple[str, str]]:
    return [(k.value, labels.label(labels.CERTIFICATE_KINDS, k.value)) for k in CertificateKind]


def unit_choices() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in UNITS.items()]
