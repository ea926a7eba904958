"""The bureau's policy figures: one set, read by the monthly report and the scoring alike.

domain.md's figures — a teacher is eligible for rotation after 6 full years at a school, the
yearly rotation target is 10 % of the eligible, 20 % of the rotated should be backbone teachers,
and a teacher owes 72 学时 of training a school year — differ between provinces, so they are
settings (``TEACHFLOW_ELIGIBILITY_YEARS``, ``TEACHFLOW_ROTATION_TARGET``,
``TEACHFLOW_BACKBONE_TARGET``, ``TEACHFLOW_TRAINING_HOURS_PER_YEAR``; see
:func:`teachflow.settings.load_settings`). They live only here: the scoring model file keeps
weights and indicator choices, never a figure, so a report and the scores can no longer disagree
about the 10 %. practices.md §7 adds two more for B3a 联合教研活动 (joint research activity): 20
activities a member school should receive from its community in a school year and 10 % of its
teachers paired with a mentor of another school of the community
(``TEACHFLOW_JOINT_RESEARCH_ACTIVITIES``, ``TEACHFLOW_JOINT_RESEARCH_MENTEE_SHARE``). Every report
states the figures it used (``reports.rotation_labels.policy_lines``
for the monthly report, ``scoring.excel.policy_lines`` for the assessment).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    """The figures; the defaults are domain.md's (the first four) and practices.md §7's (the last two)."""

    #: Full years at the school on 1 September that make a teacher eligible for rotation.
    eligibility_years: int = 6
    #: Share of the eligible who should have rotated in the school year.
    rotation_target: float = 0.10
    #: Share of the rotated who should be backbone teachers.
    backbone_target: float = 0.20
    #: 学时 of training a teacher owes in a school year.
    training_hours_per_year: float = 72.0
    #: Support activities a member school should receive in a school year from the other schools of
    #: its community for B3a's activity half to score 50 (fewer: pro rata).
    joint_research_activities: int = 20
    #: Share of a member school's roster teachers paired with a mentor of another school of the
    #: community for B3a's pairing half to score 50 (less: pro rata).
    joint_research_mentee_share: float = 0.10
