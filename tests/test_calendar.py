"""The bureau's calendar: strict periods, school years, due moments in Asia/Shanghai."""

from __future__ import annotations

import datetime as dt

import pytest

from teachflow import calendar


@pytest.mark.parametrize("text", ["2026-04", "1999-12", "2026-09"])
def test_periods_accepted(text: str) -> None:
    assert calendar.is_period(text)
    assert calendar.format_period(*calendar.parse_period(text)) == text


@pytest.mark.parametrize(
    "text", ["2026-04\n", "1٩99-01", "2026-4", "2026-13", "2026-00", " 2026-04", "", None, "２０２６-04"]
)
def test_periods_refused(text) -> None:
    assert not calendar.is_period(text)
    with pytest.raises(ValueError):
        calendar.parse_period(text)


def test_period_arithmetic() -> None:
    assert calendar.shift_period("2026-01", -1) == "2025-12"
    assert calendar.shift_period("2025-12", 1) == "2026-01"
    assert calendar.periods_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert calendar.periods_between("2026-02", "2026-01") == []
    assert calendar.month_end("2028-02") == dt.date(2028, 2, 29)
    assert calendar.previous_period(dt.date(2026, 1, 6)) == "2025-12"
    assert calendar.months_elapsed("2026-09") == 1
    assert calendar.months_elapsed("2027-08") == 12


def test_school_year() -> None:
    year = calendar.SchoolYear.parse("2025-2026")
    assert year.periods[0] == "2025-09" and year.periods[-1] == "2026-08" and len(year.periods) == 12
    assert calendar.SchoolYear.of_period("2026-08") == year
    assert calendar.SchoolYear.of_period("2026-09") == calendar.SchoolYear(2026)
    with pytest.raises(ValueError):
        calendar.SchoolYear.parse("2025-2027")


def test_due_moment_is_end_of_due_day_in_shanghai() -> None:
    due = calendar.due_at("2026-10", 5)
    # 2026-11-06 00:00 in Shanghai is 2026-11-05 16:00 UTC.
    assert due == dt.datetime(2026, 11, 5, 16, 0, tzinfo=dt.UTC)
    assert calendar.due_date("2026-10", 5) == dt.date(2026, 11, 5)
    # A due day past the month's end means its last day (February).
    assert calendar.due_date("2027-01", 31) == dt.date(2027, 2, 28)


def test_local_time_shown_to_people() -> None:
    moment = dt.datetime(2026, 11, 5, 9, 30, tzinfo=dt.UTC)
    assert calendar.format_local(moment) == "2026-11-05 17:30"
    assert calendar.format_local(moment.replace(tzinfo=None)) == "2026-11-05 17:30"
    assert calendar.format_local(None) == ""
    assert calendar.period_of(dt.datetime(2026, 10, 31, 17, 0, tzinfo=dt.UTC)) == "2026-11"
