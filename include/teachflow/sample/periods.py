"""Months and school years of the sample: the window of periods the counties report.

The generator works on a window of consecutive months ending at ``--last-period``; everything
time-dependent (who is on the roster, which flows are open, which are overdue) is judged against
the window's last day, the sample's "today". Nothing here reads the clock, so a seed gives the
same city on any day.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_PERIOD = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])\Z", re.ASCII)  # the strict rule of calendar.is_period


@dataclass(frozen=True, order=True)
class Period:
    """One month a submission covers (``YYYY-MM``)."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text.strip())
        if not match:
            raise ValueError(f"period {text!r} is not YYYY-MM")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def shift(self, months: int) -> Period:
        index = self.year * 12 + self.month - 1 + months
        return Period(index // 12, index % 12 + 1)

    @property
    def school_year_start(self) -> dt.date:
        """1 September of the school year holding this month (domain.md: the year starts then)."""
        return dt.date(self.year if self.month >= 9 else self.year - 1, 9, 1)

    @property
    def school_year(self) -> str:
        start = self.school_year_start.year
        return f"{start}-{start + 1}"


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
    return dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
