"""Compute the monthly rotation report of a month into the warehouse, keeping its revision.

``compute_rotation_report`` runs the set-based SELECT of :mod:`teachflow.reports.rotation_sql`
once into a temporary table, then, in the same transaction and without a Python loop over rows
(the revision mechanism itself is :func:`teachflow.reports.revisions.store_revised`, shared with
the support tables):

- updates the stored rows of the month whose figures differ (``IS DISTINCT FROM`` on every figure),
  with ``revision + 1`` and a new ``computed_at``;
- inserts the scopes not reported yet with revision 1;
- deletes the month's rows of scopes that no longer exist (a community dissolved);
- replaces the month's overdue list;
- computes the month's 帮扶与结对 section (:mod:`teachflow.reports.support`) the same way, so the
  report and its section always come from one run over the same data.

Rows whose figures did not change are left untouched (revision and computed_at included), so
reporting the same data twice changes nothing. The table keeps the current revision of each
(month, scope) only; the revision number says how often its figures changed, and the Excel/HTML
outputs of an older revision are overwritten (the DAG logs and the warehouse backups keep history).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import (
    Engine,
    case,
    delete,
    func,
    insert,
    or_,
    select,
)

from teachflow.policy import Policy
from teachflow.reports.months import report_month
from teachflow.reports.revisions import store_revised
from teachflow.reports.rotation_sql import figures_select, overdue_select
from teachflow.reports.support import SupportReportResult, compute_support_report
from teachflow.reports.teacher_months import refresh_teacher_months
from teachflow.vocabularies import ROTATION_FLOW_TYPES
from teachflow.warehouse.mart_build import policy_values, write_settings
from teachflow.warehouse.schema import report_rotation_monthly, report_rotation_overdue, schools, teacher_flows

KEY_COLUMNS = ("period", "scope", "scope_code")


@dataclass(frozen=True)
class RotationReportResult:
    """What a run did to month ``period``'s report."""

    period: str
    scopes: int
    inserted: int
    changed: int
    removed: int
    overdue: int
    #: The month's report revision: the highest revision among its rows.
    revision: int
    #: What the same run did to the month's 帮扶与结对 section.
    support: SupportReportResult | None = None

    @property
    def unchanged(self) -> bool:
        """Nothing the month's files show changed: neither the rotation figures nor the section's."""
        rotation_same = not (self.inserted or self.changed or self.removed)
        return rotation_same and (self.support is None or self.support.unchanged)

    def summary(self) -> str:
        state = (
            "unchanged"
            if not (self.inserted or self.changed or self.removed)
            else f"{self.inserted} new, {self.changed} changed, {self.removed} removed scope row(s)"
        )
        return (
            f"Rotation report {self.period}: revision {self.revision}, {self.scopes} scopes ({state}), "
            f"{self.overdue} overdue flow(s)"
        )


def compute_rotation_report(
    engine: Engine, period: str, policy: Policy | None = None, *, now: dt.datetime | None = None
) -> RotationReportResult:
    """Compute month ``period`` (``YYYY-MM``) into report_rotation_monthly / _overdue; one transaction."""
    month = report_month(period)
    policy = policy or Policy()
    now = now or dt.datetime.now(dt.UTC)
    report = report_rotation_monthly
    with engine.begin() as conn:
        conn = conn.execution_options(preserve_rowcount=True)  # INSERT ... SELECT counts on psycopg too
        # The month's per-teacher rows first (the analysts' mart): the report's figures count them.
        refresh_teacher_months(conn, month, policy, now)
        rows = store_revised(conn, report, figures_select(month, policy), KEY_COLUMNS, period, now)
        conn.execute(delete(report_rotation_overdue).where(report_rotation_overdue.c.period == period))
        overdue = conn.execute(
            insert(report_rotation_overdue).from_select(
                [c.name for c in report_rotation_overdue.c], overdue_select(month, engine.dialect.name)
            )
        ).rowcount
        revision = conn.execute(select(func.max(report.c.revision)).where(report.c.period == period)).scalar()
        support = compute_support_report(conn, month, now)
        # The policy the month was judged by, for the analysts' mart.
        write_settings(conn, policy_values(policy), now=now)
    return RotationReportResult(
        period=period,
        scopes=rows.rows,
        inserted=rows.inserted,
        changed=rows.changed,
        removed=rows.removed,
        overdue=overdue,
        revision=revision or 0,
        support=support,
    )


def reported_periods(engine: Engine) -> list[str]:
    """Months that have a rotation report, oldest first."""
    with engine.connect() as conn:
        return list(
            conn.execute(select(report_rotation_monthly.c.period).distinct().order_by(report_rotation_monthly.c.period))
            .scalars()
            .all()
        )


@dataclass(frozen=True)
class RotationReportData:
    """A month's stored report, read back for the Excel and HTML outputs (no IDs, no names)."""

    period: str
    revision: int
    #: Rows of report_rotation_monthly by scope kind ("city", "county", "community"), ordered by code.
    rows: dict[str, list[dict]]
    #: Overdue flows with the names and counties of both schools, most overdue first.
    overdue: list[dict]
    #: Active rotation flows at month end by flow type code (city-wide).
    active_by_type: dict[str, int]


def load_rotation_report(engine: Engine, period: str) -> RotationReportData:
    """Read month ``period``'s report rows and overdue list (a few hundred rows: outputs only)."""
    month = report_month(period)
    report = report_rotation_monthly
    od = report_rotation_overdue
    from_school, to_school = schools.alias("from_school"), schools.alias("to_school")
    scope_order = case({"city": 0, "county": 1, "community": 2}, value=report.c.scope)
    with engine.connect() as conn:
        stored = [
            dict(r._mapping)
            for r in conn.execute(
                select(report).where(report.c.period == period).order_by(scope_order, report.c.scope_code)
            )
        ]
        overdue = [
            dict(r._mapping)
            for r in conn.execute(
                select(
                    od.c.teacher_key,
                    od.c.flow_type,
                    od.c.from_school_code,
                    from_school.c.school_name.label("from_school_name"),
                    from_school.c.county_code.label("from_county_code"),
                    od.c.to_school_code,
                    to_school.c.school_name.label("to_school_name"),
                    od.c.start_date,
                    od.c.planned_end_date,
                    od.c.days_overdue,
                )
                .select_from(
                    od.outerjoin(from_school, from_school.c.school_code == od.c.from_school_code).outerjoin(
                        to_school, to_school.c.school_code == od.c.to_school_code
                    )
                )
                .where(od.c.period == period)
                .order_by(od.c.days_overdue.desc(), od.c.from_school_code, od.c.teacher_key)
            )
        ]
        f = teacher_flows.c
        by_type = dict(
            conn.execute(
                select(f.flow_type, func.count())
                .where(
                    f.flow_type.in_(ROTATION_FLOW_TYPES),
                    f.start_date <= month.month_end,
                    or_(f.actual_end_date.is_(None), f.actual_end_date > month.month_end),
                )
                .group_by(f.flow_type)
            ).all()
        )
    rows: dict[str, list[dict]] = {"city": [], "county": [], "community": []}
    for row in stored:
        rows[row["scope"]].append(row)
    return RotationReportData(
        period=period,
        revision=max((r["revision"] for r in stored), default=0),
        rows=rows,
        overdue=overdue,
        active_by_type={t: int(by_type.get(t, 0)) for t in ROTATION_FLOW_TYPES},
    )
