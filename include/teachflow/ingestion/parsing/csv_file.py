"""Reading a county CSV: encoding detected, header found, the body read by pandas' C parser.

Counties send UTF-8 (with or without the BOM Excel writes) or GBK from Excel's plain "CSV" on a
Chinese Windows. UTF-8 is tried first because it almost never decodes text that is not UTF-8;
GB18030, a superset of GBK, comes second. A file neither decodes is refused with ``file_encoding``.

Only the first lines are parsed in Python (to find the header under any title lines, and the
delimiter: comma, else tab or semicolon); the body, which may hold a million rows, is read by
pandas from the byte after the header with every cell as text, so IDs and codes keep their digits.

Row numbers: a CSV opened in Excel shows one record per row, so ``_row`` counts records, blank
lines included, the header's record counted. This is the file's line number unless a quoted field
holds a line break: such a record is one Excel row but several text lines, and the records after it
keep their Excel row number (not their line number).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from teachflow.datasets import Dataset
from teachflow.ingestion.parsing.headers import (
    HEADER_SEARCH_ROWS,
    HeaderLayout,
    file_empty,
    file_unreadable,
    find_header,
    header_not_found,
    require_columns,
)
from teachflow.problems import FileRejected, Problem

if TYPE_CHECKING:
    import pyarrow as pa

DELIMITERS = (",", "\t", ";")
_HEAD_BYTES = 1 << 18  # the header is in the first 20 records, far inside the first 256 KiB
_CHUNK = 1 << 20
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")  # pandas' line ends; not str.splitlines'
_UNCLOSED_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")
_PADDING = (" ", "\u3000", "\xa0", "\t")  # whitespace that may pad a cell


def detect_encoding(raw: bytes, candidates: tuple[str, ...] | None = None) -> tuple[str, set[str]]:
    """The encoding that decodes the whole file strictly, and which padding whitespace it holds.

    Raises ``file_encoding`` when neither UTF-8 nor GB18030 decodes it (or none of ``candidates``,
    when the caller has already ruled some out).
    """
    if candidates is None:
        candidates = ("utf-8-sig",) if raw.startswith(codecs.BOM_UTF8) else ("utf-8", "gb18030")
    for encoding in candidates:
        padding = _decode_scanning(raw, encoding)
        if padding is not None:
            return encoding, padding
    raise FileRejected([Problem("file_encoding")])


def _decode_scanning(raw: bytes, encoding: str) -> set[str] | None:
    """Decode chunk by chunk (never holding the whole text); None if the bytes are not this encoding."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    view = memoryview(raw)
    seen: set[str] = set()
    try:
        for start in range(0, len(raw), _CHUNK):
            text = decoder.decode(view[start : start + _CHUNK])
            seen.update(ch for ch in _PADDING if ch not in seen and ch in text)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return seen


def read_csv_table(raw: bytes, dataset: Dataset) -> tuple[pd.DataFrame, HeaderLayout, str]:
    """The body's cells under contract names (``_row`` first; stripped text or NA), the layout, the encoding.

    Blank rows are still in the frame (the caller drops them). Raises FileRejected for
    file_encoding, file_empty, header_not_found, column_missing and file_unreadable.

    A file whose first 256 KiB are UTF-8 (almost every county's) is read as UTF-8 while a thread
    decodes it whole to make sure (and to see which padding it holds): pyarrow reads the body
    without holding the GIL, so the two overlap (~0.25 s of a 150 MB file, issue 18). Should the
    rest turn out not to be UTF-8, the file is read again the sequential way, as GB18030.
    """
    encoding = "utf-8-sig" if raw.startswith(codecs.BOM_UTF8) else "utf-8"
    if _head_decodes(raw, encoding):
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="csv-encoding") as pool:
            scan = pool.submit(_decode_scanning, raw, encoding)
            try:
                frame, layout, delimiter = _parse(raw, dataset, encoding)
            except (FileRejected, UnicodeDecodeError):
                if scan.result() is not None:  # the file is UTF-8: the problem is the county's
                    raise
            else:
                if (padding := scan.result()) is not None:
                    return _padding_stripped(frame, padding, delimiter), layout, encoding
    encoding, padding = detect_encoding(raw, ("gb18030",) if encoding == "utf-8" else ())
    frame, layout, delimiter = _parse(raw, dataset, encoding)
    return _padding_stripped(frame, padding, delimiter), layout, encoding


def _head_decodes(raw: bytes, encoding: str) -> bool:
    """Whether the first 256 KiB decode (a character cut at their end is no error, unless the file ends there)."""
    try:
        final = len(raw) <= _HEAD_BYTES
        codecs.getincrementaldecoder(encoding)(errors="strict").decode(raw[:_HEAD_BYTES], final=final)
    except UnicodeDecodeError:
        return False
    return True


def _parse(raw: bytes, dataset: Dataset, encoding: str) -> tuple[pd.DataFrame, HeaderLayout, str]:
    """The header found and the body read as ``encoding``, cells unstripped; with the delimiter."""
    lines = _head_lines(raw, encoding)
    found = _find_header(lines, dataset)
    if found is None:
        records = _records(lines, ",")
        if all(not any(cells) for cells, _ in records) and len(raw) <= _HEAD_BYTES:
            raise file_empty()
        raise header_not_found(dataset, min(len(records), HEADER_SEARCH_ROWS))
    layout, delimiter, width, lines_used = found
    require_columns(layout, dataset)

    offset = len("".join(lines[:lines_used]).encode(encoding))  # "utf-8-sig" re-adds the BOM
    frame = _read_body(raw, offset, encoding, delimiter, width, layout)
    frame.insert(0, "_row", np.arange(len(frame), dtype="int64") + layout.row_index + 2)
    return frame, layout, delimiter


def _padding_stripped(frame: pd.DataFrame, padding: set[str], delimiter: str) -> pd.DataFrame:
    """Cells stripped of the padding the file holds (none: the frame as it is)."""
    padding = padding - {delimiter}
    if not padding:  # only then can a cell be padded; a million clean cells are not stripped one by one
        return frame
    cells = [name for name in frame.columns if name != "_row"]
    return frame.assign(**{name: _stripped(frame[name], padding) for name in cells})


def _stripped(column: pd.Series, padding: set[str]) -> pd.Series:
    """The column stripped, blank -> NA; untouched when no cell starts or ends with padding.

    The check joins the column into one string and searches it for a padding character next to a
    cell boundary: a few substring searches instead of a million strip calls.
    """
    joined = "\0" + "\0".join(column.dropna().to_numpy()) + "\0"
    if not any(f"\0{ch}" in joined or f"{ch}\0" in joined for ch in padding):
        return column
    stripped = column.str.strip()
    return stripped.mask(stripped == "")


def _head_lines(raw: bytes, encoding: str) -> list[str]:
    """The first lines of the file, with their line ends (to count the bytes up to the header)."""
    truncated = len(raw) > _HEAD_BYTES
    head = raw[:_HEAD_BYTES].decode(encoding, errors="ignore" if truncated else "strict")
    lines = _LINE.findall(head)
    return lines[:-1] if truncated and len(lines) > 1 else lines


def _records(lines: list[str], delimiter: str) -> list[tuple[list[str | None], int]]:
    """The first records as stripped cells (None if blank), each with the lines read up to its end."""
    reader = csv.reader(iter(lines), delimiter=delimiter)
    records: list[tuple[list[str | None], int]] = []
    try:
        for record in reader:
            records.append(([cell.strip() or None for cell in record], reader.line_num))
            if len(records) == HEADER_SEARCH_ROWS:
                break
    except csv.Error:  # a quote left open at the end of the head, a giant field: search what we have
        pass
    return records


def _find_header(lines: list[str], dataset: Dataset) -> tuple[HeaderLayout, str, int, int] | None:
    """For the first delimiter that reveals a header: layout, delimiter, header width, lines up to its end."""
    for delimiter in DELIMITERS:
        records = _records(lines, delimiter)
        layout = find_header((cells for cells, _ in records), dataset)
        if layout is not None:
            header, lines_used = records[layout.row_index]
            return layout, delimiter, len(header), lines_used
    return None


def _unreadable(err: Exception, first_row: int) -> FileRejected:
    """pandas' complaint in the county's terms; its row numbers count from the first data row."""
    unclosed = _UNCLOSED_QUOTE.search(str(err))
    if unclosed:
        return file_unreadable("unclosed_quote", str(err), row=str(first_row + int(unclosed.group(1))))
    return file_unreadable("csv_layout", str(err))


def _read_body(
    raw: bytes, offset: int, encoding: str, delimiter: str, width: int, layout: HeaderLayout
) -> pd.DataFrame:
    """Every record after the header, only the contract's columns, as text (NA where empty)."""
    positions = layout.positions
    empty = pd.DataFrame({name: pd.Series([], dtype="str") for name in positions})
    if offset >= len(raw):
        return empty
    fast = _read_body_fast(raw, offset, encoding, delimiter, positions)
    if fast is not None:
        return fast
    stream = io.BytesIO(raw)
    stream.seek(offset)
    try:
        body = pd.read_csv(
            stream,
            sep=delimiter,
            header=None,
            names=range(max([width, *(p + 1 for p in positions.values())])),
            usecols=sorted(set(positions.values())),  # also lets rows be longer or shorter than the header
            dtype=object,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,  # blank lines are Excel rows: keep them so row numbers stay true
            index_col=False,
            encoding="utf-8" if encoding == "utf-8-sig" else encoding,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        return empty
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise _unreadable(err, first_row=layout.row_index + 2) from err
    return pd.DataFrame({name: body[pos].astype("str") for name, pos in positions.items()}, copy=False)


def _read_body_fast(
    raw: bytes, offset: int, encoding: str, delimiter: str, positions: dict[str, int]
) -> pd.DataFrame | None:
    """The same frame through pyarrow's multithreaded CSV reader, or None where it could differ.

    About 2-3x faster than the C parser plus the str conversion on a million rows. It is used only
    for plain UTF-8 bodies: no blank line (pyarrow would skip them, shifting the Excel row
    numbers), no quote (a quoted line break would too) and rows as wide as the header (else
    pyarrow refuses and the C parser, which tolerates ragged rows, takes over).

    Blank lines are found by pyarrow itself: told to keep them, it reads one as a row with every
    cell empty, and any such row hands the file to the C parser. Searching the bytes for
    ``\n\n`` and ``\n\r\n`` instead cost ~0.5 s of a 150 MB file (two-byte searches do not
    use ``memchr`` as the quote's one-byte search does).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    # bytes.find with a start offset: a memoryview's `in` would walk the bytes one by one in Python.
    if encoding not in ("utf-8", "utf-8-sig") or raw.find(b'"', offset) != -1:
        return None
    if raw[offset : offset + 1] in (b"\n", b"\r"):
        return None
    body = memoryview(raw)[offset:]
    names = {pos: f"f{pos}" for pos in positions.values()}
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                include_columns=sorted(set(names.values())),
                column_types={n: pa.large_string() for n in names.values()},  # pandas' own: no cast
                strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except (pa.ArrowInvalid, KeyError):
        return None
    if _has_empty_row(table):  # a blank line, or a line of empty cells: the C parser decides
        return None
    frame = table.to_pandas()
    return pd.DataFrame({name: frame[names[pos]] for name, pos in positions.items()}, copy=False)


def _has_empty_row(table: pa.Table) -> bool:
    """Whether some row of the Arrow table has no value in any column (columns with no null: no)."""
    import pyarrow.compute as pc

    if not table.num_columns or any(column.null_count == 0 for column in table.columns):
        return False
    empty = pc.is_null(table.column(0))
    for column in table.columns[1:]:
        empty = pc.and_(empty, pc.is_null(column))
    return bool(pc.any(empty).as_py())
