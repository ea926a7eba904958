"""Realistic county mistakes, injected into a small labelled share of rows.

Each mistake is one a county clerk really makes (Excel turning the ID into ``4.50202E+17``, a typo
in the check character, full-width digits pasted from a word processor, a school code that does
not exist, dates in the wrong order or impossible, hours 0 or 500, a label the vocabulary does not
know, a row pasted twice, a rotation without its planned end) and carries the problem code the
pipeline should report, so a test or a demo can check the feedback against the manifest.

Per file at most 4 % of the rows get a mistake that rejects the row, so every file still loads
with its bad rows quarantined; full-width IDs (a warning) and exact duplicates (dropped) do not
count against that. Rosters get no row mistakes (a roster with one bad row is rejected whole);
the generator places the two roster-level mistakes itself (see generate.py).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from teachflow.contract import Dataset
from teachflow.problems import CATALOG
from teachflow.sample.city import City
from teachflow.sample.params import MAX_MISTAKE_SHARE
from teachflow.sample.styles import FileStyle, format_date

#: Problem code for an exact duplicate row (not a catalog problem: such rows are dropped and counted).
DUPLICATE_ROW = "duplicate_row"

FLOW_KINDS = (
    "id_scientific",
    "school_unknown",
    "date_order",
    "planned_end_missing",
    "vocab_unknown",
    "id_check_character",
    "date_invalid",
    "duplicate_row",
    "id_fullwidth",
)
TRAINING_KINDS = (
    "number_range",
    "id_scientific",
    "date_order",
    "vocab_unknown",
    "id_check_character",
    "date_invalid",
    "duplicate_row",
    "id_fullwidth",
)
PAIRING_KINDS = (
    "id_check_character",
    "school_unknown",
    "pairing_same_teacher",
    "date_order",
    "vocab_unknown",
    "duplicate_row",
    "id_fullwidth",
)
ACTIVITY_KINDS = (
    "number_range",
    "id_check_character",
    "activity_outside_period",
    "vocab_unknown",
    "school_unknown",
    "id_scientific",
    "duplicate_row",
)
KINDS = {
    "teacher_flows": FLOW_KINDS,
    "training_records": TRAINING_KINDS,
    "pairings": PAIRING_KINDS,
    "support_activities": ACTIVITY_KINDS,
}
#: Kinds that do not make the row bad: warnings, and an exact duplicate that is dropped.
HARMLESS = ("id_fullwidth", "indicator_renamed", DUPLICATE_ROW)

UNKNOWN_FLOW_TYPE = "借调"  # a loan between schools: not a flow type of the contract
UNKNOWN_TRAINING_MODE = "自学"  # self-study: not a training form of the contract
UNKNOWN_PAIRING_TYPE = "拜师"  # a word for it, not a pairing type of the contract
UNKNOWN_ACTIVITY_MODE = "直播"  # a live stream: the contract says 线上


@dataclass(frozen=True)
class ExcelNumber:
    """A numeric Excel cell with a number format: how Excel stores an ID it turned into a number."""

    value: float
    number_format: str


@dataclass
class Mistake:
    """One injected mistake, as the manifest lists it."""

    file: str
    dataset: str
    county_code: str
    period: str
    row: int | None  # Excel row as the county sees it (1-based, title and header rows counted); None: the file
    column: str | None  # English column name; None: the whole row or file
    code: str  # problem code from problems.CATALOG (duplicate_row: an exact repeat, a note)
    severity: str  # file | row | warning | dropped
    value: str | None
    note: str

    def as_manifest(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RowContext:
    """What a mistake needs to know about the row it spoils."""

    dataset: Dataset
    style: FileStyle
    logical: list
    cells: list  # the rendered row (contract order); the mistake edits a copy of it
    county_code: str
    rng: random.Random
    city: City

    def index(self, column: str) -> int:
        return self.dataset.column_names.index(column)

    @property
    def id_column(self) -> str:
        """The row's (first) resident ID column: ``id_number``, ``mentor_id_number``, ``host_id_number``."""
        return next(c.name for c in self.dataset.columns if c.kind == "id_number")

    def date(self, day: dt.date) -> Any:
        return format_date(day, self.style.date_format)


Outcome = tuple[str | None, Any, str]  # (column, value as the county sees it, note)


def _numeric_id(ctx: RowContext) -> str | None:
    value = ctx.logical[ctx.index(ctx.id_column)]
    return value if value.isdigit() else None


def _id_scientific(ctx: RowContext) -> Outcome | None:
    id_number = _numeric_id(ctx)
    if id_number is None:  # an ID ending in X stays text in Excel
        return None
    shown = f"{int(id_number):.5E}"
    if ctx.style.file_format == "xlsx":
        ctx.cells[ctx.index(ctx.id_column)] = ExcelNumber(float(id_number), "0.00000E+00")
        note = "ID typed into a number cell: Excel keeps 15 digits and shows 4.50202E+17"
    else:
        ctx.cells[ctx.index(ctx.id_column)] = shown
        note = "ID saved from Excel as shown in scientific notation"
    return ctx.id_column, shown, note


def _id_check_character(ctx: RowContext) -> Outcome | None:
    id_number = ctx.logical[ctx.index(ctx.id_column)]
    wrong = ctx.rng.choice([c for c in "0123456789X" if c != id_number[-1]])
    ctx.cells[ctx.index(ctx.id_column)] = value = id_number[:-1] + wrong
    return ctx.id_column, value, "typing error in the ID's check character"


def _id_fullwidth(ctx: RowContext) -> Outcome | None:
    id_number = ctx.logical[ctx.index(ctx.id_column)]
    value = "".join(chr(ord(c) + 0xFEE0) for c in id_number)
    ctx.cells[ctx.index(ctx.id_column)] = value
    return ctx.id_column, value, "ID in full-width digits (read as half-width, warned)"


def _school_unknown(ctx: RowContext) -> Outcome | None:
    other = {"pairings": "mentee_school_code", "support_activities": "target_school_code"}.get(ctx.dataset.name)
    if other is not None:
        ctx.cells[ctx.index(other)] = value = ctx.city.unknown_school_code(ctx.rng)
        return other, value, "school code that is not registered"
    from_school = ctx.city.school(ctx.logical[ctx.index("from_school_code")])
    column = "to_school_code" if from_school.county.code == ctx.county_code else "from_school_code"
    ctx.cells[ctx.index(column)] = value = ctx.city.unknown_school_code(ctx.rng)
    return column, value, "school code that is not registered"


def _date_order(ctx: RowContext) -> Outcome | None:
    if ctx.dataset.name in ("teacher_flows", "pairings"):
        start = ctx.logical[ctx.index("start_date")]
        if ctx.logical[ctx.index("planned_end_date")] is None:
            return None
        end = start - dt.timedelta(days=ctx.rng.randint(5, 60))
        ctx.cells[ctx.index("planned_end_date")] = ctx.date(end)
        return "planned_end_date", format_date(end, "iso"), "planned end before the start"
    end = ctx.logical[ctx.index("end_date")]
    start = end + dt.timedelta(days=ctx.rng.randint(1, 10))
    ctx.cells[ctx.index("start_date")] = ctx.date(start)
    return "end_date", format_date(end, "iso"), f"end date before the start date {start.isoformat()}"


def _date_invalid(ctx: RowContext) -> Outcome | None:
    column = "planned_end_date" if ctx.dataset.name == "teacher_flows" else "start_date"
    day = ctx.logical[ctx.index(column)]
    if day is None:
        return None
    ctx.cells[ctx.index(column)] = value = f"{day.year}年13月{day.day}日"
    return column, value, "a date typed by hand with month 13"


def _number_range(ctx: RowContext) -> Outcome | None:
    if ctx.dataset.name == "support_activities":
        participants = ctx.rng.choice((0, 2500))
        ctx.cells[ctx.index("participants")] = participants if ctx.style.file_format == "xlsx" else str(participants)
        return "participants", str(participants), "participants outside 1..2000"
    hours = ctx.rng.choice((0, 500))
    ctx.cells[ctx.index("hours")] = hours if ctx.style.file_format == "xlsx" else str(hours)
    return "hours", str(hours), "hours outside 0 < hours <= 200"


def _vocab_unknown(ctx: RowContext) -> Outcome | None:
    column, value = {
        "teacher_flows": ("flow_type", UNKNOWN_FLOW_TYPE),
        "pairings": ("pairing_type", UNKNOWN_PAIRING_TYPE),
        "support_activities": ("mode", UNKNOWN_ACTIVITY_MODE),
    }.get(ctx.dataset.name, ("mode", UNKNOWN_TRAINING_MODE))
    ctx.cells[ctx.index(column)] = value
    return column, value, "a label the vocabulary does not know"


def _planned_end_missing(ctx: RowContext) -> Outcome | None:
    if ctx.logical[ctx.index("flow_type")] == "transfer":
        return None
    ctx.cells[ctx.index("planned_end_date")] = None
    return "planned_end_date", None, f"a {ctx.logical[ctx.index('flow_type')]} flow without its planned end"


def _pairing_same_teacher(ctx: RowContext) -> Outcome | None:
    mentor = ctx.logical[ctx.index("mentor_id_number")]
    ctx.cells[ctx.index("mentee_id_number")] = mentor
    return "mentee_id_number", mentor, "the mentor's own ID typed as the mentee's"


def _activity_outside_period(ctx: RowContext) -> Outcome | None:
    day = ctx.logical[ctx.index("activity_date")]
    earlier = day.replace(day=1) - dt.timedelta(days=ctx.rng.randint(1, 20))
    ctx.cells[ctx.index("activity_date")] = ctx.date(earlier)
    return "activity_date", format_date(earlier, "iso"), "an activity of the month before, left in the file"


def _indicator_renamed(ctx: RowContext) -> Outcome | None:
    from teachflow.sample.ratings import LEGACY_CODE, LEGACY_INDICATOR

    if ctx.logical[ctx.index("indicator_code")] != LEGACY_INDICATOR:
        return None
    ctx.cells[ctx.index("indicator_code")] = LEGACY_CODE
    return "indicator_code", LEGACY_CODE, f"an evaluator still writes {LEGACY_CODE}, the code before the split"


def _duplicate_row(ctx: RowContext) -> Outcome | None:
    return None, None, "the row above pasted a second time (an exact duplicate: dropped and counted)"


_APPLY: dict[str, Callable[[RowContext], Outcome | None]] = {
    "id_scientific": _id_scientific,
    "id_check_character": _id_check_character,
    "id_fullwidth": _id_fullwidth,
    "school_unknown": _school_unknown,
    "date_order": _date_order,
    "date_invalid": _date_invalid,
    "number_range": _number_range,
    "vocab_unknown": _vocab_unknown,
    "planned_end_missing": _planned_end_missing,
    "pairing_same_teacher": _pairing_same_teacher,
    "activity_outside_period": _activity_outside_period,
    "indicator_renamed": _indicator_renamed,
    DUPLICATE_ROW: _duplicate_row,
}


def spoil(kind: str, ctx: RowContext) -> Outcome | None:
    """Apply one kind of mistake to ``ctx.cells``; None if it does not fit the row."""
    return _APPLY[kind](ctx)


def severity_of(code: str) -> str:
    return "dropped" if code == DUPLICATE_ROW else CATALOG[code].severity


class FileMistakes:
    """The mistakes of one file: which rows get one, and applying them as the rows are written."""

    def __init__(self, injector: MistakeInjector, dataset: Dataset, n_rows: int, rng: random.Random) -> None:
        self.injector = injector
        self.dataset = dataset
        self.rng = rng
        wanted = math.floor(n_rows * injector.rate + rng.random()) if injector.rate > 0 else 0
        wanted = min(wanted, n_rows)
        self.rows = set(rng.sample(range(n_rows), wanted)) if wanted else set()
        self.bad_allowed = math.floor(n_rows * MAX_MISTAKE_SHARE)
        self.bad = 0

    def apply(
        self, index: int, style: FileStyle, logical: list, cells: list, county_code: str
    ) -> tuple[list[list], tuple[str | None, str | None, str, str] | None]:
        """The rows to write for data row ``index`` and the mistake made: (column, value, code, note) or None."""
        if index not in self.rows:
            return [cells], None
        for kind in self.kinds_for(index):
            if kind not in HARMLESS and self.bad >= self.bad_allowed:
                continue
            ctx = RowContext(self.dataset, style, logical, list(cells), county_code, self.rng, self.city)
            outcome = spoil(kind, ctx)
            if outcome is None:
                continue
            self.bad += kind not in HARMLESS
            column, value, note = outcome
            if kind == DUPLICATE_ROW:
                return [cells, list(cells)], (None, None, DUPLICATE_ROW, note)
            return [ctx.cells], (column, None if value is None else str(value), kind, note)
        return [cells], None

    def kinds_for(self, index: int) -> list[str]:
        """The kinds to try for this row, in order: the next of the sample-wide cycle first."""
        kinds = KINDS[self.dataset.name]
        start = self.injector.next_kind(self.dataset.name)
        return [kinds[(start + step) % len(kinds)] for step in range(len(kinds))]

    @property
    def city(self) -> City:
        return self.injector.city


class ForcedMistakes(FileMistakes):
    """Exactly the given mistakes at the given rows (the roster with one bad ID)."""

    def __init__(self, injector: MistakeInjector, dataset: Dataset, forced: dict[int, str], rng: random.Random) -> None:
        self.injector = injector
        self.dataset = dataset
        self.rng = rng
        self.rows = set(forced)
        self.forced = forced
        self.bad_allowed = len(forced)
        self.bad = 0

    def kinds_for(self, index: int) -> list[str]:
        return [self.forced[index]]


class MistakeInjector:
    """Hands out mistakes over the whole sample, cycling through the kinds so each one appears."""

    def __init__(self, rate: float, city: City) -> None:
        self.rate = rate
        self.city = city
        self._next: dict[str, int] = {}

    def next_kind(self, dataset: str) -> int:
        index = self._next.get(dataset, 0)
        self._next[dataset] = index + 1
        return index % len(KINDS[dataset])

    def for_file(self, dataset: Dataset, n_rows: int, rng: random.Random) -> FileMistakes | None:
        if dataset.name not in KINDS or self.rate <= 0:
            return None
        return FileMistakes(self, dataset, n_rows, rng)
