"""Writing one landing file (a county's "drop") in the county's style, mistakes included.

A drop lands at ``<landing>/<county_code>/<YYYY-MM>/<dataset>.<csv|xlsx>`` (submissions.md). Rows
arrive as pairs of logical values and rendered cells in the contract's column order and are
written as they come, so a file of a million rows never sits in memory. XLSX files are written
with openpyxl's write-only mode into a zip with fixed timestamps, so the same seed gives the same
bytes; CSV files are plain ``csv`` output in the style's encoding.
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from teachflow.atomic_files import atomic_path, open_atomically
from teachflow.contract import Dataset
from teachflow.sample.files import FileRecord
from teachflow.sample.mistakes import ExcelNumber, FileMistakes, Mistake, severity_of
from teachflow.sample.periods import Period
from teachflow.sample.styles import FileStyle

#: Timestamp written into every XLSX (document properties and zip entries): no clock, same bytes.
FIXED_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Drop:
    """Which file: a county (or the city), a period and a dataset."""

    county_code: str
    county_name: str
    period: Period
    dataset: Dataset

    def path(self, landing: Path, style: FileStyle) -> Path:
        return landing / self.county_code / str(self.period) / f"{self.dataset.name}.{style.file_format}"

    def titles(self, style: FileStyle) -> list[str]:
        """The title rows a county's Excel export puts above the header."""
        lines = [f"{self.county_name}{self.period.year}年{self.period.month}月{self.dataset.title_zh}"]
        lines.append(f"填报单位：{self.county_name}教育局　　报送月份：{self.period.year}年{self.period.month}月")
        return lines[: style.title_rows]


class _FixedTimeZipFile(zipfile.ZipFile):
    """A zip whose entries all carry FIXED_TIME, so rewriting the same content gives the same bytes."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = self.compression
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        with open(filename, "rb") as handle:
            self.writestr(arcname or str(filename), handle.read(), compress_type, compresslevel)


class _CsvSink:
    def __init__(self, handle, order: list[int]) -> None:
        self._writer = csv.writer(handle)
        self._order = None if order == sorted(order) else order

    def write(self, cells: list) -> None:
        order = self._order
        self._writer.writerow(cells if order is None else [cells[i] for i in order])


class _XlsxSink:
    def __init__(self, sheet, order: list[int]) -> None:
        self._sheet = sheet
        self._order = order

    def write(self, cells: list) -> None:
        from openpyxl.cell import WriteOnlyCell

        row = []
        for i in self._order:
            value = cells[i]
            if isinstance(value, ExcelNumber):
                cell = WriteOnlyCell(self._sheet, value=value.value)
                cell.number_format = value.number_format
                value = cell
            row.append(value)
        self._sheet.append(row)


@contextmanager
def _csv_sink(path: Path, dataset: Dataset, style: FileStyle) -> Iterator[_CsvSink]:
    with open_atomically(path, "w", encoding=style.encoding, newline="", buffering=1 << 20) as handle:
        sink = _CsvSink(handle, style.column_order(dataset))
        csv.writer(handle).writerow(style.header(dataset))
        yield sink


@contextmanager
def _xlsx_sink(path: Path, dataset: Dataset, style: FileStyle, titles: list[str]) -> Iterator[_XlsxSink]:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(style.sheet_name or dataset.title_zh)
    last_column = get_column_letter(len(dataset.columns))
    for number, title in enumerate(titles, start=1):
        sheet.merged_cells.add(f"A{number}:{last_column}{number}")
        sheet.append([title])
    sheet.append(style.header(dataset))
    yield _XlsxSink(sheet, style.column_order(dataset))
    for _ in range(style.blank_trailing_rows):
        sheet.append([None] * len(dataset.columns))
    workbook.properties.creator = "teachflow sample"
    workbook.properties.created = workbook.properties.modified = FIXED_TIME
    with atomic_path(path) as tmp:
        archive = _FixedTimeZipFile(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        ExcelWriter(workbook, archive).save()  # closes the archive; unlike Workbook.save it keeps our dates


def write_drop(
    root: Path,
    landing: Path,
    drop: Drop,
    style: FileStyle,
    rows: Iterable[tuple[list, list]],
    mistakes: FileMistakes | None = None,
) -> tuple[FileRecord, list[Mistake]]:
    """Write one landing file; return its manifest record and the mistakes it holds."""
    path = drop.path(landing, style)
    relative = path.relative_to(root).as_posix()
    titles = drop.titles(style) if style.file_format == "xlsx" else []
    header_row = len(titles) + 1
    written = 0
    made: list[Mistake] = []
    opener = (
        _xlsx_sink(path, drop.dataset, style, titles)
        if style.file_format == "xlsx"
        else _csv_sink(path, drop.dataset, style)
    )
    with opener as sink:
        for index, (logical, cells) in enumerate(rows):
            if mistakes is None:
                sink.write(cells)
                written += 1
                continue
            out, mistake = mistakes.apply(index, style, logical, cells, drop.county_code)
            for row in out:
                sink.write(row)
            written += len(out)
            if mistake is not None:
                column, value, code, note = mistake
                made.append(
                    Mistake(
                        file=relative,
                        dataset=drop.dataset.name,
                        county_code=drop.county_code,
                        period=str(drop.period),
                        row=header_row + written,
                        column=column,
                        code=code,
                        severity=severity_of(code),
                        value=value,
                        note=note,
                    )
                )
    record = FileRecord(
        path=relative,
        format=style.file_format,
        encoding=style.encoding,
        rows=written,
        dataset=drop.dataset.name,
        county_code=drop.county_code,
        period=str(drop.period),
        header_language=style.header_language,
        header_row=header_row,
        shuffled_columns=style.shuffle_key is not None,
        date_format=style.date_format,
    )
    return record, made
