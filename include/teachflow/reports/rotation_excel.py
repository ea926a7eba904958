"""The rotation report as an Excel workbook a bureau prints: 全市, 区县, 教共体 and 逾期未返 sheets.

Numbers stay numbers (counts as integers, shares as fractions formatted as percentages, hours with
two decimals), headers are Chinese and frozen, pages are landscape and fit to width with the header
repeated. The overdue list names the schools and the teacher by ``teacher_key`` only, never by ID
or name.
"""

from __future__ import annotations

from pathlib import Path

from teachflow.reports.months import report_month
from teachflow.reports.rotation import RotationReportData
from teachflow.reports.rotation_labels import MONTHLY_COLUMNS, OVERDUE_COLUMNS, SCOPE_SHEETS, yes_no
from teachflow.vocabularies import FLOW_TYPE

NUMBER_FORMATS = {"int": "0", "pct": "0.0%", "hours": "#,##0.00", "date": "yyyy-mm-dd"}
WIDTHS = {"text": 16, "int": 12, "pct": 11, "bool": 10, "hours": 13, "date": 12}


def _cell_value(value, kind: str):
    if kind == "bool":
        return yes_no(value)
    if value is None:
        return None
    if kind in ("pct", "hours"):
        return float(value)
    return value


def _styles(wb) -> dict[str, str]:
    """One named style per kind of cell (bordered, formatted): a named style is set once per cell,
    far faster in openpyxl than a border and a number format each."""
    from openpyxl.styles import Alignment, Border, NamedStyle, Side

    thin = Side(style="thin", color="999999")
    names = {}
    for kind in WIDTHS:
        style = NamedStyle(name=f"teachflow_{kind}")
        style.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        if kind in NUMBER_FORMATS:
            style.number_format = NUMBER_FORMATS[kind]
        if kind == "bool":
            style.alignment = Alignment(horizontal="center")
        wb.add_named_style(style)
        names[kind] = style.name
    return names


def _write_sheet(ws, styles: dict[str, str], title: str, columns, rows: list[dict]) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.append([header for _, header, _ in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        cell.border = border
    cell_styles = [styles[kind] for _, _, kind in columns]
    for row in rows:
        ws.append([_cell_value(row.get(name), kind) for name, _, kind in columns])
    for cells in ws.iter_rows(min_row=2):
        for cell, style in zip(cells, cell_styles, strict=True):
            cell.style = style
    for index, (name, _, kind) in enumerate(columns, start=1):
        width = 30 if name in ("scope_name", "from_school_name", "to_school_name") else WIDTHS[kind]
        ws.column_dimensions[get_column_letter(index)].width = 66 if name == "teacher_key" else width
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "C2" if columns is MONTHLY_COLUMNS else "B2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddHeader.center.text = title
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def write_rotation_workbook(data: RotationReportData, path: Path) -> None:
    """Write the workbook to ``path`` (the caller makes it atomic)."""
    from openpyxl import Workbook

    month = report_month(data.period)
    title = f"交流轮岗月报 {data.period}（{month.school_year} 学年，修订版次 {data.revision}）"
    wb = Workbook()
    wb.remove(wb.active)
    styles = _styles(wb)
    for scope, sheet_name in SCOPE_SHEETS.items():
        _write_sheet(wb.create_sheet(sheet_name), styles, f"{title} · {sheet_name}", MONTHLY_COLUMNS, data.rows[scope])
    overdue_rows = [{**r, "flow_type_zh": FLOW_TYPE.label_of(r["flow_type"])} for r in data.overdue]
    _write_sheet(wb.create_sheet("逾期未返"), styles, f"{title} · 逾期未返", OVERDUE_COLUMNS, overdue_rows)
    wb.properties.title = title
    wb.properties.creator = "teachflow"
    wb.save(path)
