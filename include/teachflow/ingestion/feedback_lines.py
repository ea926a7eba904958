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
from xml.sax.saxutils import escape

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from teachflow import problems as problem_catalog
from teachflow.datasets import DATASETS
from teachflow.problem_table import NO_ROW, ProblemBatch, ProblemTable, RowNames
from teachflow.problems import SHOWN_VALUE_CHARS, Problem, shown_value
from teachflow.spreadsheet_text import FORMULA_TRIGGERS, neutralize_formula

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
#: What makes csv.QUOTE_MINIMAL quote a field here: the delimiter, the quote, the line ends.
_QUOTED = (",", '"', "\r", "\n")
_QUOTED_CLASS = '[,"\r\n]'
#: The sheet writer's limits and characters (:mod:`teachflow.ingestion.feedback`), for RE2.
_MAX_CELL_CHARS = 32767
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ILLEGAL_XML_RE2 = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"  # Arrow text holds no surrogates


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


def _has_any(text: pa.Array, char_class: str) -> pa.Array:
    return pc.match_substring_regex(text, char_class)


def _csv_cell(text: pa.Array | str) -> pa.Array | str:
    """A cell as :mod:`csv` writes it after :func:`neutralize_formula` (a whole column at once)."""
    if isinstance(text, str):
        cell = neutralize_formula(text)
        assert isinstance(cell, str)
        return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in _QUOTED) else cell
    defused = _defused(text)
    quoted = pc.binary_join_element_wise(_s('"'), pc.replace_substring(defused, '"', '""'), _s('"'), _s(""))
    return pc.if_else(_has_any(defused, _QUOTED_CLASS), quoted, defused)


def _defused(text: pa.Array) -> pa.Array:
    """:func:`neutralize_formula` by column: an apostrophe before a text that starts like a formula."""
    formula = pc.is_in(pc.utf8_slice_codeunits(text, 0, 1), value_set=pa.array(FORMULA_TRIGGERS, _TEXT))
    return pc.if_else(formula, pc.binary_join_element_wise(_s("'"), text, _s("")), text)


def _joined_escaped(pieces: Sequence[str | int], fields: Sequence[pa.Array], escape) -> pa.Array | str:
    """A message of escaped pieces: literal text escaped once here, fields escaped already."""
    if not any(isinstance(p, int) for p in pieces):
        return escape("".join(str(p) for p in pieces))
    parts = [fields[p] if isinstance(p, int) else _s(escape(p)) for p in pieces]
    return pc.binary_join_element_wise(*parts, _s(""))


def _csv_message(pieces: Sequence[str | int], escaped: Sequence[pa.Array], special: Sequence[pa.Array]):
    """A message's CSV cell from its pieces: quoted when a piece or a field holds a special
    character, defused when it starts like a formula (escaping keeps the first character)."""
    if not any(isinstance(p, int) for p in pieces):
        return _s(_csv_cell("".join(str(p) for p in pieces)))
    if isinstance(pieces[0], str) and pieces[0]:  # the wording's first character: defused once
        pieces = (_defused_text(pieces[0]), *pieces[1:])
        body = _joined_escaped(pieces, escaped, lambda text: text.replace('"', '""'))
    else:
        body = _defused(_joined_escaped(pieces, escaped, lambda text: text.replace('"', '""')))
    if any(c in p for p in pieces if isinstance(p, str) for c in _QUOTED):
        return pc.binary_join_element_wise(_s('"'), body, _s('"'), _s(""))
    used = sorted({p for p in pieces if isinstance(p, int)})
    needs = special[used[0]]
    for k in used[1:]:
        needs = pc.or_(needs, special[k])
    if not pc.any(needs).as_py():
        return body
    return pc.if_else(needs, pc.binary_join_element_wise(_s('"'), body, _s('"'), _s("")), body)


def _defused_text(text: str) -> str:
    cell = neutralize_formula(text)
    assert isinstance(cell, str)
    return cell


def _xml_text(text: pa.Array | str) -> pa.Array | str:
    """Text as the sheet writer puts it in a cell: illegal XML characters replaced, escaped."""
    if isinstance(text, str):
        return escape(_ILLEGAL_XML.sub("\ufffd", text)[:_MAX_CELL_CHARS])
    cleaned = pc.replace_substring_regex(text, _ILLEGAL_XML_RE2, "\ufffd")
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        cleaned = pc.replace_substring(cleaned, char, entity)
    return cleaned


def _xml_cell(letter: str, r: pa.Array, text: pa.Array | str, style: str) -> pa.Array | pa.Scalar:
    """An inline-string cell per row (nothing for an empty text)."""
    if isinstance(text, str):
        if not text:
            return _s("")
        return pc.binary_join_element_wise(
            _s(f'<c r="{letter}'),
            r,
            _s(f'"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'),
            _s(""),
        )
    cell = pc.binary_join_element_wise(
        _s(f'<c r="{letter}'),
        r,
        _s(f'"{style} t="inlineStr"><is><t xml:space="preserve">'),
        text,
        _s("</t></is></c>"),
        _s(""),
    )
    return pc.if_else(pc.equal(pc.utf8_length(text), 0), _s(""), cell)


def _generic_row_xml(cells: Sequence[object], r: int, styles: Sequence[str]) -> str:
    """One row as the generic sheet writer writes it (for the rare message over a cell's limit)."""
    out = []
    for c, value in enumerate(cells):
        if value is None or value == "":
            continue
        ref = f"{'ABCDEFGH'[c]}{r}"
        if isinstance(value, int):
            out.append(f'<c r="{ref}"{styles[c]}><v>{value}</v></c>')
        else:
            text = _xml_text(str(value))
            out.append(f'<c r="{ref}"{styles[c]} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
    return f'<row r="{r}">{"".join(out)}</row>'


def _longest(group: _Group) -> int:
    """An upper bound of the group's longest message, in characters."""
    lengths = sum(int(pc.max(pc.utf8_length(f)).as_py() or 0) for f in group.fields)
    literal = max(sum(len(p) for p in pieces if isinstance(p, str)) for pieces in (group.wording.zh, group.wording.en))
    return literal + lengths * 4


def _concatenated(texts: pa.Array) -> str:
    """All the texts of an array (no nulls) as one: its data buffer, read once."""
    texts = pa.concat_arrays([texts])  # a fresh array: its data holds exactly these texts
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)
    start, end = int(offsets[texts.offset]), int(offsets[texts.offset + len(texts)])
    return texts.buffers()[2][start:end].to_pybytes().decode("utf-8")


@dataclass(frozen=True)
class _Group:
    """The lines of one batch within a slice."""

    members: np.ndarray  # their positions in the slice
    batch: ProblemBatch
    wording: _Wording
    fields: list[pa.Array]  # shown per-row fields: the value, then the batch's row fields


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

    def parts(self, limit: int | None = None, size: int = SLICE_LINES) -> Iterator[np.ndarray]:
        """The first ``limit`` lines (all by default) in reading order, :data:`SLICE_LINES` at a time
        (positions in the table's batches, for :meth:`render`, :meth:`csv_text`, :meth:`sheet_xml`)."""
        order = self.table.line_order()
        end = order.size if limit is None else min(limit, order.size)
        for start in range(0, end, size):
            yield order[start : min(start + size, end)]

    def slices(self, limit: int | None = None) -> Iterator[LineSlice]:
        """The first ``limit`` lines (all by default), rendered cell by cell a slice at a time."""
        for lines in self.parts(limit):
            yield self.render(lines)

    def _groups(self, lines: np.ndarray) -> Iterator[_Group]:
        """The lines at ``lines`` grouped by batch: each group's slice positions and its per-row
        fields (shown values: the value first, then the batch's row fields)."""
        flat = self.table.flat()
        batch_of_line = flat["batch"][lines]
        grouping = np.argsort(batch_of_line, kind="stable")
        bounds = np.flatnonzero(np.diff(batch_of_line[grouping])) + 1
        for members in np.split(grouping, bounds) if lines.size else []:
            index = int(batch_of_line[members[0]])
            batch, wording = self.table.batches[index], self._wordings[index]
            at = pa.array(flat["position"][lines[members]], pa.int64())
            n = int(members.size)
            value = _shown(batch.values.take(at), SHOWN_VALUE_CHARS) if batch.values is not None else pa.nulls(n, _TEXT)
            fields = [pc.fill_null(value, "")] + [
                _shown(batch.row_params[name].take(at), 10 * SHOWN_VALUE_CHARS) for name in wording.fields[1:]
            ]
            yield _Group(members, batch, wording, fields)

    @staticmethod
    def _in_slice_order(lines: np.ndarray, groups: list[_Group], parts: list[pa.Array]) -> pa.Array:
        """Per-group arrays put back in the slice's order."""
        if not parts:
            return pa.array([], type=_TEXT)
        if len(parts) == 1:  # one batch: its members are the slice, in order
            return parts[0]
        grouping = np.concatenate([g.members for g in groups])
        return pa.concat_arrays(parts).take(pa.array(np.argsort(grouping, kind="stable"), pa.int64()))

    def render(self, lines: np.ndarray) -> LineSlice:
        """The lines at ``lines`` (positions in the table's concatenated batches), cell by cell."""
        groups = list(self._groups(lines))
        pieces: list[list[pa.Array]] = [[] for _ in range(6)]
        for g in groups:
            n = int(g.members.size)
            for i, text in zip((0, 2, 3), (g.wording.column_zh, g.batch.code, g.wording.outcome), strict=True):
                pieces[i].append(pa.array([text] * n, type=_TEXT))
            pieces[1].append(g.fields[0])
            pieces[4].append(_joined(g.wording.zh, g.fields, n))
            pieces[5].append(_joined(g.wording.en, g.fields, n))
        rows = self.table.flat()["row"][lines]
        columns = [self._in_slice_order(lines, groups, p) for p in pieces]
        return LineSlice(rows, [self._names(rows), *columns])

    def csv_text(self, lines: np.ndarray) -> str:
        """The lines at ``lines`` as the CSV writer writes them (``\\r\\n`` after each).

        The messages are never searched whole: whether a message needs quotes or defusing is
        known from its wording's pieces (once) and its fields (short), as :func:`_csv_message` does.
        """
        rows = self.table.flat()["row"][lines]
        row_text = pa.array(np.where(rows == NO_ROW, "", rows.astype(str)).astype(object), type=_TEXT)
        names = _csv_cell(self._names(rows))
        groups = list(self._groups(lines))
        parts = []
        for g in groups:
            at = pa.array(g.members, pa.int64())
            escaped = [pc.replace_substring(f, '"', '""') for f in g.fields]
            special = [_has_any(f, _QUOTED_CLASS) for f in g.fields]
            cells = [
                row_text.take(at),
                names.take(at),
                _s(_csv_cell(g.wording.column_zh)),
                _csv_cell(g.fields[0]),
                _s(_csv_cell(g.batch.code)),
                _s(_csv_cell(g.wording.outcome)),
                _csv_message(g.wording.zh, escaped, special),
                _csv_message(g.wording.en, escaped, special),
            ]
            between = [part for cell in cells for part in (cell, _s(","))]
            between[-1] = _s("\r\n")
            parts.append(pc.binary_join_element_wise(*between, _s("")))
        return _concatenated(self._in_slice_order(lines, groups, parts)) if parts else ""

    def sheet_xml(self, lines: np.ndarray, first_row: int, styles: Sequence[str]) -> str:
        """The lines at ``lines`` as the workbook's ``<row>`` elements, the first numbered
        ``first_row``; ``styles`` are the cells' style attributes (`` s="2"``) by column.

        The same XML as the feedback's generic sheet writer gives cell by cell (a test compares
        them), with the messages built from escaped pieces as in :meth:`csv_text`.
        """
        rows = self.table.flat()["row"][lines]
        numbers = pa.array((first_row + np.arange(lines.size)).astype(str).astype(object), type=_TEXT)
        row_cells = pc.if_else(
            pa.array(rows == NO_ROW),
            _s(""),
            pc.binary_join_element_wise(
                _s('<c r="A'),
                numbers,
                _s(f'"{styles[0]}><v>'),
                pa.array(rows.astype(str).astype(object), _TEXT),
                _s("</v></c>"),
                _s(""),
            ),
        )
        names = _xml_text(self._names(rows))
        groups = list(self._groups(lines))
        parts = []
        for g in groups:
            at = pa.array(g.members, pa.int64())
            r = numbers.take(at)
            escaped = [_xml_text(f) for f in g.fields]
            if _longest(g) > _MAX_CELL_CHARS:  # Excel's cell limit cuts such a message: the generic path
                return "".join(
                    _generic_row_xml(cells, first_row + i, styles)
                    for i, cells in enumerate(self.render(lines).row_cells())
                )
            cells = [
                _xml_cell("B", r, names.take(at), styles[1]),
                _xml_cell("C", r, _xml_text(g.wording.column_zh), styles[2]),
                _xml_cell("D", r, escaped[0], styles[3]),
                _xml_cell("E", r, _xml_text(g.batch.code), styles[4]),
                _xml_cell("F", r, _xml_text(g.wording.outcome), styles[5]),
                _xml_cell("G", r, _joined_escaped(g.wording.zh, escaped, _xml_text), styles[6]),
                _xml_cell("H", r, _joined_escaped(g.wording.en, escaped, _xml_text), styles[7]),
            ]
            parts.append(
                pc.binary_join_element_wise(
                    _s('<row r="'), r, _s('">'), row_cells.take(at), *cells, _s("</row>"), _s("")
                )
            )
        return _concatenated(self._in_slice_order(lines, groups, parts)) if parts else ""

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
