"""The rotation report's files under ``<reports>/rotation/<YYYY-MM>/``, each written atomically.

Both files are made from one :class:`RotationDocument`: the stored figures, the school year so far
(trend, change, rank, still needed), the coverage block stored with the computation, the
generated summary, and the 帮扶与结对 section computed in the same run. No names: the named lists
go to the counties' outboxes (``named_lists``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from teachflow.atomic_files import write_atomically
from teachflow.policy import Policy
from teachflow.reports.coverage import Coverage, read_coverage
from teachflow.reports.files import rotation_folder
from teachflow.reports.rotation import RotationReportData, load_rotation_report
from teachflow.reports.support import SupportReportData, load_support_report
from teachflow.reports.trends import MonthView, month_view, summary_zh


@dataclass(frozen=True)
class RotationDocument:
    """Everything the Excel workbook and the HTML page of a month show."""

    data: RotationReportData
    view: MonthView
    coverage: Coverage | None
    summary: list[str]
    policy: Policy
    #: When the newest figure of the month was computed (UTC; shown in Asia/Shanghai).
    computed_at: dt.datetime | None
    #: The 帮扶与结对 section (pairings and support activities) of the same month.
    support: SupportReportData

    @property
    def coverage_lines(self) -> tuple[str, ...]:
        if self.coverage is None:
            return ("本月报未记录数据覆盖情况（在引入覆盖记录之前计算）。",)
        return self.coverage.lines_zh


def rotation_document(engine: Engine, period: str, policy: Policy, *, due_day: int = 5) -> RotationDocument:
    data = load_rotation_report(engine, period)
    if not data.rows["city"] and not data.rows["county"]:
        raise LookupError(f"no rotation report stored for {period}: compute it first")
    with engine.connect() as conn:
        view = month_view(conn, period, data.rows, policy)
        coverage = read_coverage(conn, "rotation", period, due_day=due_day)
    support = load_support_report(engine, period)
    stored = [r for report in (data, support) for rows in report.rows.values() for r in rows]
    stamps = [r["computed_at"] for r in stored if r.get("computed_at")]
    return RotationDocument(
        data, view, coverage, summary_zh(view, policy, coverage), policy, max(stamps, default=None), support
    )


def write_rotation_outputs(
    engine: Engine, reports_dir: Path, period: str, policy: Policy, *, due_day: int = 5
) -> list[Path]:
    """Write ``交流轮岗月报_<M>.xlsx`` and ``交流轮岗月报_<M>.html`` from the stored report; their paths."""
    from teachflow.reports.rotation_excel import write_rotation_workbook
    from teachflow.reports.rotation_html import write_rotation_html

    document = rotation_document(engine, period, policy, due_day=due_day)
    folder = rotation_folder(reports_dir, period)
    workbook = write_atomically(folder / f"交流轮岗月报_{period}.xlsx", lambda p: write_rotation_workbook(document, p))
    page = write_atomically(folder / f"交流轮岗月报_{period}.html", lambda p: write_rotation_html(document, p))
    return [workbook, page]
