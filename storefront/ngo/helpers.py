"""Names of places for the organisation pages and the public basket pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from catalog import regions
from solidarity_baskets.models import QuoteDestination
from storefront import labels
from storefront.i18n import current_language

QUOTE_STATUSES = {
    "open": _l("Open"),
    "confirmed": _l("Confirmed"),
    "superseded": _l("Replaced by a newer quote"),
}


def region_name(code: str) -> str:
    region = regions.region(code)
    return region.name(current_language()) if region else code


def province_name(code: str) -> str:
    province = regions.province(code)
    return province.name(current_language()) if province else code


def point_name(destination: QuoteDestination) -> str:
    """ "Casablanca" or "Casablanca — Hub Sidi Moumen"."""
    name = province_name(destination.province_code)
    return f"{name} — {destination.hub_name}" if destination.hub_name else name


def register_helpers(bp: Blueprint) -> None:
    @bp.context_processor
    def place_names() -> dict[str, Any]:
        return {
            "region_name": region_name,
            "province_name": province_name,
            "point_name": point_name,
            # organisations go through the same three states as cooperatives
            "ORGANISATION_STATUSES": labels.COOPERATIVE_STATUSES,
            "QUOTE_STATUSES": QUOTE_STATUSES,
        }
