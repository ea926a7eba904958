"""Months of the sample: the window of periods the counties report.

The generator works on a window of consecutive months ending at ``--last-period``; everything
time-dependent (who is on the roster, which flows are open, which are overdue) is judged against
the window's last day, the sample's "today". Nothing here reads the clock, so a seed gives the
same city on any day. The arithmetic is :mod:`teachflow.calendar`'s; :class:`Period` is only the
sample's handy value for one month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from teachflow import calendar


@dataclass(frozen=True, order=True)
class Period:
    """One month a submission covers (``YYYY-MM``)."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        try:
            return cls(*calendar.parse_period(text.strip()))
        except ValueError:
            raise ValueError(f"period {text!r} is not YYYY-MM") from None

    def __str__(self) -> str:
        return calendar.format_period(self.year, self.month)

    @property
    def first_day(self) -> dt.date:
        return calendar.month_start(str(self))

    @property
    def last_day(self) -> dt.date:
        return calendar.month_end(str(self))

    def shift(self, months: int) -> Period:
        return Period(*calendar.parse_period(calendar.shift_period(str(self), months)))

    @property
    def school_year_start(self) -> dt.date:
        """1 September of the school year holding this month (domain.md: the year starts then)."""
        return calendar.SchoolYear.of_period(str(self)).start

    @property
    def school_year(self) -> str:
        return str(calendar.SchoolYear.of_period(str(self)))


def window(last: Period, months: int) -> list[Period]:
    """The ``months`` consecutive periods ending at ``last``, oldest first."""
    return [last.shift(-i) for i in range(months - 1, -1, -1)]


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def month_end(day: dt.date) -> dt.date:
    """The last day of the month holding ``day``."""
    return calendar.month_end(calendar.period_of(day))
