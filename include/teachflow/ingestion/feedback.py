"""What a county gets back for each submission: a feedback workbook, the same as CSV, and a status.

spec: submissions.md "Bad input". For ``<outbox>/<county>/<YYYY-MM>/<dataset>`` three files are
written: ``.feedback.xlsx`` (sheet 1 the problems, one line each, filterable; sheet 2 a summary with
the counts and the problems grouped by code, the way lightbeam groups errors by rule),
``.feedback.csv`` (the same lines, UTF-8 with BOM so Excel in China opens it as it is) and
``.status.json`` (the pipeline's status plus the problem counts, for machines and the API).

Each file is written to a temporary file in the same folder and then renamed over the old one, so
a county never opens half a feedback file and a resubmission's feedback replaces the old one whole.

The workbook is written by a small streaming SpreadsheetML writer below, not by openpyxl: without
lxml, openpyxl's write-only mode needs ~10 s for 50,000 lines, this writer well under a second.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from teachflow.atomic_files import replace_with, write_temporary
from teachflow.datasets import DATASETS
from teachflow.ingestion.feedback_lines import FeedbackLines
from teachflow.problem_table import ProblemTable
from teachflow.problems import Problem

#: The columns of the feedback, in Chinese with the English twin (sheet 1 and the CSV).
FEEDBACK_HEADERS: tuple[str, ...] = (
    "行号 Row",
    "姓名 Name",
    "列 Column",
    "值 Value",
    "问题代码 Code",
    "处理 Outcome",
    "说明 Message (中文)",
    "Message (English)",
)

#: The submission's outcome by ledger status, for the summary sheet. "checked" is a pre-check
#: (``teachflow check``) that loads nothing.
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "accepted": ("已入库", "Loaded"),
    "rejected": ("已退回：整个文件未入库", "Rejected: nothing of the file was loaded"),
    "duplicate": ("与此前报送的文件完全相同，未重复处理", "Identical to an earlier submission: nothing changed"),
    "superseded": ("已被同月份的新报送替代", "Replaced by a newer submission for the same month"),
    "received": ("已接收，正在处理", "Received, being processed"),
    "checked": ("预检完成，未入库任何数据", "Pre-check only: nothing was loaded"),
    "failed": ("处理出错，文件已保存，将自动重试", "Processing failed; the file is kept and will be tried again"),
    "quarantined": ("多次处理失败，已暂停处理并通知市局", "Failed repeatedly; set aside and the city alerted"),
}

NO_PROBLEMS = "未发现问题 No problems found"
PROBLEM_SHEET = "问题清单 Problems"
SUMMARY_SHEET = "汇总 Summary"
_ROWS_LISTED = 20  # row numbers listed per problem code in the summary


@dataclass(frozen=True)
class FeedbackFiles:
    """Where one submission's feedback lives."""

    xlsx: Path
    csv: Path
    status_json: Path


@dataclass(frozen=True)
class FeedbackLine:
    """One problem as the county reads it: one line of the feedback."""

    row: int | None
    column_zh: str
    value: str
    code: str
    outcome: str
    message_zh: str
    message_en: str
    #: The teacher's name from the county's own row, so a clerk can cross-check by name. It is
    #: the county's data returned to the county; it goes nowhere else (not the ledger, not a log).
    name: str = ""

    def cells(self) -> tuple[int | str, ...]:
        return (
            "" if self.row is None else self.row,
            self.name,
            self.column_zh,
            self.value,
            self.code,
            self.outcome,
            self.message_zh,
            self.message_en,
        )


# --- paths ---------------------------------------------------------------------------------------

_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def safe_component(text: str) -> str:
    """A folder or file name made of ``text``: unchanged when it is safe, else with the unsafe
    characters replaced by "_". Wrong-folder submissions bring any text here ("..", "a/b")."""
    cleaned = _UNSAFE_CHARS.sub("_", text).strip()
    if not cleaned.strip("."):
        return "_" * max(len(cleaned), 1)  # "", ".", ".." never name a folder
    if cleaned.startswith("."):
        cleaned = "_" + cleaned[1:]  # no hidden files
    if cleaned.endswith("."):
        cleaned = cleaned[:-1] + "_"  # Windows drops trailing dots
    return cleaned[:120]


def feedback_paths(outbox: Path, county_code: str, period: str, dataset: str) -> FeedbackFiles:
    """The three feedback files of one submission identity (path components made safe)."""
    folder = Path(outbox) / safe_component(county_code) / safe_component(period)
    stem = safe_component(dataset)
    return FeedbackFiles(
        xlsx=folder / f"{stem}.feedback.xlsx",
        csv=folder / f"{stem}.feedback.csv",
        status_json=folder / f"{stem}.status.json",
    )


# --- the lines -----------------------------------------------------------------------------------


def feedback_lines(
    dataset: str,
    problems: ProblemTable | Iterable[Problem],
    names: Mapping[int, str] | None = None,
    limit: int | None = None,
) -> list[FeedbackLine]:
    """The problems as feedback lines, in the order a clerk works through them: file-level ones
    first, then by row, within a row in the contract's column order (then as found). ``names``
    maps an Excel row to the teacher's name the county wrote in it. The first ``limit`` lines (all
    by default) as objects: for a page that shows them (the writer renders a slice at a time,
    :class:`FeedbackLines`)."""
    lines = []
    for part in FeedbackLines(dataset, problems, names).slices(limit):
        for row, name, column_zh, value, code, outcome, zh, en in part.row_cells():
            lines.append(FeedbackLine(None if row == "" else int(row), column_zh, value, code, outcome, zh, en, name))
    return lines


def problem_counts(problems: ProblemTable | Iterable[Problem]) -> dict[str, int]:
    """Problems per code, most frequent first (ties by code)."""
    return ProblemTable.of(problems).counts()


# --- writing -------------------------------------------------------------------------------------


def write_feedback(
    outbox: Path,
    county_code: str,
    period: str,
    dataset: str,
    problems: ProblemTable | Sequence[Problem],
    status: Mapping[str, object],
    names: Mapping[int, str] | None = None,
    folder: Path | None = None,
) -> FeedbackFiles:
    """Write (or replace) the feedback of one submission: XLSX, CSV and status JSON.

    ``status`` is the pipeline's account of the submission; the summary sheet reads these keys
    where present: ``outcome`` (or ``status``: accepted, rejected, duplicate, superseded, received,
    checked), ``outcome_zh`` (used for an outcome not listed in :data:`STATUS_LABELS`), ``file`` (or
    ``source_path``), ``submission_id``, ``processed_at``, ``rows_total``, ``rows_loaded``,
    ``rows_rejected``, ``rows_duplicate``, ``county_name``, ``previous_in_force`` (a rejection
    leaves an earlier submission in force). The JSON keeps all of it and adds
    ``submission_status`` / ``submission_status_zh`` (cycle.md's 已入库, 部分入库...) and
    ``processed_at_local`` (Asia/Shanghai). Always writes all three files, also when there is no
    problem at all. ``names`` (Excel row -> teacher's name) fills the 姓名 column; ``folder``
    writes the files straight into that folder instead of ``<outbox>/<county>/<period>/`` (the
    pre-check, next to the file it checked).
    """
    return stage_feedback(outbox, county_code, period, dataset, problems, status, names, folder).publish()


@dataclass
class StagedFeedback:
    """A submission's feedback written under temporary names beside the final ones.

    The pipeline stages the feedback *before* it commits the take (an outbox that cannot be
    written then fails the take, which is retried, instead of losing the county's feedback for
    good) and publishes it right after the commit (three renames).
    """

    files: FeedbackFiles
    temporary: dict[Path, Path]  # final path -> temporary path

    def publish(self) -> FeedbackFiles:
        for final, temp in self.temporary.items():
            replace_with(temp, final)
        self.temporary = {}
        return self.files

    def discard(self) -> None:
        for temp in self.temporary.values():
            temp.unlink(missing_ok=True)
        self.temporary = {}


def stage_feedback(
    outbox: Path,
    county_code: str,
    period: str,
    dataset: str,
    problems: ProblemTable | Sequence[Problem],
    status: Mapping[str, object],
    names: Mapping[int, str] | None = None,
    folder: Path | None = None,
) -> StagedFeedback:
    """The three files of :func:`write_feedback`, written to temporary names; publish() renames them."""
    outbox = Path(outbox)
    paths = feedback_paths(outbox, county_code, period, dataset)
    if folder is not None:
        outbox = Path(folder)
        paths = FeedbackFiles(*(outbox / p.name for p in (paths.xlsx, paths.csv, paths.status_json)))
    paths.xlsx.parent.mkdir(parents=True, exist_ok=True)
    # Renders every message first: a bad code fails before anything is written.
    lines = FeedbackLines(dataset, problems, names)
    counts = lines.table.counts()
    status = {**status, **_status_labels(status)}

    summary = _summary_rows(county_code, period, dataset, lines, counts, status)
    document = dict(status)
    document["problem_counts"] = counts
    document["feedback_xlsx"] = paths.xlsx.relative_to(outbox).as_posix()
    document["feedback_csv"] = paths.csv.relative_to(outbox).as_posix()
    text = json.dumps(document, ensure_ascii=False, indent=2, default=_json_default) + "\n"
    staged = StagedFeedback(paths, {})
    try:
        staged.temporary[paths.xlsx] = _write_temporary(paths.xlsx, "wb", lambda f: _write_workbook(f, lines, summary))
        staged.temporary[paths.csv] = _write_temporary(paths.csv, "w", lambda f: _write_csv(f, lines))
        staged.temporary[paths.status_json] = _write_temporary(paths.status_json, "w", lambda f: f.write(text))
    except BaseException:
        staged.discard()
        raise
    return staged


def _local_time(value: object) -> str:
    """A stored UTC time (datetime or ISO text) as a clerk reads it: ``2026-11-05 17:30`` Asia/Shanghai."""
    from teachflow.calendar import format_local

    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return format_local(value) if isinstance(value, dt.datetime) else ("" if value is None else str(value))


def _status_labels(status: Mapping[str, object]) -> dict[str, str]:
    """cycle.md's status of the submission (as :mod:`teachflow.submission_status` names it) and the
    processing time as a person reads it: what the status JSON adds to the pipeline's account."""
    from teachflow.submission_status import STATUS_ZH

    labels: dict[str, str] = {}
    outcome = str(status.get("outcome") or status.get("status") or "")
    rejected_rows = status.get("rows_rejected")
    if outcome == "accepted":
        partly = isinstance(rejected_rows, int) and rejected_rows > 0
        state = "accepted_with_rejections" if partly else "accepted"
        labels["submission_status"] = state
        labels["submission_status_zh"] = STATUS_ZH[state] + (f"（{rejected_rows} 行未入库）" if partly else "")
        labels["outcome_zh"] = labels["submission_status_zh"]
    elif outcome == "rejected":
        state = "rejected_previous_in_force" if status.get("previous_in_force") else "rejected"
        labels["submission_status"] = state
        labels["submission_status_zh"] = STATUS_ZH[state]
        labels["outcome_zh"] = labels["submission_status_zh"]
    if status.get("processed_at"):
        labels["processed_at_local"] = _local_time(status["processed_at"])
    return labels


def _json_default(value: object) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return value.as_posix()
    raise TypeError(f"status value of type {type(value).__name__} is not JSON-serializable")


def _write_temporary(path: Path, mode: str, write: Callable[[IO[Any]], object]) -> Path:
    """Write to a temporary file beside ``path`` (renamed over ``path`` in one step later)."""
    encoding = None if "b" in mode else ("utf-8-sig" if path.suffix == ".csv" else "utf-8")
    # The county's share (the outbox's group) must read it; others may not: a feedback line echoes
    # the county's values, resident IDs and names included.
    return write_temporary(path, write, mode, file_mode=0o640, encoding=encoding, newline="" if encoding else None)


def _write_csv(f: IO[str], lines: FeedbackLines) -> None:
    """Every line (the workbook may list fewer), a slice at a time."""
    csv.writer(f, lineterminator="\r\n").writerow(FEEDBACK_HEADERS)
    for part in lines.parts():
        f.write(lines.csv_text(part))


def _summary_rows(
    county_code: str,
    period: str,
    dataset: str,
    lines: FeedbackLines,
    counts: Mapping[str, int],
    status: Mapping[str, object],
) -> list[tuple[object, ...]]:
    """The summary sheet: the submission and its counts, then the problems grouped by code."""
    spec = DATASETS.get(dataset)
    state = str(status.get("outcome") or status.get("status") or "")
    fallback_zh = str(status.get("outcome_zh") or state)
    outcome_zh, outcome_en = STATUS_LABELS.get(state, (fallback_zh, state))
    if state == "checked" and status.get("outcome_zh"):  # the pre-check: what would happen, nothing loaded
        outcome_zh = f"预检（未入库任何数据）：{status['outcome_zh']}"
    if status.get("submission_status") == "rejected_previous_in_force":
        outcome_zh = f"{status['submission_status_zh']}：整个文件未入库，此前已入库的该月数据继续有效"
        outcome_en = "Rejected: nothing of the file was loaded; the earlier submission for the month stays in force"
    if status.get("submission_status") == "accepted_with_rejections":
        outcome_zh = f"{status['submission_status_zh']}：其余行已入库，未入库的行见问题清单"
        outcome_en = f"Partly loaded: {status.get('rows_rejected')} rows not loaded (see Problems), the rest loaded"
    county = f"{county_code} {status['county_name']}" if status.get("county_name") else county_code

    def given(key: str) -> object:
        value = status.get(key)
        return "" if value is None else value

    rows: list[tuple[object, ...]] = [
        ("项目 Item", "内容 Value"),
        ("文件 File", str(status.get("file") or status.get("source_path") or "")),
        ("区县 County", county),
        ("月份 Period", period),
        ("数据集 Dataset", f"{dataset} {spec.title_zh}" if spec else dataset),
        ("报送编号 Submission", given("submission_id")),
        ("处理时间（北京时间）Processed at (Asia/Shanghai)", _local_time(status.get("processed_at"))),
        ("结果 Outcome", outcome_zh),
        ("Outcome (English)", outcome_en),
        ("数据行数 Rows in file", given("rows_total")),
        ("已入库行数 Rows loaded", given("rows_loaded")),
        ("未入库行数 Rows not loaded", given("rows_rejected")),
        ("重复行（已忽略）Repeated rows dropped", given("rows_duplicate")),
        ("问题数 Problems", len(lines)),
        (),
    ]
    if not len(lines):
        rows.append((NO_PROBLEMS,))
        return rows
    rows.append(
        ("问题代码 Code", "处理 Outcome", "数量 Count", f"行号（前 {_ROWS_LISTED} 个）Rows", "示例说明 Example")
    )
    for code, outcome, n, listed, example in lines.summary(_ROWS_LISTED):
        more = " …" if len(listed) > _ROWS_LISTED else ""
        rows.append((code, outcome, n, ", ".join(str(row) for row in listed[:_ROWS_LISTED]) + more, example))
    return rows


# --- a minimal streaming XLSX writer ---------------------------------------------------------------

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MAX_CELL_CHARS = 32767  # Excel's limit per cell
_MAX_SHEET_ROWS = 1_048_576  # Excel's limit per sheet
#: The problem sheet lists at most this many lines; the CSV has every one and the summary sheet
#: counts every one per code. Past this a file is wrong as a whole (a column shifted, a wrong
#: export), not in places a clerk fixes line by line in Excel; a workbook of a million lines
#: would take Excel minutes to open and this writer ~15 s per million (issue 18).
SHEET_LINES = 100_000

# Cell styles (indexes into cellXfs below): 0 plain, 1 header, 2 text ("@"), 3 wrapped message.
_HEADER, _TEXT, _WRAP = 1, 2, 3
_STYLES = (
    f'<styleSheet xmlns="{_MAIN_NS}">'
    '<fonts count="2"><font><sz val="11"/><name val="等线"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="等线"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="49" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyNumberFormat="1"'
    ' applyAlignment="1"><alignment vertical="center" wrapText="1"/></xf>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


#: A clerk prints the feedback: A4 landscape (paperSize 9), one page wide, as many pages tall as
#: needed, the header row repeated on each page (``_xlnm.Print_Titles`` in workbook.xml), page numbers.
_PRINT_SETUP = (
    '<printOptions gridLines="1"/>'
    '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
    '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
    "<headerFooter><oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter></headerFooter>"
)


@dataclass(frozen=True)
class _RowsXml:
    """Rows already written as XML (the problem lines, a slice at a time: :meth:`FeedbackLines.sheet_xml`)."""

    xml: str
    count: int


_PROBLEM_STYLES = (0, _TEXT, _TEXT, _TEXT, _TEXT, _TEXT, _WRAP, _WRAP)
_STYLE_ATTRS = tuple(f' s="{style}"' if style else "" for style in _PROBLEM_STYLES)


@dataclass(frozen=True)
class _Sheet:
    name: str
    widths: tuple[float, ...]
    rows: Iterable[Sequence[object] | _RowsXml]
    styles: tuple[int, ...]  # style of each column's data cells
    filter_columns: int = 0  # > 0: frozen header row with an autofilter over that many columns
    row_count: int = 0  # rows including the header, for the autofilter's range
    header_rows: frozenset[int] = frozenset({1})  # rows (1-based) styled as headers


def _write_workbook(f: IO[bytes], lines: FeedbackLines, summary: Sequence[Sequence[object]]) -> None:
    total = len(lines)
    room = min(_MAX_SHEET_ROWS, SHEET_LINES + 2) - 1  # rows below the header
    listed = total if total <= room else room - 1  # the last row then says how many more the CSV has

    def sheet_rows() -> Iterator[Sequence[object]]:
        yield FEEDBACK_HEADERS
        first = 2
        for part in lines.parts(limit=listed):
            yield _RowsXml(lines.sheet_xml(part, first, _STYLE_ATTRS), part.size)
            first += part.size
        if listed < total:  # the sheet stops here: the rest is in the CSV
            left = total - listed
            yield (
                "",
                "",
                "",
                "",
                "",
                "",
                f"另有 {left} 条问题未列出，请查看同名的 CSV 文件。",
                f"{left} more problems are in the CSV file.",
            )

    problems_sheet = _Sheet(
        name=PROBLEM_SHEET,
        widths=(8, 12, 18, 24, 22, 24, 60, 60),
        rows=sheet_rows(),
        styles=_PROBLEM_STYLES,
        filter_columns=len(FEEDBACK_HEADERS),
        row_count=1 + listed + (listed < total),
    )
    summary_sheet = _Sheet(
        name=SUMMARY_SHEET,
        widths=(34, 40, 10, 40, 70),
        rows=summary,
        styles=(_TEXT, _WRAP, 0, _WRAP, _WRAP),
        header_rows=frozenset(i for i, row in enumerate(summary, 1) if i == 1 or row[:1] == ("问题代码 Code",)),
    )
    _write_xlsx(f, [problems_sheet, summary_sheet])


def _write_xlsx(f: IO[bytes], sheets: Sequence[_Sheet]) -> None:
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        zf.writestr(
            "[Content_Types].xml",
            _XML_DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>",
        )
        zf.writestr(
            "_rels/.rels",
            _XML_DECL + f'<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        sheet_entries = "".join(
            f'<sheet name="{escape(s.name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
            for i, s in enumerate(sheets, 1)
        )
        filter_names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"'{escape(s.name)}'!$A$1:${_column_letter(s.filter_columns)}${s.row_count}</definedName>"
            for i, s in enumerate(sheets)
            if s.filter_columns
        )
        filter_names += "".join(
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">\'{escape(s.name)}\'!$1:$1</definedName>'
            for i, s in enumerate(sheets)
            if s.filter_columns
        )
        zf.writestr(
            "xl/workbook.xml",
            _XML_DECL + f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><bookViews><workbookView/></bookViews>'
            f"<sheets>{sheet_entries}</sheets>"
            + (f"<definedNames>{filter_names}</definedNames>" if filter_names else "")
            + "</workbook>",
        )
        relationships = "".join(
            f'<Relationship Id="rId{i}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            _XML_DECL + f'<Relationships xmlns="{_PKG_REL_NS}">{relationships}'
            f'<Relationship Id="rId{len(sheets) + 1}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
            'Target="styles.xml"/></Relationships>',
        )
        zf.writestr("xl/styles.xml", _XML_DECL + _STYLES)
        for i, sheet in enumerate(sheets, 1):
            with zf.open(f"xl/worksheets/sheet{i}.xml", "w") as part, _buffered(part) as write:
                _write_sheet(write, sheet, selected=i == 1)


@contextmanager
def _buffered(part: IO[bytes], limit: int = 1 << 16):
    """A write(str) that encodes and hands the zip member large chunks (far fewer deflate calls)."""
    chunks: list[str] = []
    size = 0

    def write(text: str) -> None:
        nonlocal size
        chunks.append(text)
        size += len(text)
        if size >= limit:
            part.write("".join(chunks).encode("utf-8"))
            chunks.clear()
            size = 0

    yield write
    part.write("".join(chunks).encode("utf-8"))


def _write_sheet(write: Callable[[str], None], sheet: _Sheet, selected: bool) -> None:
    write(_XML_DECL + f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">')
    write('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')  # print: fit to the page's width
    selected_attr = ' tabSelected="1"' if selected else ""
    if sheet.filter_columns:
        write(
            f'<sheetViews><sheetView workbookViewId="0"{selected_attr}>'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        )
    else:
        write(f'<sheetViews><sheetView workbookViewId="0"{selected_attr}/></sheetViews>')
    write('<sheetFormatPr defaultRowHeight="15"/><cols>')
    for i, width in enumerate(sheet.widths, 1):
        write(f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>')
    write("</cols><sheetData>")
    letters = [_column_letter(i) for i in range(1, len(sheet.styles) + 1)]
    r = 0
    for values in sheet.rows:
        if isinstance(values, _RowsXml):
            write(values.xml)
            r += values.count
            continue
        r += 1
        header = r in sheet.header_rows
        cells = []
        for c, value in enumerate(values):
            if value is None or value == "":
                continue
            ref = f"{letters[c]}{r}"
            style = _HEADER if header else sheet.styles[c]
            style_attr = f' s="{style}"' if style else ""
            if isinstance(value, int | float) and not isinstance(value, bool):
                cells.append(f'<c r="{ref}"{style_attr}><v>{value}</v></c>')
            else:
                text = _ILLEGAL_XML.sub("\ufffd", str(value))[:_MAX_CELL_CHARS]
                cells.append(
                    f'<c r="{ref}"{style_attr} t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'
                )
        write(f'<row r="{r}">{"".join(cells)}</row>')
    write("</sheetData>")
    if sheet.filter_columns:
        write(f'<autoFilter ref="A1:{_column_letter(sheet.filter_columns)}{sheet.row_count}"/>')
    write(_PRINT_SETUP)
    write("</worksheet>")


def _column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
