"""The county's feedback lines, rendered from a problem table a slice at a time.

A file that fails on every row has a million feedback lines of eight cells; as objects they took
more than a gigabyte (issue 18). Here the lines are never all held: :class:`FeedbackLines` keeps
the :class:`~teachflow.problem_table.ProblemTable` in reading order and renders
:data:`SLICE_LINES` lines at a time, by column. A batch of problems (one check: one code, one
column, the same fixed message fields) shares one message with holes for what differs per row
(the value, a row's ``{limit}``...): the message is rendered once with markers in the holes by
:func:`teachflow.problems.render` (so the wording and its filling stay there), split at the
markers, and each line's message is the pieces joined with its own values (Arrow, in C). The
CSV lines are built the same way, quoted and defused exactly as :mod:`csv` and
:func:`~teachflow.spreadsheet_text.neutralize_formula` would (tests compare them), and written as
one block of text per slice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from teachflow import problems as problem_catalog
from teachflow.datasets import DATASETS
from teachflow.problem_table import NO_ROW, ProblemBatch, ProblemTable, RowNames
from teachflow.problems import SHOWN_VALUE_CHARS, Problem, shown_value
from teachflow.spreadsheet_text import neutralize_formula

#: What became of the data because of a problem, by severity (the 处理 column).
SEVERITY_LABELS: dict[str, tuple[str, str]] = {
    "file": ("整个文件退回", "File rejected"),
    "row": ("该行未入库", "Row not loaded"),
    "warning": ("提示（已入库）", "Note (loaded)"),
}

#: Lines rendered at a time (a slice of the worst case's lines is a few tens of MB).
SLICE_LINES = 16_384

_TEXT = pa.large_string()
_MARKER = "\x00{}\x00"
_MARKERS = re.compile("\x00([0-9]+)\x00")
_FORMULA = r"^[=+\-@\t\r]"  # FORMULA_TRIGGERS (a test keeps the two equal)
_NEEDS_QUOTES = '[,"\\r\\n]'  # csv.QUOTE_MINIMAL with "," and "\r\n": the delimiter, the quote, line ends


@dataclass(frozen=True)
class _Wording:
    """A batch's messages and fixed cells: message pieces, field indexes between them."""

    column_zh: str
    outcome: str
    zh: tuple[str | int, ...]  # literal text, or the index of a per-row field
    en: tuple[str | int, ...]
    fields: tuple[str, ...]  # per-row fields: "value" and the batch's row_params


def _pieces(text: str) -> tuple[str | int, ...]:
    parts = _MARKERS.split(text)
    return tuple(int(part) if i % 2 else part for i, part in enumerate(parts) if part or i % 2)


def _wording(batch: ProblemBatch, headers: Mapping[str, str]) -> _Wording:
    """The batch's message with a marker where each line's own text goes (rendered once)."""
    fields = ("value", *batch.row_params)
    marks = {name: _MARKER.format(i) for i, name in enumerate(fields)}
    problem = Problem(
        batch.code,
        column=batch.column,
        value=marks["value"] if batch.values is not None else None,
        params={**batch.params, **{name: marks[name] for name in batch.row_params}},
    )
    column_zh = headers.get(batch.column) if batch.column else None
    zh, en = problem_catalog.render(problem, column_zh)
    labels = SEVERITY_LABELS[problem.severity]
    return _Wording(column_zh or batch.column or "", f"{labels[0]} {labels[1]}", _pieces(zh), _pieces(en), fields)


def _shown(texts: pa.Array, limit: int) -> pa.Array:
    """:func:`shown_value` of each text (blank for null), by column; the rare long one in Python."""
    texts = pc.fill_null(texts, "")
    long = np.asarray(pc.greater(pc.utf8_length(texts), limit))
    if not long.any():
        return texts
    values = np.asarray(texts.to_pylist(), dtype=object)
    values[long] = [shown_value(v, limit) for v in values[long].tolist()]
    return pa.array(values, type=_TEXT)


def _joined(pieces: Sequence[str | int], fields: Sequence[pa.Array], size: int) -> pa.Array:
    parts = [fields[p] if isinstance(p, int) else pa.scalar(p, _TEXT) for p in pieces]
    if not any(isinstance(p, int) for p in pieces):
        return pa.array(["".join(str(p) for p in pieces)] * size, type=_TEXT)
    return pc.binary_join_element_wise(*parts, pa.scalar("", _TEXT))


def _s(text: str) -> pa.Scalar:
    return pa.scalar(text, _TEXT)


def _csv_cell(text: pa.Array | str) -> pa.Array | str:
    """A cell as :mod:`csv` writes it after :func:`neutralize_formula` (a whole column at once)."""
    if isinstance(text, str):
        cell = neutralize_formula(text)
        assert isinstance(cell, str)
        return '"' + cell.replace('"', '""') + '"' if re.search(_NEEDS_QUOTES, cell) else cell
    defused = pc.if_else(
        pc.match_substring_regex(text, _FORMULA), pc.binary_join_element_wise(_s("'"), text, _s("")), text
    )
    quoted = pc.binary_join_element_wise(_s('"'), pc.replace_substring(defused, '"', '""'), _s('"'), _s(""))
    return pc.if_else(pc.match_substring_regex(defused, _NEEDS_QUOTES), quoted, defused)


@dataclass
class LineSlice:
    """Consecutive feedback lines, cell by cell (each an Arrow array, or one text for all)."""

    rows: np.ndarray  # int64; NO_ROW: a file-level problem (blank cell)
    cells: list[pa.Array | str]  # name, column_zh, value, code, outcome, message_zh, message_en

    def __len__(self) -> int:
        return int(self.rows.size)

    def row_cells(self) -> list[tuple[int | str, ...]]:
        """The lines as tuples of cells (FEEDBACK_HEADERS' order), for the workbook."""
        n = len(self)
        columns = [c.to_pylist() if isinstance(c, pa.Array) else [c] * n for c in self.cells]
        rows = ["" if r == NO_ROW else r for r in self.rows.tolist()]
        return list(zip(rows, *columns, strict=True))

    def csv_text(self) -> str:
        """The lines as the CSV writer writes them (``\\r\\n`` after each)."""
        n = len(self)
        row_text = pa.array(np.where(self.rows == NO_ROW, "", self.rows.astype(str)).astype(object), type=_TEXT)
        cells = [_csv_cell(c) for c in self.cells]
        parts = [row_text, *(pa.scalar(c, _TEXT) if isinstance(c, str) else c for c in cells)]
        lines = pc.binary_join_element_wise(*parts, pa.scalar(",", _TEXT))
        if n == 0:
            return ""
        return "\r\n".join(lines.to_pylist()) + "\r\n"


class FeedbackLines:
    """A submission's problems as feedback lines, in the order a clerk works through them: file-level
    ones first, then by row, within a row in the contract's column order (then as found).

    ``names`` maps an Excel row to the teacher's name the county wrote in it (a :class:`RowNames`
    looks a slice up at once). Every batch's wording is rendered when the lines are made, so a
    problem of an unknown code fails before anything is written.
    """

    def __init__(self, dataset: str, problems: object, names: Mapping[int, str] | None = None) -> None:
        spec = DATASETS.get(dataset)
        columns = spec.columns if spec else ()
        self.headers = {c.name: c.header_zh for c in columns}
        self.table = ProblemTable.of(problems).in_reading_order([c.name for c in columns])  # type: ignore[arg-type]
        self.names = names or {}
        self._wordings = [_wording(b, self.headers) for b in self.table.batches]

    def __len__(self) -> int:
        return len(self.table)

    def slices(self, limit: int | None = None, size: int = SLICE_LINES) -> Iterator[LineSlice]:
        """The first ``limit`` lines (all by default), :data:`SLICE_LINES` at a time."""
        order = self.table.line_order()
        end = order.size if limit is None else min(limit, order.size)
        for start in range(0, end, size):
            yield self.render(order[start : min(start + size, end)])

    def render(self, lines: np.ndarray) -> LineSlice:
        """The lines at ``lines`` (positions in the table's concatenated batches)."""
        flat = self.table.flat()
        batch_of_line = flat["batch"][lines]
        rows = flat["row"][lines]
        grouping = np.argsort(batch_of_line, kind="stable")
        bounds = np.flatnonzero(np.diff(batch_of_line[grouping])) + 1
        groups = np.split(grouping, bounds) if lines.size else []
        pieces: list[list[pa.Array]] = [[] for _ in range(6)]
        for members in groups:
            batch = self.table.batches[int(batch_of_line[members[0]])]
            wording = self._wordings[int(batch_of_line[members[0]])]
            at = pa.array(flat["position"][lines[members]], pa.int64())
            n = int(members.size)
            value = _shown(batch.values.take(at), SHOWN_VALUE_CHARS) if batch.values is not None else pa.nulls(n, _TEXT)
            fields = [pc.fill_null(value, "")] + [
                _shown(batch.row_params[name].take(at), 10 * SHOWN_VALUE_CHARS) for name in wording.fields[1:]
            ]
            constant = [wording.column_zh, batch.code, wording.outcome]
            for i, text in enumerate(constant):
                pieces[(0, 2, 3)[i]].append(pa.array([text] * n, type=_TEXT))
            pieces[1].append(fields[0])
            pieces[4].append(_joined(wording.zh, fields, n))
            pieces[5].append(_joined(wording.en, fields, n))
        back = pa.array(np.argsort(grouping, kind="stable"), pa.int64())
        columns = [pa.concat_arrays(p).take(back) if p else pa.array([], type=_TEXT) for p in pieces]
        names = self._names(rows)
        return LineSlice(rows, [names, *columns])

    def _names(self, rows: np.ndarray) -> pa.Array:
        """:func:`shown_value` of the name of each line's row (blank for a file-level line)."""
        if isinstance(self.names, RowNames):
            found = self.names.names_of(rows)
        else:
            found = pa.array([self.names.get(r) for r in rows.tolist()], type=_TEXT)
        named = pc.if_else(pa.array(rows == NO_ROW), pa.scalar(None, _TEXT), found)
        return _shown(named, SHOWN_VALUE_CHARS)

    def summary(self, limit: int) -> list[tuple[str, str, int, list[int], str]]:
        """Per code, most frequent first (ties by code): outcome, count, its first ``limit`` rows,
        whether there are more, and its first line's Chinese message."""
        flat = self.table.flat()
        order = self.table.line_order()
        batch_code = np.array([b.code for b in self.table.batches], dtype=object)
        line_code = batch_code[flat["batch"][order]] if order.size else np.empty(0, dtype=object)
        found = []
        for code, count in self.table.counts().items():
            mine = order[line_code == code]
            rows = flat["row"][mine]
            rows = rows[rows != NO_ROW]
            first = self.render(mine[:1])
            outcome, message = first.cells[4], first.cells[5]
            found.append((code, outcome[0].as_py(), count, rows[: limit + 1].tolist(), message[0].as_py()))
        return found
