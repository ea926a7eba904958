"""From indicator scores to own, final and community scores, grades, ranks and the review flag.

Pure functions over plain values (no database), so every rule of reports.md is tested by hand-worked
numbers. Each step appends the figures it used to the school's breakdown, so any final score can be
recomputed by hand from ``assessment_breakdown``:

    indicator score  (A1..C1, with its inputs; weight = its share of the checklist after rescaling)
    checklist score  = Σ indicator score × weight        (weight = the checklist's share after rescaling)
    own              = Σ checklist score × weight
    final            = own × w_own + peer mean × w_peer  (item ``bundle``)

Rules where the spec is silent (decided here; the README's scoring section should repeat them):
- n/a and "no ratings" drop the indicator; weights of what remains are rescaled to 1, first within
  the checklist, then across checklists; a school with nothing scorable has no own score (and no final).
- A rated indicator's evaluator group with no ratings drops out the same way: the remaining groups'
  weights are rescaled to 1.
- Bundling uses the own scores that exist: a lead school without any scored member keeps
  ``final = own``; the community mean of a member always includes the member itself.
- Community score = mean of its schools' finals that exist, rounded to 3 decimals; ranks and grades
  are decided on that rounded score. Ties share a rank (competition ranking 1, 2, 2, 4).
- Review: k = max(at_least, ⌈bottom_share × n⌉) of the n ranked communities; every community scoring
  at or below the k-th lowest score is flagged (ties at the cut-off are all flagged). A community with
  no score at all is not ranked and is flagged for review.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from teachflow.policy import Policy
from teachflow.scoring.breakdown import BreakdownRow, IndicatorScore, PolicyFigures
from teachflow.scoring.computed import (
    JOINT_RESEARCH,
    CommunitySchool,
    SchoolFigures,
    computed_indicator,
    lead_joint_research,
)
from teachflow.scoring.model import ScoringModel
from teachflow.scoring.rated import RatingGroupMean, rated_indicator


@dataclass(frozen=True)
class SchoolScore:
    school: CommunitySchool
    own: float | None
    final: float | None
    checklists: Mapping[str, float | None]


@dataclass(frozen=True)
class CommunityScore:
    community_code: str
    community_name: str
    score: float | None
    grade: str | None
    rank: int | None
    review_flag: bool
    schools: int


@dataclass(frozen=True)
class YearScores:
    schools: tuple[SchoolScore, ...]
    communities: tuple[CommunityScore, ...]
    breakdown: tuple[BreakdownRow, ...]


# --- own score ---------------------------------------------------------------------------------------


def own_score(
    school_code: str, indicator_scores: Mapping[str, IndicatorScore], model: ScoringModel
) -> tuple[float | None, dict[str, float | None], list[BreakdownRow]]:
    """Σ checklist weight × checklist score, rescaling over what is scorable; with its breakdown rows."""
    rows: list[BreakdownRow] = []
    checklist_scores: dict[str, float | None] = {}
    for checklist in model.checklists:
        scored = [i for i in checklist.indicators if indicator_scores[i.code].score is not None]
        total = sum(i.weight for i in scored)
        rescaled = len(scored) < len(checklist.indicators)
        value = 0.0
        for indicator in checklist.indicators:
            result = indicator_scores[indicator.code]
            rows.extend(result.inputs)
            if result.score is None:
                rows.append(BreakdownRow(school_code, indicator.code, "score", None, 0.0, result.note))
                continue
            weight = indicator.weight / total
            value += result.score * weight
            note = "; ".join(n for n in (result.note, "rescaled" if rescaled else None) if n) or None
            rows.append(BreakdownRow(school_code, indicator.code, "score", result.score, weight, note))
        checklist_scores[checklist.code] = value if scored and total > 0 else None
    available = [c for c in model.checklists if checklist_scores[c.code] is not None]
    total = sum(c.weight for c in available)
    own = None
    if available and total > 0:
        own = sum(checklist_scores[c.code] * c.weight / total for c in available)
    for checklist in model.checklists:
        value = checklist_scores[checklist.code]
        if value is None:
            rows.append(BreakdownRow(school_code, checklist.code, "score", None, 0.0, "n/a: nothing scorable"))
        else:
            note = "rescaled" if len(available) < len(model.checklists) else None
            rows.append(BreakdownRow(school_code, checklist.code, "score", value, checklist.weight / total, note))
    rows.append(BreakdownRow(school_code, "own", "score", own, None, None if own is not None else "n/a"))
    return own, checklist_scores, rows


# --- bundling ----------------------------------------------------------------------------------------


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def bundle(
    schools: Sequence[CommunitySchool], own: Mapping[str, float | None], model: ScoringModel
) -> tuple[dict[str, float | None], list[BreakdownRow]]:
    """Final scores (荣辱共担): members with their community's mean own, the lead with its members'."""
    finals: dict[str, float | None] = {}
    rows: list[BreakdownRow] = []
    by_community: dict[str, list[CommunitySchool]] = {}
    for school in schools:
        by_community.setdefault(school.community_code, []).append(school)
    for members in by_community.values():
        community_mean = _mean(own[s.school_code] for s in members)
        community_n = sum(own[s.school_code] is not None for s in members)
        member_own = [own[s.school_code] for s in members if s.role == "member"]
        members_mean = _mean(member_own)
        members_n = sum(v is not None for v in member_own)
        for school in members:
            code, value = school.school_code, own[school.school_code]
            if value is None:
                finals[code] = None
                rows.append(BreakdownRow(code, "final", "score", None, None, "n/a: no own score"))
                continue
            if school.role == "lead":
                peer_name, peer, peer_n = "members_mean_own", members_mean, members_n
                w_own, w_peer = model.lead_own, model.lead_members
            else:
                peer_name, peer, peer_n = "community_mean_own", community_mean, community_n
                w_own, w_peer = model.member_own, model.member_community
            note = None
            if peer is None:  # a lead without any scored member
                w_own, w_peer, note = 1.0, 0.0, "no member scored: final = own"
            final = value * w_own + (peer or 0.0) * w_peer
            finals[code] = final
            rows.append(BreakdownRow(code, "bundle", "own", value, w_own, note))
            rows.append(BreakdownRow(code, "bundle", peer_name, peer, w_peer, note))
            rows.append(BreakdownRow(code, "bundle", "schools_in_mean", peer_n))
            rows.append(BreakdownRow(code, "final", "score", final))
    return finals, rows


# --- communities -------------------------------------------------------------------------------------


def competition_ranks(scores: Mapping[str, float]) -> dict[str, int]:
    """1 = best; equal scores share a rank and the next rank skips (1, 2, 2, 4)."""
    ordered = sorted(scores.values(), reverse=True)
    first_position = {}
    for position, value in enumerate(ordered, start=1):
        first_position.setdefault(value, position)
    return {code: first_position[value] for code, value in scores.items()}


def review_flags(scores: Mapping[str, float], share: float, at_least: int) -> set[str]:
    """The bottom ``share`` (at least ``at_least``) of the ranked communities; ties at the cut-off all in."""
    n = len(scores)
    if n == 0:
        return set()
    k = int((Decimal(str(share)) * n).to_integral_value(rounding=ROUND_CEILING))
    k = min(n, max(at_least, k))
    if k == 0:
        return set()
    cutoff = sorted(scores.values())[k - 1]
    return {code for code, value in scores.items() if value <= cutoff}


def community_scores(
    schools: Sequence[CommunitySchool], finals: Mapping[str, float | None], model: ScoringModel
) -> list[CommunityScore]:
    names: dict[str, str] = {}
    members: dict[str, list[float | None]] = {}
    for school in schools:
        names[school.community_code] = school.community_name
        members.setdefault(school.community_code, []).append(finals[school.school_code])
    means = {code: _mean(values) for code, values in members.items()}
    scored = {code: round(value, 3) for code, value in means.items() if value is not None}
    ranks = competition_ranks(scored)
    flagged = review_flags(scored, model.review_share, model.review_at_least)
    return [
        CommunityScore(
            community_code=code,
            community_name=names[code],
            score=scored.get(code),
            grade=model.grade_for(scored.get(code)),
            rank=ranks.get(code),
            review_flag=code in flagged or code not in scored,
            schools=len(members[code]),
        )
        for code in sorted(members, key=lambda c: (ranks.get(c, math.inf), c))
    ]


# --- the whole year ----------------------------------------------------------------------------------


def score_year(
    schools: Sequence[CommunitySchool],
    figures: Mapping[str, SchoolFigures],
    ratings: Iterable[RatingGroupMean],
    model: ScoringModel,
    policy: PolicyFigures | None = None,
) -> YearScores:
    """Every school's and community's scores for one school year, with the full breakdown.

    ``policy``: the Settings' policy figures (targets, required hours); None: the defaults of
    :class:`teachflow.policy.Policy` for the whole year."""
    policy = policy or PolicyFigures.of(Policy())
    by_school: dict[str, dict[str, dict[str, RatingGroupMean]]] = {}
    for r in ratings:
        by_school.setdefault(r.school_code, {}).setdefault(r.indicator_code, {})[r.evaluator_group] = r
    breakdown: list[BreakdownRow] = []
    own: dict[str, float | None] = {}
    checklists: dict[str, dict[str, float | None]] = {}
    members: dict[str, list[str]] = {}
    for school in schools:
        if school.role == "member":
            members.setdefault(school.community_code, []).append(school.school_code)

    def figures_of(code: str) -> SchoolFigures:
        return figures.get(code) or SchoolFigures(code, 0, 0, 0, 0, 0)

    for school in schools:
        code = school.school_code
        school_figures = figures_of(code)
        results = {}
        for indicator in model.indicators:
            if indicator.kind == "computed" and indicator.measure == JOINT_RESEARCH and school.role == "lead":
                of_members = {
                    m: computed_indicator(indicator, figures_of(m), policy)
                    for m in members.get(school.community_code, [])
                }
                results[indicator.code] = lead_joint_research(indicator, code, of_members)
            elif indicator.kind == "computed":
                results[indicator.code] = computed_indicator(indicator, school_figures, policy)
            else:
                groups = by_school.get(code, {}).get(indicator.code, {})
                results[indicator.code] = rated_indicator(indicator, code, groups, model)
        own[code], checklists[code], rows = own_score(code, results, model)
        breakdown.extend(rows)
    finals, bundle_rows = bundle(schools, own, model)
    breakdown.extend(bundle_rows)
    school_scores = tuple(
        SchoolScore(s, own[s.school_code], finals[s.school_code], checklists[s.school_code]) for s in schools
    )
    return YearScores(school_scores, tuple(community_scores(schools, finals, model)), tuple(breakdown))
