"""The 帮扶与结对 section of the monthly report: computed into the warehouse with revisions, read back.

:func:`compute_support_report` runs inside the monthly rotation report's transaction
(:func:`teachflow.reports.rotation.compute_rotation_report`), so the report and its section always
come from one run over the same data, whether the DAG or ``teachflow report rotation`` runs it.
Each of the two tables (``report_support_monthly``, ``report_support_by_type``) is stored the way
the rotation figures are: the set-based SELECT of :mod:`teachflow.reports.support_sql` goes into a
temporary table once, then, without a Python loop over rows,

- stored rows whose figures differ (``IS DISTINCT FROM``) get the new figures, ``revision + 1``
  and a new ``computed_at``;
- keys not stored yet are inserted with revision 1;
- the month's stored keys the SELECT no longer yields are deleted (a community dissolved; an
  activity type that no longer occurs in M after a correction).

A rerun over the same data changes nothing, not even ``computed_at``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    MetaData,
    Select,
    Table,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy import delete as sql_delete

from teachflow.reports.months import ReportMonth
from teachflow.reports.support_sql import by_type_select, figures_select
from teachflow.warehouse.schema import report_support_by_type, report_support_monthly

_STAMP_COLUMNS = ("revision", "computed_at")


@dataclass(frozen=True)
class RevisedRows:
    """What one run did to one table's rows of the month."""

    rows: int
    inserted: int
    changed: int
    removed: int

    @property
    def unchanged(self) -> bool:
        return not (self.inserted or self.changed or self.removed)


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


def store_revised(
    conn: Connection, table: Table, figures: Select, key_columns: tuple[str, ...], period: str, now: dt.datetime
) -> RevisedRows:
    """Bring ``table``'s rows of ``period`` to ``figures`` (every column but revision and computed_at),
    raising the revision of the rows whose figures changed only. One statement per step, set-based."""
    columns = [c.name for c in table.c if c.name not in _STAMP_COLUMNS]
    compared = [c for c in columns if c not in key_columns]
    staging = Table(
        f"tmp_{table.name}", MetaData(), *(Column(c, table.c[c].type) for c in columns), prefixes=["TEMPORARY"]
    )
    staging.drop(conn, checkfirst=True)
    staging.create(conn)
    conn.execute(insert(staging).from_select(columns, figures))
    same_key = and_(*(table.c[k] == staging.c[k] for k in key_columns))
    changed = conn.execute(
        update(table)
        .values({**{c: staging.c[c] for c in compared}, "revision": table.c.revision + 1, "computed_at": now})
        .where(same_key, or_(*(table.c[c].is_distinct_from(staging.c[c]) for c in compared)))
    ).rowcount
    new_rows = select(
        *(staging.c[c] for c in columns),
        literal_column("1").label("revision"),
        literal(now, DateTime(timezone=True)).label("computed_at"),
    ).where(~exists().where(same_key))
    inserted = conn.execute(insert(table).from_select([*columns, *_STAMP_COLUMNS], new_rows)).rowcount
    removed = conn.execute(
        sql_delete(table).where(
            table.c.period == period,
            ~exists().where(and_(*(staging.c[k] == table.c[k] for k in key_columns))),
        )
    ).rowcount
    rows = conn.execute(select(func.count()).select_from(staging)).scalar_one()
    staging.drop(conn)
    return RevisedRows(rows=rows, inserted=inserted, changed=changed, removed=removed)


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
