"""teachflow.validation: the GX suites and the teachflow rules on small typed frames.

Frames are built directly in the typed form normalize produces (frames.md): ``_row`` then every
contract column, text as pandas ``str``, dates as datetime64[s], numbers as float64. One GX context
serves every test of the process (gx_runner caches it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from teachflow.contract import DATASETS
from teachflow.problems import Problem
from teachflow.resident_id import check_character, id_codes, id_problem
from teachflow.validation import ValidationContext, find_duplicates, validate
from teachflow.validation.gx_runner import SuiteRunError

COUNTY = "450201"
OWN_SCHOOL, OWN_SCHOOL_2 = "4502010001", "4502010002"
OTHER_SCHOOL, OTHER_SCHOOL_2 = "4502020001", "4502020002"
CTX = ValidationContext(
    county_code=COUNTY,
    period="2026-10",
    schools={OWN_SCHOOL: COUNTY, OWN_SCHOOL_2: COUNTY, OTHER_SCHOOL: "450202", OTHER_SCHOOL_2: "450202"},
)
CTX = ValidationContext(
    county_code=CTX.county_code,
    period=CTX.period,
    schools=CTX.schools,
    school_names={
        OWN_SCHOOL: "城西一小",
        OWN_SCHOOL_2: "城西二小",
        OTHER_SCHOOL: "城东一小",
        OTHER_SCHOOL_2: "城东二小",
    },
    county_names={COUNTY: "城西区", "450202": "城东区"},
)
CITY_CTX = ValidationContext(county_code="450200", period="2026-10", schools=CTX.schools)


def make_id(born: str = "19800101", serial: str = "123", area: str = COUNTY) -> str:
    first17 = area + born + serial
    return first17 + check_character(first17)


ID_A = make_id(serial="123")
ID_B = make_id(born="19851231", serial="456")

VALID_ROW: dict[str, dict[str, object]] = {
    "teachers": {
        "id_number": ID_A,
        "name": "张三",
        "gender": "M",
        "birth_date": "1980-01-01",
        "school_code": OWN_SCHOOL,
        "subject": "数学",
        "title": "first",
        "tier": "none",
        "employment_start": "2002-09-01",
        "current_school_since": "2020-09-01",
    },
    "teacher_flows": {
        "id_number": ID_A,
        "name": "张三",
        "flow_type": "rotation",
        "from_school_code": OWN_SCHOOL,
        "to_school_code": OTHER_SCHOOL,
        "start_date": "2026-09-01",
        "planned_end_date": "2027-07-15",
        "actual_end_date": None,
    },
    "training_records": {
        "id_number": ID_A,
        "name": "张三",
        "program_code": "P2026-01",
        "program_name": "新课标研修",
        "level": "city",
        "mode": "in_person",
        "start_date": "2026-10-08",
        "end_date": "2026-10-10",
        "hours": 24.0,
        "organizer": "市教育局",
    },
    "pairings": {
        "mentor_id_number": ID_A,
        "mentor_name": "张三",
        "mentor_school_code": OWN_SCHOOL,
        "mentee_id_number": ID_B,
        "mentee_name": "李四",
        "mentee_school_code": OTHER_SCHOOL,
        "pairing_type": "mentor_apprentice",
        "start_date": "2026-09-01",
        "planned_end_date": "2027-07-15",
        "actual_end_date": None,
    },
    "support_activities": {
        "host_id_number": ID_A,
        "host_name": "张三",
        "host_school_code": OWN_SCHOOL,
        "target_school_code": OTHER_SCHOOL,
        "activity_date": "2026-10-15",
        "activity_type": "demonstration_lesson",
        "mode": "onsite",
        "participants": 12.0,
        "periods": 2.0,
        "mentee_id_number": ID_B,
        "on_request": "no",
        "topic": "函数单元教学",
    },
    "assessment_ratings": {
        "school_code": OWN_SCHOOL,
        "school_year": "2025-2026",
        "indicator_code": "A2",
        "evaluator_group": "expert",
        "evaluator_id": "E01",
        "score": 88.0,
    },
}


def typed(dataset: str, *changes: dict[str, object], first_row: int = 3) -> pd.DataFrame:
    """A typed frame: one valid row per entry of ``changes``, updated by it; rows numbered from 3."""
    ds = DATASETS[dataset]
    records = [{**VALID_ROW[dataset], **change} for change in changes]
    data: dict[str, object] = {"_row": np.arange(first_row, first_row + len(records), dtype="int64")}
    for col in ds.columns:
        values = [r[col.name] for r in records]
        if col.kind == "date":
            data[col.name] = pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[s]")
        elif col.kind == "number":
            data[col.name] = pd.Series(values, dtype="float64")
        else:
            data[col.name] = pd.Series(values, dtype="str")
    return pd.DataFrame(data)


def check(dataset: str, *changes: dict[str, object], ctx: ValidationContext = CTX, prior=()) -> list[Problem]:
    return validate(typed(dataset, *changes), dataset, ctx, prior=prior)


# --- the frame builder and the happy path ---------------------------------------------------------


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_valid_rows_have_no_problems(dataset):
    ctx = CITY_CTX if dataset == "assessment_ratings" else CTX
    assert check(dataset, {}, {}, ctx=ctx) == []


def test_empty_frame_has_no_problems():
    assert validate(typed("training_records"), "training_records", CTX) == []


# --- GX expectations ------------------------------------------------------------------------------

REQUIRED = [(ds.name, col.name) for ds in DATASETS.values() for col in ds.required_columns]


@pytest.mark.parametrize(("dataset", "column"), REQUIRED)
def test_required_blank_is_required_missing(dataset, column):
    ctx = CITY_CTX if dataset == "assessment_ratings" else CTX
    assert check(dataset, {}, {column: None}, ctx=ctx) == [Problem("required_missing", row=4, column=column)]


def test_vocab_value_outside_vocabulary():
    assert check("training_records", {"mode": "webinar"}) == [
        Problem(
            "vocab_unknown",
            row=3,
            column="mode",
            value="webinar",
            params={
                "allowed": "集中培训、跟岗实践、网络研修",
                "allowed_en": "集中培训 (in_person), 跟岗实践 (placement), 网络研修 (online)",
            },
        )
    ]


@pytest.mark.parametrize("code", ["450201001", "45020100011", "4502O10001", "４５０２０１０００１"])
def test_school_code_not_ten_ascii_digits(code):
    assert check("teachers", {"school_code": code}) == [
        Problem("school_code_format", row=3, column="school_code", value=code)
    ]


def test_flow_school_codes_format_each_column():
    assert check("teacher_flows", {"from_school_code": "12345", "to_school_code": "abc"}) == [
        Problem("school_code_format", row=3, column="from_school_code", value="12345"),
        Problem("school_code_format", row=3, column="to_school_code", value="abc"),
    ]


def test_training_hours_range_excludes_zero_includes_200():
    problems = check(
        "training_records", {"hours": 0.0}, {"hours": 200.0}, {"hours": 200.5}, {"hours": -3.0}, {"hours": 0.5}
    )
    limit = {"limit": "学时应大于 0 且不超过 200", "limit_en": "0 < hours ≤ 200"}
    assert problems == [
        Problem("number_range", row=3, column="hours", value="0", params=limit),
        Problem("number_range", row=5, column="hours", value="200.5", params=limit),
        Problem("number_range", row=6, column="hours", value="-3", params=limit),
    ]


def test_score_range_includes_both_ends():
    problems = check(
        "assessment_ratings",
        {"score": 0.0},
        {"score": 100.0},
        {"score": 100.5, "evaluator_id": "E02"},
        {"score": -1.0, "evaluator_id": "E03"},
        ctx=CITY_CTX,
    )
    limit = {"limit": "分数应不小于 0 且不超过 100", "limit_en": "0 ≤ score ≤ 100"}
    assert problems == [
        Problem("number_range", row=5, column="score", value="100.5", params=limit),
        Problem("number_range", row=6, column="score", value="-1", params=limit),
    ]


def test_flow_end_dates_not_before_start():
    problems = check(
        "teacher_flows",
        {"planned_end_date": "2026-08-31"},
        {"planned_end_date": "2026-09-01", "actual_end_date": "2026-09-01"},
        {"actual_end_date": "2026-08-15"},
    )
    assert problems == [
        Problem("date_order", row=3, column="planned_end_date", value="2026-08-31", params={"limit": "2026-09-01"}),
        Problem("date_order", row=5, column="actual_end_date", value="2026-08-15", params={"limit": "2026-09-01"}),
    ]


def test_training_end_not_before_start():
    problems = check("training_records", {"start_date": "2026-10-20", "end_date": "2026-10-10"})
    assert problems == [
        Problem("date_order", row=3, column="end_date", value="2026-10-10", params={"limit": "2026-10-20"})
    ]


def test_school_year_pattern_and_consecutive_years():
    problems = check(
        "assessment_ratings",
        {"school_year": "2025/2026"},
        {"school_year": "2025-2027", "evaluator_id": "E02"},
        {"school_year": "2026-2025", "evaluator_id": "E03"},
        {"school_year": "2026-2027", "evaluator_id": "E04"},
        ctx=CITY_CTX,
    )
    assert problems == [
        Problem("school_year_format", row=3, column="school_year", value="2025/2026"),
        Problem("school_year_format", row=4, column="school_year", value="2025-2027"),
        Problem("school_year_format", row=5, column="school_year", value="2026-2025"),
    ]


def test_every_failing_row_is_reported_not_a_sample():
    frame = typed("training_records", *({} for _ in range(5000)), first_row=2)
    bad = np.arange(0, 5000, 5)  # 1,000 rows
    frame.loc[bad, "hours"] = 300.0
    problems = validate(frame, "training_records", CTX)
    assert len(problems) == 1000
    assert [p.row for p in problems] == (bad + 2).tolist()
    assert {(p.code, p.column, p.value) for p in problems} == {("number_range", "hours", "300")}


def test_every_rule_failure_is_reported_too():
    frame = typed("training_records", *({} for _ in range(5000)), first_row=2)
    bad = np.arange(3, 5000, 5)
    frame.loc[bad, "id_number"] = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")
    problems = validate(frame, "training_records", CTX)
    assert [p.row for p in problems] == (bad + 2).tolist()
    assert {p.code for p in problems} == {"id_check_character"}


def test_missing_column_is_an_error_not_a_pass():
    frame = typed("training_records", {}).drop(columns=["hours"])
    with pytest.raises(SuiteRunError, match="hours"):
        validate(frame, "training_records", CTX)


def test_validate_leaves_the_frame_unchanged():
    frame = typed("training_records", {"hours": 300.0}, {"id_number": "123"})
    before = frame.copy()
    validate(frame, "training_records", CTX)
    pd.testing.assert_frame_equal(frame, before)


# --- prior problems from normalize ------------------------------------------------------------------


def test_cell_with_a_normalize_problem_gets_no_second_problem():
    prior = [Problem("date_invalid", row=3, column="start_date", value="2026-13-01")]
    problems = check("training_records", {"start_date": None}, {"start_date": None}, prior=prior)
    assert problems == [Problem("required_missing", row=4, column="start_date")]


def test_blank_id_after_scientific_notation_is_not_also_required_missing():
    prior = [Problem("id_scientific", row=3, column="id_number", value="4.50201E+17")]
    assert check("teachers", {"id_number": None}, prior=prior) == []


def test_a_warning_does_not_hide_an_error_in_the_same_cell():
    wrong = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")
    prior = [Problem("id_fullwidth", row=3, column="id_number", value="４" + wrong[1:])]
    assert check("teachers", {"id_number": wrong}, prior=prior) == [
        Problem("id_check_character", row=3, column="id_number", value=wrong)
    ]


# --- ID numbers ---------------------------------------------------------------------------------------


def test_id_problems():
    bad_date = make_id(born="19800230")
    wrong_check = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")
    problems = check(
        "training_records",
        {"id_number": "45020119800101123"},
        {"id_number": "45020119800101123Y"},
        {"id_number": bad_date},
        {"id_number": wrong_check},
        {"id_number": make_id(born="18991231")},
    )
    assert problems == [
        Problem("id_format", row=3, column="id_number", value="45020119800101123"),
        Problem("id_format", row=4, column="id_number", value="45020119800101123Y"),
        Problem("id_birth_date", row=5, column="id_number", value=bad_date),
        Problem("id_check_character", row=6, column="id_number", value=wrong_check),
        Problem("id_birth_date", row=7, column="id_number", value=make_id(born="18991231")),
    ]


def test_vectorized_id_check_agrees_with_the_one_id_check():
    rng = np.random.default_rng(11)
    births = pd.Timestamp("1950-01-01") + pd.to_timedelta(rng.integers(0, 365 * 60, 3000), unit="D")
    ids = [
        f"{rng.integers(110000, 660000)}{born:%Y%m%d}{rng.integers(0, 1000):03d}{rng.choice(list('0123456789X'))}"
        for born in births
    ]
    ids += ["".join(rng.choice(list("0123456789"), 17)) + rng.choice(list("0123456789X")) for _ in range(500)]
    ids += [make_id(born=f"19{y:02d}{m:02d}{d:02d}") for y in (0, 84, 99) for m in (0, 2, 13) for d in (0, 28, 29, 31)]
    ids += ["45020119800101123x", "4502011980010112X3", "123", "450201198001011234567", ID_A, ID_B]
    ids += [make_id(born="20991231"), make_id(born="20000229"), "450201202602290011"]
    codes, _ = id_codes(pd.Series(ids, dtype="str"))
    expected = [id_problem(i) for i in ids]
    assert list(codes) == expected
    assert {None, "id_format", "id_birth_date", "id_check_character"} <= set(expected)


def test_vectorized_id_check_takes_ascii_digits_only():
    # normalize turns full-width digits half-width first; one left over is a format error, not a digit
    codes, _ = id_codes(pd.Series(["45020119800101１２３4", None], dtype="str"))
    assert list(codes) == ["id_format", None]


def test_birth_date_must_match_the_id():
    problems = check("teachers", {"birth_date": "1980-01-02"}, {"birth_date": None}, {"birth_date": "1980-01-01"})
    assert problems == [
        Problem(
            "birth_date_mismatch", row=3, column="birth_date", value="1980-01-02", params={"expected": "1980-01-01"}
        )
    ]


def test_birth_date_not_compared_with_an_unreadable_id():
    assert check("teachers", {"id_number": "450201198013011234", "birth_date": "1980-01-02"}) == [
        Problem("id_birth_date", row=3, column="id_number", value="450201198013011234")
    ]


# --- teachers -----------------------------------------------------------------------------------------


def test_teacher_school_must_be_known():
    assert check("teachers", {"school_code": "4502019999"}) == [
        Problem("school_unknown", row=3, column="school_code", value="4502019999")
    ]


def test_roster_naming_another_countys_schools_names_every_such_row():
    problems = check(
        "teachers",
        {},
        {"school_code": OTHER_SCHOOL_2, "id_number": ID_B, "birth_date": "1985-12-31"},
        {"school_code": OTHER_SCHOOL, "id_number": make_id(serial="789")},
        {"school_code": "4502019999", "id_number": make_id(serial="790")},
    )
    assert problems == [
        Problem(
            "roster_other_county",
            row=4,
            column="school_code",
            value=OTHER_SCHOOL_2,
            params={"school_name": "城东二小", "county_name": "城东区"},
        ),
        Problem(
            "roster_other_county",
            row=5,
            column="school_code",
            value=OTHER_SCHOOL,
            params={"school_name": "城东一小", "county_name": "城东区"},
        ),
        Problem("school_unknown", row=6, column="school_code", value="4502019999"),
    ]
    assert problems[0].severity == "file"


def test_current_school_since_not_after_the_period():
    problems = check("teachers", {"current_school_since": "2026-10-31"}, {"current_school_since": "2026-11-01"})
    assert problems == [
        Problem(
            "date_after_period",
            row=4,
            column="current_school_since",
            value="2026-11-01",
            params={"limit": "2026-10-31"},
        )
    ]


# --- teacher flows ------------------------------------------------------------------------------------


def test_flow_schools_must_be_known():
    assert check("teacher_flows", {"from_school_code": "4502019998", "to_school_code": "4502019999"}) == [
        Problem("school_unknown", row=3, column="from_school_code", value="4502019998"),
        Problem("school_unknown", row=3, column="to_school_code", value="4502019999"),
    ]


def test_flow_to_the_same_school():
    assert check("teacher_flows", {"to_school_code": OWN_SCHOOL}) == [
        Problem("same_school", row=3, column="to_school_code", value=OWN_SCHOOL)
    ]


def test_flow_between_two_other_county_schools():
    problems = check(
        "teacher_flows",
        {"from_school_code": OTHER_SCHOOL, "to_school_code": OTHER_SCHOOL_2},
        {"from_school_code": OTHER_SCHOOL, "to_school_code": OWN_SCHOOL},
    )
    assert problems == [Problem("flow_not_in_county", row=3)]


def test_planned_end_required_unless_transfer():
    problems = check(
        "teacher_flows",
        {"planned_end_date": None},
        {"planned_end_date": None, "flow_type": "transfer"},
        {"planned_end_date": None, "flow_type": "secondment"},
    )
    assert problems == [
        Problem("planned_end_missing", row=3, column="planned_end_date", params={"flow_type": "轮岗支教"}),
        Problem("planned_end_missing", row=5, column="planned_end_date", params={"flow_type": "挂职"}),
    ]


def test_unreadable_planned_end_is_not_also_missing():
    prior = [Problem("date_invalid", row=3, column="planned_end_date", value="明年")]
    assert check("teacher_flows", {"planned_end_date": None}, prior=prior) == []


# --- training records ---------------------------------------------------------------------------------


def test_training_must_end_in_the_period():
    problems = check(
        "training_records",
        {"start_date": "2026-09-28", "end_date": "2026-09-30"},
        {"start_date": "2026-10-01", "end_date": "2026-10-31"},
        {"start_date": "2026-10-30", "end_date": "2026-11-01"},
    )
    assert problems == [
        Problem("date_outside_period", row=3, column="end_date", value="2026-09-30", params={"limit": "2026-10"}),
        Problem("date_outside_period", row=5, column="end_date", value="2026-11-01", params={"limit": "2026-10"}),
    ]


# --- assessment ratings -------------------------------------------------------------------------------


def test_rating_school_indicator_and_evaluator_group():
    problems = check(
        "assessment_ratings",
        {"school_code": "4502019999"},
        {"indicator_code": "Z9", "evaluator_id": "E02"},
        {"evaluator_group": "parents", "evaluator_id": "E03"},
        {"school_code": OTHER_SCHOOL, "evaluator_id": "E04"},
        ctx=CITY_CTX,
    )
    assert problems == [
        Problem("school_unknown", row=3, column="school_code", value="4502019999"),
        Problem("indicator_unknown", row=4, column="indicator_code", value="Z9", params={"allowed": "A2、B3b、C1"}),
        Problem(
            "vocab_unknown",
            row=5,
            column="evaluator_group",
            value="parents",
            params={
                "allowed": "外聘专家、局机关、服务对象",
                "allowed_en": "外聘专家 (expert), 局机关 (bureau), 服务对象 (recipient)",
            },
        ),
    ]


def test_rated_indicators_come_from_the_context():
    ctx = ValidationContext("450200", "2026-10", CTX.schools, rated_indicators=frozenset({"Z9"}))
    assert check("assessment_ratings", {"indicator_code": "Z9"}, ctx=ctx) == []


# --- order ------------------------------------------------------------------------------------------


def test_problems_sorted_by_row_then_contract_column_order():
    problems = check(
        "training_records",
        {"hours": 300.0, "id_number": "1", "level": None},
        {"end_date": "2026-11-02", "mode": "webinar"},
    )
    assert [(p.row, p.column, p.code) for p in problems] == [
        (3, "id_number", "id_format"),
        (3, "level", "required_missing"),
        (3, "hours", "number_range"),
        (4, "mode", "vocab_unknown"),
        (4, "end_date", "date_outside_period"),
    ]


# --- duplicates ---------------------------------------------------------------------------------------


def test_exact_repeats_are_dropped_and_named_with_the_row_they_repeat():
    frame = typed("training_records", {}, {"program_code": "P2"}, {}, {})
    mask, problems = find_duplicates(frame, "training_records")
    assert mask.tolist() == [False, False, True, True]
    assert problems == [
        Problem("duplicate_row", row=5, params={"other_row": "3"}),
        Problem("duplicate_row", row=6, params={"other_row": "3"}),
    ]
    assert {p.severity for p in problems} == {"warning"}  # the row it repeats is taken


def test_same_key_other_values_is_a_duplicate_key_on_the_later_row():
    frame = typed("training_records", {}, {}, {"hours": 12.0}, {"hours": 12.0}, {"program_code": "P2"})
    mask, problems = find_duplicates(frame, "training_records")
    assert mask.tolist() == [False, True, False, True, False]
    assert problems == [
        Problem("duplicate_row", row=4, params={"other_row": "3"}),
        Problem(
            "duplicate_key",
            row=5,
            params={"other_row": "3", "key": f"身份证号={ID_A}，培训项目编号=P2026-01，开始日期=2026-10-08"},
        ),
        Problem("duplicate_row", row=6, params={"other_row": "5"}),
    ]


def test_rows_with_a_blank_key_part_are_not_one_record():
    frame = typed("teachers", {"id_number": None}, {"id_number": None, "name": "李四"}, {"id_number": None})
    mask, problems = find_duplicates(frame, "teachers")
    assert mask.tolist() == [False, False, True]
    assert problems == [Problem("duplicate_row", row=5, params={"other_row": "3"})]


def test_duplicate_key_shows_vocabulary_labels():
    frame = typed("assessment_ratings", {}, {"score": 70.0})
    _, problems = find_duplicates(frame, "assessment_ratings")
    assert [p.params["key"] for p in problems] == [
        f"学校标识码={OWN_SCHOOL}，学年=2025-2026，指标代码=A2，评议主体=外聘专家，评议人编号=E01"
    ]


def test_no_duplicates():
    mask, problems = find_duplicates(typed("teachers", {}, {"id_number": ID_B}), "teachers")
    assert mask.tolist() == [False, False]
    assert problems == []
