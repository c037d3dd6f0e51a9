"""What a basket covers for a family: energy, protein and fat against the Sphere / WFP
targets (per person per day: 2,100 kcal, 10 % of energy from protein, 17 % from fat).

A solidarity basket supplements a family's food, so it is shown as *coverage*, not as
pass or fail::

    days covered = min over {energy, protein, fat} of  supplied / (family size x daily target)

Values per 100 g come from ``data/staples.csv`` (USDA SR26, public domain; see
``data/README.md``). Goods sold by volume are weighed with USDA household densities;
liquid milk counts as the whole-milk powder carrying the same energy.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: Per person per day (Sphere food-transfer standard 1; WFP food basket).
TARGET_KCAL = 2100
PROTEIN_ENERGY_SHARE = 0.10
FAT_ENERGY_SHARE = 0.17
KCAL_PER_G_PROTEIN = 4
KCAL_PER_G_FAT = 9
#: A nutrient is "short" below this fraction of the days energy covers, "low" below 1.
SHORT_BALANCE = 0.75
MAX_FAMILY_SIZE = 30

ATTRIBUTION = (
    "Nutrition values: USDA National Nutrient Database for Standard Reference, release 26 "
    "(public domain)."
)

#: Grams of the table's food per millilitre sold (USDA SR26 household weights).
GRAMS_PER_ML: dict[str, float] = {
    "olive_oil": 0.913,
    "argan_oil": 0.913,
    "vegetable_oil": 0.92,
    "honey": 1.43,
    # 1 L of liquid whole milk has the energy of 127 g of whole milk powder
    "milk_powder_whole": 0.127,
}

#: Names the catalog may use for a row of the table.
ALIASES: dict[str, str] = {
    "rice_white": "rice",
    "pasta_dry": "pasta",
    "tea_green": "tea_green_gunpowder",
    "tea": "tea_green_gunpowder",
    "dates": "dates_medjool",
    "flour": "flour_white",
    "couscous": "couscous_wheat",
    "milk": "milk_powder_whole",
}


@dataclass(frozen=True, slots=True)
class Staple:
    """One row of the table; values per 100 g as sold."""

    key: str
    name: str
    kcal: float
    protein_g: float
    fat_g: float
    value_basis: str
    usda_ndb_no: str


@cache
def staples() -> dict[str, Staple]:
    """The packaged table, by item key."""
    text = (
        resources.files("solidarity_baskets")
        .joinpath("data", "staples.csv")
        .read_text(encoding="utf-8")
    )
    return {
        row["item_key"]: Staple(
            key=row["item_key"],
            name=row["name"],
            kcal=float(row["kcal_per_100g"]),
            protein_g=float(row["protein_g_per_100g"]),
            fat_g=float(row["fat_g_per_100g"]),
            value_basis=row["value_basis"],
            usda_ndb_no=row["usda_ndb_no"],
        )
        for row in csv.DictReader(text.splitlines())
    }


def resolve(key: str | None) -> str | None:
    """The table's key for ``key`` (an alias is followed), or None if unknown."""
    if not key:
        return None
    key = ALIASES.get(key, key)
    return key if key in staples() else None


def grams(key: str | None, net_quantity: int, unit: str) -> float | None:
    """Grams of the table's food in ``net_quantity`` ``unit`` (``g`` or ``ml``) of
    ``key``; None when the good is not in the table or cannot be weighed."""
    found = resolve(key)
    if found is None or net_quantity <= 0:
        return None
    if unit == "g":
        return float(net_quantity)
    if unit == "ml" and found in GRAMS_PER_ML:
        return net_quantity * GRAMS_PER_ML[found]
    return None


@dataclass(frozen=True, slots=True)
class Coverage:
    """What some food covers for a family of ``family_size`` people."""

    family_size: int
    kcal: float
    protein_g: float
    fat_g: float

    @property
    def days_energy(self) -> float:
        return self.kcal / (self.family_size * TARGET_KCAL)

    @property
    def days_protein(self) -> float:
        target = TARGET_KCAL * PROTEIN_ENERGY_SHARE / KCAL_PER_G_PROTEIN
        return self.protein_g / (self.family_size * target)

    @property
    def days_fat(self) -> float:
        target = TARGET_KCAL * FAT_ENERGY_SHARE / KCAL_PER_G_FAT
        return self.fat_g / (self.family_size * target)

    @property
    def days(self) -> float:
        """Days the food covers every target (the smallest of the three)."""
        return min(self.days_energy, self.days_protein, self.days_fat)

    @property
    def protein_energy_share(self) -> float:
        return self.protein_g * KCAL_PER_G_PROTEIN / self.kcal if self.kcal else 0.0

    @property
    def fat_energy_share(self) -> float:
        return self.fat_g * KCAL_PER_G_FAT / self.kcal if self.kcal else 0.0

    def balance(self, nutrient: str) -> str:
        """``"good"``, ``"low"`` or ``"short"``: how the days ``nutrient``
        (``"protein"`` or ``"fat"``) covers compare with the days energy covers."""
        days = self.days_protein if nutrient == "protein" else self.days_fat
        if self.days_energy <= 0 or days >= self.days_energy:
            return "good"
        return "low" if days >= SHORT_BALANCE * self.days_energy else "short"


def coverage(items: Iterable[tuple[str | None, float]], family_size: int) -> Coverage:
    """Coverage of ``items`` — (table key, grams) pairs; unknown keys add nothing.

    :raises ValueError: unless ``1 <= family_size <= MAX_FAMILY_SIZE``.
    """
    if not 1 <= family_size <= MAX_FAMILY_SIZE:
        raise ValueError("family_size out of range")
    table = staples()
    kcal = protein = fat = 0.0
    for key, weight in items:
        found = resolve(key)
        if found is None:
            continue
        row = table[found]
        kcal += weight * row.kcal / 100
        protein += weight * row.protein_g / 100
        fat += weight * row.fat_g / 100
    return Coverage(family_size=family_size, kcal=kcal, protein_g=protein, fat_g=fat)


@dataclass(frozen=True, slots=True)
class LineFood:
    """One line of a basket as food: its key, net quantity and unit."""

    nutrition_key: str | None
    net_quantity: int
    unit: str


def basket_coverage(lines: Iterable[LineFood], family_size: int) -> Coverage:
    """Coverage of one basket whose lines are ``lines`` (non-food lines add nothing)."""
    items: list[tuple[str | None, float]] = []
    for line in lines:
        weight = grams(line.nutrition_key, line.net_quantity, line.unit)
        if weight is not None:
            items.append((line.nutrition_key, weight))
    return coverage(items, family_size)
