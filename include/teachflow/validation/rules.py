"""The rules GX cannot say: ID check character and birth date, schools of the county, the period.

Each rule is a vectorized mask over the typed frame (a million rows take well under a second, with
or without pyarrow strings): fixed-width codes are checked as a byte matrix with numpy instead of a
regex per cell. Only flagged rows become :class:`Problem` values. A rule skips cells another check
already reports (a blank cell is ``required_missing``, a malformed school code
``school_code_format``), so each mistake is reported once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from teachflow import calendar
from teachflow.fixed_width import char_matrix, digit_codes, is_digit, number, scatter
from teachflow.problems import Problem
from teachflow.resident_id import id_codes
from teachflow.validation.context import ValidationContext
from teachflow.validation.values import ROW_COLUMN, render_value
from teachflow.vocabularies import FLOW_TYPE

_DASH = ord("-")

#: A message field: the same text for every row, or one value per row of the frame.
Param = str | pd.Series | np.ndarray


# --- turning masks into problems -------------------------------------------------------------------


def _emit(
    frame: pd.DataFrame,
    mask: pd.Series | np.ndarray,
    code: str,
    column: str | None,
    values: pd.Series | np.ndarray | None = None,
    params: Mapping[str, Param] | None = None,
) -> list[Problem]:
    """One Problem per row where ``mask`` holds; per-row values are rendered for those rows only."""
    hit = np.flatnonzero(_bools(mask))
    if hit.size == 0:
        return []
    rows = frame[ROW_COLUMN].to_numpy()[hit].tolist()
    texts = _pick(values, hit) if values is not None else [None] * hit.size
    fixed = {k: v for k, v in (params or {}).items() if isinstance(v, str)}
    varying = {k: _pick(v, hit) for k, v in (params or {}).items() if not isinstance(v, str)}
    return [
        Problem(
            code=code,
            row=int(row),
            column=column,
            value=text,
            params={**fixed, **{k: v[i] or "" for k, v in varying.items()}},
        )
        for i, (row, text) in enumerate(zip(rows, texts, strict=True))
    ]


def _bools(mask: pd.Series | np.ndarray) -> np.ndarray:
    if isinstance(mask, pd.Series):
        return mask.fillna(False).to_numpy(dtype=bool)
    return np.asarray(mask, dtype=bool)


def _pick(values: pd.Series | np.ndarray, hit: np.ndarray) -> list[str | None]:
    picked = values.iloc[hit].tolist() if isinstance(values, pd.Series) else values[hit].tolist()
    return [render_value(v) for v in picked]


# --- ID numbers ------------------------------------------------------------------------------------


def _id_rules(frame: pd.DataFrame) -> tuple[list[Problem], np.ndarray]:
    """The ID problems, and the birth date inside each ID (int YYYYMMDD, 0 if none)."""
    ids = frame["id_number"]
    codes, birth = id_codes(ids)
    problems: list[Problem] = []
    for code in ("id_format", "id_birth_date", "id_check_character"):
        problems += _emit(frame, codes == code, code, "id_number", ids)
    return problems, birth


def _date_ints(dates: pd.Series) -> np.ndarray:
    """A datetime column as int YYYYMMDD (0 for NaT)."""
    ymd = dates.dt.year * 10000 + dates.dt.month * 100 + dates.dt.day
    return ymd.fillna(0).to_numpy(dtype=np.int64)


def _date_texts(ymd: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Int YYYYMMDD values as YYYY-MM-DD text where ``mask`` holds (None elsewhere; only those are formatted)."""
    out = np.full(ymd.size, None, dtype=object)
    out[mask] = [f"{v // 10000:04d}-{v // 100 % 100:02d}-{v % 100:02d}" for v in ymd[mask].tolist()]
    return out


# --- schools and the period ------------------------------------------------------------------------


def _school_masks(codes: pd.Series, ctx: ValidationContext) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(well-formed, known, of the submitting county) per row; malformed codes are GX's to report."""
    shaped = digit_codes(codes, 10)
    known = shaped & codes.isin(list(ctx.schools)).to_numpy(dtype=bool)
    own = known & codes.isin(ctx.county_schools()).to_numpy(dtype=bool)
    return shaped, known, own


def _period_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of a "YYYY-MM" period (:mod:`teachflow.calendar`), as timestamps."""
    return pd.Timestamp(calendar.month_start(period)), pd.Timestamp(calendar.month_end(period))


# --- per dataset -----------------------------------------------------------------------------------


def teachers_rules(frame: pd.DataFrame, ctx: ValidationContext) -> list[Problem]:
    problems, birth = _id_rules(frame)

    # The date inside an ID with a wrong check character is still compared: both mistakes are news.
    given = _date_ints(frame["birth_date"])
    mismatch = (birth != 0) & (given != 0) & (given != birth)
    problems += _emit(
        frame,
        mismatch,
        "birth_date_mismatch",
        "birth_date",
        frame["birth_date"],
        {"expected": _date_texts(birth, mismatch)},
    )

    schools = frame["school_code"]
    shaped, known, own = _school_masks(schools, ctx)
    problems += _emit(frame, shaped & ~known, "school_unknown", "school_code", schools)
    elsewhere = known & ~own
    if elsewhere.any():  # every such row is named, with the school and the county it belongs to
        codes = schools.to_numpy(dtype=object)[elsewhere]
        school_name, county_name = np.full(len(frame), None, dtype=object), np.full(len(frame), None, dtype=object)
        school_name[elsewhere] = [ctx.school_name(c) for c in codes]
        county_name[elsewhere] = [ctx.county_name_of_school(c) for c in codes]
        problems += _emit(
            frame,
            elsewhere,
            "roster_other_county",
            "school_code",
            schools,
            {"school_name": school_name, "county_name": county_name},
        )

    _, last_day = _period_bounds(ctx.period)
    since = frame["current_school_since"]
    problems += _emit(
        frame,
        since > last_day,
        "date_after_period",
        "current_school_since",
        since,
        {"limit": last_day.strftime("%Y-%m-%d")},
    )
    return problems


def teacher_flows_rules(frame: pd.DataFrame, ctx: ValidationContext) -> list[Problem]:
    problems, _ = _id_rules(frame)

    sending, receiving = frame["from_school_code"], frame["to_school_code"]
    from_shaped, from_known, from_own = _school_masks(sending, ctx)
    to_shaped, to_known, to_own = _school_masks(receiving, ctx)
    problems += _emit(frame, from_shaped & ~from_known, "school_unknown", "from_school_code", sending)
    problems += _emit(frame, to_shaped & ~to_known, "school_unknown", "to_school_code", receiving)
    same = to_shaped & (sending == receiving).fillna(False).to_numpy(dtype=bool)
    problems += _emit(frame, same, "same_school", "to_school_code", receiving)
    problems += _emit(frame, from_known & to_known & ~from_own & ~to_own, "flow_not_in_county", None)

    flow_type = frame["flow_type"]
    needs_end = flow_type.isin([code for code in FLOW_TYPE.codes if code != "transfer"])
    missing_end = needs_end & frame["planned_end_date"].isna()
    labels = flow_type.map({term.code: term.label_zh for term in FLOW_TYPE.terms})
    # The value is the empty cell itself; the flow type that makes it required goes into the message.
    problems += _emit(frame, missing_end, "planned_end_missing", "planned_end_date", None, {"flow_type": labels})
    return problems


def training_records_rules(frame: pd.DataFrame, ctx: ValidationContext) -> list[Problem]:
    problems, _ = _id_rules(frame)

    first_day, last_day = _period_bounds(ctx.period)
    end = frame["end_date"]
    outside = (end < first_day) | (end > last_day)
    problems += _emit(frame, outside, "date_outside_period", "end_date", end, {"limit": ctx.period})
    return problems


def assessment_ratings_rules(frame: pd.DataFrame, ctx: ValidationContext) -> list[Problem]:
    schools = frame["school_code"]
    shaped, known, _ = _school_masks(schools, ctx)
    problems = _emit(frame, shaped & ~known, "school_unknown", "school_code", schools)

    years = frame["school_year"]
    fits, chars = char_matrix(years, 9)
    digits = is_digit(chars)
    formed = digits[:, :4].all(axis=1) & digits[:, 5:].all(axis=1) & (chars[:, 4] == _DASH)
    apart = number(chars[:, 5:]) != number(chars[:, :4]) + 1
    problems += _emit(frame, scatter(fits, formed & apart), "school_year_format", "school_year", years)

    indicators = frame["indicator_code"]
    allowed = "、".join(sorted(ctx.rated_indicators))
    unknown = indicators.notna() & ~indicators.isin(list(ctx.rated_indicators))
    problems += _emit(frame, unknown, "indicator_unknown", "indicator_code", indicators, {"allowed": allowed})
    return problems


RULES: dict[str, Callable[[pd.DataFrame, ValidationContext], list[Problem]]] = {
    "teachers": teachers_rules,
    "teacher_flows": teacher_flows_rules,
    "training_records": training_records_rules,
    "assessment_ratings": assessment_ratings_rules,
}


def check_rules(frame: pd.DataFrame, dataset: str, ctx: ValidationContext) -> list[Problem]:
    """Every teachflow-rule problem of a typed frame (unsorted)."""
    if frame.empty:
        return []
    return RULES[dataset](frame, ctx)
