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

    ``hours_required`` is the year's hours, prorated in a provisional run (72 × months elapsed / 12);
    so is ``joint_research_activities`` (B3a: activities accumulate over the year as hours do, and
    an autumn run must not read a young year as a weak community). The mentee share is not
    prorated: a pairing counts from its first day.
    """

    eligibility_years: int
    rotation_target: float
    backbone_target: float
    hours_required: float
    hours_per_year: float
    months_elapsed: int
    #: B3a's figures (practices.md §7): the activities received that score the activity half in
    #: full — prorated in a provisional run like the hours (20 × months elapsed / 12) — the whole
    #: year's number, and the share of teachers paired that scores the pairing half in full.
    joint_research_activities: float = 20.0
    joint_research_activities_per_year: int = 20
    joint_research_mentee_share: float = 0.10

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
            joint_research_activities=round(policy.joint_research_activities * months_elapsed / 12, 2),
            joint_research_activities_per_year=policy.joint_research_activities,
            joint_research_mentee_share=policy.joint_research_mentee_share,
        )
