"""Rated indicators (A2, B3, C1 by default): the evaluators' scores, per evaluator group.

A rated score is the weighted mean of the groups' mean scores (expert 0.4, bureau 0.3, recipient
0.3 by default). A group that gave no rating for the school drops out and the remaining groups'
weights are rescaled to sum to 1: the same principle as an n/a indicator (reports.md). Ratings by a
group the indicator does not list are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, text

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


def rating_group_means(conn: Connection, year: SchoolYear) -> list[RatingGroupMean]:
    """Sum and count of the ratings per school, indicator and evaluator group in the school year."""
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
