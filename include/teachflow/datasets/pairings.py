"""结对帮扶 ``pairings``: mentor–mentee pairs ("1+N" 结对, 名师带徒 / 青蓝结对), started, changed or ended.

practices.md §1. Keyed by (mentor, mentee, start). A pairing crosses counties (a lead school's
mentor, a member school's mentee) and ends, so it is merged **as flows**
(:mod:`teachflow.ingestion.cross_county`): each county's reports are kept in ``pairing_reports``,
a resubmission replaces only its predecessor's reports, ``pairings`` holds one row per pairing
with the newest report's values, and where the two counties disagree ``pairing_conflicts`` lists
the fields. A file lists the pairings started, changed or ended in its month; one of the two
schools must be the submitting county's. The IDs become ``mentor_key`` and ``mentee_key``; only
the mentee's birth year is kept (the studio duties of §4 need the mentee's age); names go to the
restricted table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from teachflow.datasets.declaration import Column, Dataset
from teachflow.problems import ProblemType
from teachflow.vocabularies import Term, Vocabulary

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Connection

    from teachflow.ingestion.merge import SubmissionIdentity
    from teachflow.problem_table import ProblemTable
    from teachflow.validation.context import ValidationContext

PAIRING_KEY = ("mentor_key", "mentee_key", "start_date")
PAIRING_FIELDS = (
    "pairing_type",
    "mentor_school_code",
    "mentee_school_code",
    "planned_end_date",
    "actual_end_date",
    "mentee_birth_year",
)

PAIRING_TYPE = Vocabulary(
    "pairing_type",
    (
        # The label has no Latin letter (county messages list labels only in Chinese); "1+N结对" is read too.
        Term("one_plus_n", "一带多结对", ("1+N结对", "1+N", "一带N", "1+n结对")),
        Term("mentor_apprentice", "名师带徒", ("青蓝结对", "师徒结对", "青蓝工程")),
    ),
)


def rules(frame: pd.DataFrame, ctx: ValidationContext) -> ProblemTable:
    """Both IDs; known schools, one of them the county's; not oneself; start and end by the period's end."""
    from teachflow.validation.rules import emit, id_rules, period_bounds, school_masks

    problems, _ = id_rules(frame, "mentor_id_number")
    problems += id_rules(frame, "mentee_id_number")[0]

    mentor_school, mentee_school = frame["mentor_school_code"], frame["mentee_school_code"]
    mentor_shaped, mentor_known, mentor_own = school_masks(mentor_school, ctx)
    mentee_shaped, mentee_known, mentee_own = school_masks(mentee_school, ctx)
    problems += emit(frame, mentor_shaped & ~mentor_known, "school_unknown", "mentor_school_code", mentor_school)
    problems += emit(frame, mentee_shaped & ~mentee_known, "school_unknown", "mentee_school_code", mentee_school)
    problems += emit(frame, mentor_known & mentee_known & ~mentor_own & ~mentee_own, "pairing_not_in_county", None)

    mentee = frame["mentee_id_number"]
    oneself = (mentee.str.upper() == frame["mentor_id_number"].str.upper()).fillna(False)
    problems += emit(frame, oneself, "pairing_same_teacher", "mentee_id_number", mentee)

    _, last_day = period_bounds(ctx.period)
    limit = {"limit": last_day.strftime("%Y-%m-%d")}
    for column in ("start_date", "actual_end_date"):
        day = frame[column]
        problems += emit(frame, day > last_day, "date_after_period", column, day, limit)
    return problems


def merge(conn: Connection, ident: SubmissionIdentity, stage_name: str, old: Sequence[int]) -> None:
    """Keyed, across counties, as flows: replace this county's reports, recompute the pairings they touch."""
    from teachflow.ingestion.cross_county import ReportedRecords, merge_reports
    from teachflow.ingestion.merge import upsert_names

    spec = ReportedRecords("pairing_reports", "pairings", "pairing_conflicts", PAIRING_KEY, PAIRING_FIELDS)
    merge_reports(conn, ident, stage_name, old, spec)
    for person in ("mentor", "mentee"):
        upsert_names(conn, stage_name, ident.submission_id, False, key=f"{person}_key", name=f"{person}_name")


DATASET = Dataset(
    name="pairings",
    order=40,
    title_zh="教师结对",
    description="Mentor–mentee pairings (1+N, 名师带徒 / 青蓝结对), started, changed or ended in the month.",
    note_zh=(
        "导师与结对教师（“1+N”结对、名师带徒、青蓝结对）的结对关系，每对一行。"
        "只报本月新开始、有变动或已结束的结对；导师学校和结对教师学校至少有一所属于本区县，"
        "两个区县都报的，系统按“导师身份证号 + 结对教师身份证号 + 开始日期”合并为一条。"
        "学校之间的“校际联盟”属于教共体，不在此报送。"
    ),
    natural_key=("mentor_id_number", "mentee_id_number", "start_date"),
    resubmission="keyed",
    columns=(
        Column("mentor_id_number", "导师身份证号", "id_number", True, description="Mentor's resident ID (18 chars)"),
        Column(
            "mentor_name",
            "导师姓名",
            "name",
            description="Mentor's name (restricted)",
            max_length=64,
            example="王老师",
        ),
        Column(
            "mentor_school_code",
            "导师学校标识码",
            "school_code",
            True,
            description="Mentor's school",
            hint_zh="导师所在学校。导师学校和结对教师学校至少有一所属于本区县。",
            example="2145020012",
        ),
        Column(
            "mentee_id_number",
            "结对教师身份证号",
            "id_number",
            True,
            description="Mentee's resident ID (18 chars), not the mentor's",
            hint_zh="不能与导师相同。",
        ),
        Column(
            "mentee_name",
            "结对教师姓名",
            "name",
            description="Mentee's name (restricted)",
            max_length=64,
            example="李老师",
        ),
        Column(
            "mentee_school_code",
            "结对教师学校标识码",
            "school_code",
            True,
            description="Mentee's school",
            hint_zh="结对教师所在学校。",
            example="2145020047",
        ),
        Column(
            "pairing_type",
            "结对类型",
            "vocab",
            True,
            vocabulary="pairing_type",
            description="one_plus_n (一带多结对, 1+N结对) or mentor_apprentice (名师带徒, 青蓝结对, 师徒结对)",
            example="名师带徒",
        ),
        Column(
            "start_date",
            "开始日期",
            "date",
            True,
            description="First day of the pairing; not after the period's end",
            hint_zh="结对开始日期，不得晚于报送月份的最后一天。",
            example="2026-09-01",
        ),
        Column(
            "planned_end_date",
            "计划结束日期",
            "date",
            True,
            description="Planned end; not before start",
            hint_zh="计划结束日期，不得早于开始日期。",
            example="2027-07-15",
            not_before="start_date",
        ),
        Column(
            "actual_end_date",
            "实际结束日期",
            "date",
            description="Blank while running; not before start, not after the period's end",
            hint_zh="结对结束后填写，进行中的留空。不得早于开始日期，不得晚于报送月份的最后一天。",
            example="（进行中，留空）",
            not_before="start_date",
        ),
    ),
    stage_columns=(
        ("mentor_key", "VARCHAR(64)"),
        ("mentor_name", "VARCHAR(64)"),
        ("mentee_key", "VARCHAR(64)"),
        ("mentee_name", "VARCHAR(64)"),
        ("mentee_birth_year", "INTEGER"),
        ("start_date", "DATE"),
        ("pairing_type", "VARCHAR(32)"),
        ("mentor_school_code", "VARCHAR(10)"),
        ("mentee_school_code", "VARCHAR(10)"),
        ("planned_end_date", "DATE"),
        ("actual_end_date", "DATE"),
    ),
    merge=merge,
    rules=rules,
    vocabularies=(PAIRING_TYPE,),
    problem_types=(
        ProblemType(
            "pairing_not_in_county",
            "row",
            "导师学校和结对教师学校都不属于本区县，此结对应由相关区县报送。",
            "Neither the mentor's nor the mentee's school belongs to this county; the counties concerned "
            "must report this pairing.",
        ),
        ProblemType(
            "pairing_same_teacher",
            "row",
            "结对教师与导师是同一人（{value}）。",
            "The mentee is the mentor ({value}).",
        ),
    ),
)
