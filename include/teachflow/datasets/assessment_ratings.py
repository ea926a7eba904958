"""考核评分 ``assessment_ratings``: the city's evaluators' scores for the joint assessment.

A file still naming B3 (split into B3a and B3b by practices.md §7) is loaded as B3b, with a
warning per row telling the city so (``indicator_renamed``).

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

    problems += _renamed(frame, ctx)  # B3 -> B3b before the check, so B3 is not "unknown"
    indicators = frame["indicator_code"]
    allowed = "、".join(sorted(ctx.rated_indicators))
    unknown = indicators.notna() & ~indicators.isin(list(ctx.rated_indicators))
    problems += emit(frame, unknown, "indicator_unknown", "indicator_code", indicators, {"allowed": allowed})
    return problems


#: Why a former code is read as its successor, told to the sender (Chinese, English).
_RENAMED_WHY = {
    "B3": (
        "指标B3已拆分为B3a（计算）与B3b（评议），本文件中的B3按B3b读取。",
        "indicator B3 was split into B3a (computed) and B3b (rated); a B3 in this file is read as B3b.",
    )
}


def _renamed(frame: pd.DataFrame, ctx: ValidationContext) -> ProblemTable:
    """Rows naming a retired code (vocabularies.RENAMED_RATED_INDICATORS: B3 -> B3b) whose successor
    the model rates are loaded under the successor, with a warning to the sender; the frame's
    ``indicator_code`` is rewritten here so what is staged is the current code. A row whose
    successor key the file also holds (the same evaluator rated B3 and B3b) is a second version
    of one rating: rejected as ``duplicate_key``, the B3b row is kept."""
    from teachflow.problem_table import ProblemTable
    from teachflow.problems import Problem
    from teachflow.validation.rules import emit
    from teachflow.vocabularies import EVALUATOR_GROUP, RENAMED_RATED_INDICATORS

    renamed = {
        old: new
        for old, new in RENAMED_RATED_INDICATORS.items()
        if new in ctx.rated_indicators and old not in ctx.rated_indicators
    }
    codes = frame["indicator_code"]
    former = codes.isin(list(renamed)).to_numpy(dtype=bool)
    if not former.any():
        return ProblemTable()
    problems = ProblemTable()
    successor = codes.map(lambda c: renamed.get(c, c))
    key = ["school_code", "school_year", "evaluator_group", "evaluator_id"]
    current = frame.loc[~former, [*key, "_row"]].assign(indicator_code=codes[~former])
    moved = frame.loc[former, [*key, "_row"]].assign(indicator_code=successor[former])
    clash = moved.merge(current, on=[*key, "indicator_code"], how="inner", suffixes=("", "_other"))
    for old, new in renamed.items():
        mask = (codes == old).to_numpy(dtype=bool) & ~frame["_row"].isin(clash["_row"]).to_numpy(dtype=bool)
        why_zh, why_en = _RENAMED_WHY.get(old, (f"指标{old}已改为{new}。", f"indicator {old} is now {new}."))
        params = {"new": new, "detail_zh": why_zh, "detail_en": why_en}
        problems += emit(frame, mask, "indicator_renamed", "indicator_code", codes, params)
    for row, other, school, year, group, evaluator, code in clash[
        ["_row", "_row_other", *key, "indicator_code"]
    ].itertuples(index=False):
        label = EVALUATOR_GROUP.label_of(group) if group in EVALUATOR_GROUP.codes else group
        what = f"学校标识码={school}，学年={year}，指标代码={code}，评议主体={label}，评议人编号={evaluator}"
        problems += [Problem("duplicate_key", row=int(row), params={"other_row": str(int(other)), "key": what})]
    frame["indicator_code"] = codes.where(~former, successor)  # the clashing rows are rejected anyway
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
            hint_zh="考核模型中由评议人打分的指标代码，如 A2、B3b、C1（原 B3 已拆分，B3 按 B3b 读取）。",
            example="B3b",
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
