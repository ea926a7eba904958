"""Which school year a scoring run scores, and whether its scores are final.

The DAG and the command both ask "which school year, final or provisional?"; the answer depends on
the run's moment only, so it lives here, free of Airflow, and is tested as plain functions.
School years themselves are :class:`teachflow.calendar.SchoolYear` (re-exported here).

reports.md "When": the **final** score of year Y only after the due day of its last period
(``YYYY-08``, due at the end of day ``due_day`` of September, Asia/Shanghai): before that moment the
counties may still send August's files, so a run then is provisional.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from teachflow import calendar
from teachflow.calendar import SchoolYear

__all__ = ["SchoolYear", "ScoringTarget", "is_final", "target_for_run"]


@dataclass(frozen=True)
class ScoringTarget:
    school_year: SchoolYear
    provisional: bool


def _moment(when: dt.date | dt.datetime) -> dt.datetime:
    """A datetime as is (naive = UTC); a date as the start of that day in Asia/Shanghai."""
    if isinstance(when, dt.datetime):
        return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    return dt.datetime(when.year, when.month, when.day, tzinfo=calendar.BUREAU_TZ)


def is_final(year: SchoolYear, when: dt.date | dt.datetime, due_day: int = 5) -> bool:
    """True once the due moment of the year's last period has passed."""
    return _moment(when) >= calendar.due_at(year.last_period, due_day)


def target_for_run(when: dt.date | dt.datetime, school_year: str | None = None, *, due_day: int = 5) -> ScoringTarget:
    """What a run at ``when`` scores.

    - A given year is scored final once its last period's due day has passed, else provisional.
    - Without one, a run in September scores the school year just ended (provisional until
      August's files are due, final after: the scheduled runs of 1 September and of the day after
      the due day); a run in any other month scores the current year, provisional.
    """
    moment = _moment(when)
    if school_year:
        year = SchoolYear.parse(school_year)
        return ScoringTarget(year, provisional=not is_final(year, moment, due_day))
    local_day = calendar.to_local(moment).date()
    current = SchoolYear.holding(local_day)
    if local_day.month == 9:
        ended = SchoolYear(current.start_year - 1)
        return ScoringTarget(ended, provisional=not is_final(ended, moment, due_day))
    return ScoringTarget(current, provisional=True)
