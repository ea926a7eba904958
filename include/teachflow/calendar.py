"""The bureau's calendar: periods (months), school years, due days and the local clock.

One module owns this arithmetic so that landing, merge, reports, scoring, the pull, the portal,
the CLI and the sample agree on it (``../shared/spec/cycle.md``, ``domain.md``):

- A **period** is a month written ``YYYY-MM``. It is matched as ASCII digits with nothing after
  it: ``2026-04\\n`` or ``1٩99-01`` (Arabic-Indic digit) are not periods, so one file cannot
  arrive under several identities.
- A **school year** (学年) runs from 1 September to 31 August, e.g. ``2025-2026``.
- Period ``P`` is **due** at the end of day ``D`` of the month after ``P``, Asia/Shanghai time
  (``D`` is the setting ``due_day``, 5 by default). A day beyond the month's length means its
  last day.
- Times a person reads are Asia/Shanghai, written ``2026-11-05 17:30``; stored times stay UTC.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

#: The bureau's time zone by name (Airflow's timetables take the name).
BUREAU_TZ_NAME = "Asia/Shanghai"
#: The bureau's time zone: every time shown to a person is in it.
BUREAU_TZ = ZoneInfo(BUREAU_TZ_NAME)

#: A period ``YYYY-MM``: ASCII digits only, nothing after it (``\\Z``, not ``$``).
PERIOD_PATTERN = r"[0-9]{4}-(?:0[1-9]|1[0-2])"
#: A school year ``YYYY-YYYY`` as a pattern (the years' being consecutive is :meth:`SchoolYear.parse`'s check).
SCHOOL_YEAR_PATTERN = r"[0-9]{4}-[0-9]{4}"
_PERIOD = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])\Z", re.ASCII)
#: A month inside a file name, as clerks write it: ``2026-10``, ``2026_10``, ``202610``, ``2026年10``.
_PERIOD_IN_NAME = re.compile(r"(?<![0-9])([0-9]{4})[-_.年]?(0[1-9]|1[0-2])(?![0-9])", re.ASCII)
_SCHOOL_YEAR = re.compile(r"([0-9]{4})-([0-9]{4})\Z", re.ASCII)


def is_period(text: object) -> bool:
    """True for a well-formed ``YYYY-MM`` string (ASCII digits, month 01..12, nothing more)."""
    return isinstance(text, str) and _PERIOD.match(text) is not None


def parse_period(period: str) -> tuple[int, int]:
    """``"2026-10"`` -> ``(2026, 10)``; a ValueError for anything else."""
    match = _PERIOD.match(period) if isinstance(period, str) else None
    if not match:
        raise ValueError(f"not a month YYYY-MM: {period!r}")
    return int(match.group(1)), int(match.group(2))


def period_in_name(text: str) -> str | None:
    """The period a file name mentions (``教师名册202610`` -> ``2026-10``), or None."""
    match = _PERIOD_IN_NAME.search(text or "")
    return f"{match.group(1)}-{match.group(2)}" if match else None


def format_period(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def period_of(day: dt.date | dt.datetime) -> str:
    """The period holding ``day`` (an aware datetime is read in Asia/Shanghai)."""
    if isinstance(day, dt.datetime) and day.tzinfo is not None:
        day = day.astimezone(BUREAU_TZ)
    return format_period(day.year, day.month)


def shift_period(period: str, months: int) -> str:
    """``shift_period("2026-01", -1) == "2025-12"``."""
    year, month = parse_period(period)
    index = year * 12 + month - 1 + months
    return format_period(index // 12, index % 12 + 1)


def previous_period(day: dt.date | dt.datetime) -> str:
    """The month before the one holding ``day``: the month a run on the 6th reports on."""
    return shift_period(period_of(day), -1)


def periods_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, both included (empty if ``first`` is later)."""
    out: list[str] = []
    current, end = first, parse_period(last)
    while parse_period(current) <= end:
        out.append(current)
        current = shift_period(current, 1)
    return out


def month_start(period: str) -> dt.date:
    year, month = parse_period(period)
    return dt.date(year, month, 1)


def month_end(period: str) -> dt.date:
    year, month = parse_period(period)
    return dt.date(year, month, _calendar.monthrange(year, month)[1])


# --- school years ---------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class SchoolYear:
    """A school year such as ``2025-2026``: 2025-09-01 .. 2026-08-31, months 2025-09 .. 2026-08."""

    start_year: int

    @classmethod
    def parse(cls, text: str) -> SchoolYear:
        match = _SCHOOL_YEAR.match(text.strip()) if isinstance(text, str) else None
        if not match or int(match.group(2)) != int(match.group(1)) + 1:
            raise ValueError(f"school year {text!r} is not YYYY-YYYY with consecutive years, e.g. 2025-2026")
        return cls(int(match.group(1)))

    @classmethod
    def holding(cls, day: dt.date) -> SchoolYear:
        """The school year a day belongs to (it starts on 1 September)."""
        return cls(day.year if day.month >= 9 else day.year - 1)

    @classmethod
    def of_period(cls, period: str) -> SchoolYear:
        return cls.holding(month_start(period))

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

    @property
    def periods(self) -> list[str]:
        """The twelve months, September first."""
        return periods_between(self.first_period, self.last_period)

    def eligible_since(self, years: int) -> dt.date:
        """Latest current_school_since of a teacher with ``years`` full years at the school on 1 September."""
        return dt.date(self.start_year - years, 9, 1)

    def has_ended(self, today: dt.date) -> bool:
        return today > self.end


def months_elapsed(period: str) -> int:
    """Months of its school year up to and including ``period``: September is 1, August is 12."""
    _, month = parse_period(period)
    return (month - 9) % 12 + 1


# --- due days and the local clock -----------------------------------------------------------------


def due_at(period: str, due_day: int = 5) -> dt.datetime:
    """The moment period ``period`` falls due, as an aware UTC datetime.

    The end of day ``due_day`` of the following month in Asia/Shanghai, i.e. the first instant of
    the next day there; a ``due_day`` past the month's end means its last day.
    """
    following = shift_period(period, 1)
    year, month = parse_period(following)
    day = min(max(int(due_day), 1), _calendar.monthrange(year, month)[1])
    local_midnight = dt.datetime(year, month, day, tzinfo=BUREAU_TZ) + dt.timedelta(days=1)
    return local_midnight.astimezone(dt.UTC)


def due_date(period: str, due_day: int = 5) -> dt.date:
    """The local calendar day ``period`` is due on (the last day a file is on time)."""
    return (due_at(period, due_day).astimezone(BUREAU_TZ) - dt.timedelta(seconds=1)).date()


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def to_local(moment: dt.datetime) -> dt.datetime:
    """An aware datetime in Asia/Shanghai (a naive one is taken as UTC, as the warehouse stores)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(BUREAU_TZ)


def format_local(moment: dt.datetime | None) -> str:
    """``2026-11-05 17:30`` in Asia/Shanghai; empty for None."""
    if moment is None:
        return ""
    return to_local(moment).strftime("%Y-%m-%d %H:%M")


def today_local(now: dt.datetime | None = None) -> dt.date:
    """The bureau's calendar day at ``now`` (default: the clock)."""
    return to_local(now or now_utc()).date()
