"""Distribution points from a spreadsheet an organisation already has.

Rows of cells (a CSV file or the first sheet of an .xlsx workbook, read by the caller)
with a header row naming the columns in French, Arabic or English, in any order:

* ``province`` (required): the HCP code (``06.141``) or the name of the province or
  prefecture in French or Arabic (``Agadir Ida-Outanane``, ``أكادير إدا وتنان``;
  accents, case, hyphens and the words "province", "préfecture", "إقليم", "عمالة" do
  not matter);
* ``baskets`` (required): a whole number, spaces allowed (``4 000``);
* ``hub``, ``address``, ``contact``, ``window`` (delivery window): optional text.

Every row is checked; a rejected row says where (line, column) and why (a code the
page turns into a sentence), like the listings import. Nothing is kept unless every
row is right: the points go into the order form to edit, not straight to a quote.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from catalog import regions
from catalog.safe_text import text_problem
from catalog.upsert import RowProblem
from solidarity_baskets.request import MAX_POINT_TEXT, DestinationRequest

MAX_ROWS = 200
MAX_BASKETS_PER_POINT = 2_000_000

#: column -> the header words that name it (compared once normalised)
HEADERS: dict[str, tuple[str, ...]] = {
    "province": (
        "province",
        "province_code",
        "code",
        "prefecture",
        "province ou prefecture",
        "province/prefecture",
        "إقليم",
        "الإقليم",
        "عمالة",
        "العمالة",
        "الإقليم أو العمالة",
    ),
    "baskets": (
        "baskets",
        "paniers",
        "nombre de paniers",
        "quantity",
        "سلال",
        "السلال",
        "عدد السلال",
    ),
    "hub": ("hub", "point", "point de distribution", "lieu", "نقطة التوزيع", "المكان"),
    "address": ("address", "adresse", "العنوان"),
    "contact": ("contact", "telephone", "phone", "responsable", "الهاتف", "المسؤول", "الاتصال"),
    "window": (
        "window",
        "delivery window",
        "creneau",
        "creneau de livraison",
        "horaires",
        "موعد التسليم",
        "وقت التسليم",
    ),
}
REQUIRED = ("province", "baskets")

_PREFIXES = ("province de ", "province d'", "prefecture de ", "prefecture d'", "province ")
_AR_PREFIXES = ("إقليم ", "عمالة ", "اقليم ")


def normalise(text: str) -> str:
    """Lower case, no accents (Latin), Arabic alef and teh marbuta folded, hyphens and
    apostrophes as spaces, single spaces."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا").replace("ة", "ه")
    text = re.sub(r"[-_'’.]", " ", text)
    return " ".join(text.split())


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Normalised French and Arabic names (with and without their prefix) -> code."""
    found: dict[str, str] = {}
    for p in regions.provinces():
        for name in (p.name_fr, p.name_ar):
            key = normalise(name)
            for variant in (key, _strip_prefix(key)):
                found.setdefault(variant, p.code)
                found.setdefault(variant.replace(" ", ""), p.code)  # Ida-Ou-Tanane, Ida Outanane
    return found


def _strip_prefix(key: str) -> str:
    for prefix in (*_PREFIXES, *(normalise(p) + " " for p in _AR_PREFIXES)):
        if key.startswith(prefix):
            return key[len(prefix) :].strip()
    return key


def province_code(value: str) -> str | None:
    """The HCP code for a code or a French or Arabic name, else None."""
    text = value.strip()
    if regions.province(text) is not None:
        return text
    key = normalise(text)
    names = _names()
    for variant in (key, _strip_prefix(key)):
        code = names.get(variant) or names.get(variant.replace(" ", ""))
        if code is not None:
            return code
    return None


@dataclass
class PointsImport:
    points: list[DestinationRequest] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.points)


def _header_map(header: Sequence[Any]) -> tuple[dict[str, int], list[RowProblem]]:
    wanted = {normalise(word): column for column, words in HEADERS.items() for word in words}
    found: dict[str, int] = {}
    problems: list[RowProblem] = []
    for index, name in enumerate(header):
        column = wanted.get(normalise(str(name or "")))
        if column is not None and column not in found:
            found[column] = index
    for column in REQUIRED:
        if column not in found:
            problems.append(RowProblem(1, column, "missing_column"))
    return found, problems


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = re.sub(r"[\s\u00a0\u202f]", "", str(value or ""))
    return int(text) if text.isdecimal() else None


def read_points(rows: Sequence[Sequence[Any]]) -> PointsImport:
    """The points of ``rows`` (the first is the header), with every row's problems.

    Empty rows are skipped; line numbers count them (line 1 is the header).
    """
    result = PointsImport()
    if not rows:
        result.problems.append(RowProblem(1, None, "empty"))
        return result
    columns, problems = _header_map(rows[0])
    if problems:
        result.problems.extend(problems)
        return result
    seen: dict[tuple[str, str], int] = {}
    for line, row in enumerate(rows[1:], start=2):
        cells = ["" if v is None else v for v in row]
        if not any(str(v).strip() for v in cells):
            continue
        if len(result.points) >= MAX_ROWS:
            result.problems.append(RowProblem(line, None, "too_many_rows", {"max": MAX_ROWS}))
            break

        def cell(name: str, cells: list[Any] = cells) -> Any:
            index = columns.get(name)
            return cells[index] if index is not None and index < len(cells) else ""

        row_problems: list[RowProblem] = []
        raw_province = str(cell("province")).strip()
        code = province_code(raw_province) if raw_province else None
        if not raw_province:
            row_problems.append(RowProblem(line, "province", "required"))
        elif code is None:
            row_problems.append(
                RowProblem(line, "province", "unknown_province", {"value": raw_province[:60]})
            )
        raw_baskets = str(cell("baskets")).strip()
        baskets = _count(cell("baskets"))
        if not raw_baskets:
            row_problems.append(RowProblem(line, "baskets", "required"))
        elif baskets is None:
            row_problems.append(
                RowProblem(line, "baskets", "not_an_integer", {"value": raw_baskets[:20]})
            )
        elif not 0 < baskets <= MAX_BASKETS_PER_POINT:
            row_problems.append(
                RowProblem(
                    line, "baskets", "out_of_range", {"min": 1, "max": MAX_BASKETS_PER_POINT}
                )
            )
        texts: dict[str, str] = {}
        for name in ("hub", "address", "contact", "window"):
            raw = str(cell(name))
            value = " ".join(raw.split())
            unsafe = text_problem(raw.replace("\n", " "))
            if unsafe is not None:
                row_problems.append(RowProblem(line, name, unsafe))
            elif len(value) > MAX_POINT_TEXT:
                row_problems.append(RowProblem(line, name, "too_long", {"max": MAX_POINT_TEXT}))
            texts[name] = value
        if code is not None and not row_problems:
            key = (code, normalise(texts["hub"]))
            if key in seen:
                row_problems.append(
                    RowProblem(line, "province", "duplicate_point", {"line": seen[key]})
                )
            seen[key] = line
        if row_problems:
            result.problems.extend(row_problems)
            continue
        assert code is not None and baskets is not None
        result.points.append(
            DestinationRequest(
                code,
                baskets,
                texts["hub"],
                address=texts["address"],
                contact=texts["contact"],
                window=texts["window"],
            )
        )
    if not result.points and not result.problems:
        result.problems.append(RowProblem(1, None, "empty"))
    return result
