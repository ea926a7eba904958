"""The computed indicators' inputs, per school and school year, from the warehouse in one query each.

For school year Y (1 Sep .. 31 Aug; reports.md):
- the roster is *the latest roster in Y per county*: each county's roster with the greatest period
  among Y's months (a county that sent none in Y has no roster teachers in Y). A teacher on two
  counties' latest rosters (he moved; the old county sent nothing newer) counts once, at the school
  of the newer roster (same month: the greater county code), as the monthly report does;
- A1 rotation fulfilment: ``rotated`` = distinct teachers with a rotation flow (flow types that count
  as rotation) *from* the school starting in Y; ``eligible`` = teachers of the school on its
  county's **first** roster of Y whose ``current_school_since`` is on or before 1 September of Y
  minus the eligibility years ("eligible at sy_start": a roster sent later in the year must not
  change the base the school was set at the start; the latest roster would also reward a school
  whose eligible teachers left);
- B1 training compliance: roster teachers of the school (latest roster in Y) whose training hours
  with ``end_date`` in Y (all their records, whichever county reported them) reach the required
  hours — in a provisional run the year's hours prorated to the months elapsed (``score.py``);
- no roster: a school whose county sent no roster in Y (``county_has_roster`` false), or that is on
  no roster, scores A1 and B1 as 0 with "no roster" in the breakdown: no data is not a good score;
- B2 backbone share: of ``rotated``, those whose tier is backbone or above in their newest roster
  entry in Y of any county (two counties in the same month: backbone if either says so); a rotated
  teacher on no roster in Y counts as not backbone;
- B3a joint research activity (practices.md §7), for a member school s of community c:
  ``joint_activities`` = rows of ``support_activities`` dated in Y whose target school is s and whose
  host school is another school of c; ``paired_mentees`` = distinct mentees of ``pairings`` at s
  (``mentee_school_code``) whose mentor's school is another school of c, the pairing active on some
  day of Y (§1: active on d when start ≤ d and the actual end is blank or > d; so start ≤ the last
  day of Y and the actual end, if any, after the first day of Y and after the start — a pairing
  ended on its first day was active on no day); the share divides by ``roster_teachers`` (0 when
  the school is on no roster: no data is not a good score). The lead school's B3a is the mean of
  its members' (``score.py``). A school of no community is not scored at all, so the other n/a of
  §7 is a lead without members.

Set-based SQL (text with typed, expanding bind parameters) that runs unchanged on SQLite and
PostgreSQL; the scoring itself is done in Python from these figures (``score.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, Date, Numeric, String, bindparam, text

from teachflow.calendar import SchoolYear
from teachflow.scoring.breakdown import BreakdownRow, IndicatorScore, PolicyFigures
from teachflow.scoring.model import Indicator
from teachflow.vocabularies import BACKBONE_TIERS, ROTATION_FLOW_TYPES


@dataclass(frozen=True)
class SchoolFigures:
    """The counts behind a school's computed indicators in one school year."""

    school_code: str
    roster_teachers: int
    eligible_teachers: int
    teachers_meeting_hours: int
    rotated_teachers: int
    backbone_rotated: int
    #: The school's county sent at least one roster in the year (else A1 and B1 score 0: "no roster").
    county_has_roster: bool = True
    #: B3a: support activities received in the year from another school of the community.
    joint_activities: int = 0
    #: B3a: distinct teachers of the school paired in the year with a mentor of another school of the community.
    paired_mentees: int = 0


@dataclass(frozen=True)
class CommunitySchool:
    school_code: str
    school_name: str
    community_code: str
    community_name: str
    role: str  # lead | member


_FIGURES_SQL = """
WITH latest_period AS (
    SELECT county_code, MAX(period) AS period, MIN(period) AS first_period
    FROM roster_entries
    WHERE period BETWEEN :first_period AND :last_period
    GROUP BY county_code
),
first_listed AS (
    SELECT r.teacher_key, r.school_code, r.current_school_since,
           ROW_NUMBER() OVER (PARTITION BY r.teacher_key ORDER BY r.period DESC, r.county_code DESC) AS pick
    FROM roster_entries r
    JOIN latest_period lp ON lp.county_code = r.county_code AND lp.first_period = r.period
),
eligible_figures AS (
    SELECT school_code, COUNT(*) AS eligible_teachers
    FROM first_listed
    WHERE pick = 1 AND current_school_since <= :eligible_since
    GROUP BY school_code
),
listed AS (
    SELECT r.teacher_key, r.school_code, r.current_school_since,
           ROW_NUMBER() OVER (PARTITION BY r.teacher_key ORDER BY r.period DESC, r.county_code DESC) AS pick
    FROM roster_entries r
    JOIN latest_period lp ON lp.county_code = r.county_code AND lp.period = r.period
),
roster AS (
    SELECT teacher_key, school_code, current_school_since FROM listed WHERE pick = 1
),
tier_period AS (
    SELECT teacher_key, MAX(period) AS period
    FROM roster_entries
    WHERE period BETWEEN :first_period AND :last_period
    GROUP BY teacher_key
),
teacher_backbone AS (
    SELECT r.teacher_key, MAX(CASE WHEN r.tier IN :backbone_tiers THEN 1 ELSE 0 END) AS is_backbone
    FROM roster_entries r
    JOIN tier_period tp ON tp.teacher_key = r.teacher_key AND tp.period = r.period
    GROUP BY r.teacher_key
),
trained AS (
    SELECT teacher_key, SUM(hours) AS hours
    FROM training_records
    WHERE end_date BETWEEN :sy_start AND :sy_end
    GROUP BY teacher_key
),
roster_figures AS (
    SELECT r.school_code,
           COUNT(*) AS roster_teachers,
           SUM(CASE WHEN t.hours >= :hours_required THEN 1 ELSE 0 END) AS teachers_meeting_hours
    FROM roster r
    LEFT JOIN trained t ON t.teacher_key = r.teacher_key
    GROUP BY r.school_code
),
rotated AS (
    SELECT DISTINCT from_school_code AS school_code, teacher_key
    FROM teacher_flows
    WHERE flow_type IN :rotation_types AND start_date BETWEEN :sy_start AND :sy_end
),
rotation_figures AS (
    SELECT ro.school_code,
           COUNT(*) AS rotated_teachers,
           SUM(COALESCE(tb.is_backbone, 0)) AS backbone_rotated
    FROM rotated ro
    LEFT JOIN teacher_backbone tb ON tb.teacher_key = ro.teacher_key
    GROUP BY ro.school_code
),
joint_activity_figures AS (
    SELECT a.target_school_code AS school_code, COUNT(*) AS joint_activities
    FROM support_activities a
    JOIN community_schools t ON t.school_code = a.target_school_code
    JOIN community_schools h ON h.school_code = a.host_school_code AND h.community_code = t.community_code
    WHERE a.activity_date BETWEEN :sy_start AND :sy_end AND a.host_school_code <> a.target_school_code
    GROUP BY a.target_school_code
),
joint_mentee_figures AS (
    SELECT p.mentee_school_code AS school_code, COUNT(DISTINCT p.mentee_key) AS paired_mentees
    FROM pairings p
    JOIN community_schools t ON t.school_code = p.mentee_school_code
    JOIN community_schools m ON m.school_code = p.mentor_school_code AND m.community_code = t.community_code
    WHERE p.mentor_school_code <> p.mentee_school_code
      AND p.start_date <= :sy_end
      AND (p.actual_end_date IS NULL OR (p.actual_end_date > :sy_start AND p.actual_end_date > p.start_date))
    GROUP BY p.mentee_school_code
)
SELECT cs.school_code,
       COALESCE(rf.roster_teachers, 0) AS roster_teachers,
       COALESCE(ef.eligible_teachers, 0) AS eligible_teachers,
       COALESCE(rf.teachers_meeting_hours, 0) AS teachers_meeting_hours,
       COALESCE(rot.rotated_teachers, 0) AS rotated_teachers,
       COALESCE(rot.backbone_rotated, 0) AS backbone_rotated,
       CASE WHEN lp.county_code IS NULL THEN 0 ELSE 1 END AS county_has_roster,
       COALESCE(ja.joint_activities, 0) AS joint_activities,
       COALESCE(jm.paired_mentees, 0) AS paired_mentees
FROM community_schools cs
JOIN schools s ON s.school_code = cs.school_code
LEFT JOIN latest_period lp ON lp.county_code = s.county_code
LEFT JOIN roster_figures rf ON rf.school_code = cs.school_code
LEFT JOIN eligible_figures ef ON ef.school_code = cs.school_code
LEFT JOIN rotation_figures rot ON rot.school_code = cs.school_code
LEFT JOIN joint_activity_figures ja ON ja.school_code = cs.school_code
LEFT JOIN joint_mentee_figures jm ON jm.school_code = cs.school_code
ORDER BY cs.school_code
"""


def school_figures(
    conn: Connection, year: SchoolYear, *, eligibility_years: int, hours_required: float
) -> dict[str, SchoolFigures]:
    """The computed indicators' counts for every school of a community, in one query."""
    statement = text(_FIGURES_SQL).bindparams(
        bindparam("first_period", type_=String),
        bindparam("last_period", type_=String),
        bindparam("sy_start", type_=Date),
        bindparam("sy_end", type_=Date),
        bindparam("eligible_since", type_=Date),
        bindparam("hours_required", type_=Numeric(7, 2)),
        bindparam("backbone_tiers", expanding=True),
        bindparam("rotation_types", expanding=True),
    )
    rows = conn.execute(
        statement,
        {
            "first_period": year.first_period,
            "last_period": year.last_period,
            "sy_start": year.start,
            "sy_end": year.end,
            "eligible_since": year.eligible_since(eligibility_years),
            "hours_required": hours_required,
            "backbone_tiers": list(BACKBONE_TIERS),
            "rotation_types": list(ROTATION_FLOW_TYPES),
        },
    )
    return {
        row.school_code: SchoolFigures(
            school_code=row.school_code,
            roster_teachers=int(row.roster_teachers),
            eligible_teachers=int(row.eligible_teachers),
            teachers_meeting_hours=int(row.teachers_meeting_hours),
            rotated_teachers=int(row.rotated_teachers),
            backbone_rotated=int(row.backbone_rotated),
            county_has_roster=bool(row.county_has_roster),
            joint_activities=int(row.joint_activities),
            paired_mentees=int(row.paired_mentees),
        )
        for row in rows
    }


def community_schools(conn: Connection) -> list[CommunitySchool]:
    """Every school of a community, with names and role (the schools that are scored)."""
    rows = conn.execute(
        text(
            "SELECT cs.school_code, s.school_name, cs.community_code, c.community_name, cs.role "
            "FROM community_schools cs "
            "JOIN schools s ON s.school_code = cs.school_code "
            "JOIN communities c ON c.community_code = cs.community_code "
            "ORDER BY cs.community_code, cs.role, cs.school_code"
        )
    )
    return [CommunitySchool(*row) for row in rows]


#: Chinese names of the breakdown's inputs, for the people reading the 明细 sheet.
INPUT_NAMES_ZH: dict[str, str] = {
    "rotated_teachers": "本学年已交流教师数",
    "eligible_teachers": "学年初符合交流条件教师数（首期名册）",
    "target": "目标",
    "rotation_rate": "交流比例",
    "roster_teachers": "在册教师数（最新名册）",
    "teachers_meeting_hours": "学时达标教师数",
    "hours_required": "要求学时",
    "compliance_share": "学时达标比例",
    "backbone_rotated": "其中骨干教师数",
    "backbone_share": "骨干教师占比",
    "joint_activities": "本学年接受教共体内其他学校帮扶活动数",
    "activities_target": "帮扶活动数目标",
    "activity_points": "活动部分得分（满分 50）",
    "paired_mentees": "与教共体内其他学校导师结对的本校教师数",
    "mentee_share": "结对教师占比",
    "mentee_share_target": "结对教师占比目标",
    "pairing_points": "结对部分得分（满分 50）",
    "member_schools": "计入均值的成员校数",
    "score": "得分",
    "weight": "权重",
    "own": "自身得分",
    "final": "捆绑后得分",
    "members_mean_own": "成员校自身得分均值",
    "community_mean_own": "教共体各校自身得分均值",
    "schools_in_mean": "计入均值的学校数",
}


#: The measure whose lead-school score is the mean of its members' (practices.md §7).
JOINT_RESEARCH = "joint_research_activity"
#: Prefix of the lead's breakdown rows naming each member's B3a: ``member_<school_code>``.
MEMBER_PREFIX = "member_"


def computed_indicator(indicator: Indicator, figures: SchoolFigures, policy: PolicyFigures) -> IndicatorScore:
    """A1 / B1 / B2 / a member's B3a (by the indicator's measure) from the school's counts.

    ``policy``: the bureau's policy figures (Settings: targets, required hours, prorated in a
    provisional run) — the model file holds none (it keeps weights and indicator choices).
    """
    school = figures.school_code
    code = indicator.code
    p = {
        "rotation_fulfilment": {"target": policy.rotation_target},
        "training_compliance": {"hours": policy.hours_required},
        "backbone_share": {"target": policy.backbone_target},
        JOINT_RESEARCH: {
            "activities": policy.joint_research_activities,
            "share": policy.joint_research_mentee_share,
        },
    }.get(indicator.measure or "", {})
    no_roster = None
    if not figures.county_has_roster:
        no_roster = "no roster: the county sent no roster this school year"
    elif figures.roster_teachers == 0:
        no_roster = "no roster: the school is on no roster this school year"

    def row(name: str, value: float | None, note: str | None = None) -> BreakdownRow:
        return BreakdownRow(school, code, name, value, None, note)

    if indicator.measure == "rotation_fulfilment":
        target = p["target"]
        inputs = [
            row("rotated_teachers", figures.rotated_teachers),
            row("eligible_teachers", figures.eligible_teachers),
        ]
        inputs.append(row("target", target))
        if no_roster:
            return IndicatorScore(code, 0.0, tuple(inputs), no_roster)
        if figures.eligible_teachers == 0:
            return IndicatorScore(code, None, tuple(inputs), "n/a: no eligible teachers")
        rate = figures.rotated_teachers / figures.eligible_teachers
        inputs.append(row("rotation_rate", rate))
        return IndicatorScore(code, min(1.0, rate / target) * 100, tuple(inputs))
    if indicator.measure == "training_compliance":
        inputs = [
            row("roster_teachers", figures.roster_teachers),
            row("teachers_meeting_hours", figures.teachers_meeting_hours),
            row("hours_required", p["hours"]),
        ]
        if no_roster:
            return IndicatorScore(code, 0.0, tuple(inputs), no_roster)
        share = figures.teachers_meeting_hours / figures.roster_teachers
        inputs.append(row("compliance_share", share))
        return IndicatorScore(code, share * 100, tuple(inputs))
    if indicator.measure == "backbone_share":
        target = p["target"]
        inputs = [row("rotated_teachers", figures.rotated_teachers), row("backbone_rotated", figures.backbone_rotated)]
        inputs.append(row("target", target))
        if figures.rotated_teachers == 0:
            return IndicatorScore(code, None, tuple(inputs), "n/a: no teacher rotated")
        share = figures.backbone_rotated / figures.rotated_teachers
        inputs.append(row("backbone_share", share))
        return IndicatorScore(code, min(1.0, share / target) * 100, tuple(inputs))
    if indicator.measure == JOINT_RESEARCH:
        # 50 × min(1, act / 20) + 50 × min(1, share / 10 %); the share is 0 without roster teachers.
        act, mentees, roster = figures.joint_activities, figures.paired_mentees, figures.roster_teachers
        share = mentees / roster if roster else 0.0
        activity_points = 50 * min(1.0, act / p["activities"]) if p["activities"] > 0 else 50.0
        pairing_points = 50 * min(1.0, share / p["share"]) if p["share"] > 0 else 50.0
        inputs = [
            row("joint_activities", act),
            row("activities_target", p["activities"]),
            row("activity_points", activity_points),
            row("paired_mentees", mentees),
            row("roster_teachers", roster),
            row("mentee_share", share),
            row("mentee_share_target", p["share"]),
            row("pairing_points", pairing_points),
        ]
        note = "no roster: mentee share counted as 0" if no_roster else None
        return IndicatorScore(code, activity_points + pairing_points, tuple(inputs), note)
    raise ValueError(f"indicator {code}: unknown measure {indicator.measure!r}")


def lead_joint_research(indicator: Indicator, lead_code: str, members: Mapping[str, IndicatorScore]) -> IndicatorScore:
    """A lead school's B3a: the mean of its member schools' B3a (practices.md §7); n/a without members.

    Each member's score is a breakdown row (``member_<school_code>``) beside the count, so the mean
    can be redone by hand; the members' own inputs are in their breakdown rows.
    """
    code = indicator.code
    scored = [(school, m.score) for school, m in sorted(members.items()) if m.score is not None]
    inputs = [BreakdownRow(lead_code, code, f"{MEMBER_PREFIX}{school}", score) for school, score in scored]
    inputs.append(BreakdownRow(lead_code, code, "member_schools", len(scored)))
    if not scored:
        return IndicatorScore(code, None, tuple(inputs), "n/a: no member schools")
    return IndicatorScore(code, sum(score for _, score in scored) / len(scored), tuple(inputs))
