"""考核评分 ``assessment_ratings``: the city's evaluators' scores for the joint assessment.

City folder only. Keyed by (school, school year, indicator, evaluator group, evaluator) across
submissions: the newest score wins; a resubmission first removes its predecessor's rows. Which
indicators may be rated is the scoring model's business: the caller hands the codes to validation
(:class:`teachflow.ingestion.pipeline.Reference`).
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
    """Known schools, consecutive school years, indicators the model lets evaluators rate."""
    from teachflow.fixed_width import char_matrix, is_digit, number, scatter
    from teachflow.validation.rules import emit, school_masks

    dash = ord("-")
    schools = frame["school_code"]
    shaped, known, _ = school_masks(schools, ctx)
    problems = emit(frame, shaped & ~known, "school_unknown", "school_code", schools)

    years = frame["school_year"]
    fits, chars = char_matrix(years, 9)
    digits = is_digit(chars)
    formed = digits[:, :4].all(axis=1) & digits[:, 5:].all(axis=1) & (chars[:, 4] == dash)
    apart = number(chars[:, 5:]) != number(chars[:, :4]) + 1
    problems += emit(frame, scatter(fits, formed & apart), "school_year_format", "school_year", years)

    indicators = frame["indicator_code"]
    allowed = "、".join(sorted(ctx.rated_indicators))
    unknown = indicators.notna() & ~indicators.isin(list(ctx.rated_indicators))
    problems += emit(frame, unknown, "indicator_unknown", "indicator_code", indicators, {"allowed": allowed})
    return problems


def merge(conn: Connection, ident: SubmissionIdentity, stage_name: str, old: Sequence[int]) -> None:
    """Keyed: the predecessors' ratings go, the staged ones are upserted (the newest wins)."""
    from sqlalchemy import text

    from teachflow.ingestion.merge import in_list

    if old:  # a first submission replaces nothing
        conn.exec_driver_sql(f"DELETE FROM assessment_ratings WHERE submission_id IN ({in_list(old)})")
    conn.execute(
        text(
            "INSERT INTO assessment_ratings (school_code, school_year, indicator_code, evaluator_group, "
            "evaluator_id, submission_id, score) "
            "SELECT school_code, school_year, indicator_code, evaluator_group, evaluator_id, :sid, score "
            f"FROM {stage_name} WHERE TRUE ORDER BY school_code, school_year, indicator_code, evaluator_group, "
            "evaluator_id ON CONFLICT (school_code, school_year, indicator_code, evaluator_group, evaluator_id) "
            "DO UPDATE SET score = excluded.score, submission_id = excluded.submission_id"
        ),
        {"sid": ident.submission_id},
    )


DATASET = Dataset(
    name="assessment_ratings",
    order=90,
    title_zh="考核评分",
    description="The city's evaluators' scores for the joint assessment (city folder only).",
    note_zh=("【仅限市局使用】捆绑考核评议人评分，只能由市局报送，区县无需报送；放在区县目录中的此文件会被退回。"),
    natural_key=("school_code", "school_year", "indicator_code", "evaluator_group", "evaluator_id"),
    resubmission="keyed",
    city_only=True,
    columns=(
        Column(
            "school_code",
            "学校标识码",
            "school_code",
            True,
            description="Rated school",
            hint_zh="被评学校的学校标识码。",
        ),
        Column("school_year", "学年", "school_year", True, description="e.g. 2025-2026", example="2025-2026"),
        Column(
            "indicator_code",
            "指标代码",
            "code",
            True,
            description="A rated indicator of the scoring model",
            max_length=16,
            hint_zh="考核模型中由评议人打分的指标代码，如 A2、B3、C1。",
            example="B3",
        ),
        Column(
            "evaluator_group",
            "评议主体",
            "vocab",
            True,
            vocabulary="evaluator_group",
            description="Evaluator group",
            example="外聘专家",
        ),
        Column(
            "evaluator_id",
            "评议人编号",
            "code",
            True,
            description="Evaluator's number",
            max_length=32,
            hint_zh="评议人编号，按文本填写。",
            example="E017",
        ),
        Column(
            "score",
            "分数",
            "number",
            True,
            description="0..100",
            hint_zh="0 至 100 之间的分数。",
            example="86.5",
            limits=NumberRange(0, 100),
        ),
    ),
    stage_columns=(
        ("school_code", "VARCHAR(10)"),
        ("school_year", "VARCHAR(9)"),
        ("indicator_code", "VARCHAR(16)"),
        ("evaluator_group", "VARCHAR(16)"),
        ("evaluator_id", "VARCHAR(32)"),
        ("score", "NUMERIC(5,2)"),
    ),
    merge=merge,
    rules=rules,
)
