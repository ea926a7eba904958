"""Workbooks made for people, with xlsxwriter: one look for every report the bureau prints.

Each sheet starts with a title row and a 截至 line, then a table whose header row is frozen and
repeated on every printed page; pages are A4 landscape, one page wide. Hours are ``#,##0.0``,
rates ``0.0%``, dates ``yyyy-mm-dd``. A figure judged against a target is coloured (green: met,
orange: not met). Every text cell goes through :func:`teachflow.spreadsheet_text.neutralize_formula`
so a name typed as ``=...`` by a county never runs as a formula.

xlsxwriter writes files only (openpyxl still reads the counties' files and the tests'): it draws
native Excel charts and writes the print setup Excel honours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from teachflow import calendar
from teachflow.spreadsheet_text import neutralize_formula

NUMBER_FORMATS = {
    "int": "#,##0",
    "pct": "0.0%",
    "pct_change": "+0.0%;-0.0%;0.0%",
    "int_change": "+#,##0;-#,##0;0",
    "hours": "#,##0.0",
    "score": "0.0",
    "number": "#,##0.######",
    "date": "yyyy-mm-dd",
}
WIDTHS = {
    "text": 14,
    "name": 26,
    "int": 11,
    "pct": 10,
    "pct_change": 10,
    "int_change": 10,
    "bool": 9,
    "hours": 12,
    "score": 9,
    "number": 12,
    "date": 12,
    "long": 60,
}
MET_FILL, NOT_MET_FILL = "#C6EFCE", "#FCE4D6"
HEADER_FILL = "#DDEBF7"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "text"  # a key of WIDTHS
    #: For a rate or share: the target; its cells are coloured met / not met.
    target: float | None = None
    width: float | None = None


class Book:
    """An xlsxwriter workbook with the formats every sheet shares."""

    def __init__(self, path, title: str):
        import xlsxwriter

        self.workbook = xlsxwriter.Workbook(str(path), {"remove_timezone": True, "strings_to_formulas": False})
        self.workbook.set_properties({"title": title, "author": "teachflow", "company": "教育局"})
        self.title = title
        add = self.workbook.add_format
        base = {"font_name": "等线", "font_size": 10, "valign": "vcenter"}
        self.f_title = add({**base, "bold": True, "font_size": 14})
        self.f_subtitle = add({**base, "font_color": "#555555"})
        self.f_heading = add({**base, "bold": True, "font_size": 11})
        self.f_text = add({**base})
        self.f_wrap = add({**base, "text_wrap": True, "valign": "top"})
        self.f_header = add(
            {**base, "bold": True, "bg_color": HEADER_FILL, "border": 1, "text_wrap": True, "align": "center"}
        )
        self.f_met = add({"bg_color": MET_FILL, "font_color": "#006100"})
        self.f_not_met = add({"bg_color": NOT_MET_FILL, "font_color": "#9C3A00"})
        self.cell: dict[str, Any] = {
            kind: add({**base, "border": 1, "num_format": NUMBER_FORMATS.get(kind, "@" if kind != "bool" else "")})
            for kind in WIDTHS
        }
        self.cell["text"] = add({**base, "border": 1})
        self.cell["name"] = self.cell["text"]
        self.cell["long"] = add({**base, "border": 1, "text_wrap": True})
        self.cell["bool"] = add({**base, "border": 1, "align": "center"})

    def sheet(self, name: str, *, as_of: str, subtitle: str | None = None):
        """A new sheet with the title row and the 截至 line; returns (worksheet, next free row)."""
        ws = self.workbook.add_worksheet(name)
        ws.write_string(0, 0, neutralize_formula(f"{self.title} · {name}"), self.f_title)
        ws.write_string(
            1, 0, neutralize_formula(as_of if subtitle is None else f"{as_of}　{subtitle}"), self.f_subtitle
        )
        ws.set_row(0, 22)
        print_setup(ws, f"{self.title} · {name}")
        return ws, 3

    def lines(self, ws, row: int, heading: str | None, lines: Sequence[str]) -> int:
        """A heading and plain lines (one per row, long lines wrap across the first columns)."""
        if heading:
            ws.write_string(row, 0, neutralize_formula(heading), self.f_heading)
            row += 1
        for line in lines:
            ws.write_string(row, 0, neutralize_formula(line), self.f_text)
            row += 1
        return row + 1

    def table(
        self,
        ws,
        row: int,
        columns: Sequence[Column],
        records: Sequence[dict],
        *,
        freeze_columns: int = 0,
        freeze: bool = True,
        first_column: int = 0,
    ) -> tuple[int, int]:
        """Header at ``row``, then one row per record; frozen and repeated header. (header row, last row)."""
        header = row
        for c, col in enumerate(columns, start=first_column):
            ws.write_string(header, c, col.header, self.f_header)
            ws.set_column(c, c, col.width or WIDTHS[col.kind])
        ws.set_row(header, 30)
        for r, record in enumerate(records, start=header + 1):
            for c, col in enumerate(columns, start=first_column):
                write_value(ws, r, c, record.get(col.key), col.kind, self.cell[col.kind])
        last = header + len(records)
        for c, col in enumerate(columns, start=first_column):
            if col.target is not None and records:
                self.colour_target(ws, header + 1, c, last, col.target)
        if freeze:
            ws.freeze_panes(header + 1, freeze_columns)
            ws.repeat_rows(header)
        return header, last

    def colour_target(
        self, ws, first_row: int, column: int, last_row: int, target: float, last_column: int | None = None
    ) -> None:
        """Green where the cell meets ``target``, orange where it does not (blank cells stay white)."""
        from xlsxwriter.utility import xl_rowcol_to_cell

        last_column = column if last_column is None else last_column
        first = xl_rowcol_to_cell(first_row, column)  # relative: Excel shifts it over the range
        for condition, fmt in ((f">={target}", self.f_met), (f"<{target}", self.f_not_met)):
            ws.conditional_format(
                first_row,
                column,
                last_row,
                last_column,
                {"type": "formula", "criteria": f"=AND(ISNUMBER({first}),{first}{condition})", "format": fmt},
            )

    def close(self) -> None:
        self.workbook.close()


def print_setup(ws, header_text: str) -> None:
    """A4 landscape, one page wide (as tall as needed), centred, page numbers in the footer."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    ws.set_header(f"&C{header_text.replace('&', '&&')}")
    ws.set_footer("&C第 &P 页，共 &N 页")


def write_value(ws, row: int, col: int, value: Any, kind: str, fmt) -> None:
    """One cell: numbers stay numbers, booleans read 是/否, text is made inert."""
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif kind == "bool" or isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, dt.datetime):
        ws.write_string(row, col, calendar.format_local(value), fmt)  # Asia/Shanghai for people
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime(value.year, value.month, value.day), fmt)
    elif isinstance(value, int | float) or hasattr(value, "as_integer_ratio"):
        ws.write_number(row, col, float(value), fmt)
    else:
        ws.write_string(row, col, neutralize_formula(str(value)), fmt)


def notes_sheet(book: Book, as_of: str, sections: Sequence[tuple[str, Sequence[str]]]) -> None:
    """The 说明 sheet: definitions and the policy figures used (headings and lines)."""
    ws, row = book.sheet("说明", as_of=as_of)
    ws.set_column(0, 0, 110)
    for heading, lines in sections:
        row = book.lines(ws, row, heading, lines)
