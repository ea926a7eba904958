"""Report months (``YYYY-MM``) and the dates the rotation report derives from them.

The school year (学年) starts on 1 September, so September is month one of a school year and
2026-10 belongs to the school year starting 2026-09-01. Kept apart from the SQL so that the
DAG and the CLI agree on the same month arithmetic.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_PERIOD = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])\Z", re.ASCII)  # the strict rule of calendar.is_period


def parse_period(period: str) -> tuple[int, int]:
    """``"2026-10"`` -> ``(2026, 10)``; a ValueError for anything else."""
    match = _PERIOD.match(period or "")
    if not match:
        raise ValueError(f"not a month YYYY-MM: {period!r}")
    return int(match.group(1)), int(match.group(2))


def format_period(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def previous_period(day: dt.date | dt.datetime) -> str:
    """The month before the one holding ``day``: the month a run on the 6th reports on."""
    first = dt.date(day.year, day.month, 1)
    last_of_previous = first - dt.timedelta(days=1)
    return format_period(last_of_previous.year, last_of_previous.month)


def periods_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, both included (empty if ``first`` is later)."""
    year, month = parse_period(first)
    end = parse_period(last)
    out = []
    while (year, month) <= end:
        out.append(format_period(year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


@dataclass(frozen=True)
class ReportMonth:
    """The dates the rotation report of month ``period`` uses (reports.md, first lines)."""

    period: str
    month_start: dt.date
    month_end: dt.date
    #: 1 September of the school year holding the month.
    sy_start: dt.date
    #: September counts as 1, August as 12.
    months_elapsed: int

    @property
    def school_year(self) -> str:
        return f"{self.sy_start.year}-{self.sy_start.year + 1}"

    def eligible_since(self, years: int) -> dt.date:
        """Latest ``current_school_since`` that is eligible: ``sy_start`` minus ``years`` years."""
        return self.sy_start.replace(year=self.sy_start.year - years)

    def training_threshold(self, hours_per_year: float) -> float:
        """Hours a teacher needs by month end to be on track: ``hours_per_year × months_elapsed / 12``."""
        return hours_per_year * self.months_elapsed / 12


def report_month(period: str) -> ReportMonth:
    year, month = parse_period(period)
    sy_year = year if month >= 9 else year - 1
    return ReportMonth(
        period=period,
        month_start=dt.date(year, month, 1),
        month_end=dt.date(year, month, calendar.monthrange(year, month)[1]),
        sy_start=dt.date(sy_year, 9, 1),
        months_elapsed=(month - 9) % 12 + 1,
    )


def months_to_refresh(changed_periods: list[str], reported_periods: list[str]) -> list[str]:
    """Reported months a submission for ``changed_periods`` may change.

    A month's report reads the latest roster at or before it and every flow and training record
    known, so data submitted for month P can change the report of P and of every later month.
    Only months already reported are refreshed: a month never reported waits for its own run.
    """
    valid = [p for p in changed_periods if p and _PERIOD.match(p)]
    if not valid:
        return []
    earliest = min(valid)
    return sorted(p for p in set(reported_periods) if p >= earliest)
