"""Working days in Morocco, and what a product's lead days mean.

A **working day** is Monday to Saturday, unless it is a public holiday in Morocco. The
holidays come from the ``holidays`` package: the fixed national days (Throne Day,
Green March, Independence Day...) and the Islamic ones (Eid al-Fitr, Eid al-Adha,
Islamic New Year, the Prophet's Birthday), whose dates follow the lunar calendar and are
the package's estimates until the announcement.

A product's **lead days** are calendar days after today before its production starts
(the cooperative's form says "Days before production starts"). Production then runs
on the working days from :func:`production_start`. Stock is ready at once: lead days
only delay what is still to be made. The shop's promise dates (:mod:`catalog.stock`)
and the basket engine's availability by ship date both count production with
:func:`production_days` (or its vectorised form :func:`production_days_array`).

Day counts are over half-open intervals ``[start, end)``: the working days before
``end``. Everything here is pure arithmetic on dates (no clock, no database).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays
import numpy as np
import numpy.typing as npt

#: Working days for numpy's business-day functions, Monday first: Monday to Saturday;
#: Sunday is off.
_WEEKMASK = "1111110"
#: ISO 3166 code of the country whose public holidays are days off.
COUNTRY = "MA"

#: Day zero of ``datetime64``.
_NUMPY_EPOCH = date(1970, 1, 1)

IntArray = npt.NDArray[np.int64]
DayArray = npt.NDArray[np.datetime64]


@lru_cache(maxsize=256)
def public_holidays(year: int) -> frozenset[date]:
    """Morocco's public holidays in ``year``."""
    return frozenset(holidays.country_holidays(COUNTRY, years=year))


@lru_cache(maxsize=64)
def _busdaycalendar(first_year: int, last_year: int) -> np.busdaycalendar:
    days = sorted(d for y in range(first_year, last_year + 1) for d in public_holidays(y))
    return np.busdaycalendar(weekmask=_WEEKMASK, holidays=np.array(days, dtype="datetime64[D]"))


def _calendar_for(first: np.datetime64, last: np.datetime64) -> np.busdaycalendar:
    years = np.array([first, last], dtype="datetime64[Y]").astype(np.int64) + 1970
    return _busdaycalendar(int(years[0]), int(years[1]))


def working_days(start: date, end: date) -> int:
    """Working days in ``[start, end)``; 0 if ``end <= start``."""
    if end <= start:
        return 0
    return int(
        np.busday_count(
            start, end, busdaycal=_calendar_for(np.datetime64(start), np.datetime64(end))
        )
    )


def working_days_array(start: DayArray, end: DayArray) -> IntArray:
    """:func:`working_days` element by element (numpy broadcasting), 0 where ``end <= start``.

    :param start: first days counted, ``datetime64[D]``.
    :param end: first days not counted, ``datetime64[D]``.
    """
    start, end = np.broadcast_arrays(start.astype("datetime64[D]"), end.astype("datetime64[D]"))
    if start.size == 0:
        return np.zeros(start.shape, dtype=np.int64)
    end = np.maximum(start, end)
    cal = _calendar_for(start.min(), end.max())
    return np.busday_count(start, end, busdaycal=cal).astype(np.int64)


def production_start(today: date, lead_days: int) -> date:
    """The first day production may run: ``lead_days`` calendar days after ``today``."""
    return today + timedelta(days=max(0, lead_days))


def production_days(today: date, lead_days: int, end: date) -> int:
    """Working days a product with ``lead_days`` can be made on, from ``today`` until
    ``end`` (excluded)."""
    return working_days(production_start(today, lead_days), end)


def production_days_array(today: date, lead_days: IntArray, end: DayArray) -> IntArray:
    """:func:`production_days` for many products (``lead_days``) and end days (``end``),
    broadcast together."""
    start = np.datetime64(today, "D") + np.maximum(lead_days, 0).astype("timedelta64[D]")
    return working_days_array(start, end)


def nth_production_day(today: date, lead_days: int, n: int, *, within: int) -> date | None:
    """The ``n``-th working day (``n >= 1``) a product with ``lead_days`` can be made on,
    or ``None`` if it falls ``within`` calendar days or more after its production start."""
    start = production_start(today, lead_days)
    if n > within:  # at most one working day per calendar day
        return None
    limit = start + timedelta(days=within)
    cal = _calendar_for(np.datetime64(start), np.datetime64(limit))
    day = np.busday_offset(np.datetime64(start, "D"), n - 1, roll="forward", busdaycal=cal)
    found = _NUMPY_EPOCH + timedelta(days=int(day.astype(np.int64)))
    return found if found < limit else None
