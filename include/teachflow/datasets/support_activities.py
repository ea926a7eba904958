"""帮扶活动 ``support_activities``: lessons, lectures, joint research... a teacher gives for another school.

practices.md §2. Keyed by (host, date, type, target school): two like lessons a day are one row
(periods 2); a lesson streamed to three schools, three rows. The file holds the county's
activities of its month (as training records); one of the two schools must be the county's. Both
counties may report an activity, so it is merged **as pairings and flows**
(:mod:`teachflow.ingestion.cross_county`): ``activity_reports`` keeps each county's reports, a
resubmission for M replaces only that county's earlier submission for M, ``support_activities``
holds one row per activity (newest report), ``activity_conflicts`` the disagreements.

The 2,000 participants and 12 periods are settings (``TEACHFLOW_ACTIVITY_MAX_PARTICIPANTS``,
``TEACHFLOW_ACTIVITY_MAX_PERIODS``): the columns' bounds name them (``NumberRange.max_setting``),
the committed suite, template and dictionary show the defaults, and validation the configured
figure. A blank 菜单点单 is 否. ``mentee_id_number``, if given, needs a pairing host→mentee active
on the activity's day (practices.md §2): the warehouse's pairings as merged when the file is judged
(:mod:`teachflow.ingestion.pairing_lookup`, where the order of a run's files is discussed); the row
is rejected otherwise, like any rule's. Without a warehouse (``teachflow check --reference``) that
one rule is not checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from teachflow.datasets.declaration import Column, Dataset, NumberRange
from teachflow.problems import ProblemType
from teachflow.settings import DEFAULT_ACTIVITY_MAX_PARTICIPANTS, DEFAULT_ACTIVITY_MAX_PERIODS
from teachflow.vocabularies import Term, Vocabulary

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from sqlalchemy import Connection

    from teachflow.ingestion.merge import SubmissionIdentity
    from teachflow.problem_table import ProblemTable
    from teachflow.validation.context import ValidationContext

ACTIVITY_KEY = ("host_key", "activity_date", "activity_type", "target_school_code")
ACTIVITY_FIELDS = (
    "host_school_code",
    "mode",
    "participants",
    "periods",
    "mentee_key",
    "on_request",
    "topic",
)
#: Most participants (参与人次) and periods (节数/学时) one row may carry, by default (settings).
MAX_PARTICIPANTS = DEFAULT_ACTIVITY_MAX_PARTICIPANTS
MAX_PERIODS = int(DEFAULT_ACTIVITY_MAX_PERIODS)

ACTIVITY_TYPE = Vocabulary(
    "activity_type",
    (
        Term("lesson_observation", "听课", ("听评课", "听课评课")),
        Term("demonstration_lesson", "示范课", ()),
        Term("open_lesson", "公开课", ("观摩课", "同课异构")),
        Term("lecture", "讲座", ("专题讲座",)),
        Term("joint_research", "集中教研", ("教研活动", "联合教研")),
        Term("joint_lesson_prep", "集体备课", ()),
        Term("guidance", "教学指导", ("远程指导", "名师会诊")),
        Term("outreach", "送教", ("送教下乡",)),
        Term("teacher_training", "教师培训", ("送培",)),
    ),
)
ACTIVITY_MODE = Vocabulary(
    "activity_mode",
    (
        Term("onsite", "线下", ("现场",)),
        Term("online", "线上", ("同步互动课堂", "网络")),
    ),
)
YES_NO = Vocabulary("yes_no", (Term("yes", "是", ("Y", "true")), Term("no", "否", ("N", "false"))))


def rules(frame: pd.DataFrame, ctx: ValidationContext) -> ProblemTable:
    """IDs; known schools, one of them the county's; the date in the month; whole participants;
    a mentee named only with a pairing host→mentee active that day."""
    from teachflow.validation.rules import emit, id_rules, period_bounds, school_masks

    host_problems, _ = id_rules(frame, "host_id_number")
    mentee_problems, _ = id_rules(frame, "mentee_id_number")
    problems = host_problems + mentee_problems

    host_school, target_school = frame["host_school_code"], frame["target_school_code"]
    host_shaped, host_known, host_own = school_masks(host_school, ctx)
    target_shaped, target_known, target_own = school_masks(target_school, ctx)
    problems += emit(frame, host_shaped & ~host_known, "school_unknown", "host_school_code", host_school)
    problems += emit(frame, target_shaped & ~target_known, "school_unknown", "target_school_code", target_school)
    problems += emit(frame, host_known & target_known & ~host_own & ~target_own, "activity_not_in_county", None)

    first_day, last_day = period_bounds(ctx.period)
    day = frame["activity_date"]
    outside = (day < first_day) | (day > last_day)
    problems += emit(frame, outside, "activity_outside_period", "activity_date", day, {"limit": ctx.period})
    if ctx.pairing_active is not None:
        cells = ("host_id_number", "mentee_id_number", "activity_date")
        reported = [b.rows for b in problems.batches if b.column in cells]  # rows, not one Problem each
        problems += _mentee_not_paired(frame, ctx, reported)

    participants = frame["participants"]
    fractional = participants.notna() & (participants % 1 != 0)
    problems += emit(frame, fractional, "number_not_whole", "participants", participants)
    return problems


def _mentee_not_paired(frame: pd.DataFrame, ctx: ValidationContext, reported: Sequence[np.ndarray]) -> ProblemTable:
    """Rows naming a mentee without a pairing host→mentee active on the activity's day.

    Rows whose IDs or date already have a problem (a wrong ID, a day outside the month) are left
    to that one line: a wrong ID or day would be the cause of this one too (``reported``: their
    Excel rows, one array per batch of problems).
    """
    import numpy as np

    from teachflow.validation.rules import emit

    assert ctx.pairing_active is not None
    mentee, day = frame["mentee_id_number"], frame["activity_date"]
    already = frame["_row"].isin(np.concatenate([np.empty(0, np.int64), *reported]))
    asked = (mentee.notna() & frame["host_id_number"].notna() & day.notna() & ~already).to_numpy(dtype=bool)
    unpaired = np.zeros(len(frame), dtype=bool)
    if asked.any():
        picked = np.flatnonzero(asked)
        unpaired[picked] = ~ctx.pairing_active(
            frame["host_id_number"].iloc[picked], mentee.iloc[picked], day.iloc[picked]
        )
    return emit(
        frame, unpaired, "activity_mentee_not_paired", "mentee_id_number", mentee, {"date": day.dt.strftime("%Y-%m-%d")}
    )


def merge(conn: Connection, ident: SubmissionIdentity, stage_name: str, old: Sequence[int]) -> None:
    """Keyed, across counties: this county's activities of M replace its earlier submission for M."""
    from teachflow.ingestion.cross_county import ReportedRecords, merge_reports
    from teachflow.ingestion.merge import upsert_names

    spec = ReportedRecords(
        "activity_reports", "support_activities", "activity_conflicts", ACTIVITY_KEY, ACTIVITY_FIELDS
    )
    merge_reports(conn, ident, stage_name, old, spec)
    upsert_names(conn, stage_name, ident.submission_id, False, key="host_key", name="host_name")


DATASET = Dataset(
    name="support_activities",
    order=50,
    ingest_after=("pairings",),  # the mentee rule reads the pairings merged so far
    title_zh="帮扶活动",
    description="Support activities (听课, 示范课, 讲座, 教研, 送教...) a teacher gives a school in the month.",
    note_zh=(
        "教师为受援学校开展的帮扶活动（听课、示范课、公开课、讲座、集中教研、集体备课、教学指导、送教、"
        "教师培训），"
        "按活动日期所在月份报送本区县当月的全部活动；重新报送时替换本区县该月先前报送的活动。"
        "同一主讲教师同一天对同一受援学校的同类活动合并为一行（节数相加）；同一节课同时面向三所学校的，报三行。"
        "主讲教师学校和受援学校至少有一所属于本区县。"
    ),
    natural_key=("host_id_number", "activity_date", "activity_type", "target_school_code"),
    resubmission="keyed",
    columns=(
        Column(
            "host_id_number",
            "主讲教师身份证号",
            "id_number",
            True,
            description="Resident ID of the teacher who gives or leads it (18 chars)",
        ),
        Column(
            "host_name",
            "主讲教师姓名",
            "name",
            description="Host's name (restricted)",
            max_length=64,
            example="王老师",
        ),
        Column(
            "host_school_code",
            "主讲教师学校标识码",
            "school_code",
            True,
            description="Host's school",
            hint_zh="主讲教师所在学校。主讲教师学校和受援学校至少有一所属于本区县。",
            example="2145020012",
        ),
        Column(
            "target_school_code",
            "受援学校标识码",
            "school_code",
            True,
            description="School whose teachers take part (may be the host's own)",
            hint_zh="参加活动的教师所在学校，可以与主讲教师学校相同。",
            example="2145020047",
        ),
        Column(
            "activity_date",
            "活动日期",
            "date",
            True,
            description="Day of the activity; in the period's month",
            hint_zh="活动日期，必须在报送月份内。",
            example="2026-10-15",
        ),
        Column(
            "activity_type",
            "活动类型",
            "vocab",
            True,
            vocabulary="activity_type",
            description="Type of activity",
            example="示范课",
        ),
        Column(
            "mode",
            "活动形式",
            "vocab",
            True,
            vocabulary="activity_mode",
            description="onsite (线下) or online (线上, 同步互动课堂)",
            example="线下",
        ),
        Column(
            "participants",
            "参与人次",
            "number",
            True,
            description=(
                f"Person-times of the target school's teachers, a whole number 1..{MAX_PARTICIPANTS} "
                "(TEACHFLOW_ACTIVITY_MAX_PARTICIPANTS)"
            ),
            hint_zh=f"受援学校参加的教师人次，整数，1 至 {MAX_PARTICIPANTS}。",
            example="12",
            limits=NumberRange(1, MAX_PARTICIPANTS, max_setting="activity_max_participants"),
        ),
        Column(
            "periods",
            "节数/学时",
            "number",
            True,
            description=(
                f"Lessons (节) for the three lesson types, else hours (学时); 0 < x <= {MAX_PERIODS} "
                "(TEACHFLOW_ACTIVITY_MAX_PERIODS)"
            ),
            hint_zh=f"听课、示范课、公开课填节数，其他活动填学时；大于 0 且不超过 {MAX_PERIODS}。",
            example="2",
            limits=NumberRange(0, MAX_PERIODS, strict_min=True, max_setting="activity_max_periods"),
        ),
        Column(
            "mentee_id_number",
            "结对教师身份证号",
            "id_number",
            description="The mentee's resident ID if the activity is for one (a pairing active that day)",
            hint_zh="活动面向主讲教师的结对教师时填写，须是活动当天进行中的结对（已报送教师结对表），否则留空。",
        ),
        Column(
            "on_request",
            "菜单点单",
            "vocab",
            vocabulary="yes_no",
            description="Whether the target school ordered it from the menu (菜单式服务); blank = no",
            hint_zh="受援学校按“菜单”点单的填“是”；留空视为“否”。",
            example="否",
        ),
        Column(
            "topic",
            "活动主题",
            "text",
            description="Topic",
            max_length=256,
            hint_zh="活动主题或课题名称。",
            example="初中数学函数单元教学",
        ),
    ),
    stage_columns=(
        ("host_key", "VARCHAR(64)"),
        ("host_name", "VARCHAR(64)"),
        ("activity_date", "DATE"),
        ("activity_type", "VARCHAR(32)"),
        ("target_school_code", "VARCHAR(10)"),
        ("host_school_code", "VARCHAR(10)"),
        ("mode", "VARCHAR(16)"),
        ("participants", "NUMERIC(6,0)"),  # numbers are read as floats; COPY takes "12.0" here
        ("periods", "NUMERIC(5,2)"),
        ("mentee_key", "VARCHAR(64)"),
        ("on_request", "VARCHAR(8)"),
        ("topic", "VARCHAR(256)"),
    ),
    merge=merge,
    rules=rules,
    vocabularies=(ACTIVITY_TYPE, ACTIVITY_MODE, YES_NO),
    problem_types=(
        ProblemType(
            "activity_not_in_county",
            "row",
            "主讲教师学校和受援学校都不属于本区县，此活动应由相关区县报送。",
            "Neither the host's school nor the target school belongs to this county; the counties concerned "
            "must report this activity.",
        ),
        ProblemType(
            "activity_outside_period",
            "row",
            "“{column_zh}”{value} 不在报送月份 {limit} 内。帮扶活动按活动日期所在月份报送。",
            "'{column_zh}' {value} is not in the period {limit}. Report an activity in the month it took place.",
        ),
        ProblemType(
            "activity_mentee_not_paired",
            "row",
            "主讲教师与结对教师（{value}）在活动日期 {date} 没有进行中的结对记录。请先报送该结对（教师结对表），"
            "结对入库后再重新报送本表；活动不是面向结对教师的，此列留空。",
            "No pairing of the host with the mentee {value} is active on the activity's day {date}. Report "
            "the pairing first (pairings file) and submit this file again once it is loaded; leave the column "
            "blank if the activity is not for a mentee.",
        ),
        ProblemType(
            "number_not_whole",
            "row",
            "“{column_zh}”{value} 应为整数。",
            "'{column_zh}' {value} must be a whole number.",
        ),
    ),
)
