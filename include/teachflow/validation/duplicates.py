"""Rows that repeat another row of the same file.

An exact repeat (every contract column equal) is harmless, typically a pasted block twice: it is
dropped, and named (``duplicate_row``, a warning: the row it repeats is taken) so the county can
delete it. A row with the natural key of an earlier row but other values is two versions
of one record; the first is kept and the later one is rejected with ``duplicate_key`` so the county
decides which is right.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from teachflow.datasets import DATASETS, Column
from teachflow.problem_table import ProblemTable, batch_of
from teachflow.validation.values import ROW_COLUMN, render_value
from teachflow.vocabularies import VOCABULARIES


def find_duplicates(frame: pd.DataFrame, dataset: str) -> tuple[pd.Series, ProblemTable]:
    """(mask of exact repeats to drop, their ``duplicate_row`` notes and the ``duplicate_key``
    problems on later versions of a record).

    Only rows whose natural key occurs more than once can be either, so the whole-row comparison
    runs on those few rows, not on the file. Rows whose key has a blank part are not compared as
    records: a blank key cell is already ``required_missing``, and two blanks are not one teacher.
    """
    ds = DATASETS[dataset]
    key = list(ds.natural_key)
    repeats = pd.Series(False, index=frame.index, name="exact_duplicate")
    shared = frame[frame.duplicated(subset=key, keep=False)]
    if shared.empty:
        return repeats, ProblemTable()
    exact = shared.duplicated(subset=list(ds.column_names), keep="first")
    repeats.loc[exact.index[exact.to_numpy()]] = True
    notes = _repeat_notes(shared, list(ds.column_names), exact.to_numpy(dtype=bool))

    versions = shared.loc[~exact.to_numpy() & shared[key].notna().all(axis=1).to_numpy(), [ROW_COLUMN, *key]]
    later = versions.duplicated(subset=key, keep="first").to_numpy(dtype=bool)
    if not later.any():
        return repeats, notes
    first_row = versions.groupby(key, sort=False)[ROW_COLUMN].transform("first").to_numpy()
    hit = np.flatnonzero(later)
    key_columns = [ds.column(name) for name in key]
    keys = versions[key].iloc[hit].itertuples(index=False, name=None)
    problems = batch_of(
        "duplicate_key",
        None,
        versions[ROW_COLUMN].to_numpy()[hit],
        row_params={
            "other_row": _numbers(first_row[hit]),
            "key": pa.array([_key_text(key_columns, list(values)) for values in keys], pa.large_string()),
        },
    )
    both = notes + problems
    return repeats, both.sorted([both.flat()["row"]])


def _repeat_notes(shared: pd.DataFrame, columns: list[str], exact: np.ndarray) -> ProblemTable:
    """A ``duplicate_row`` note on each exact repeat, naming the first row it repeats."""
    if not exact.any():
        return ProblemTable()
    first_row = shared.groupby(columns, sort=False, dropna=False)[ROW_COLUMN].transform("first").to_numpy()
    hit = np.flatnonzero(exact)
    rows = shared[ROW_COLUMN].to_numpy()[hit]
    return ProblemTable([batch_of("duplicate_row", None, rows, row_params={"other_row": _numbers(first_row[hit])})])


def _numbers(rows: np.ndarray) -> pa.Array:
    """Row numbers as message text."""
    return pa.array(rows.astype(np.int64).astype(str).astype(object), pa.large_string())


def _key_text(columns: list[Column], values: list[object]) -> str:
    """The record's key as the county reads it: Chinese header = value, vocabulary codes as labels."""
    parts = []
    for col, value in zip(columns, values, strict=True):
        text = render_value(value) or ""
        if col.vocabulary and text:
            vocab = VOCABULARIES[col.vocabulary]
            text = vocab.label_of(text) if text in vocab.codes else text
        parts.append(f"{col.header_zh}={text}")
    return "，".join(parts)
