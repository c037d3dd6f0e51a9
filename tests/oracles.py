"""Rules re-stated independently of the code they check, for tests and benchmarks that
verify a plan after the fact."""

from __future__ import annotations

from datetime import date

from catalog import calendar
from solidarity_baskets.engine import Offer


def supply_by_date(offer: Offer, today: date, ship_date: date) -> int:
    """Product units of ``offer`` that can be ready to ship on ``ship_date``: stock plus
    daily capacity over its production days before ``ship_date`` (working days in
    Morocco once its lead days are over), less what is committed; never below zero."""
    days = calendar.production_days(today, offer.lead_days, ship_date)
    return max(0, offer.stock + offer.units_per_day * days - offer.committed)
