"""One month's rotation report, end to end, as the DAGs and the CLI run it.

Kept in the package (not in the DAG file) so that ``teachflow report rotation`` and the two DAGs
do exactly the same thing: compute into the warehouse, then write the files from what is stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from teachflow import calendar
from teachflow.reports.coverage import ReportRefused, check_month_reportable, month_coverage, store_coverage
from teachflow.reports.files import rotation_folder
from teachflow.reports.named_lists import write_named_lists
from teachflow.reports.rotation import RotationReportResult, compute_rotation_report, reported_periods
from teachflow.reports.rotation_outputs import write_rotation_outputs
from teachflow.settings import Settings
from teachflow.warehouse.engine import make_engine


def month_for_run(explicit: str | None, logical_date: dt.datetime | None, run_after: dt.datetime | None) -> str:
    """The report month of a DAG run: the ``month`` param if given, else the month before the run's date.

    The run's date is its logical date (scheduled and backfill runs) or, for a manual run without
    one, ``run_after``; it is read on the bureau's clock, since 06:00 on the 6th in Shanghai is the
    5th in UTC. Never ``data_interval_start``: under CronTriggerTimetable the interval is empty.
    """
    if explicit:
        calendar.parse_period(explicit)
        return explicit
    when = logical_date or run_after
    if when is None:
        raise ValueError("a run with neither a month param, a logical date nor run_after")
    return calendar.previous_period(when)  # an aware moment is read on the bureau's clock (Asia/Shanghai)


@dataclass(frozen=True)
class RotationRun:
    result: RotationReportResult
    paths: list[Path] = field(default_factory=list)
    #: Months of the school year computed first so that the trend is complete.
    filled: list[str] = field(default_factory=list)


def compute_month(
    engine: Engine, settings: Settings, period: str, *, now: dt.datetime | None = None
) -> tuple[RotationReportResult, list[str]]:
    """Refuse, or compute month ``period`` with its coverage; earlier unreported months of its school
    year (and the month before, for the change) are computed first. Returns the result and those months.

    Raises :class:`~teachflow.reports.coverage.ReportRefused` for a future month or one without data.
    """
    now = now or calendar.now_utc()
    policy = settings.policy
    today = calendar.today_local(now)
    with engine.connect() as conn:
        check_month_reportable(conn, period, today=today)
    reported = set(reported_periods(engine))
    wanted = [*calendar.SchoolYear.of_period(period).periods, calendar.shift_period(period, -1)]
    filled = []
    for earlier in sorted({p for p in wanted if p < period and p not in reported}):
        try:
            with engine.connect() as conn:
                check_month_reportable(conn, earlier, today=today)
        except ReportRefused:
            continue  # a month without data stays unreported: the trend shows a gap
        _compute_with_coverage(engine, settings, earlier, policy, now)
        filled.append(earlier)
    return _compute_with_coverage(engine, settings, period, policy, now), filled


def _compute_with_coverage(engine, settings, period, policy, now) -> RotationReportResult:
    result = compute_rotation_report(engine, period, policy, now=now)
    with engine.begin() as conn:
        store_coverage(conn, month_coverage(conn, period, at=now, due_day=settings.due_day))
    return result


def publish_month(engine: Engine, settings: Settings, period: str) -> list[Path]:
    """The month's Excel and HTML under ``<reports>``, and the named lists under ``<outbox>``."""
    policy = settings.policy
    paths = write_rotation_outputs(engine, settings.reports, period, policy, due_day=settings.due_day)
    return paths + write_named_lists(engine, settings.outbox, period, policy)


def run_rotation_report(
    settings: Settings,
    period: str,
    *,
    write_files: bool = True,
    only_if_changed: bool = False,
    now: dt.datetime | None = None,
) -> RotationRun:
    """Compute month ``period`` and (re)write its Excel, HTML and named lists.

    ``only_if_changed`` (the refresh DAG): keep the files of a month whose figures did not change,
    unless they are missing.
    """
    engine = make_engine(settings.warehouse_url)
    try:
        result, filled = compute_month(engine, settings, period, now=now)
        files_missing = not rotation_folder(settings.reports, period).exists()
        if write_files and (not only_if_changed or not result.unchanged or files_missing):
            paths = publish_month(engine, settings, period)
        else:
            paths = []
    finally:
        engine.dispose()
    return RotationRun(result, paths, filled)
