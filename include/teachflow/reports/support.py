"""The 帮扶与结对 section of the monthly report: computed into the warehouse with revisions, read back.

:func:`compute_support_report` runs inside the monthly rotation report's transaction
(:func:`teachflow.reports.rotation.compute_rotation_report`), so the report and its section always
come from one run over the same data, whether the DAG or ``teachflow report rotation`` runs it.
Each of the two tables (``report_support_monthly``, ``report_support_by_type``) is stored as the
rotation figures are, by :func:`teachflow.reports.revisions.store_revised` from the set-based
SELECTs of :mod:`teachflow.reports.support_sql`: only rows whose figures changed get a new revision,
keys no longer yielded (an activity type that no longer occurs in M) are deleted, and a rerun over
the same data changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    case,
    func,
    select,
)

from teachflow.reports.months import ReportMonth
from teachflow.reports.revisions import RevisedRows, store_revised
from teachflow.reports.support_sql import by_type_select, figures_select
from teachflow.warehouse.schema import report_support_by_type, report_support_monthly


@dataclass(frozen=True)
class SupportReportResult:
    """What a run did to month ``period``'s 帮扶与结对 section."""

    period: str
    scopes: RevisedRows
    by_type: RevisedRows
    #: The section's revision: the highest revision among its per-scope rows.
    revision: int

    @property
    def unchanged(self) -> bool:
        return self.scopes.unchanged and self.by_type.unchanged

    def summary(self) -> str:
        s, t = self.scopes, self.by_type
        state = (
            "unchanged"
            if self.unchanged
            else (
                f"{s.inserted} new, {s.changed} changed, {s.removed} removed scope row(s); "
                f"{t.inserted} new, {t.changed} changed, {t.removed} removed type row(s)"
            )
        )
        return (
            f"Support and pairing (帮扶与结对) {self.period}: revision {self.revision}, {s.rows} scopes, "
            f"{t.rows} type row(s) ({state})"
        )


def compute_support_report(conn: Connection, month: ReportMonth, now: dt.datetime) -> SupportReportResult:
    """Month ``month``'s section into report_support_monthly and _by_type, on the caller's transaction.

    ``conn`` must count rows of INSERT ... SELECT (``preserve_rowcount``), as the rotation run's does.
    """
    scopes = store_revised(
        conn, report_support_monthly, figures_select(month), ("period", "scope", "scope_code"), month.period, now
    )
    by_type = store_revised(
        conn,
        report_support_by_type,
        by_type_select(month),
        ("period", "scope", "scope_code", "activity_type", "mode"),
        month.period,
        now,
    )
    revision = conn.execute(
        select(func.max(report_support_monthly.c.revision)).where(report_support_monthly.c.period == month.period)
    ).scalar()
    return SupportReportResult(period=month.period, scopes=scopes, by_type=by_type, revision=revision or 0)


@dataclass(frozen=True)
class SupportReportData:
    """A month's stored section, read back for the Excel and HTML outputs (counts only, no person)."""

    period: str
    revision: int
    #: Rows of report_support_monthly by scope kind ("city", "county", "community"), ordered by code.
    rows: dict[str, list[dict]]
    #: Rows of report_support_by_type with the scope's name, by scope kind, ordered by code, type, mode.
    by_type: dict[str, list[dict]]

    @property
    def computed(self) -> bool:
        """False for a month whose report was computed before the section existed."""
        return any(self.rows.values())


def load_support_report(engine: Engine, period: str) -> SupportReportData:
    """Read month ``period``'s section (a few hundred rows: outputs only)."""
    report, by_type = report_support_monthly, report_support_by_type
    scope_order = case({"city": 0, "county": 1, "community": 2}, value=report.c.scope)
    type_order = case({"city": 0, "county": 1, "community": 2}, value=by_type.c.scope)

    with engine.connect() as conn:
        stored = [
            dict(r._mapping)
            for r in conn.execute(
                select(report).where(report.c.period == period).order_by(scope_order, report.c.scope_code)
            )
        ]
        types = [
            dict(r._mapping)
            for r in conn.execute(
                select(by_type, report.c.scope_name)
                .select_from(
                    by_type.outerjoin(
                        report,
                        and_(
                            report.c.period == by_type.c.period,
                            report.c.scope == by_type.c.scope,
                            report.c.scope_code == by_type.c.scope_code,
                        ),
                    )
                )
                .where(by_type.c.period == period)
                .order_by(type_order, by_type.c.scope_code, by_type.c.activity_type, by_type.c.mode)
            )
        ]
    rows: dict[str, list[dict]] = {"city": [], "county": [], "community": []}
    for row in stored:
        rows[row["scope"]].append(row)
    grouped: dict[str, list[dict]] = {"city": [], "county": [], "community": []}
    for row in types:
        grouped[row["scope"]].append(row)
    return SupportReportData(
        period=period,
        revision=max((r["revision"] for r in stored), default=0),
        rows=rows,
        by_type=grouped,
    )
