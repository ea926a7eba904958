"""教师交流轮岗 ``teacher_flows``: stays of teachers at other schools, open or closed.

Keyed by (teacher, receiving school, start): both counties of a flow may report it. Each county's
reports are kept in ``flow_reports``; a resubmission replaces its predecessor's reports, and
``teacher_flows`` holds one row per key with the newest report's values; where the two counties'
newest reports disagree, ``flow_conflicts`` lists the fields.
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

FLOW_KEY = ("teacher_key", "to_school_code", "start_date")
FLOW_FIELDS = ("flow_type", "from_school_code", "planned_end_date", "actual_end_date")


def rules(frame: pd.DataFrame, ctx: ValidationContext) -> ProblemTable:
    """ID check, known schools, not the same school, one end in this county, planned end unless a transfer."""
    from teachflow.validation.rules import emit, id_rules, school_masks
    from teachflow.vocabularies import FLOW_TYPE

    problems, _ = id_rules(frame)

    sending, receiving = frame["from_school_code"], frame["to_school_code"]
    from_shaped, from_known, from_own = school_masks(sending, ctx)
    to_shaped, to_known, to_own = school_masks(receiving, ctx)
    problems += emit(frame, from_shaped & ~from_known, "school_unknown", "from_school_code", sending)
    problems += emit(frame, to_shaped & ~to_known, "school_unknown", "to_school_code", receiving)
    same = to_shaped & (sending == receiving).fillna(False).to_numpy(dtype=bool)
    problems += emit(frame, same, "same_school", "to_school_code", receiving)
    problems += emit(frame, from_known & to_known & ~from_own & ~to_own, "flow_not_in_county", None)

    flow_type = frame["flow_type"]
    needs_end = flow_type.isin([code for code in FLOW_TYPE.codes if code != "transfer"])
    missing_end = needs_end & frame["planned_end_date"].isna()
    labels = flow_type.map({term.code: term.label_zh for term in FLOW_TYPE.terms})
    # The value is the empty cell itself; the flow type that makes it required goes into the message.
    problems += emit(frame, missing_end, "planned_end_missing", "planned_end_date", None, {"flow_type": labels})
    return problems


def merge(conn: Connection, ident: SubmissionIdentity, stage_name: str, old: Sequence[int]) -> None:
    """Keyed, across counties: replace this county's reports, then recompute every flow they touch."""
    from teachflow.ingestion.cross_county import ReportedRecords, merge_reports
    from teachflow.ingestion.merge import upsert_names

    spec = ReportedRecords("flow_reports", "teacher_flows", "flow_conflicts", FLOW_KEY, FLOW_FIELDS)
    merge_reports(conn, ident, stage_name, old, spec)
    upsert_names(conn, stage_name, ident.submission_id, overwrite=False)


DATASET = Dataset(
    name="teacher_flows",
    order=20,
    title_zh="教师交流轮岗",
    description="Stays of teachers at other schools, open or closed.",
    note_zh=(
        "教师到其他学校交流（轮岗支教、跟岗学习、挂职、市招县用、调动）的记录，进行中和已结束的都要报。"
        "派出、接收两个区县可以各报一次，系统按“身份证号 + 接收学校 + 开始日期”合并为一条。"
    ),
    natural_key=("id_number", "to_school_code", "start_date"),
    resubmission="keyed",
    feeds_rotation_report=True,
    columns=(
        Column("id_number", "身份证号", "id_number", True, description="Resident ID (18 chars)"),
        Column("name", "姓名", "name", description="Teacher's name (restricted)", max_length=64),
        Column(
            "flow_type",
            "交流类型",
            "vocab",
            True,
            vocabulary="flow_type",
            description="Type of flow",
            example="轮岗支教",
        ),
        Column(
            "from_school_code",
            "派出学校标识码",
            "school_code",
            True,
            description="Sending school",
            hint_zh="教师原所在学校。派出学校和接收学校至少有一所属于本区县。",
            example="2145020012",
        ),
        Column(
            "to_school_code",
            "接收学校标识码",
            "school_code",
            True,
            description="Receiving school, not the sending one",
            hint_zh="教师去交流的学校，不能与派出学校相同。",
            example="2145020047",
        ),
        Column(
            "start_date",
            "开始日期",
            "date",
            True,
            description="First day at the receiving school",
            hint_zh="到接收学校的第一天。",
            example="2026-09-01",
        ),
        Column(
            "planned_end_date",
            "计划结束日期",
            "date",
            description="Required unless transfer; not before start",
            hint_zh="除“调动”外必须填写；不得早于开始日期。",
            example="2027-07-15",
            not_before="start_date",
        ),
        Column(
            "actual_end_date",
            "实际结束日期",
            "date",
            description="Blank while still away; not before start",
            hint_zh=(
                "仍在交流中的留空。教师返回的当月，请把这条交流连同实际结束日期在当月的文件中再报一次，"
                "交流才算结束。不得早于开始日期。"
            ),
            example="（仍在交流中，留空）",
            not_before="start_date",
        ),
    ),
    stage_columns=(
        ("teacher_key", "VARCHAR(64)"),
        ("name", "VARCHAR(64)"),
        ("to_school_code", "VARCHAR(10)"),
        ("start_date", "DATE"),
        ("flow_type", "VARCHAR(32)"),
        ("from_school_code", "VARCHAR(10)"),
        ("planned_end_date", "DATE"),
        ("actual_end_date", "DATE"),
    ),
    merge=merge,
    rules=rules,
)
