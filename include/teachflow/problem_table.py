"""Problems as columns: (row, column, code, value) arrays from validation to the feedback writer.

A file that fails on every one of its million rows used to become a million :class:`Problem`
objects, each with a dict of message fields, then a million feedback lines of eight strings:
1.82 GiB at peak (issue 18). Here a rule's or an expectation's failures are one
:class:`ProblemBatch`: one code, one column and the message fields common to all its rows, with
the rows (int64) and the values as written (an Arrow string array) as columns, and the fields
that differ from row to row (``{limit}`` of a date order, ``{other_row}`` of a duplicate) as
Arrow columns too. A :class:`ProblemTable` is a list of batches and the order a clerk reads
them in (a permutation, so sorting a million problems moves 8 MB of positions, not objects).
The messages are not stored at all: the feedback writer renders them a slice at a time from the
code's wording (:mod:`teachflow.problems`), which stays the one place wording lives.

:class:`Problem` stays the unit everything else speaks (the parser's file rejections, the
ledger's reasons, tests): a table is built from Problems (:meth:`ProblemTable.of`), iterates as
Problems (materialised on demand) and compares equal to a list of the same Problems.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from teachflow.problems import CATALOG, Problem, Severity

#: The row of a file-level problem (``Problem.row is None``) in a batch's int64 rows.
NO_ROW = -1

_TEXT = pa.large_string()


@dataclass(frozen=True, eq=False)
class ProblemBatch:
    """The problems of one check: one code and column, one line per failing row."""

    code: str
    column: str | None
    rows: np.ndarray  # int64 Excel rows as the county sees them; NO_ROW: the file
    values: pa.Array | None = None  # the value as written, one per row (null: blank); None: no value
    params: Mapping[str, str] = field(default_factory=dict)  # message fields, the same for every row
    row_params: Mapping[str, pa.Array] = field(default_factory=dict)  # message fields, one per row

    def __len__(self) -> int:
        return int(self.rows.size)

    @property
    def severity(self) -> Severity:
        return CATALOG[self.code].severity

    def problem(self, i: int) -> Problem:
        """Line ``i`` as a :class:`Problem` (for the few places that want objects)."""
        row = int(self.rows[i])
        params = dict(self.params)
        for key, values in self.row_params.items():
            params[key] = values[i].as_py() or ""
        return Problem(
            code=self.code,
            row=None if row == NO_ROW else row,
            column=self.column,
            value=None if self.values is None else self.values[i].as_py(),
            params=params,
        )

    def take(self, positions: np.ndarray) -> ProblemBatch:
        """The lines at ``positions`` (a boolean mask or indexes), as a batch of their own."""
        index = np.flatnonzero(positions) if positions.dtype == bool else positions
        picked = pa.array(index, pa.int64())
        return ProblemBatch(
            self.code,
            self.column,
            self.rows[index],
            None if self.values is None else self.values.take(picked),
            self.params,
            {key: values.take(picked) for key, values in self.row_params.items()},
        )


def text_array(values: pd.Series | np.ndarray | Sequence[Any], positions: np.ndarray | None = None) -> pa.Array:
    """Typed cells (at ``positions``) as the county wrote them, an Arrow string array (null: blank).

    The same text as :func:`teachflow.validation.values.render_value` gives cell by cell, computed
    by column where the type allows: text as it is, dates as YYYY-MM-DD, whole numbers without
    ".0". Anything else (mixed objects) goes through ``render_value`` one cell at a time. One
    contiguous array, also when the column is read in chunks.
    """
    texts = _text_array(values, positions)
    return texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts


def _text_array(values: pd.Series | np.ndarray | Sequence[Any], positions: np.ndarray | None = None) -> pa.Array:
    from teachflow.validation.values import render_value

    if isinstance(values, pd.Series):
        picked = values.iloc[positions] if positions is not None else values
    else:
        array = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
        picked = pd.Series(array[positions] if positions is not None else array)
    dtype = picked.dtype
    if isinstance(dtype, pd.StringDtype) or (
        isinstance(dtype, pd.ArrowDtype) and pa.types.is_string(dtype.pyarrow_dtype)
    ):
        return pa.array(picked, type=_TEXT)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        stamps = pa.array(picked)
        return pc.strftime(stamps, format="%Y-%m-%d").cast(_TEXT)
    if pd.api.types.is_float_dtype(dtype) and not isinstance(dtype, pd.ArrowDtype):
        numbers = picked.to_numpy(dtype=float, na_value=np.nan)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers)) & (np.abs(numbers) < 1e16)
        texts = np.full(numbers.size, None, dtype=object)
        texts[whole] = numbers[whole].astype(np.int64).astype(str).astype(object)
        other = ~whole & ~np.isnan(numbers)
        texts[other] = [repr(float(n)) for n in numbers[other].tolist()]
        return pa.array(texts, type=_TEXT)
    if pd.api.types.is_integer_dtype(dtype) and not isinstance(dtype, pd.ArrowDtype) and not picked.hasnans:
        return pa.array(picked.to_numpy().astype(str).astype(object), type=_TEXT)
    if pd.api.types.is_object_dtype(dtype):
        try:  # text and blanks only (the usual case): Arrow takes them as they are
            return pa.array(picked.to_numpy(), type=_TEXT, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            pass
    return pa.array([render_value(v) for v in picked.tolist()], type=_TEXT)


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted: by a sort, which is fast on the (mostly sorted) rows of a
    batch, where ``np.unique``'s hashing took ~1 s per million rows."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def batch_of(
    code: str,
    column: str | None,
    rows: np.ndarray,
    values: pa.Array | None = None,
    params: Mapping[str, str] | None = None,
    row_params: Mapping[str, pa.Array] | None = None,
) -> ProblemBatch:
    """A batch from its columns (rows as int64, params copied)."""
    return ProblemBatch(
        code, column, np.asarray(rows, dtype=np.int64), values, dict(params or {}), dict(row_params or {})
    )


def _batches_of(problems: Sequence[Problem]) -> tuple[list[ProblemBatch], np.ndarray]:
    """Loose Problems grouped into batches (code, column, variant and field names alike), and
    the permutation that gives them back in their original order."""
    groups: dict[tuple, list[int]] = {}
    for i, p in enumerate(problems):
        key = (p.code, p.column, p.params.get("variant"), tuple(sorted(p.params)), p.value is not None)
        groups.setdefault(key, []).append(i)
    batches: list[ProblemBatch] = []
    where = np.empty(len(problems), dtype=np.int64)
    offset = 0
    for (code, column, variant, names, has_value), members in groups.items():
        picked = [problems[i] for i in members]
        rows = np.array([NO_ROW if p.row is None else p.row for p in picked], dtype=np.int64)
        values = pa.array([p.value for p in picked], type=_TEXT) if has_value else None
        fixed = {"variant": variant} if variant is not None else {}
        varying = {name: pa.array([p.params[name] for p in picked], type=_TEXT) for name in names if name != "variant"}
        batches.append(ProblemBatch(code, column, rows, values, fixed, varying))
        where[members] = np.arange(offset, offset + len(members))
        offset += len(members)
    return batches, where


class ProblemTable:
    """Problems held as columns, in an order; iterates (and compares) as :class:`Problem` values."""

    __slots__ = ("_batches", "_flat", "_order")

    def __init__(self, batches: Iterable[ProblemBatch] = (), order: np.ndarray | None = None) -> None:
        self._batches: list[ProblemBatch] = [b for b in batches if len(b)]
        self._order = order  # line numbers (concatenated batches) in reading order; None: as concatenated
        self._flat: dict[str, np.ndarray] | None = None

    # --- building ---------------------------------------------------------------------------------

    @classmethod
    def of(
        cls, problems: ProblemTable | ProblemBatch | Iterable[Problem | ProblemBatch | ProblemTable]
    ) -> ProblemTable:
        """A table of anything problems come as: a table (itself), a batch, or a list of Problems,
        batches and tables (in that order)."""
        if isinstance(problems, ProblemTable):
            return problems
        if isinstance(problems, ProblemBatch):
            return cls([problems])
        table = cls()
        loose: list[Problem] = []
        for item in problems:
            if isinstance(item, Problem):
                loose.append(item)
                continue
            if loose:
                table = table + cls._of_problems(loose)
                loose = []
            table = table + cls.of(item)
        if loose:
            table = table + cls._of_problems(loose)
        return table

    @classmethod
    def _of_problems(cls, problems: Sequence[Problem]) -> ProblemTable:
        batches, where = _batches_of(problems)
        return cls(batches, where if len(batches) > 1 else None)

    def __add__(self, other: object) -> ProblemTable:
        if not isinstance(other, ProblemTable | ProblemBatch | list | tuple):
            return NotImplemented
        right = ProblemTable.of(other)  # type: ignore[arg-type]
        if not len(right):
            return self
        if not len(self):
            return right
        order = None
        if self._order is not None or right._order is not None:
            order = np.concatenate([self.line_order(), right.line_order() + len(self)])
        return ProblemTable([*self._batches, *right._batches], order)

    __iadd__ = __add__

    def __radd__(self, other: object) -> ProblemTable:
        if not isinstance(other, list | tuple):
            return NotImplemented
        return ProblemTable.of(other) + self

    # --- reading ----------------------------------------------------------------------------------

    @property
    def batches(self) -> list[ProblemBatch]:
        return list(self._batches)

    def __len__(self) -> int:
        return sum(len(b) for b in self._batches)

    def __bool__(self) -> bool:
        return bool(self._batches)

    def line_order(self) -> np.ndarray:
        """The lines (positions in the concatenated batches) in reading order."""
        return np.arange(len(self), dtype=np.int64) if self._order is None else self._order

    def flat(self) -> dict[str, np.ndarray]:
        """Per line of the concatenated batches: ``batch``, ``position`` in it, ``row``, ``severity``
        (0 file, 1 row, 2 warning). Built once."""
        if self._flat is None:
            sizes = np.array([len(b) for b in self._batches], dtype=np.int64)
            starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]) if sizes.size else sizes
            batch = np.repeat(np.arange(sizes.size, dtype=np.int32), sizes)
            rank = {"file": 0, "row": 1, "warning": 2}
            self._flat = {
                "batch": batch,
                "position": np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(starts, sizes),
                "row": np.concatenate([b.rows for b in self._batches]) if self._batches else np.empty(0, np.int64),
                "severity": np.repeat(np.array([rank[b.severity] for b in self._batches], dtype=np.int8), sizes),
            }
        return self._flat

    def __iter__(self) -> Iterator[Problem]:
        flat = self.flat()
        for line in self.line_order().tolist():
            yield self._batches[flat["batch"][line]].problem(int(flat["position"][line]))

    def __getitem__(self, index: int) -> Problem:
        line = int(self.line_order()[index])
        flat = self.flat()
        return self._batches[flat["batch"][line]].problem(int(flat["position"][line]))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ProblemTable | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ProblemTable({len(self)} problem(s) in {len(self._batches)} batch(es))"

    def of_severity(self, severity: Severity) -> list[Problem]:
        """The problems of one severity as objects (file problems: a handful)."""
        return [p for b in self._batches if b.severity == severity for p in ProblemTable([b])]

    def rows_of(self, severity: Severity) -> np.ndarray:
        """The distinct rows with a problem of ``severity`` (sorted int64)."""
        picked = [b.rows for b in self._batches if b.severity == severity]
        rows = distinct(np.concatenate(picked)) if picked else np.empty(0, dtype=np.int64)
        return rows[rows != NO_ROW]

    def counts(self) -> dict[str, int]:
        """Problems per code, most frequent first (ties by code)."""
        counts: dict[str, int] = {}
        for b in self._batches:
            counts[b.code] = counts.get(b.code, 0) + len(b)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    # --- changing ---------------------------------------------------------------------------------

    def without_cells(self, prior: ProblemTable) -> ProblemTable:
        """Without the lines whose cell (row, column) already has a problem in ``prior`` that
        rejects the row (a warning does not: the value was understood)."""
        blocked: dict[str, list[np.ndarray]] = {}
        for b in prior._batches:
            if b.column is not None and b.severity != "warning":
                blocked.setdefault(b.column, []).append(b.rows[b.rows != NO_ROW])
        if not blocked:
            return self
        kept: list[ProblemBatch] = []
        keep_lines: list[np.ndarray] = []
        for b in self._batches:
            rows = blocked.get(b.column or "")
            keep = np.ones(len(b), dtype=bool) if rows is None else ~np.isin(b.rows, np.concatenate(rows))
            keep_lines.append(keep)
            kept.append(b if keep.all() else b.take(keep))
        if all(k.all() for k in keep_lines):
            return self
        mask = np.concatenate(keep_lines)
        new_index = np.cumsum(mask) - 1
        order = self.line_order()
        return ProblemTable(kept, new_index[order[mask[order]]] if self._order is not None else None)

    def sorted(self, keys: Sequence[np.ndarray]) -> ProblemTable:
        """Stably sorted by ``keys`` (arrays over the concatenated lines, most significant first)."""
        if len(self) < 2:
            return self
        order = self.line_order()
        permutation = np.lexsort([np.arange(order.size), *(k[order] for k in reversed(keys))])
        return ProblemTable(self._batches, order[permutation])

    def column_ranks(self, columns: Sequence[str], none: int, unknown: int) -> np.ndarray:
        """Per line: the rank of its column in ``columns`` (``none`` for no column, ``unknown``
        for a column not listed)."""
        order = {name: i for i, name in enumerate(columns)}
        per_batch = [none if b.column is None else order.get(b.column, unknown) for b in self._batches]
        return np.repeat(np.array(per_batch, dtype=np.int64), [len(b) for b in self._batches])

    def code_ranks(self) -> np.ndarray:
        """Per line: the rank of its code in alphabetical order."""
        codes = sorted({b.code for b in self._batches})
        rank = {code: i for i, code in enumerate(codes)}
        return np.repeat(
            np.array([rank[b.code] for b in self._batches], dtype=np.int64), [len(b) for b in self._batches]
        )

    def in_reading_order(self, columns: Sequence[str]) -> ProblemTable:
        """Sorted as the feedback lists problems: file-level ones first, then by row, within a row
        in the contract's column order (row-wide problems first), then as found."""
        rows = self.flat()["row"]
        return self.sorted([rows != NO_ROW, rows, self.column_ranks(columns, -1, len(columns))])


class RowNames(Mapping[int, str]):
    """Excel row -> the teacher's name the county wrote in it, for the rows with a problem (the
    feedback's 姓名 column), held as two arrays. An exact repeat, dropped before validation, shows
    the name of the row it repeats. The county's own data returned to it; never logged or stored.
    """

    def __init__(self, rows: np.ndarray, names: pa.Array, aliases: tuple[np.ndarray, np.ndarray] | None = None):
        order = np.argsort(rows, kind="stable")
        self._rows = np.asarray(rows, dtype=np.int64)[order]
        self._names = names.take(pa.array(order, pa.int64()))
        empty = np.empty(0, dtype=np.int64)
        alias_rows, alias_targets = aliases if aliases is not None else (empty, empty)
        alias_order = np.argsort(alias_rows, kind="stable")
        self._alias_rows = np.asarray(alias_rows, dtype=np.int64)[alias_order]
        self._alias_targets = np.asarray(alias_targets, dtype=np.int64)[alias_order]

    @classmethod
    def of_problems(cls, typed: pd.DataFrame, problems: ProblemTable) -> RowNames:
        """The names of the rows ``problems`` name (a ``duplicate_row``: of the row it repeats)."""
        if "name" not in typed.columns or not len(problems):
            return cls(np.empty(0, dtype=np.int64), pa.array([], _TEXT))
        wanted: list[np.ndarray] = []
        alias_rows: list[np.ndarray] = []
        alias_targets: list[np.ndarray] = []
        for b in problems.batches:
            if b.code == "duplicate_row":
                targets = np.asarray(pc.cast(b.row_params["other_row"], pa.int64()), dtype=np.int64)
                alias_rows.append(b.rows)
                alias_targets.append(targets)
                wanted.append(targets)
            else:
                wanted.append(b.rows)
        frame_rows = typed["_row"].to_numpy()
        picked = np.flatnonzero(np.isin(frame_rows, distinct(np.concatenate(wanted))))
        aliases = (np.concatenate(alias_rows), np.concatenate(alias_targets)) if alias_rows else None
        return cls(frame_rows[picked], text_array(typed["name"], picked), aliases)

    def names_of(self, rows: np.ndarray) -> pa.Array:
        """The name of each row (null where none is known)."""
        rows = np.asarray(rows, dtype=np.int64)
        if self._alias_rows.size:
            at = np.minimum(np.searchsorted(self._alias_rows, rows), self._alias_rows.size - 1)
            hit = self._alias_rows[at] == rows
            rows = np.where(hit, self._alias_targets[at], rows)
        if not self._rows.size:
            return pa.nulls(rows.size, _TEXT)
        at = np.minimum(np.searchsorted(self._rows, rows), self._rows.size - 1)
        found = self._rows[at] == rows
        return pc.if_else(pa.array(found), self._names.take(pa.array(at, pa.int64())), pa.scalar(None, _TEXT))

    def __getitem__(self, row: int) -> str:
        name = self.names_of(np.array([row]))[0].as_py()
        if name is None:
            raise KeyError(row)
        return name

    def __iter__(self) -> Iterator[int]:
        valid = np.asarray(self._names.is_valid())
        rows = set(self._rows[valid].tolist())
        if self._alias_rows.size:
            rows |= set(self._alias_rows[np.isin(self._alias_targets, self._rows[valid])].tolist())
        return iter(sorted(rows))

    def __len__(self) -> int:
        return sum(1 for _ in self)
