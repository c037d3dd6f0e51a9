"""What an organisation asks a quote for: a template, distribution points with
their basket counts (counts only: never a beneficiary), a date, a budget and the
sourcing options."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

#: no cooperative above 5 % of the order's value unless there are too few of them
DEFAULT_MAX_SHARE_BPS = 500
#: longest address, contact or delivery window of a point
MAX_POINT_TEXT = 80


@dataclass(frozen=True, slots=True)
class DestinationRequest:
    """A distribution point: a province or prefecture (HCP code), optionally a named
    hub in it, and how many baskets go there. Counts only."""

    province_code: str
    baskets: int
    hub_name: str = ""
    #: where and how to deliver: for the cooperatives and carriers, never a beneficiary
    address: str = ""
    contact: str = ""
    window: str = ""


@dataclass(frozen=True, slots=True)
class BasketRequest:
    """What an organisation asks a quote for."""

    organisation_id: int
    template_id: int
    destinations: tuple[DestinationRequest, ...]
    deliver_by: date
    family_size: int
    budget_per_basket_minor: int | None = None
    #: no cooperative above this share of the order's value (1000 = 10 %)
    max_share_bps: int = DEFAULT_MAX_SHARE_BPS
    women_led_preference: bool = True
    #: a fairness level (extra cost allowed over the cheapest plan, basis points);
    #: None: ``max_share_bps`` applies with the default fairness tolerance
    fairness_bps: int | None = None
    #: ids of the equivalents accepted; None: the template's own choices
    accepted_equivalents: tuple[int, ...] | None = None
    created_by_id: int | None = None
