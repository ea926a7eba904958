"""The dates the rotation report of a month derives from it (reports.md, first lines).

The month and school-year arithmetic itself is :mod:`teachflow.calendar`'s; this module only
names what the report needs of it, so the DAG, the CLI and the SQL agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from teachflow import calendar


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
        return str(calendar.SchoolYear.holding(self.sy_start))

    def eligible_since(self, years: int) -> dt.date:
        """Latest ``current_school_since`` that is eligible: ``sy_start`` minus ``years`` years."""
        return calendar.SchoolYear.holding(self.sy_start).eligible_since(years)

    def training_threshold(self, hours_per_year: float) -> float:
        """Hours a teacher needs by month end to be on track: ``hours_per_year × months_elapsed / 12``."""
        return hours_per_year * self.months_elapsed / 12


def report_month(period: str) -> ReportMonth:
    return ReportMonth(
        period=period,
        month_start=calendar.month_start(period),
        month_end=calendar.month_end(period),
        sy_start=calendar.SchoolYear.of_period(period).start,
        months_elapsed=calendar.months_elapsed(period),
    )


def months_to_refresh(changed_periods: list[str], reported_periods: list[str]) -> list[str]:
    """Reported months a submission for ``changed_periods`` may change.

    A month's report reads the latest roster at or before it and every flow and training record
    known, so data submitted for month P can change the report of P and of every later month.
    Only months already reported are refreshed: a month never reported waits for its own run.
    """
    valid = [p for p in changed_periods if calendar.is_period(p)]
    if not valid:
        return []
    earliest = min(valid)
    return sorted(p for p in set(reported_periods) if p >= earliest)
