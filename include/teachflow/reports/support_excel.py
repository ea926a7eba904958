"""The 帮扶与结对 sheets of the monthly report's workbook (called by :mod:`teachflow.reports.rotation_excel`).

Two sheets: 帮扶与结对 (every scope's pairings and activities figures, city first, then counties
and communities, with a chart of the counties' activities received and given) and 帮扶活动类型
(M's activities by scope, type and mode). Counts only: the section holds no teacher at all.
"""

from __future__ import annotations

from teachflow.reports.support import SupportReportData
from teachflow.reports.support_labels import (
    SCOPES_SHEET,
    SECTION_TITLE,
    TYPES_SHEET,
    city_lines,
    scope_columns,
    scope_records,
    type_columns,
    type_records,
)
from teachflow.reports.xlsx_kit import Book


def write_support_sheets(book: Book, data: SupportReportData, as_of: str) -> None:
    """Add the section's two sheets to ``book``."""
    ws, row = book.sheet(SCOPES_SHEET, as_of=as_of, subtitle=SECTION_TITLE)
    row = book.lines(ws, row, None, city_lines(data))
    columns = scope_columns()
    records = scope_records(data)
    header, last = book.table(ws, row, columns, records, freeze_columns=3)
    ws.set_row(header, 42)  # two-line headers: 中文 over English
    counties = [i for i, r in enumerate(records) if r["scope"] == "county"]
    if counties:
        first_row, last_row = header + 1 + counties[0], header + 1 + counties[-1]
        index = {c.key: i for i, c in enumerate(columns)}
        chart = book.workbook.add_chart({"type": "column"})
        for key, name, colour in (
            ("activities_month", "本月受援活动 Activities received", "#4A78B5"),
            ("activities_given_month", "本月送出活动 Activities given", "#4E9A55"),
        ):
            chart.add_series(
                {
                    "name": name,
                    "categories": [SCOPES_SHEET, first_row, index["scope_name"], last_row, index["scope_name"]],
                    "values": [SCOPES_SHEET, first_row, index[key], last_row, index[key]],
                    "fill": {"color": colour},
                    "data_labels": {"value": True},
                }
            )
        chart.set_title({"name": "各区县本月帮扶活动 Support activities by county"})
        chart.set_y_axis({"min": 0})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 620, "height": 300})
        ws.insert_chart(last + 2, 2, chart)

    ws, row = book.sheet(
        TYPES_SHEET, as_of=as_of, subtitle=f"{SECTION_TITLE}：本月受援活动，按范围、活动类型和形式 (by type and mode)"
    )
    header, _ = book.table(ws, row, type_columns(), type_records(data), freeze_columns=3)
    ws.set_row(header, 42)
