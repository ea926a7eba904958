"""What each portal page shows, gathered from the ledger and the outbox (no web framework here).

Decisions the spec left open:

- The status grid shows the ``GRID_MONTHS`` most recent periods that are owed or coming due: the
  month before today (due on day ``due_day`` of this month) and the five before it. The current
  month is not shown: nothing is owed for it yet.
- On the city page the rows that need action come first: ``missing``, then ``rejected`` (nothing in
  force), then ``rejected_previous_in_force``, then anything ``late``, then the rest; within a group
  by county, newest period first.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, select

from teachflow import calendar
from teachflow.datasets import DATASETS, county_datasets
from teachflow.ingestion.feedback import feedback_paths
from teachflow.submission_status import STATUS_ZH, SubmissionStatus, statuses
from teachflow.warehouse.schema import counties, schools

GRID_MONTHS = 6
_ORDER = {"missing": 0, "rejected": 1, "rejected_previous_in_force": 2}
_DIGEST_NAME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})\.txt\Z", re.ASCII)
#: What a named list may be: a plain file name, no folders, no hidden files.
_LIST_NAME = re.compile(r"[^/\\\x00]+\Z")


@dataclass(frozen=True)
class Cell:
    """One expected submission as the grid shows it."""

    status: SubmissionStatus
    feedback: dict[str, Path] = field(default_factory=dict)  # "xlsx"/"csv" -> path, where present

    @property
    def css(self) -> str:
        return self.status.status.replace("_", "-")

    @property
    def received_local(self) -> str:
        return calendar.format_local(self.status.received_at)

    @property
    def due_local(self) -> str:
        """The last day a file is on time (the day before the due moment, locally)."""
        return calendar.to_local(self.status.due_at - dt.timedelta(seconds=1)).date().isoformat()


def grid_periods(today: dt.date, months: int = GRID_MONTHS) -> list[str]:
    """The ``months`` periods up to the month before ``today``, newest first."""
    last = calendar.shift_period(calendar.period_of(today), -1)
    return [calendar.shift_period(last, -i) for i in range(months)]


def county_names(conn: Connection) -> dict[str, str]:
    """Every county (the city's own row included) by code."""
    return dict(conn.execute(select(counties.c.county_code, counties.c.county_name)).all())


def city_code(conn: Connection) -> str | None:
    return conn.execute(select(counties.c.county_code).where(counties.c.is_city.is_(True))).scalar()


def is_county(conn: Connection, county_code: str) -> bool:
    """A county that owes submissions (not the city's own row)."""
    row = conn.execute(
        select(counties.c.county_code).where(counties.c.county_code == county_code, counties.c.is_city.is_(False))
    ).first()
    return row is not None


def county_schools(conn: Connection, county_code: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        select(schools.c.school_code, schools.c.school_name)
        .where(schools.c.county_code == county_code)
        .order_by(schools.c.school_code)
    )
    return [tuple(r) for r in rows]


def cells(
    conn: Connection,
    outbox: Path,
    periods: list[str],
    *,
    at: dt.datetime,
    due_day: int,
    county_codes: list[str] | None = None,
) -> list[Cell]:
    """The statuses of ``periods`` × county datasets, with the feedback files that exist."""
    out = []
    for status in statuses(conn, periods, at=at, due_day=due_day, county_codes_=county_codes):
        paths = feedback_paths(outbox, status.county_code, status.period, status.dataset)
        found = {kind: path for kind, path in (("xlsx", paths.xlsx), ("csv", paths.csv)) if path.is_file()}
        out.append(Cell(status, found))
    return out


def grid(county_cells: list[Cell], periods: list[str]) -> list[tuple[str, list[Cell]]]:
    """Rows of the county page: one per period (newest first), one cell per dataset."""
    by_key = {(c.status.period, c.status.dataset): c for c in county_cells}
    return [(p, [by_key[(p, d)] for d in county_datasets() if (p, d) in by_key]) for p in periods]


def matrix(all_cells: list[Cell], county_codes: list[str], periods: list[str]) -> list[tuple[str, list[list[Cell]]]]:
    """The city page's overview: one row per county, one column per period, the datasets' cells in each."""
    by_key: dict[tuple[str, str], list[Cell]] = {}
    for cell in all_cells:
        by_key.setdefault((cell.status.county_code, cell.status.period), []).append(cell)
    return [(code, [by_key.get((code, p), []) for p in periods]) for code in county_codes]


def action_first(all_cells: list[Cell]) -> list[Cell]:
    """The city page's order: what needs action first (see the module docstring)."""

    def key(cell: Cell) -> tuple:
        s = cell.status
        group = _ORDER.get(s.status, 3 if s.late else 4)
        return (group, s.county_code, tuple(-ord(ch) for ch in s.period), county_datasets().index(s.dataset))

    return sorted(all_cells, key=key)


def status_counts(all_cells: list[Cell]) -> list[tuple[str, str, int]]:
    """(status, 中文, count) for every status, in cycle.md's order, plus late."""
    counts = {s: 0 for s in STATUS_ZH}
    for cell in all_cells:
        counts[cell.status.status] += 1
    rows = [(s, STATUS_ZH[s], n) for s, n in counts.items()]
    rows.append(("late", "迟报", sum(c.status.late for c in all_cells)))
    return rows


#: Two-character names of the county datasets for the city page's overview, where space is short.
DATASET_SHORT = {"teachers": "名册", "teacher_flows": "交流", "training_records": "培训"}


def dataset_titles() -> dict[str, str]:
    return {name: DATASETS[name].title_zh for name in county_datasets()}


# --- the outbox: named lists and digests ------------------------------------------------------------


@dataclass(frozen=True)
class OutboxFile:
    name: str
    size: int
    modified: str  # Asia/Shanghai


def _listing(folder: Path) -> list[OutboxFile]:
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            stat = path.stat()
            modified = calendar.format_local(dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC))
            out.append(OutboxFile(path.name, stat.st_size, modified))
    return out


def named_lists(outbox: Path, county_code: str) -> list[OutboxFile]:
    """The county's named lists (逾期未返名单, 培训进度滞后名单...) made by the reports into ``lists/``."""
    return _listing(outbox / county_code / "lists")


def named_list_path(outbox: Path, county_code: str, name: str) -> Path | None:
    """The file ``name`` of the county's lists, if it is one of them (no path tricks)."""
    if not _LIST_NAME.match(name or "") or name.startswith("."):
        return None
    if name not in {f.name for f in named_lists(outbox, county_code)}:
        return None
    return outbox / county_code / "lists" / name


def digest_dates(outbox: Path, code: str) -> list[str]:
    """Days with a digest for ``code`` (a county or the city), newest first."""
    folder = outbox / code / "digest"
    if not folder.is_dir():
        return []
    days = [m.group(1) for p in folder.iterdir() if (m := _DIGEST_NAME.match(p.name))]
    return sorted(days, reverse=True)


def digest_text(outbox: Path, code: str, day: str) -> str | None:
    if day not in digest_dates(outbox, code):
        return None
    return (outbox / code / "digest" / f"{day}.txt").read_text(encoding="utf-8")
