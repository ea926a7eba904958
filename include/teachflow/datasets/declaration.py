"""What a dataset declaration holds: its columns, rules, key, resubmission mode, merge and Asset.

A dataset module (``teachflow/datasets/<name>.py``) builds one :class:`Dataset` and registers it;
everything else is derived from it — parsing and normalizing, the Great Expectations suite, the
CLI's dataset choices, the Airflow Asset, the API contract's dataset list, the county template,
the data dictionary and the county guide's tables. ``tests/test_datasets.py`` walks the registry
and fails when a dataset lacks a part.

Kept light (no pandas, no SQL driver): the Airflow plugin reads the registry while a DAG file is
parsed. The row rules and the merge are functions of the dataset module that import their heavy
helpers when called.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Connection

    from teachflow.ingestion.merge import SubmissionIdentity
    from teachflow.problem_table import ProblemTable
    from teachflow.problems import Problem, ProblemType
    from teachflow.validation.context import ValidationContext
    from teachflow.vocabularies import Vocabulary

ColumnKind = Literal[
    "id_number",  # 18-character resident ID; hashed to teacher_key, never stored
    "name",  # a person's name; only ever stored in the restricted table
    "text",
    "code",  # an identifier kept as text (leading zeros matter)
    "school_code",  # 10-digit school identifier
    "date",
    "number",
    "vocab",  # one of a vocabulary's codes (vocabularies.py)
    "school_year",  # "2025-2026"
]

#: How a resubmission of (county, period, dataset) replaces the earlier one (submissions.md):
#: ``snapshot`` — the new file is the whole truth for its county and period (a roster);
#: ``keyed`` — rows are records with a natural key; the predecessor's rows go, the new ones are
#: upserted by key (the newest report of a record wins across submissions).
Resubmission = Literal["snapshot", "keyed"]

#: ``rules(frame, ctx)``: the row problems GX cannot say (typed frame, with ``_row``), as
#: :func:`teachflow.validation.rules.emit` gives them (a ProblemTable: columns, not an object a row).
RowRules = Callable[["pd.DataFrame", "ValidationContext"], "ProblemTable | list[Problem]"]
#: ``merge(conn, ident, stage_table, replaced_submission_ids)``: publish the staged rows, in the
#: caller's transaction (set-based SQL; replace what the predecessors loaded).
Merge = Callable[["Connection", "SubmissionIdentity", str, Sequence[int]], None]


@dataclass(frozen=True)
class NumberRange:
    """Bounds of a number column (spec: submissions.md)."""

    min_value: float
    max_value: float
    strict_min: bool = False
    strict_max: bool = False
    #: The :class:`teachflow.settings.Settings` field that holds the upper bound when it is a
    #: setting (practices.md: "1..2000 (setting)"). ``max_value`` is then the setting's default:
    #: the committed GX suite, the template and the dictionary show it, and validation puts the
    #: configured figure in its place (:func:`teachflow.validation.suites.load_suite`).
    max_setting: str | None = None

    def with_max(self, value: float) -> NumberRange:
        """The same bounds with another upper bound (the configured figure of ``max_setting``)."""
        return dataclasses.replace(self, max_value=value)

    def limit_text(self, header_zh: str) -> str:
        """The rule in words a clerk reads: "学时应大于 0 且不超过 200"."""
        low = "大于" if self.strict_min else "不小于"
        high = "小于" if self.strict_max else "不超过"
        return f"{header_zh}应{low} {_number(self.min_value)} 且{high} {_number(self.max_value)}"

    def limit_text_en(self, name: str) -> str:
        """The English twin: "0 < hours ≤ 200"."""
        low = "<" if self.strict_min else "≤"
        high = "<" if self.strict_max else "≤"
        return f"{_number(self.min_value)} {low} {name} {high} {_number(self.max_value)}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass(frozen=True)
class Column:
    """One column of a dataset as counties send it."""

    name: str
    header_zh: str
    kind: ColumnKind
    required: bool = False
    vocabulary: str | None = None
    description: str = ""
    aliases: tuple[str, ...] = ()  # further headers seen in county exports
    #: Longest text the warehouse keeps (its column width); longer cells are row problems, not a
    #: failed load. tests/test_warehouse_schema.py checks these against the warehouse columns.
    max_length: int | None = None
    #: The column's own rule in Chinese, after the kind's (template comment, guide, dictionary).
    hint_zh: str = ""
    #: An example value for the template's instructions (None: the kind's or vocabulary's).
    example: str | None = None
    #: Bounds of a number column (a GX expectation, ``number_range``).
    limits: NumberRange | None = None
    #: A date column this one may not precede (a GX expectation, ``date_order``).
    not_before: str | None = None

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header that names this column: English, Chinese, and known variants."""
        return (self.name, self.header_zh, *self.aliases)


@dataclass(frozen=True)
class Dataset:
    """One kind of submission, declared once."""

    name: str
    title_zh: str
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...]
    resubmission: Resubmission
    #: The warehouse side: the columns staged for the merge, with portable SQL types (after the
    #: resident ID became ``teacher_key``; ``load_frame`` derives ``teacher_key`` and names these).
    stage_columns: tuple[tuple[str, str], ...]
    merge: Merge
    rules: RowRules | None = None
    #: What the dataset is, for the county (template instructions, county guide).
    note_zh: str = ""
    description: str = ""
    #: Share of bad rows above which the whole file is rejected (teachers: none allowed).
    max_bad_row_share: float = 0.05
    #: Whether a file with the header row and no data rows is "nothing to report this month"
    #: (本月无数据), accepted with nothing loaded (cycle.md); False for the roster, which cannot be
    #: empty: such a file is then rejected (``file_empty``).
    header_only_accepted: bool = True
    #: Only the city's own folder may send this dataset.
    city_only: bool = False
    #: Whether the monthly rotation report reads it (a change re-runs reported months).
    feeds_rotation_report: bool = False
    #: Where it comes in lists (templates, the guide, the CLI): lower first, then by name.
    order: int = 100
    #: Datasets whose files of the same run must be merged before this one's are judged, because
    #: its rules read what they merge (support activities name pairings). ``teachflow ingest`` and
    #: ``county_ingest`` take a run's files in waves: see :func:`teachflow.datasets.ingest_wave`.
    ingest_after: tuple[str, ...] = ()
    #: The Airflow Asset ingestion emits when a submission changed the dataset's tables.
    asset_name: str = field(default="")
    #: Vocabularies only this dataset uses (registered with it; shared ones live in vocabularies.py).
    vocabularies: tuple[Vocabulary, ...] = ()
    #: Problems only its rules report, with their Chinese and English messages (registered with it).
    problem_types: tuple[ProblemType, ...] = ()

    def __post_init__(self) -> None:
        if not self.asset_name:
            object.__setattr__(self, "asset_name", f"teachflow_{self.name}")

    @property
    def asset_uri(self) -> str:
        return f"teachflow://warehouse/{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"dataset {self.name!r} has no column {name!r}")
