"""教师名册 ``teachers``: the county's whole roster for the month, a snapshot.

A resubmission replaces the (county, period) roster whole; the roster may have no bad row (one
bad row rejects the file and the previous roster stays in force); a school of another county on
it rejects the file too. The resident ID is hashed into ``teacher_key`` and only the birth year
is kept; the name goes to the restricted table, the roster's spelling winning over other files'.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from teachflow.datasets.declaration import Column, Dataset

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Connection

    from teachflow.ingestion.merge import SubmissionIdentity
    from teachflow.problem_table import ProblemTable
    from teachflow.validation.context import ValidationContext


def rules(frame: pd.DataFrame, ctx: ValidationContext) -> ProblemTable:
    """ID check, birth date = the ID's, schools of this county only, since-date within the period."""
    import numpy as np

    from teachflow.validation.rules import date_ints, date_texts, emit, id_rules, period_bounds, school_masks

    problems, birth = id_rules(frame)

    # The date inside an ID with a wrong check character is still compared: both mistakes are news.
    given = date_ints(frame["birth_date"])
    mismatch = (birth != 0) & (given != 0) & (given != birth)
    problems += emit(
        frame,
        mismatch,
        "birth_date_mismatch",
        "birth_date",
        frame["birth_date"],
        {"expected": date_texts(birth, mismatch)},
    )

    schools = frame["school_code"]
    shaped, known, own = school_masks(schools, ctx)
    problems += emit(frame, shaped & ~known, "school_unknown", "school_code", schools)
    elsewhere = known & ~own
    if elsewhere.any():  # every such row is named, with the school and the county it belongs to
        codes = schools.to_numpy(dtype=object)[elsewhere]
        school_name, county_name = np.full(len(frame), None, dtype=object), np.full(len(frame), None, dtype=object)
        school_name[elsewhere] = [ctx.school_name(c) for c in codes]
        county_name[elsewhere] = [ctx.county_name_of_school(c) for c in codes]
        problems += emit(
            frame,
            elsewhere,
            "roster_other_county",
            "school_code",
            schools,
            {"school_name": school_name, "county_name": county_name},
        )

    _, last_day = period_bounds(ctx.period)
    since = frame["current_school_since"]
    problems += emit(
        frame,
        since > last_day,
        "date_after_period",
        "current_school_since",
        since,
        {"limit": last_day.strftime("%Y-%m-%d")},
    )
    return problems


def merge(conn: Connection, ident: SubmissionIdentity, stage_name: str, old: Sequence[int]) -> None:
    """Snapshot: the (county, period) roster is deleted and the staged one inserted."""
    from sqlalchemy import text

    from teachflow.ingestion.merge import upsert_names

    params = {"c": ident.county_code, "p": ident.period, "sid": ident.submission_id}
    conn.execute(text("DELETE FROM roster_entries WHERE county_code = :c AND period = :p"), params)
    conn.execute(
        text(
            "INSERT INTO roster_entries (county_code, period, teacher_key, submission_id, gender, birth_year, "
            "school_code, subject, title, tier, employment_start, current_school_since) "
            "SELECT :c, :p, teacher_key, :sid, gender, birth_year, school_code, subject, title, tier, "
            f"employment_start, current_school_since FROM {stage_name}"
        ),
        params,
    )
    upsert_names(conn, stage_name, ident.submission_id, overwrite=True)


DATASET = Dataset(
    name="teachers",
    order=10,
    title_zh="教师名册",
    description="The county's full roster for the month: a snapshot that replaces the previous one.",
    note_zh=(
        "本区县当月全部教师的名册（快照），每月报送一次，替换上月名册。"
        "名册不能有任何错误行，否则整个文件退回，上月名册继续有效。"
    ),
    natural_key=("id_number",),
    resubmission="snapshot",
    max_bad_row_share=0.0,
    header_only_accepted=False,  # cycle.md: a roster cannot be empty
    feeds_rotation_report=True,
    columns=(
        Column("id_number", "身份证号", "id_number", True, description="Resident ID (18 chars)"),
        Column("name", "姓名", "name", True, description="Teacher's name (restricted)", max_length=64),
        Column("gender", "性别", "vocab", vocabulary="gender", description="男/女 or M/F", example="女"),
        Column(
            "birth_date",
            "出生日期",
            "date",
            description="Must equal the date inside the ID",
            hint_zh="须与身份证号中的出生日期一致。",
            example="1985-03-12",
        ),
        Column(
            "school_code",
            "学校标识码",
            "school_code",
            True,
            description="A school of this county",
            hint_zh="必须是本区县的学校；名册中出现其他区县的学校，整个文件将被退回。",
        ),
        Column(
            "subject",
            "任教学科",
            "text",
            description="Subject taught",
            max_length=64,
            hint_zh="任教学科，如 语文、数学、英语。",
            example="数学",
        ),
        Column("title", "职称", "vocab", vocabulary="title", description="Professional title", example="一级"),
        Column(
            "tier",
            "骨干层级",
            "vocab",
            True,
            vocabulary="tier",
            description="Blank = none",
            hint_zh="不是骨干的教师选“无”或留空。",
            example="骨干教师",
        ),
        Column(
            "employment_start",
            "参加工作日期",
            "date",
            description="Date of first employment",
            hint_zh="参加工作的日期。",
            example="2007-09-01",
        ),
        Column(
            "current_school_since",
            "现校任教起始日期",
            "date",
            True,
            description="Start of teaching at the current school; not after the period's end",
            aliases=("现学校任教起始日期", "本校任教起始日期"),
            hint_zh="在现学校开始任教的日期，不得晚于报送月份的最后一天。",
            example="2019-09-01",
        ),
    ),
    stage_columns=(
        ("teacher_key", "VARCHAR(64)"),
        ("name", "VARCHAR(64)"),
        ("gender", "VARCHAR(1)"),
        ("birth_year", "INTEGER"),
        ("school_code", "VARCHAR(10)"),
        ("subject", "VARCHAR(64)"),
        ("title", "VARCHAR(16)"),
        ("tier", "VARCHAR(16)"),
        ("employment_start", "DATE"),
        ("current_school_since", "DATE"),
    ),
    merge=merge,
    rules=rules,
)
