"""The carriers a cooperative ships with, and the shape of each one's tracking number,
so that "x" is never accepted as an Amana parcel number."""

from __future__ import annotations

import re
from dataclasses import dataclass

from orders.errors import OrderError

MAX_TRACKING_LENGTH = 60


@dataclass(frozen=True, slots=True)
class Carrier:
    code: str
    #: the whole number (spaces removed, upper case) must match
    pattern: re.Pattern[str] | None
    #: shown to the person typing it
    example: str


CARRIERS: dict[str, Carrier] = {
    # Barid Al-Maghrib's Amana: a UPU S10 number, two letters, nine digits, "MA"
    "amana": Carrier("amana", re.compile(r"[A-Z]{2}\d{9}MA"), "CB123456789MA"),
    # Aramex air waybills are digits only
    "aramex": Carrier("aramex", re.compile(r"\d{10,12}"), "41234567890"),
    "ctm": Carrier("ctm", re.compile(r"[A-Z0-9]{6,20}"), "CTM2026001234"),
    "other": Carrier("other", None, ""),
}


def clean_tracking(carrier: str, number: str) -> str:
    """The tracking number as stored for ``carrier``.

    :raises OrderError: ``unknown_carrier``; ``tracking_required`` (empty or too long);
        ``tracking_format`` (``carrier``: its code, ``example``) when it does not
        have the carrier's shape.
    """
    found = CARRIERS.get(carrier)
    if found is None:
        raise OrderError("unknown_carrier")
    text = " ".join(number.split())
    if not text or len(text) > MAX_TRACKING_LENGTH:
        raise OrderError("tracking_required", max=MAX_TRACKING_LENGTH)
    if found.pattern is None:
        return text
    compact = text.replace(" ", "").replace("-", "").upper()
    if not found.pattern.fullmatch(compact):
        raise OrderError("tracking_format", carrier=found.code, example=found.example)
    return compact
