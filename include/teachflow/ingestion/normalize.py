"""Typing a county file's text cells, and naming the values that cannot be understood.

Second step of the pipeline (frames: ``read_table`` -> ``normalize`` -> validation): every contract
column of the dataset comes out in contract order with one type per kind (see frames.md, "Typed
frame"). Only *understanding* happens here - a date in any accepted form, a number, a vocabulary
label or code, an ID with full-width digits. Whether an understood value obeys the rules (check
character, ranges, cross-field rules) is :mod:`teachflow.validation`'s question.

Speed: a roster can hold a million rows. IDs are handled with pandas' vectorized string methods;
dates, numbers, codes and labels repeat a lot, so each distinct text is parsed once
(``pd.factorize``) and the results are spread back with a numpy take. Problems are built only for
the cells that failed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from teachflow.datasets import DATASETS, Column, Dataset
from teachflow.ingestion.parsing.values import (
    allowed_labels,
    allowed_labels_en,
    parse_date,
    parse_number,
    school_code_text,
    vocab_code,
)
from teachflow.problems import Problem
from teachflow.resident_id import read_ids
from teachflow.vocabularies import VOCABULARIES

T = TypeVar("T")

#: Vocabularies where a blank cell means a code (spec: tier blank = none).
_BLANK_MEANS = {"tier": "none", "yes_no": "no"}  # a blank 菜单点单 is 否

Normalized = tuple[pd.Series, list[Problem]]


def normalize(frame: pd.DataFrame, dataset: Dataset | str) -> tuple[pd.DataFrame, list[Problem]]:
    """The typed frame (``_row`` then every contract column) and the problems of values not understood.

    ``frame`` is :attr:`teachflow.ingestion.reading.RawTable.frame`: ``_row`` and stripped text or NA. A
    contract column missing from it comes out blank (all NA, or the blank's meaning, e.g. tier none).
    Problems carry the row, the English column name and the text as written; sorted by row, then
    contract column order.
    """
    if isinstance(dataset, str):
        dataset = DATASETS[dataset]
    frame = frame.reset_index(drop=True)
    rows = frame["_row"].to_numpy(dtype="int64")
    typed: dict[str, pd.Series | np.ndarray] = {"_row": rows}
    problems: list[Problem] = []
    for column in dataset.columns:
        text = frame[column.name] if column.name in frame else pd.Series(pd.NA, index=frame.index, dtype="str")
        typed[column.name], found = _NORMALIZERS[column.kind](text.astype("str"), column, rows)
        problems.extend(found)
    order = {name: i for i, name in enumerate(dataset.column_names)}
    problems.sort(key=lambda p: (p.row or 0, order.get(p.column or "", -1)))
    return pd.DataFrame(typed, copy=False), problems


# --- one function per column kind: (text, column, rows) -> (typed values, problems) -------------


#: Control characters no cell may hold (C0 and DEL). A NUL makes PostgreSQL's COPY fail.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
#: In free text a tab or a line break is allowed (an address, a programme name on two lines).
_CONTROL_IN_NAMES = re.compile(r"[\x00-\x1f\x7f]")
#: A resident ID's shape (17 digits and a digit or X, half- or full-width), not part of a longer number.
_ID_SHAPED = re.compile(r"(?<![0-9０-９])[0-9０-９]{17}[0-9０-９XxＸｘ](?![0-9０-９])")
#: Kinds of column that hold free text, where a county might type a resident ID by mistake.
_FREE_TEXT_KINDS = ("text", "name")


def _text(text: pd.Series, column: Column, rows: np.ndarray) -> Normalized:
    """Names, free text, codes and school years are kept as written (read_table stripped them).

    Except what must never be stored: control characters (``control_character``; a NUL failed
    PostgreSQL's COPY forever while SQLite stored it) and, in free text, anything shaped like a
    resident ID (``pii_in_text``: the raw ID would reach ``analyst_training``). Each is a row
    problem, so the row is not loaded and the county is told.

    Speed: the column is searched in Arrow (RE2, in C++, on the column's own buffers), never turned
    into a million Python strings; only the cells it finds are looked at in Python. RE2 has no
    lookaround, so for IDs it finds the cells holding 18 ID-shaped characters in a row, a superset
    of :data:`_ID_SHAPED`'s matches, and :data:`_ID_SHAPED` decides on those few.
    """
    cells = _arrow_text(text)
    data = _utf8_bytes(cells)
    control = _CONTROL if column.kind == "text" else _CONTROL_IN_NAMES
    problems: list[Problem] = []
    flagged: set[int] = set()
    maybe_control = _may_hold_control(data, allowed=(9, 10) if column.kind == "text" else ())
    for position, value in _cells_matching(text, cells, control.pattern) if maybe_control else []:
        found = control.findall(value)
        if found:
            flagged.add(position)
            names = "、".join(sorted({f"U+{ord(ch):04X}" for ch in found}))
            shown = control.sub("\ufffd", value)
            problems.append(
                Problem(
                    "control_character",
                    row=int(rows[position]),
                    column=column.name,
                    value=shown,
                    params={"detail": names},
                )
            )
    if column.kind in _FREE_TEXT_KINDS and _may_hold_id(data):
        for position, value in _cells_matching(text, cells, _ID_RUN):
            if position not in flagged and _ID_SHAPED.search(value):
                problems.append(
                    Problem("pii_in_text", row=int(rows[position]), column=column.name, value=_masked_ids(value))
                )
    return text, problems


#: :data:`_ID_SHAPED` without its lookarounds (RE2 has none): every cell it matches matches this.
_ID_RUN = r"[0-9０-９]{17}[0-9０-９XxＸｘ]"


def _arrow_text(text: pd.Series) -> Any:
    """The column as Arrow strings: pandas' own buffers when it is Arrow-backed (no copy)."""
    import pyarrow as pa

    return pa.array(text.array) if hasattr(text.array, "__arrow_array__") else pa.array(text, type=pa.large_string())


def _utf8_bytes(cells: Any) -> list[np.ndarray]:
    """The UTF-8 bytes of the column's values, chunk by chunk, as numpy views of Arrow's buffers.

    Each view spans the first value's first byte to the last value's last; it may also hold bytes
    of null slots (Arrow allows them), which can only make the checks below say "maybe".
    """
    import pyarrow as pa

    views = []
    for chunk in getattr(cells, "chunks", [cells]):
        buffers = chunk.buffers()
        if not len(chunk) or buffers[2] is None:
            continue
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(buffers[1], dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
        views.append(np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0] : offsets[-1]])
    return views


def _may_hold_control(data: list[np.ndarray], allowed: tuple[int, ...]) -> bool:
    """False when no byte is a control character (UTF-8 encodes C0 and DEL as themselves only)."""
    for part in data:
        low = part[part < 0x20]
        if np.isin(low, allowed, invert=True).any() or (part == 0x7F).any():
            return True
    return False


def _may_hold_id(data: list[np.ndarray]) -> bool:
    """False when no run of 18 ID characters can be there: no full-width digit or X, and no run of
    17 ASCII digits (runs may span two cells here: that only says "maybe")."""
    for part in data:
        lead = np.flatnonzero(part[:-2] == 0xEF)  # full-width forms: EF BC 90-99 (０-９), EF BC B8, EF BD 98
        if len(lead):
            second, third = part[lead + 1], part[lead + 2]
            wide = ((second == 0xBC) & (((third >= 0x90) & (third <= 0x99)) | (third == 0xB8))) | (
                (second == 0xBD) & (third == 0x98)
            )
            if wide.any():
                return True
        run = (part >= 0x30) & (part <= 0x39)  # run[i]: byte i starts 1, 2, 4, 8, 16, then 17 digits
        for step in (1, 2, 4, 8):
            if not run.any():
                break
            run = run[:-step] & run[step:]
        else:
            if (run[:-1] & ((part >= 0x30) & (part <= 0x39))[16:]).any():
                return True
    return False


def _cells_matching(text: pd.Series, cells: Any, pattern: str) -> list[tuple[int, str]]:
    """(position, value) of the cells where the RE2 ``pattern`` finds a match, in row order."""
    import pyarrow.compute as pc

    found = pc.match_substring_regex(cells, pattern)
    if not pc.any(found).as_py():
        return []
    hit = np.flatnonzero(found.fill_null(False).to_numpy(zero_copy_only=False))
    return [(int(text.index[i]), text.iloc[i]) for i in hit]


def _masked_ids(value: str) -> str:
    """The text with each ID-shaped run masked: the county recognises the cell, the ID is not copied."""
    return _ID_SHAPED.sub(lambda m: m.group(0)[:4] + "*" * 10 + m.group(0)[-4:], value)


def _id_numbers(text: pd.Series, column: Column, rows: np.ndarray) -> Normalized:
    """Upper-cased IDs (:func:`teachflow.resident_id.read_ids`): a full-width repair is a warning,
    scientific notation a row problem."""
    ids, fullwidth, scientific = read_ids(text)
    written = text.to_numpy()
    problems = [
        Problem(code, row=int(rows[i]), column=column.name, value=written[i])
        for code, failed in (("id_scientific", scientific), ("id_fullwidth", fullwidth & ~scientific))
        for i in np.flatnonzero(failed)
    ]
    return ids, problems


def _school_codes(text: pd.Series, column: Column, rows: np.ndarray) -> Normalized:
    codes, parsed, _ = _per_distinct(text, school_code_text)
    return _spread_text(codes, parsed, blank=None), []


def _dates(text: pd.Series, column: Column, rows: np.ndarray) -> Normalized:
    codes, parsed, uniques = _per_distinct(text, parse_date)
    table = np.array([*parsed, None], dtype="datetime64[s]")  # the extra last slot: NA's code -1
    values = table[codes]
    failed = (codes >= 0) & np.isnat(values)
    return pd.Series(values, dtype="datetime64[s]"), _failures("date_invalid", failed, codes, uniques, column, rows)


def _numbers(text: pd.Series, column: Column, rows: np.ndarray) -> Normalized:
    codes, parsed, uniques = _per_distinct(text, parse_number)
    table = np.array([np.nan if v is None else v for v in parsed] + [np.nan], dtype="float64")
    failed = (codes >= 0) & np.array([v is None for v in parsed] + [False])[codes]
    return pd.Series(table[codes], dtype="float64"), _failures("number_invalid", failed, codes, uniques, column, rows)


def _vocab(text: pd.Series, column: Column, rows: np.ndarray) -> Normalized:
    vocabulary = VOCABULARIES[column.vocabulary or ""]
    lookup = vocabulary.lookup()
    codes, parsed, uniques = _per_distinct(text, lambda label: vocab_code(label, lookup))
    failed = (codes >= 0) & np.array([v is None for v in parsed] + [False])[codes]
    allowed = {"allowed": allowed_labels(vocabulary), "allowed_en": allowed_labels_en(vocabulary)}
    problems = _failures("vocab_unknown", failed, codes, uniques, column, rows, **allowed)
    return _spread_text(codes, parsed, blank=_BLANK_MEANS.get(vocabulary.name)), problems


_NORMALIZERS: dict[str, Callable[[pd.Series, Column, np.ndarray], Normalized]] = {
    "id_number": _id_numbers,
    "name": _text,
    "text": _text,
    "code": _text,
    "school_code": _school_codes,
    "date": _dates,
    "number": _numbers,
    "vocab": _vocab,
    "school_year": _text,
}


# --- helpers ------------------------------------------------------------------------------------


def _per_distinct(text: pd.Series, parse: Callable[[str], T]) -> tuple[np.ndarray, list[T], list[str]]:
    """Each row's code (-1 for NA), the parse of each distinct text, and the distinct texts."""
    codes, uniques = pd.factorize(text)
    distinct = uniques.tolist()
    return codes, [parse(u) for u in distinct], distinct


def _spread_text(codes: np.ndarray, parsed: list[str | None], blank: str | None) -> pd.Series:
    table = np.array([*parsed, blank], dtype=object)
    return pd.Series(pd.array(table[codes], dtype="str"))


def _failures(
    code: str,
    failed: np.ndarray,
    codes: np.ndarray,
    uniques: list[str],
    column: Column,
    rows: np.ndarray,
    **params: str,
) -> list[Problem]:
    return [
        Problem(code, row=int(rows[i]), column=column.name, value=uniques[codes[i]], params=dict(params))
        for i in np.flatnonzero(failed)
    ]
