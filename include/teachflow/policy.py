"""The bureau's policy figures: one set, read by the monthly report and the scoring alike.

domain.md's figures — a teacher is eligible for rotation after 6 full years at a school, the
yearly rotation target is 10 % of the eligible, 20 % of the rotated should be backbone teachers,
and a teacher owes 72 学时 of training a school year — differ between provinces, so they are
settings (``TEACHFLOW_ELIGIBILITY_YEARS``, ``TEACHFLOW_ROTATION_TARGET``,
``TEACHFLOW_BACKBONE_TARGET``, ``TEACHFLOW_TRAINING_HOURS_PER_YEAR``; see
:func:`teachflow.settings.load_settings`). They live only here: the scoring model file keeps
weights and indicator choices, never a figure, so a report and the scores can no longer disagree
about the 10 %. Every report states the figures it used (``reports.rotation_labels.policy_lines``
for the monthly report, ``scoring.excel.policy_lines`` for the assessment).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    """The four figures; the defaults are domain.md's."""

    #: Full years at the school on 1 September that make a teacher eligible for rotation.
    eligibility_years: int = 6
    #: Share of the eligible who should have rotated in the school year.
    rotation_target: float = 0.10
    #: Share of the rotated who should be backbone teachers.
    backbone_target: float = 0.20
    #: 学时 of training a teacher owes in a school year.
    training_hours_per_year: float = 72.0
