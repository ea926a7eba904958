"""One month's rotation report, end to end, as the DAGs and the CLI run it.

Kept in the package (not in the DAG file) so that ``teachflow report rotation`` and the two DAGs
do exactly the same thing: compute into the warehouse, then write the files from what is stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from teachflow.reports.files import rotation_folder
from teachflow.reports.months import parse_period, previous_period
from teachflow.reports.rotation import RotationReportResult, compute_rotation_report
from teachflow.reports.rotation_outputs import write_rotation_outputs
from teachflow.reports.rotation_sql import RotationPolicy
from teachflow.settings import Settings
from teachflow.warehouse.engine import make_engine

#: The bureau's clock: the report of month M runs on the 6th of M+1, Beijing time.
BUREAU_TZ = ZoneInfo("Asia/Shanghai")


def month_for_run(explicit: str | None, logical_date: dt.datetime | None, run_after: dt.datetime | None) -> str:
    """The report month of a DAG run: the ``month`` param if given, else the month before the run's date.

    The run's date is its logical date (scheduled and backfill runs) or, for a manual run without
    one, ``run_after``; it is read on the bureau's clock, since 06:00 on the 6th in Shanghai is the
    5th in UTC. Never ``data_interval_start``: under CronTriggerTimetable the interval is empty.
    """
    if explicit:
        parse_period(explicit)
        return explicit
    when = logical_date or run_after
    if when is None:
        raise ValueError("a run with neither a month param, a logical date nor run_after")
    if when.tzinfo is not None:
        when = when.astimezone(BUREAU_TZ)
    return previous_period(when)


@dataclass(frozen=True)
class RotationRun:
    result: RotationReportResult
    paths: list[Path] = field(default_factory=list)


def run_rotation_report(
    settings: Settings, period: str, *, write_files: bool = True, only_if_changed: bool = False
) -> RotationRun:
    """Compute month ``period`` and (re)write its Excel and HTML files.

    ``only_if_changed`` (the refresh DAG): keep the files of a month whose figures did not change,
    unless they are missing.
    """
    policy = RotationPolicy.from_settings(settings)
    engine = make_engine(settings.warehouse_url)
    try:
        result = compute_rotation_report(engine, period, policy)
        files_missing = not rotation_folder(settings.reports, period).exists()
        if write_files and (not only_if_changed or not result.unchanged or files_missing):
            paths = write_rotation_outputs(engine, settings.reports, period, policy)
        else:
            paths = []
    finally:
        engine.dispose()
    return RotationRun(result, paths)
