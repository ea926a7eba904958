"""Reading one county file into text cells under the contract's column names.

This is the first step of the pipeline (frames: ``read_table`` -> ``normalize``): it accepts the
files counties really send (CSV in UTF-8, UTF-8 with BOM or GBK; XLSX with title rows, merged cells
and blank rows; Chinese or English headers in any order) and hands on text exactly as the county
wrote it, so that every judgement about values happens once, in :mod:`teachflow.ingestion.normalize`.

The format is decided by the bytes, not the name: a workbook saved as ``.csv`` is read as a
workbook. A file named ``.xlsx``/``.xls`` that is not a workbook is ``file_unreadable``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from teachflow.datasets import DATASETS, Dataset
from teachflow.ingestion.parsing.csv_file import read_csv_table
from teachflow.ingestion.parsing.headers import file_empty, file_unreadable
from teachflow.ingestion.parsing.workbook_limits import WorkbookLimits, read_workbook_bounded
from teachflow.ingestion.parsing.xlsx_file import is_workbook, read_xlsx_table

_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


class _Readable(Protocol):
    """Anything with ``read_bytes()`` and a ``suffix``: a Path, or an Airflow ObjectStoragePath."""

    suffix: str

    def read_bytes(self) -> bytes: ...


@dataclass
class RawTable:
    """A county file as text cells: ``_row`` then one column per contract column found (see frames.md)."""

    frame: pd.DataFrame  # "_row" (int64, the row as the county sees it), then str-or-NA columns, contract order
    header_row: int  # 1-based row of the header
    file_format: str  # "csv" | "xlsx"
    encoding: str | None  # CSV: "utf-8", "utf-8-sig" or "gb18030"; None for a workbook
    sheet: str | None  # the worksheet read; None for CSV
    ignored_headers: list[str] = field(default_factory=list)  # header cells naming no contract column


def read_table(
    path: str | os.PathLike[str] | _Readable, dataset: Dataset | str, limits: WorkbookLimits | None = None
) -> RawTable:
    """Read a county file; raise :class:`~teachflow.problems.FileRejected` if it cannot be taken.

    File-level problems: ``file_unreadable``, ``file_encoding``, ``header_not_found``,
    ``column_missing`` (one per missing required column) and ``file_empty``. With ``limits`` a
    workbook is checked and parsed within them (:mod:`teachflow.ingestion.parsing.workbook_limits`); the
    pipeline and ``teachflow check`` always pass them.
    """
    if isinstance(dataset, str):
        dataset = DATASETS[dataset]
    source = path if hasattr(path, "read_bytes") else Path(path)
    raw = source.read_bytes()

    if is_workbook(raw):
        if limits is None:
            frame, layout, sheet = read_xlsx_table(raw, dataset)
        else:
            local = Path(source) if isinstance(source, os.PathLike) else None
            frame, layout, sheet = read_workbook_bounded(local, raw, dataset, limits)
        file_format, encoding = "xlsx", None
    elif source.suffix.lower() in _WORKBOOK_SUFFIXES:
        raise file_unreadable("not_workbook")
    else:
        frame, layout, encoding = read_csv_table(raw, dataset)
        file_format, sheet = "csv", None

    frame = _without_blank_rows(frame)
    if frame.empty and not dataset.header_only_accepted:  # a roster cannot be empty (cycle.md)
        raise file_empty("roster")
    return RawTable(
        frame=frame,
        header_row=layout.row_index + 1,
        file_format=file_format,
        encoding=encoding,
        sheet=sheet,
        ignored_headers=layout.ignored,
    )


def _without_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with a value in some contract column; blank rows (inside or trailing) carry no data.

    Column by column, only the rows still blank are looked at, so a million filled rows cost one
    NA check of one column.
    """
    blank = frame.iloc[:, 1].isna().to_numpy().copy()
    for position in range(2, frame.shape[1]):
        candidates = np.flatnonzero(blank)
        if not len(candidates):
            return frame
        blank[candidates] = frame.iloc[candidates, position].isna().to_numpy()
    if not blank.any():
        return frame
    return frame[~blank].reset_index(drop=True)
