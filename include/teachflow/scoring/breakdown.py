"""The rows that explain a score: every input, score and weight, as kept in ``assessment_breakdown``."""

from __future__ import annotations

from dataclasses import dataclass

from teachflow.policy import Policy


@dataclass(frozen=True)
class BreakdownRow:
    school_code: str
    item: str  # indicator code, checklist code, "own", "bundle" or "final"
    input_name: str
    value: float | None
    weight: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class IndicatorScore:
    code: str
    score: float | None  # None: n/a or no ratings
    inputs: tuple[BreakdownRow, ...]
    note: str | None = None


@dataclass(frozen=True)
class PolicyFigures:
    """The policy figures a run applies (Settings, the same as the monthly report's).

    ``hours_required`` is the year's hours, prorated in a provisional run (72 × months elapsed / 12).
    """

    eligibility_years: int
    rotation_target: float
    backbone_target: float
    hours_required: float
    hours_per_year: float
    months_elapsed: int

    @classmethod
    def of(cls, policy: Policy, months_elapsed: int = 12) -> PolicyFigures:
        """The figures of ``policy`` (Settings.policy) for a run counting ``months_elapsed`` months."""
        return cls(
            eligibility_years=policy.eligibility_years,
            rotation_target=policy.rotation_target,
            backbone_target=policy.backbone_target,
            hours_required=round(policy.training_hours_per_year * months_elapsed / 12, 2),
            hours_per_year=policy.training_hours_per_year,
            months_elapsed=months_elapsed,
        )
