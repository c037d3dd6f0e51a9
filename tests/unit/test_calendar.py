from datetime import date, timedelta

import numpy as np

from catalog import calendar

MONDAY = date(2026, 3, 2)


def _works(day: date) -> bool:
    return calendar.working_days(day, day + timedelta(days=1)) == 1


def test_sunday_is_off_every_week() -> None:
    assert calendar.working_days(MONDAY, MONDAY + timedelta(days=7)) == 6  # Mon..Sat
    assert calendar.working_days(MONDAY, MONDAY) == 0
    assert calendar.working_days(date(2026, 3, 8), date(2026, 3, 9)) == 0  # a Sunday
    assert calendar.working_days(MONDAY + timedelta(days=3), MONDAY) == 0


def test_moroccan_public_holidays_are_days_off() -> None:
    assert not _works(date(2026, 7, 30))  # Throne Day
    assert not _works(date(2026, 11, 6))  # Green March
    assert not _works(date(2026, 1, 14))  # Amazigh New Year
    assert not _works(date(2026, 5, 27))  # Eid al-Adha (estimated)
    assert not _works(date(2025, 3, 31))  # Eid al-Fitr
    assert _works(date(2026, 7, 29))
    # the week of Throne Day: Monday 27 July to Sunday 2 August 2026
    assert calendar.working_days(date(2026, 7, 27), date(2026, 8, 3)) == 5


def test_counts_across_years_use_each_years_holidays() -> None:
    # 31 Dec 2026 .. 16 Jan 2027: 15 Mon-Sat days, less New Year's Day, the Proclamation
    # of Independence (Monday 11 January) and the Amazigh New Year (Thursday 14 January)
    assert calendar.working_days(date(2026, 12, 31), date(2027, 1, 17)) == 12


def test_lead_days_are_calendar_days_before_production_starts() -> None:
    assert calendar.production_start(MONDAY, 2) == date(2026, 3, 4)
    assert calendar.production_days(MONDAY, 2, MONDAY + timedelta(days=7)) == 4  # Wed..Sat
    assert calendar.production_days(MONDAY, 9, MONDAY + timedelta(days=7)) == 0
    # Saturday + 1 day: production starts on Sunday, that is on Monday
    assert calendar.nth_production_day(date(2026, 3, 7), 1, 1, within=30) == date(2026, 3, 9)


def test_the_nth_production_day_skips_holidays_and_has_a_horizon() -> None:
    assert calendar.nth_production_day(date(2026, 7, 27), 0, 4, within=30) == date(2026, 7, 31)
    assert calendar.nth_production_day(date(2026, 7, 27), 0, 4, within=4) is None
    assert calendar.nth_production_day(MONDAY, 0, 6, within=5) is None
    assert calendar.nth_production_day(MONDAY, 0, 6, within=6) == date(2026, 3, 7)


def test_arrays_count_like_single_days() -> None:
    starts = [MONDAY, date(2026, 7, 27), date(2025, 3, 28), date(2026, 3, 9)]
    ends = [date(2026, 3, 9), date(2026, 8, 3), date(2025, 4, 2), MONDAY]
    got = calendar.working_days_array(
        np.array(starts, dtype="datetime64[D]"), np.array(ends, dtype="datetime64[D]")
    )
    assert got.tolist() == [calendar.working_days(s, e) for s, e in zip(starts, ends, strict=True)]
    assert got.tolist() == [6, 5, 3, 0]
    lead = np.array([[0], [2]], dtype=np.int64)
    week = np.array([MONDAY + timedelta(days=7)], dtype="datetime64[D]")
    assert calendar.production_days_array(MONDAY, lead, week).tolist() == [[6], [4]]
