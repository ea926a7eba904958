"""教师培训记录 ``training_records``: training attended, one row per teacher and programme.

Keyed by (teacher, programme, start) across submissions and counties: the newest report of a
record wins; a resubmission first removes the records its predecessor owned. Reported in the
month the training ended. On PostgreSQL a file of new records is written while it is validated
(:mod:`teachflow.ingestion.training_copy`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from teachflow.datasets.declaration import Column, Dataset, NumberRange

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Connection

    from teachflow.ingestion.merge import SubmissionIdentity
    from teachflow.problem_table import ProblemTable
    from teachflow.validation.context import ValidationContext


def rules(frame: pd.DataFrame, ctx: ValidationContext) -> ProblemTable:
    """ID check; the training ends inside the period's month."""
    from teachflow.validation.rules import emit, id_rules, period_bounds

    problems, _ = id_rules(frame)

    first_day, last_day = period_bounds(ctx.period)
    end = frame["end_date"]
    outside = (end < first_day) | (end > last_day)
    problems += emit(frame, outside, "date_outside_period", "end_date", end, {"limit": ctx.period})
    return problems


def merge(conn: Connection, ident: SubmissionIdentity, stage_name: str, old: Sequence[int]) -> None:
    """Keyed: the predecessors' records go, the staged ones are upserted (the newest wins)."""
    from teachflow.ingestion.merge import delete_replaced_training, upsert_names, upsert_training

    delete_replaced_training(conn, ident, old)
    upsert_training(conn, ident, stage_name)
    upsert_names(conn, stage_name, ident.submission_id, overwrite=False)


DATASET = Dataset(
    name="training_records",
    order=30,
    title_zh="教师培训记录",
    description="Training attended, one row per teacher and programme.",
    note_zh="教师参加培训的记录，每位教师每个项目一行，按培训结束日期所在的月份报送。",
    natural_key=("id_number", "program_code", "start_date"),
    resubmission="keyed",
    feeds_rotation_report=True,
    columns=(
        Column("id_number", "身份证号", "id_number", True, description="Resident ID (18 chars)"),
        Column("name", "姓名", "name", description="Teacher's name (restricted)", max_length=64),
        Column(
            "program_code",
            "培训项目编号",
            "code",
            True,
            description="Programme code",
            max_length=64,
            hint_zh="同一培训项目各区县使用同一编号。",
            example="GP2026-031",
        ),
        Column(
            "program_name",
            "培训项目名称",
            "text",
            description="Programme name",
            max_length=256,
            hint_zh="培训项目名称。",
            example="初中数学骨干教师研修班",
        ),
        Column(
            "level",
            "培训级别",
            "vocab",
            True,
            vocabulary="training_level",
            description="Level of the programme",
            example="市级",
        ),
        Column(
            "mode",
            "培训形式",
            "vocab",
            True,
            vocabulary="training_mode",
            description="Form of training",
            example="集中培训",
        ),
        Column(
            "start_date",
            "开始日期",
            "date",
            True,
            description="First day",
            hint_zh="培训开始日期。",
            example="2026-10-08",
        ),
        Column(
            "end_date",
            "结束日期",
            "date",
            True,
            description="Last day; in the period's month",
            hint_zh="培训结束日期，不得早于开始日期，且必须在报送月份内（培训记录按结束月份报送）。",
            example="2026-10-12",
            not_before="start_date",
        ),
        Column(
            "hours",
            "学时",
            "number",
            True,
            description="Class periods (学时), 0 < hours <= 200",
            hint_zh="学时数，大于 0 且不超过 200。",
            example="40",
            limits=NumberRange(0, 200, strict_min=True),
        ),
        Column(
            "organizer",
            "主办单位",
            "text",
            description="Organizing body",
            max_length=256,
            hint_zh="主办单位名称。",
            example="市教师发展中心",
        ),
    ),
    stage_columns=(
        ("teacher_key", "VARCHAR(64)"),
        ("name", "VARCHAR(64)"),
        ("program_code", "VARCHAR(64)"),
        ("start_date", "DATE"),
        ("program_name", "VARCHAR(256)"),
        ("level", "VARCHAR(16)"),
        ("mode", "VARCHAR(16)"),
        ("end_date", "DATE"),
        ("hours", "NUMERIC(7,2)"),
        ("organizer", "VARCHAR(256)"),
    ),
    merge=merge,
    rules=rules,
)
