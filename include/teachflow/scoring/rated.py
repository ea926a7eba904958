"""Rated indicators (A2, B3b, C1 by default): the evaluators' scores, per evaluator group.

A rated score is the weighted mean of the groups' mean scores (expert 0.4, bureau 0.3, recipient
0.3 by default). A group that gave no rating for the school drops out and the remaining groups'
weights are rescaled to sum to 1: the same principle as an n/a indicator (reports.md). Ratings by a
group the indicator does not list are ignored.

A rating stored under an indicator's former code (the model's ``formerly``: B3 before practices.md
§7 split it into B3a and B3b) counts as the current indicator's: ratings loaded before the split
keep counting. Where an evaluator rated a school under both codes, the current code's rating wins
(it is the newer: files naming the former code are stored under the current one since the split).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, text

from teachflow.calendar import SchoolYear
from teachflow.scoring.breakdown import BreakdownRow, IndicatorScore
from teachflow.scoring.model import Indicator, ScoringModel


@dataclass(frozen=True)
class RatingGroupMean:
    """One evaluator group's ratings of one school on one indicator."""

    school_code: str
    indicator_code: str
    evaluator_group: str
    score_sum: float
    ratings: int

    @property
    def mean(self) -> float:
        return self.score_sum / self.ratings


_RENAMED_SQL = """
WITH mapped AS (
    SELECT school_code, evaluator_group, evaluator_id, score,
           CASE {cases} ELSE indicator_code END AS indicator_code,
           CASE WHEN indicator_code IN :former THEN 1 ELSE 0 END AS renamed
    FROM assessment_ratings
    WHERE school_year = :school_year
),
picked AS (
    SELECT m.* FROM mapped m
    WHERE m.renamed = 0 OR NOT EXISTS (
        SELECT 1 FROM mapped n
        WHERE n.renamed = 0 AND n.school_code = m.school_code AND n.indicator_code = m.indicator_code
          AND n.evaluator_group = m.evaluator_group AND n.evaluator_id = m.evaluator_id
    )
)
SELECT school_code, indicator_code, evaluator_group, SUM(score) AS score_sum, COUNT(*) AS ratings
FROM picked
GROUP BY school_code, indicator_code, evaluator_group
ORDER BY school_code, indicator_code, evaluator_group
"""


def rating_group_means(
    conn: Connection, year: SchoolYear, renamed: Mapping[str, str] | None = None
) -> list[RatingGroupMean]:
    """Sum and count of the ratings per school, indicator and evaluator group in the school year.

    ``renamed``: former code -> current code (:meth:`ScoringModel.renamed_codes`); ratings under a
    former code count as the current one's, unless the same evaluator also rated the current code.
    """
    if renamed:
        pairs = sorted(renamed.items())
        cases = " ".join(f"WHEN indicator_code = :old_{i} THEN :new_{i}" for i in range(len(pairs)))
        params: dict[str, object] = {"school_year": str(year), "former": [old for old, _ in pairs]}
        for i, (old, new) in enumerate(pairs):
            params |= {f"old_{i}": old, f"new_{i}": new}
        statement = text(_RENAMED_SQL.format(cases=cases)).bindparams(bindparam("former", expanding=True))
        rows = conn.execute(statement, params)
    else:
        rows = conn.execute(
            text(
                "SELECT school_code, indicator_code, evaluator_group, SUM(score) AS score_sum, COUNT(*) AS ratings "
                "FROM assessment_ratings WHERE school_year = :school_year "
                "GROUP BY school_code, indicator_code, evaluator_group "
                "ORDER BY school_code, indicator_code, evaluator_group"
            ),
            {"school_year": str(year)},
        )
    return [
        RatingGroupMean(r.school_code, r.indicator_code, r.evaluator_group, float(r.score_sum), int(r.ratings))
        for r in rows
    ]


def rated_indicator(
    indicator: Indicator, school_code: str, groups: Mapping[str, RatingGroupMean], model: ScoringModel
) -> IndicatorScore:
    """Weighted mean of the evaluator groups' means; groups without ratings drop out (rescaled)."""
    present = {g: groups[g] for g in indicator.evaluators if g in groups and groups[g].ratings > 0}
    total = sum(model.evaluator_groups[g] for g in present)
    inputs: list[BreakdownRow] = []
    for group in indicator.evaluators:
        if group in present:
            weight = model.evaluator_groups[group] / total
            mean = present[group].mean
            note = "rescaled" if len(present) < len(indicator.evaluators) else None
            inputs.append(BreakdownRow(school_code, indicator.code, f"{group}_mean", mean, weight, note))
            inputs.append(BreakdownRow(school_code, indicator.code, f"{group}_ratings", present[group].ratings))
        else:
            inputs.append(BreakdownRow(school_code, indicator.code, f"{group}_mean", None, 0.0, "no ratings"))
            inputs.append(BreakdownRow(school_code, indicator.code, f"{group}_ratings", 0))
    if not present:
        return IndicatorScore(indicator.code, None, tuple(inputs), "no ratings")
    score = sum(present[g].mean * model.evaluator_groups[g] for g in present) / total
    return IndicatorScore(indicator.code, score, tuple(inputs))
