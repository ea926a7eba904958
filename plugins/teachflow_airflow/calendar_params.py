"""The bureau's calendar as the DAG files need it: the time zone of their timetables, the params' patterns.

DAG files import nothing of ``teachflow`` at their top (tests/dags/test_dag_integrity.py); this
module hands them :mod:`teachflow.calendar`'s definitions, so a month is written one way everywhere.
"""

from __future__ import annotations

from teachflow.calendar import BUREAU_TZ_NAME, PERIOD_PATTERN, SCHOOL_YEAR_PATTERN

#: JSON-schema pattern of a ``month`` param: ``YYYY-MM``, ASCII digits, nothing more.
MONTH_PARAM = rf"^{PERIOD_PATTERN}$"
#: JSON-schema pattern of a ``school_year`` param, e.g. ``2025-2026``.
SCHOOL_YEAR_PARAM = rf"^{SCHOOL_YEAR_PATTERN}$"

__all__ = ["BUREAU_TZ_NAME", "MONTH_PARAM", "SCHOOL_YEAR_PARAM"]
