"""Normalizing text cells to typed values, and the exact problems for values that cannot be understood."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pandas as pd
import pytest

from teachflow.contract import DATASETS
from teachflow.ingestion.normalize import normalize
from teachflow.ingestion.reading import read_table
from teachflow.problems import Problem
from teachflow.resident_id import check_character

ALLOWED_FLOW_TYPES = {
    "allowed": "轮岗支教、跟岗学习、挂职、市招县用、调动",
    "allowed_en": "轮岗支教 (rotation), 跟岗学习 (study_placement), 挂职 (secondment), "
    "市招县用 (city_recruit_county_use), 调动 (transfer)",
}
ALLOWED_TIERS = {
    "allowed": "无、教坛新秀、骨干教师、学科带头人、名师",
    "allowed_en": "无 (none), 教坛新秀 (rising_star), 骨干教师 (backbone), 学科带头人 (subject_leader), 名师 (famous)",
}


def raw(**columns: list[str | None]) -> pd.DataFrame:
    """A frame as read_table makes it: _row from 2 (under a header), text columns."""
    size = len(next(iter(columns.values())))
    frame = pd.DataFrame({"_row": np.arange(2, 2 + size, dtype="int64")})
    for name, values in columns.items():
        frame[name] = pd.array(values, dtype="str")
    return frame


def column(typed: pd.DataFrame, name: str) -> list[object]:
    """A typed column as plain values, NA as None."""
    series = typed[name]
    return [None if pd.isna(v) else v for v in series.tolist()]


# --- the typed frame -----------------------------------------------------------------------------


def test_every_contract_column_comes_out_in_contract_order_with_its_type():
    frame = raw(current_school_since=["2020-09-01"], name=["张三"], id_number=["450202198001011237"])

    typed, problems = normalize(frame, "teachers")

    assert list(typed.columns) == ["_row", *DATASETS["teachers"].column_names]
    assert {name: str(dtype) for name, dtype in typed.dtypes.items()} == {
        "_row": "int64",
        "id_number": "str",
        "name": "str",
        "gender": "str",
        "birth_date": "datetime64[s]",
        "school_code": "str",
        "subject": "str",
        "title": "str",
        "tier": "str",
        "employment_start": "datetime64[s]",
        "current_school_since": "datetime64[s]",
    }
    assert column(typed, "gender") == [None]  # absent optional column: blank
    assert column(typed, "tier") == ["none"]  # absent tier: blank means none
    assert column(typed, "birth_date") == [None]
    assert problems == []


def test_rows_keep_their_excel_numbers_and_index_is_reset():
    frame = raw(name=["张三", "李四"]).set_axis([7, 9])
    frame["_row"] = [8, 11]

    typed, _ = normalize(frame, "teachers")

    assert typed["_row"].tolist() == [8, 11]
    assert isinstance(typed.index, pd.RangeIndex)


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10-01", dt.datetime(2026, 10, 1)),
        ("2026/10/1", dt.datetime(2026, 10, 1)),
        ("2026.10.01", dt.datetime(2026, 10, 1)),
        ("2026年10月1日", dt.datetime(2026, 10, 1)),
        ("2026年10月1", dt.datetime(2026, 10, 1)),
        ("20261001", dt.datetime(2026, 10, 1)),
        ("45931", dt.datetime(2025, 10, 1)),  # Excel serial, 1900 date system
        ("45931.75", dt.datetime(2025, 10, 1)),  # a serial with a time of day
        ("2026-10-01 00:00:00", dt.datetime(2026, 10, 1)),  # a system export's timestamp
        ("２０２６－１０－０１", dt.datetime(2026, 10, 1)),  # full-width
    ],
)
def test_each_accepted_date_form(text, expected):
    typed, problems = normalize(raw(start_date=[text]), "training_records")

    assert column(typed, "start_date") == [pd.Timestamp(expected)]
    assert problems == []


@pytest.mark.parametrize("text", ["2026年13月1日", "2026-02-30", "2026", "2026-10/01", "12", "明年九月", "2026-10-01x"])
def test_unreadable_date_is_date_invalid(text):
    typed, problems = normalize(raw(start_date=["2026-10-01", text]), "training_records")

    assert column(typed, "start_date") == [pd.Timestamp(2026, 10, 1), None]
    assert problems == [Problem("date_invalid", row=3, column="start_date", value=text)]


def test_the_same_bad_date_on_many_rows_is_reported_on_each():
    typed, problems = normalize(raw(end_date=["2026-13-01", None, "2026-13-01"]), "training_records")

    assert column(typed, "end_date") == [None, None, None]
    assert problems == [
        Problem("date_invalid", row=2, column="end_date", value="2026-13-01"),
        Problem("date_invalid", row=4, column="end_date", value="2026-13-01"),
    ]


# --- IDs -----------------------------------------------------------------------------------------


def test_full_width_id_is_read_half_width_with_a_warning():
    fullwidth = "４５０２０２１９８５０５１５００２Ｘ"

    typed, problems = normalize(raw(id_number=[fullwidth, "45020219850515002X"]), "teachers")

    assert column(typed, "id_number") == ["45020219850515002X", "45020219850515002X"]
    assert problems == [Problem("id_fullwidth", row=2, column="id_number", value=fullwidth)]
    assert problems[0].severity == "warning"


def test_spaces_inside_an_id_are_dropped_with_a_warning():
    typed, problems = normalize(raw(id_number=["450202 19850515 002X", "450202\u300019850515002X"]), "teachers")

    assert column(typed, "id_number") == ["45020219850515002X", "45020219850515002X"]
    assert [(p.code, p.row, p.value) for p in problems] == [
        ("id_fullwidth", 2, "450202 19850515 002X"),
        ("id_fullwidth", 3, "450202\u300019850515002X"),
    ]


def test_lower_case_x_is_upper_cased_silently():
    typed, problems = normalize(raw(id_number=["45020219850515002x"]), "teachers")

    assert column(typed, "id_number") == ["45020219850515002X"]
    assert problems == []


@pytest.mark.parametrize("text", ["4.50202E+17", "4.50202198001011E+17", "4.50202e+17", "４.５０２０２Ｅ＋１７"])
def test_scientific_notation_id_is_refused(text):
    typed, problems = normalize(raw(id_number=[text, "450202198001011237"]), "teachers")

    assert column(typed, "id_number") == [None, "450202198001011237"]
    assert problems == [Problem("id_scientific", row=2, column="id_number", value=text)]


def test_id_that_is_not_understood_is_left_to_validation():
    typed, problems = normalize(raw(id_number=["4502-0219", "张三", None]), "teachers")

    assert column(typed, "id_number") == ["4502-0219", "张三", None]
    assert problems == []


# --- numbers, codes and text ---------------------------------------------------------------------


def test_numbers():
    frame = raw(hours=["12", "12.5", "１２", "1,200", "-3", ".5", None])

    typed, problems = normalize(frame, "training_records")

    assert column(typed, "hours") == [12.0, 12.5, 12.0, 1200.0, -3.0, 0.5, None]
    assert typed["hours"].dtype == "float64"
    assert problems == []


@pytest.mark.parametrize("text", ["12学时", "十二", "nan", "inf", "1e3", "1,2", "12.5.1"])
def test_text_in_a_number_column_is_number_invalid(text):
    typed, problems = normalize(raw(hours=[text]), "training_records")

    assert column(typed, "hours") == [None]
    assert problems == [Problem("number_invalid", row=2, column="hours", value=text)]


def test_school_code_typed_as_a_number_loses_its_decimal_zero():
    frame = raw(school_code=["4502010001.0", "4502010002", "４５０２０１０００３", "0450201000", "45020100"])

    typed, problems = normalize(frame, "teachers")

    assert column(typed, "school_code") == ["4502010001", "4502010002", "4502010003", "0450201000", "45020100"]
    assert problems == []


def test_text_codes_and_school_years_are_kept_as_written():
    frame = raw(school_year=["2025-2026"], indicator_code=["A2"], evaluator_id=["007"], score=["85"])

    typed, problems = normalize(frame, "assessment_ratings")

    assert typed.loc[0, ["school_year", "indicator_code", "evaluator_id", "score"]].tolist() == [
        "2025-2026",
        "A2",
        "007",
        85.0,
    ]
    assert problems == []


# --- vocabularies --------------------------------------------------------------------------------


def test_chinese_labels_aliases_and_codes_become_codes():
    frame = raw(
        flow_type=["轮岗支教", "rotation", "ROTATION", "挂职锻炼", "调入", "跟岗学习", "市招县用", " Transfer "]
    )

    typed, problems = normalize(frame, "teacher_flows")

    assert column(typed, "flow_type") == [
        "rotation",
        "rotation",
        "rotation",
        "secondment",
        "transfer",
        "study_placement",
        "city_recruit_county_use",
        "transfer",
    ]
    assert problems == []


def test_gender():
    typed, problems = normalize(raw(gender=["男", "女", "M", "f", None]), "teachers")

    assert column(typed, "gender") == ["M", "F", "M", "F", None]
    assert problems == []


def test_unknown_label_is_vocab_unknown_with_the_allowed_values():
    typed, problems = normalize(raw(flow_type=["轮岗支教", "借调"]), "teacher_flows")

    assert column(typed, "flow_type") == ["rotation", None]
    assert problems == [Problem("vocab_unknown", row=3, column="flow_type", value="借调", params=ALLOWED_FLOW_TYPES)]


def test_blank_tier_means_none_and_unknown_tier_is_reported():
    typed, problems = normalize(raw(tier=[None, "骨干", "教坛新星", "普通教师", "省骨干"]), "teachers")

    assert column(typed, "tier") == ["none", "backbone", "rising_star", "none", None]
    assert problems == [Problem("vocab_unknown", row=6, column="tier", value="省骨干", params=ALLOWED_TIERS)]


def test_problems_come_sorted_by_row_then_contract_column():
    frame = raw(current_school_since=["bad", "bad"], tier=["?", "?"], id_number=["4.5E+17", "4.5E+17"])

    _, problems = normalize(frame, "teachers")

    assert [(p.row, p.column) for p in problems] == [
        (2, "id_number"),
        (2, "tier"),
        (2, "current_school_since"),
        (3, "id_number"),
        (3, "tier"),
        (3, "current_school_since"),
    ]


# --- a large file, end to end --------------------------------------------------------------------


def test_a_200000_row_csv_reads_and_normalizes(tmp_path):
    rng = random.Random(7)
    lines = ["身份证号,姓名,性别,出生日期,学校标识码,任教学科,职称,骨干层级,参加工作日期,现校任教起始日期"]
    ids = []
    for i in range(200_000):
        first17 = f"450202{1960 + i % 40}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
        ids.append(first17 + check_character(first17))
        tier = rng.choice(["", "骨干教师", "无", "名师"])
        lines.append(
            f"{ids[-1].lower()},教师{i},{'男女'[i % 2]},{first17[6:14]},45020{i % 997:05d},语文,一级,{tier},"
            f"2000-09-01,{2000 + i % 25}/9/1"
        )
    lines[1001] = lines[1001].replace("2000-09-01", "2000-13-01")
    path = tmp_path / "teachers.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))

    table = read_table(path, "teachers")
    typed, problems = normalize(table.frame, "teachers")

    assert (table.encoding, len(typed)) == ("gb18030", 200_000)
    assert typed["_row"].iloc[[0, -1]].tolist() == [2, 200_001]
    assert typed["id_number"].tolist() == ids
    assert typed.loc[199_999, ["name", "gender", "school_code", "title"]].tolist() == [
        "教师199999",
        "F",
        "4502000599",
        "first",
    ]
    assert typed.loc[0, "birth_date"] == pd.Timestamp(1960, 1, 1)
    assert typed.loc[199_999, "current_school_since"] == pd.Timestamp(2024, 9, 1)
    assert set(typed["tier"]) == {"none", "backbone", "famous"}
    assert problems == [Problem("date_invalid", row=1002, column="employment_start", value="2000-13-01")]
