"""School years (学年, 1 September to 31 August) and which year a run scores.

The DAG and the command both ask "which school year, final or provisional?"; the answer depends
on the run's date only, so it lives here, free of Airflow, and is tested as plain functions.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


@dataclass(frozen=True)
class SchoolYear:
    """A school year such as ``2025-2026``: 2025-09-01 .. 2026-08-31, months 2025-09 .. 2026-08."""

    start_year: int

    @classmethod
    def parse(cls, text: str) -> SchoolYear:
        match = _SCHOOL_YEAR.match(text.strip())
        if not match or int(match.group(2)) != int(match.group(1)) + 1:
            raise ValueError(f"school year {text!r} is not YYYY-YYYY with consecutive years, e.g. 2025-2026")
        return cls(int(match.group(1)))

    @classmethod
    def holding(cls, day: dt.date) -> SchoolYear:
        """The school year a day belongs to (domain.md: it starts on 1 September)."""
        return cls(day.year if day.month >= 9 else day.year - 1)

    def __str__(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.start_year, 9, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.start_year + 1, 8, 31)

    @property
    def first_period(self) -> str:
        return f"{self.start_year}-09"

    @property
    def last_period(self) -> str:
        return f"{self.start_year + 1}-08"

    def eligible_since(self, years: int) -> dt.date:
        """Latest current_school_since of a teacher with ``years`` full years at the school on 1 September."""
        return dt.date(self.start_year - years, 9, 1)

    def has_ended(self, today: dt.date) -> bool:
        return today > self.end


@dataclass(frozen=True)
class ScoringTarget:
    school_year: SchoolYear
    provisional: bool


def target_for_run(run_date: dt.date, school_year: str | None = None) -> ScoringTarget:
    """What a run on ``run_date`` scores.

    - A given year is scored final once it has ended, else provisional.
    - Without one, a run in September scores the school year just ended, final (the scheduled
      run of 1 September); a run in any other month scores the current year, provisional.
    """
    if school_year:
        year = SchoolYear.parse(school_year)
        return ScoringTarget(year, provisional=not year.has_ended(run_date))
    current = SchoolYear.holding(run_date)
    if run_date.month == 9:
        return ScoringTarget(SchoolYear(current.start_year - 1), provisional=False)
    return ScoringTarget(current, provisional=True)
