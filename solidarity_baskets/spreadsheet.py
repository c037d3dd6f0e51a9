"""Cells for the CSV files organisations open in a spreadsheet."""

from __future__ import annotations


def amount(minor: int) -> str:
    """Centimes as a plain decimal with a dot: ``123456`` → ``"1234.56"``."""
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole}.{cents:02d}"


def cell(text: str) -> str:
    """Free text made safe from spreadsheet formulas (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
