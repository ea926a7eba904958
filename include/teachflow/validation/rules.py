"""The rules GX cannot say, and the pieces they are built of.

Each dataset's row rules live in its declaration (``teachflow.datasets.<name>.rules``); this
module runs them (:func:`check_rules`) and offers what they share: the resident ID's problems
(:func:`id_rules`), schools known and of the county (:func:`school_masks`), the period's bounds,
and :func:`emit`, which turns a mask into problems.

Each rule is a vectorized mask over the typed frame (a million rows take well under a second, with
or without pyarrow strings): fixed-width codes are checked as a byte matrix with numpy instead of a
regex per cell. Only flagged rows become problems, one batch of columns per check
(:mod:`teachflow.problem_table`: rows and values as arrays, not an object per row). A rule skips cells another check
already reports (a blank cell is ``required_missing``, a malformed school code
``school_code_format``), so each mistake is reported once.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from teachflow import calendar
from teachflow.fixed_width import digit_codes
from teachflow.problem_table import ProblemTable, batch_of, text_array
from teachflow.resident_id import id_codes
from teachflow.validation.context import ValidationContext
from teachflow.validation.values import ROW_COLUMN

_DASH = ord("-")

#: A message field: the same text for every row, or one value per row of the frame.
Param = str | pd.Series | np.ndarray


# --- turning masks into problems -------------------------------------------------------------------


def emit(
    frame: pd.DataFrame,
    mask: pd.Series | np.ndarray,
    code: str,
    column: str | None,
    values: pd.Series | np.ndarray | None = None,
    params: Mapping[str, Param] | None = None,
) -> ProblemTable:
    """The rows where ``mask`` holds, as one batch of problems (columns, not one object a row);
    per-row values and fields are rendered for those rows only."""
    hit = np.flatnonzero(_bools(mask))
    if hit.size == 0:
        return ProblemTable()
    rows = frame[ROW_COLUMN].to_numpy()[hit]
    texts = text_array(values, hit) if values is not None else None
    fixed = {k: v for k, v in (params or {}).items() if isinstance(v, str)}
    varying = {k: pc.fill_null(text_array(v, hit), "") for k, v in (params or {}).items() if not isinstance(v, str)}
    return ProblemTable([batch_of(code, column, rows, texts, fixed, varying)])


def _bools(mask: pd.Series | np.ndarray) -> np.ndarray:
    if isinstance(mask, pd.Series):
        return mask.fillna(False).to_numpy(dtype=bool)
    return np.asarray(mask, dtype=bool)


# --- ID numbers ------------------------------------------------------------------------------------


def id_rules(frame: pd.DataFrame, column: str = "id_number") -> tuple[ProblemTable, np.ndarray]:
    """The ID problems of one ID column (a pairing has two), and the birth date inside each ID
    (int YYYYMMDD, 0 if none or blank)."""
    ids = frame[column]
    codes, birth = id_codes(ids)
    problems = ProblemTable()
    for code in ("id_format", "id_birth_date", "id_check_character"):
        problems += emit(frame, codes == code, code, column, ids)
    return problems, birth


def date_ints(dates: pd.Series) -> np.ndarray:
    """A datetime column as int YYYYMMDD (0 for NaT)."""
    ymd = dates.dt.year * 10000 + dates.dt.month * 100 + dates.dt.day
    return ymd.fillna(0).to_numpy(dtype=np.int64)


def date_texts(ymd: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Int YYYYMMDD values as YYYY-MM-DD text where ``mask`` holds (None elsewhere; only those are formatted)."""
    out = np.full(ymd.size, None, dtype=object)
    out[mask] = [f"{v // 10000:04d}-{v // 100 % 100:02d}-{v % 100:02d}" for v in ymd[mask].tolist()]
    return out


# --- schools and the period ------------------------------------------------------------------------


def school_masks(codes: pd.Series, ctx: ValidationContext) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(well-formed, known, of the submitting county) per row; malformed codes are GX's to report."""
    shaped = digit_codes(codes, 10)
    known = shaped & codes.isin(list(ctx.schools)).to_numpy(dtype=bool)
    own = known & codes.isin(ctx.county_schools()).to_numpy(dtype=bool)
    return shaped, known, own


def period_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of a "YYYY-MM" period (:mod:`teachflow.calendar`), as timestamps."""
    return pd.Timestamp(calendar.month_start(period)), pd.Timestamp(calendar.month_end(period))


def check_rules(frame: pd.DataFrame, dataset: str, ctx: ValidationContext) -> ProblemTable:
    """Every teachflow-rule problem of a typed frame (unsorted). A rule returns what :func:`emit`
    gives (a :class:`ProblemTable`), or a list of Problems and tables."""
    from teachflow.datasets import DATASETS

    rules = DATASETS[dataset].rules
    if frame.empty or rules is None:
        return ProblemTable()
    return ProblemTable.of(rules(frame, ctx))
