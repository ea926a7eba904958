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

from teachflow import calendar, identity
from teachflow.problems import Problem
from teachflow.validation.context import ValidationContext
from teachflow.validation.values import ROW_COLUMN, render_value
from teachflow.vocabularies import FLOW_TYPE

# The MOD 11-2 constants are declared once, in identity.py; this module only vectorizes them.
_WEIGHTS: tuple[int, ...] = identity.CHECK_WEIGHTS
_CHECK_BYTES = np.frombuffer(identity.CHECK_CHARACTERS.encode("ascii"), dtype=np.uint8)
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_ZERO, _NINE, _X, _DASH = ord("0"), ord("9"), ord("X"), ord("-")

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


# --- fixed-width codes as byte matrices ------------------------------------------------------------


def _char_matrix(values: pd.Series, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows whose text is exactly ``width`` bytes of UTF-8, their bytes as a uint8 matrix).

    Read straight from the Arrow buffers: a million IDs as Python strings would cost ~80 MB and a
    second. A non-ASCII character is two or more bytes, none of them a digit, so a row holding one
    fails every digit test below, as it fails "width ASCII characters".
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = pa.array(values.to_numpy(dtype=object, na_value=None)) if values.dtype == object else None
    if texts is None:
        texts = pa.chunked_array(values.array.__arrow_array__()).combine_chunks()
    texts = texts.cast(pa.large_binary())
    fits = pc.equal(pc.binary_length(texts), width).fill_null(False).to_numpy(zero_copy_only=False)
    kept = pc.filter(texts, pa.array(fits))
    offsets = np.frombuffer(kept.buffers()[1], dtype=np.int64)[kept.offset : kept.offset + len(kept) + 1]
    data = np.frombuffer(kept.buffers()[2], dtype=np.uint8) if len(kept) else np.zeros(0, dtype=np.uint8)
    return fits, data[offsets[0] : offsets[-1]].reshape(-1, width)


def _is_digit(chars: np.ndarray) -> np.ndarray:
    return (chars >= _ZERO) & (chars <= _NINE)


def _number(chars: np.ndarray) -> np.ndarray:
    """The integer written by each row of a digit matrix (column by column: no big int64 copy)."""
    total = np.zeros(chars.shape[0], dtype=np.int32)  # at most 4 digits here: int32 halves the memory
    for i in range(chars.shape[1]):
        total = total * 10 + (chars[:, i].astype(np.int32) - _ZERO)
    return total


def _scatter(fits: np.ndarray, selected: np.ndarray) -> np.ndarray:
    """A full-length mask from a mask over the rows where ``fits`` holds."""
    out = np.zeros(fits.size, dtype=bool)
    out[np.flatnonzero(fits)[selected]] = True
    return out


def digit_codes(values: pd.Series, width: int) -> np.ndarray:
    """Rows holding exactly ``width`` ASCII digits (the suite's ``^[0-9]{width}$``)."""
    fits, chars = _char_matrix(values, width)
    return _scatter(fits, _is_digit(chars).all(axis=1))


# --- ID numbers ------------------------------------------------------------------------------------


def _real_dates(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_ok = (month >= 1) & (month <= 12)
    last_day = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + ((month == 2) & leap)
    return month_ok & (day >= 1) & (day <= last_day)


def id_codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the :func:`identity.id_problem` code (None if valid or blank) and the birth date
    inside the ID as an int YYYYMMDD (0 where the ID has none).

    Same verdicts as identity.id_problem for all rows at once: the check character is the dot
    product of the 17 digits with the weights, over a byte matrix of the IDs.
    """
    n = len(ids)
    present = ids.notna().to_numpy(dtype=bool)
    fits, chars = _char_matrix(ids, 18)
    digits = _is_digit(chars)
    shaped = digits[:, :17].all(axis=1) & (digits[:, 17] | (chars[:, 17] == _X))

    year, month, day = _number(chars[:, 6:10]), _number(chars[:, 10:12]), _number(chars[:, 12:14])
    today = pd.Timestamp.today()
    today_int = today.year * 10000 + today.month * 100 + today.day
    born_int = year * 10000 + month * 100 + day
    born_ok = shaped & _real_dates(year, month, day) & (year >= 1900) & (born_int <= today_int)

    total = np.zeros(len(chars), dtype=np.int32)
    for i, weight in enumerate(_WEIGHTS):
        total += (chars[:, i].astype(np.int32) - _ZERO) * weight
    check_ok = _CHECK_BYTES[total % 11] == chars[:, 17]

    codes = np.full(n, None, dtype=object)
    codes[present & ~_scatter(fits, shaped)] = "id_format"
    codes[_scatter(fits, shaped & ~born_ok)] = "id_birth_date"
    codes[_scatter(fits, born_ok & ~check_ok)] = "id_check_character"
    birth = np.zeros(n, dtype=np.int64)
    birth[np.flatnonzero(fits)[born_ok]] = born_int[born_ok]
    return codes, birth


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
    fits, chars = _char_matrix(years, 9)
    digits = _is_digit(chars)
    formed = digits[:, :4].all(axis=1) & digits[:, 5:].all(axis=1) & (chars[:, 4] == _DASH)
    apart = _number(chars[:, 5:]) != _number(chars[:, :4]) + 1
    problems += _emit(frame, _scatter(fits, formed & apart), "school_year_format", "school_year", years)

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
