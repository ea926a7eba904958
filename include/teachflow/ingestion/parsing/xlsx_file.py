"""Reading a county workbook with calamine: the right sheet, its header, its cells as faithful text.

The sheet is the one named after the dataset ("teachers" or its Chinese title "教师名册"), else the
first sheet that holds a header for the dataset (normally the first sheet; a leading "说明" sheet
of instructions is passed over).

Cells become the text the county typed, so :mod:`teachflow.ingestion.normalize` judges every file alike:
- a date cell -> ISO ``YYYY-MM-DD`` (a time of day in it is dropped: the contract has dates only);
- a whole number below 10^15 -> its digits without ".0" (a school code typed as a number, 12 hours);
- any other number -> up to 15 significant digits, the precision Excel keeps, exponent as Excel
  writes it. An 18-digit ID stored as a number has lost its last three digits, so it arrives as
  e.g. ``4.50202198001011E+17`` and normalize reports ``id_scientific``. No number of 16 or more
  digits is trusted as an ID, not even one that passes the check character: Excel zeroes the
  digits after the 15th, and one in eleven of those damaged IDs ends in a valid check "0".
- text -> stripped; an empty or error cell -> NA.

Merged cells: calamine gives a merged area's value to its top-left cell only. Below the header a
vertically merged area (one school code spanning several teachers' rows) means that value on every
row, as the county sees it, so each row of the area gets the value in the area's first column.
Merged title rows above the header need nothing.

``_row`` is the sheet's own row number: title rows, the header and blank rows all count.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

import numpy as np
import pandas as pd
import python_calamine as calamine

from teachflow.datasets import Dataset
from teachflow.ingestion.parsing.headers import (
    HEADER_SEARCH_ROWS,
    HeaderLayout,
    file_empty,
    file_unreadable,
    find_header,
    header_key,
    header_not_found,
    require_columns,
)
from teachflow.problems import FileRejected

#: First bytes of a workbook: a zip container (.xlsx) or an OLE2 compound file (.xls, encrypted .xlsx).
WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
_EXACT_INTEGER_LIMIT = 1e15  # below it a whole float is exactly the integer Excel holds (15 digits)


def is_workbook(raw: bytes) -> bool:
    return raw.startswith(WORKBOOK_MAGIC)


def cell_text(value: object) -> str | None:
    """A calamine cell value as the text the county typed; None for an empty cell."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _EXACT_INTEGER_LIMIT:
            return str(int(value))
        return format(value, ".15g").replace("e", "E")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value) if value is not None else None


def read_xlsx_table(raw: bytes, dataset: Dataset) -> tuple[pd.DataFrame, HeaderLayout, str]:
    """The body's cells under contract names (``_row`` first; text or NA), the layout, the sheet name.

    Blank rows are still in the frame (the caller drops them). Raises FileRejected for
    file_unreadable, file_empty, header_not_found and column_missing.
    """
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(raw))
        sheet, layout = _sheet_with_header(book, dataset)
        require_columns(layout, dataset)
        rows = sheet.to_python(skip_empty_area=False)
        merged = sheet.merged_cell_ranges
    except calamine.CalamineError as err:
        raise _unreadable(err, raw) from err

    start = layout.row_index + 1
    _fill_merged_down(rows, merged or [], first_row=start)
    body = rows[start:]
    frame = pd.DataFrame(
        {
            name: pd.array(_column_text([row[pos] for row in body]), dtype="str")
            for name, pos in layout.positions.items()
        },
        copy=False,
    )
    frame.insert(0, "_row", np.arange(len(frame), dtype="int64") + start + 1)
    return frame, layout, sheet.name


def _column_text(cells: list[object]) -> list[str | None]:
    """:func:`cell_text` of each cell, with text cells (the common case) handled inline for speed."""
    return [(cell.strip() or None) if type(cell) is str else cell_text(cell) for cell in cells]


#: The stream Excel keeps a password-protected workbook in (inside an OLE2 file), UTF-16 named.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def _unreadable(err: Exception, raw: bytes = b"") -> FileRejected:
    """Why calamine could not open the workbook. Excel saves a workbook with an opening password
    as an OLE2 file holding an ``EncryptedPackage`` stream, which calamine takes for a broken .xls."""
    if isinstance(err, calamine.PasswordError) or (raw.startswith(WORKBOOK_MAGIC[1]) and _ENCRYPTED_PACKAGE in raw):
        return file_unreadable("password")
    return file_unreadable("damaged", str(err))


def _sheet_order(book: calamine.CalamineWorkbook, dataset: Dataset) -> list[str]:
    """Worksheets to search: those named after the dataset first, then the rest in workbook order."""
    names = [m.name for m in book.sheets_metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]
    wanted = {header_key(dataset.name), header_key(dataset.title_zh)}
    return sorted(names, key=lambda name: header_key(name) not in wanted)  # stable: keeps workbook order


def _sheet_with_header(
    book: calamine.CalamineWorkbook, dataset: Dataset
) -> tuple[calamine.CalamineSheet, HeaderLayout]:
    first_filled: tuple[str, int] | None = None  # the first sheet with any content, and its rows searched
    for name in _sheet_order(book, dataset):
        sheet = book.get_sheet_by_name(name)
        top = [[cell_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False, nrows=HEADER_SEARCH_ROWS)]
        layout = find_header(top, dataset)
        if layout is not None:
            return sheet, layout
        if first_filled is None and any(any(row) for row in top):
            first_filled = (name, len(top))
    if first_filled is None:
        raise file_empty()
    raise header_not_found(dataset, first_filled[1], sheet=first_filled[0])


def _fill_merged_down(
    rows: list[list[object]], merged: Sequence[tuple[tuple[int, int], tuple[int, int]]], first_row: int
) -> None:
    """Give every row of a merged area below the header the value of the area's first column."""
    for (top, left), (bottom, _right) in merged:
        if top < first_row or top >= len(rows):
            continue
        value = rows[top][left]
        for r in range(top + 1, min(bottom, len(rows) - 1) + 1):
            rows[r][left] = value
