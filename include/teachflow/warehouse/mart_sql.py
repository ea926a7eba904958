"""The few SQL expressions that differ between SQLite and PostgreSQL, for the mart's views.

The mart is written once (``mart.py``); where the two engines spell a date computation or a
local time differently, the view asks this module. Everything else in the views is plain SQL
that both engines read the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from teachflow.vocabularies import Vocabulary

#: Where the mart lives on PostgreSQL. SQLite has no schemas: its views are named ``mart_<view>``.
MART_SCHEMA = "mart"


@dataclass(frozen=True)
class Dialect:
    """SQL spellings for one engine (``sqlite`` or ``postgresql``)."""

    name: str

    @property
    def is_postgresql(self) -> bool:
        return self.name == "postgresql"

    def view(self, name: str) -> str:
        """The qualified name of mart view ``name``: ``mart.name`` or ``mart_name``."""
        return f"{MART_SCHEMA}.{name}" if self.is_postgresql else f"{MART_SCHEMA}_{name}"

    def period_of(self, day: str) -> str:
        """``YYYY-MM`` of a date column."""
        return f"to_char({day}, 'YYYY-MM')" if self.is_postgresql else f"substr({day}, 1, 7)"

    def month_start(self, period: str) -> str:
        if self.is_postgresql:
            return f"to_date({period} || '-01', 'YYYY-MM-DD')"
        return f"date({period} || '-01')"

    def month_end(self, period: str) -> str:
        if self.is_postgresql:
            return f"CAST(to_date({period} || '-01', 'YYYY-MM-DD') + INTERVAL '1 month' - INTERVAL '1 day' AS DATE)"
        return f"date({period} || '-01', '+1 month', '-1 day')"

    def previous_period(self, period: str) -> str:
        """``YYYY-MM`` of the month before a ``YYYY-MM`` column."""
        if self.is_postgresql:
            return f"to_char(to_date({period} || '-01', 'YYYY-MM-DD') - INTERVAL '1 month', 'YYYY-MM')"
        return f"strftime('%Y-%m', date({period} || '-01', '-1 month'))"

    def today(self) -> str:
        """Today's date in Asia/Shanghai (the bureau's calendar day), whatever the server's zone."""
        if self.is_postgresql:
            return "CAST(timezone('Asia/Shanghai', now()) AS DATE)"
        return "date('now', '+8 hours')"

    def local_time(self, column: str) -> str:
        """A stored UTC time as the text a person reads: ``2026-11-05 17:30`` (Asia/Shanghai)."""
        if self.is_postgresql:
            return f"to_char(timezone('Asia/Shanghai', {column}), 'YYYY-MM-DD HH24:MI')"
        # SQLite keeps the UTC time as text; Asia/Shanghai has no daylight saving: +8 hours.
        return f"strftime('%Y-%m-%d %H:%M', {column}, '+8 hours')"

    def ceil(self, expression: str) -> str:
        """The ceiling of a non-negative number, rounded to 9 decimals first (0.1 × 30 is 3, not 4)."""
        value = f"round({expression}, 9)"
        if self.is_postgresql:
            return f"CAST(ceil({value}) AS INTEGER)"
        return f"(CAST({value} AS INTEGER) + CASE WHEN {value} > CAST({value} AS INTEGER) THEN 1 ELSE 0 END)"


def school_year_of_period(period: str) -> str:
    """``2026-2027`` for ``2026-10`` (the school year starts on 1 September); same SQL on both engines."""
    year = f"CAST(substr({period}, 1, 4) AS INTEGER)"
    september_or_later = f"CAST(substr({period}, 6, 2) AS INTEGER) >= 9"
    return (
        f"CASE WHEN {september_or_later} THEN substr({period}, 1, 4) || '-' || CAST({year} + 1 AS VARCHAR(4)) "
        f"ELSE CAST({year} - 1 AS VARCHAR(4)) || '-' || substr({period}, 1, 4) END"
    )


def label(column: str, vocabulary: Vocabulary) -> str:
    """The Chinese label of a code column, from the vocabulary (codes never hold a quote)."""
    return _case(column, {t.code: t.label_zh for t in vocabulary.terms})


def mapped(column: str, labels: dict[str, str]) -> str:
    return _case(column, labels)


def _case(column: str, labels: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{code}' THEN '{text}'" for code, text in labels.items())
    return f"CASE {column} {whens} END"


def in_list(column: str, codes: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(c) for c in codes)})"
