"""B3 split (practices.md §7): B3a 联合教研活动 computed, B3b 联合教研质量 rated, on SQLite and PostgreSQL.

B3a for a member school s of community c, school year Y (2025-09-01 .. 2026-08-31):
    50 × min(1, act / 20) + 50 × min(1, share / 10 %)
act = support activities dated in Y targeting s, hosted at another school of c; share = distinct
mentees at s paired, on some day of Y, with a mentor at another school of c ÷ s's roster teachers
(latest roster in Y; 0 without one). The lead school's B3a = mean of its members'. n/a: no members.

The city (two counties, seven schools):
    C01 城中教共体: N1 lead (450202), N2 member (450202, 10 teachers), S1 member (450203, 40 teachers)
    C02 鱼峰教共体: S2 lead, S3 member (450203, 8 teachers): activities but no pairing
    C03 鱼峰镇教共体: S4 lead alone: no member -> B3a n/a
    S5 (450203) is in no community: not scored; what it hosts or mentors counts for nobody.
Every number expected below is worked out by hand beside the data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from teachflow.calendar import SchoolYear
from teachflow.policy import Policy
from teachflow.scoring.breakdown import PolicyFigures
from teachflow.scoring.computed import SchoolFigures, school_figures
from teachflow.scoring.model import load_model
from teachflow.scoring.run import compute_year, score_and_store
from teachflow.warehouse.schema import (
    assessment_breakdown,
    assessment_ratings,
    pairings,
    roster_entries,
    support_activities,
)
from tests.citykit import N1, N2, NORTH, S1, S2, SOUTH, insert_city

MODEL = load_model()
Y = "2025-2026"
YEAR = SchoolYear.parse(Y)
S3, S4, S5 = "2145030003", "2145030004", "2145030005"
FIRST, LAST = dt.date(2025, 9, 1), dt.date(2026, 8, 31)


def key(prefix: str, n: int) -> str:
    return f"{prefix}{n:02d}".ljust(64, "0")


def activity(host_school: str, target: str, day: dt.date, n: int) -> dict:
    """One support activity (a distinct host each, so no two rows share a key)."""
    return {
        "host_key": key(f"h{host_school}_", n),
        "activity_date": day,
        "activity_type": "joint_research",
        "target_school_code": target,
        "host_school_code": host_school,
        "mode": "onsite",
        "participants": 12,
        "periods": Decimal("2"),
        "on_request": "no",
        "source_submission_id": 1,
        "report_count": 1,
        "has_conflict": False,
    }


def pairing(mentor_school: str, mentee: str, mentee_school: str, start: dt.date, end: dt.date | None = None) -> dict:
    return {
        "mentor_key": key(f"t{mentor_school}_", 1),
        "mentee_key": mentee,
        "start_date": start,
        "pairing_type": "mentor_apprentice",
        "mentor_school_code": mentor_school,
        "mentee_school_code": mentee_school,
        "planned_end_date": dt.date(2027, 8, 31),
        "actual_end_date": end,
        "source_submission_id": 1,
        "report_count": 1,
        "has_conflict": False,
    }


def build(conn) -> None:
    insert_city(
        conn,
        [
            (N1, "城中实验小学", NORTH),
            (N2, "城中第二小学", NORTH),
            (S1, "鱼峰乡村小学", SOUTH),
            (S2, "鱼峰中心小学", SOUTH),
            (S3, "鱼峰镇小学", SOUTH),
            (S4, "鱼峰镇中学", SOUTH),
            (S5, "鱼峰民办小学", SOUTH),
        ],
        [
            (N1, "C01", "城中教共体", "lead"),
            (N2, "C01", "城中教共体", "member"),
            (S1, "C01", "城中教共体", "member"),
            (S2, "C02", "鱼峰教共体", "lead"),
            (S3, "C02", "鱼峰教共体", "member"),
            (S4, "C03", "鱼峰镇教共体", "lead"),
        ],
        ledger_period="2026-06",
    )
    roster = []
    for school, county, period, size in ((N1, NORTH, "2026-06", 20), (N2, NORTH, "2026-06", 10)):
        roster += [(county, period, key(f"r{school}_", n), school) for n in range(1, size + 1)]
    for school, size in ((S1, 40), (S2, 12), (S3, 8), (S4, 6), (S5, 5)):
        roster += [(SOUTH, "2026-08", key(f"r{school}_", n), school) for n in range(1, size + 1)]
    # N2's roster of the year before is larger; only the latest roster in Y counts (10 teachers).
    roster += [(NORTH, "2025-08", key("old", n), N2) for n in range(1, 31)]
    conn.execute(
        insert(roster_entries),
        [
            {
                "county_code": county,
                "period": period,
                "teacher_key": teacher,
                "submission_id": 1,
                "school_code": school,
                "tier": "none",
                "current_school_since": dt.date(2015, 9, 1),
            }
            for county, period, teacher, school in roster
        ],
    )

    days = [dt.date(2025, 10, 1) + dt.timedelta(days=7 * i) for i in range(30)]
    rows = []
    # N2: act = 10 (N1, weekly) + 1 (N1, first day of Y) + 1 (N1, last day) + 3 (S1, the other member) = 15
    rows += [activity(N1, N2, days[i], i) for i in range(10)]
    rows += [activity(N1, N2, FIRST, 20), activity(N1, N2, LAST, 21)]
    rows += [activity(S1, N2, days[i], i) for i in range(3)]
    # ... and these do not count: hosted at N2 itself, at S5 (no community), at S2 (another
    # community), or dated outside Y (the day before it starts, the day after it ends).
    rows += [activity(N2, N2, days[i], i) for i in range(4)]
    rows += [activity(S5, N2, days[i], i) for i in range(2)]
    rows += [activity(S2, N2, days[0], 0)]
    rows += [activity(N1, N2, FIRST - dt.timedelta(days=1), 22), activity(N1, N2, LAST + dt.timedelta(days=1), 23)]
    # S1: act = 25 from N1 (more than 20: the activity half is capped at 50)
    rows += [activity(N1, S1, days[i], 30 + i) for i in range(25)]
    # S3 (C02): act = 4 from its lead S2
    rows += [activity(S2, S3, days[i], 60 + i) for i in range(4)]
    conn.execute(insert(support_activities), rows)

    conn.execute(
        insert(pairings),
        [
            # N2: mentees m01, m03, m04 = 3
            pairing(N1, key("m", 1), N2, dt.date(2025, 10, 1)),  # m01: mentor at the lead, running
            pairing(S1, key("m", 1), N2, dt.date(2026, 1, 1)),  # m01 again (another mentor): counted once
            pairing(N1, key("m", 2), N2, dt.date(2024, 9, 1), FIRST),  # ended on Y's first day: not active in Y
            pairing(N1, key("m", 3), N2, dt.date(2024, 9, 1), FIRST + dt.timedelta(days=1)),  # active on 1 Sep
            pairing(N1, key("m", 4), N2, LAST),  # starts on Y's last day
            pairing(N1, key("m", 5), N2, LAST + dt.timedelta(days=1)),  # starts after Y
            pairing(N2, key("m", 6), N2, dt.date(2025, 10, 1)),  # mentor at the same school
            pairing(S5, key("m", 7), N2, dt.date(2025, 10, 1)),  # mentor at a school of no community
            pairing(S2, key("m", 8), N2, dt.date(2025, 10, 1)),  # mentor of another community
            pairing(N1, key("m", 9), N2, dt.date(2026, 3, 1), dt.date(2026, 3, 1)),  # ended the day it began
            # S1: mentees p01, p02 = 2
            pairing(N1, key("p", 1), S1, dt.date(2025, 9, 15)),
            pairing(N2, key("p", 2), S1, dt.date(2026, 2, 1), dt.date(2026, 6, 30)),  # mentor at the other member
        ],
    )


# Hand-worked B3a (20 activities and 10 % paired score each half in full):
# N2: act 15 -> 50 × 15/20 = 37.5; mentees 3 of 10 roster teachers = 30 % ≥ 10 % -> 50; B3a = 87.5
# S1: act 25 -> 50 (capped); mentees 2 of 40 = 5 % -> 50 × 0.05/0.10 = 25; B3a = 75
# N1 (lead of C01): mean(87.5, 75) = 81.25
# S3: act 4 -> 50 × 4/20 = 10; no pairing -> 0; B3a = 10.   S2 (lead of C02): mean(10) = 10
# S4 (lead of C03, no member): n/a
EXPECTED_B3A = {N1: 81.25, N2: 87.5, S1: 75.0, S2: 10.0, S3: 10.0, S4: None}


def b3a(scores) -> dict[str, tuple[float | None, str | None]]:
    return {r.school_code: (r.value, r.note) for r in scores.breakdown if r.item == "B3a" and r.input_name == "score"}


def inputs(scores, school: str) -> dict[str, float | None]:
    return {r.input_name: r.value for r in scores.breakdown if r.school_code == school and r.item == "B3a"}


def test_the_counts_behind_b3a(engine):
    with engine.begin() as conn:
        build(conn)
    with engine.connect() as conn:
        figures = school_figures(conn, YEAR, eligibility_years=6, hours_required=72)
    got = {code: (f.roster_teachers, f.joint_activities, f.paired_mentees) for code, f in figures.items()}
    assert got == {
        N1: (20, 0, 0),
        N2: (10, 15, 3),
        S1: (40, 25, 2),
        S2: (12, 0, 0),
        S3: (8, 4, 0),
        S4: (6, 0, 0),
    }  # S5 is in no community: not a scored school


def test_b3a_of_members_and_leads_with_and_without_pairings(engine):
    with engine.begin() as conn:
        build(conn)
    scores = compute_year(engine, YEAR, MODEL)
    got = {code: value for code, (value, _) in b3a(scores).items()}
    assert got == {code: (pytest.approx(v) if v is not None else None) for code, v in EXPECTED_B3A.items()}
    assert b3a(scores)[S4] == (None, "n/a: no member schools")
    assert S5 not in got
    # A reader redoes N2's arithmetic from its breakdown rows.
    assert inputs(scores, N2) == {
        "joint_activities": 15,
        "activities_target": 20,
        "activity_points": 37.5,
        "paired_mentees": 3,
        "roster_teachers": 10,
        "mentee_share": 0.3,
        "mentee_share_target": 0.1,
        "pairing_points": 50.0,
        "score": 87.5,
    }
    assert inputs(scores, S1)["mentee_share"] == 0.05 and inputs(scores, S1)["pairing_points"] == pytest.approx(25)
    # ... and the lead's mean from the members' scores it lists.
    assert inputs(scores, N1) == {f"member_{N2}": 87.5, f"member_{S1}": 75.0, "member_schools": 2, "score": 81.25}
    assert inputs(scores, S4) == {"member_schools": 0, "score": None}


def test_b3a_weighs_02_of_b_and_b3b_is_the_rating(engine):
    with engine.begin() as conn:
        build(conn)
        conn.execute(
            insert(assessment_ratings),
            [
                {
                    "school_code": N2,
                    "school_year": Y,
                    "indicator_code": "B3b",
                    "evaluator_group": group,
                    "evaluator_id": "E01",
                    "submission_id": 1,
                    "score": Decimal(score),
                }
                for group, score in (("expert", "80"), ("bureau", "70"), ("recipient", "90"))
            ],
        )
    scores = compute_year(engine, YEAR, MODEL)
    n2 = {(r.item, r.input_name): (r.value, r.weight) for r in scores.breakdown if r.school_code == N2}
    # N2: B1 = 0 (no training of 10 teachers), B2 n/a (nobody rotated), B3a = 87.5,
    # B3b = .4×80 + .3×70 + .3×90 = 32 + 21 + 27 = 80 -> B1 .3/.7, B3a .2/.7, B3b .2/.7:
    # B = (0 + .2×87.5 + .2×80)/.7 = (17.5 + 16)/.7 = 47.857143
    assert n2[("B3b", "score")] == (pytest.approx(80.0), pytest.approx(2 / 7))
    assert n2[("B3a", "score")] == (87.5, pytest.approx(2 / 7))
    assert n2[("B", "score")][0] == pytest.approx(47.857142857)


def test_the_figures_are_settings_and_prorated_in_a_provisional_run(engine, monkeypatch):
    from teachflow.settings import load_settings

    with engine.begin() as conn:
        build(conn)
    monkeypatch.setenv("TEACHFLOW_JOINT_RESEARCH_ACTIVITIES", "30")
    monkeypatch.setenv("TEACHFLOW_JOINT_RESEARCH_MENTEE_SHARE", "0.5")
    policy = load_settings().policy
    assert (policy.joint_research_activities, policy.joint_research_mentee_share) == (30, 0.5)
    # The whole year with 30 and 50 %: N2 = 50 × 15/30 + 50 × 0.3/0.5 = 25 + 30 = 55;
    # S1 = 50 × 25/30 + 50 × 0.05/0.5 = 41.666667 + 5 = 46.666667
    scores = compute_year(engine, YEAR, MODEL, PolicyFigures.of(policy))
    assert b3a(scores)[N2][0] == pytest.approx(55.0)
    assert b3a(scores)[S1][0] == pytest.approx(46.6666667)
    # A provisional run after 6 months prorates the activities like B1's hours (20 × 6/12 = 10), not
    # the share: N2 = 50 × min(1, 15/10) + 50 = 100; S3 = 50 × 4/10 = 20.
    scores = compute_year(engine, YEAR, MODEL, PolicyFigures.of(Policy(), months_elapsed=6))
    assert inputs(scores, N2)["activities_target"] == 10
    assert (b3a(scores)[N2][0], b3a(scores)[S3][0]) == (100.0, 20.0)


def test_a_member_on_no_roster_has_a_mentee_share_of_0():
    from teachflow.scoring.computed import computed_indicator

    indicator = next(i for i in MODEL.indicators if i.code == "B3a")
    figures = dataclasses.replace(SchoolFigures("S", 0, 0, 0, 0, 0), joint_activities=8, paired_mentees=3)
    result = computed_indicator(indicator, figures, PolicyFigures.of(Policy()))
    # 50 × 8/20 = 20; 3 mentees but no roster teacher: share 0 -> 0 (no data is not a good score)
    assert (result.score, result.note) == (20.0, "no roster: mentee share counted as 0")


def test_ratings_stored_as_b3_count_as_b3b_and_b3b_wins_for_the_same_evaluator(engine):
    with engine.begin() as conn:
        build(conn)

        def rating(indicator: str, group: str, evaluator: str, score: str) -> dict:
            return {
                "school_code": N2,
                "school_year": Y,
                "indicator_code": indicator,
                "evaluator_group": group,
                "evaluator_id": evaluator,
                "submission_id": 1,
                "score": Decimal(score),
            }

        conn.execute(
            insert(assessment_ratings),
            [
                rating("B3", "expert", "E01", "60"),  # loaded before the split: read as B3b
                rating("B3", "expert", "E02", "50"),  # the same evaluator rated B3b too: that one counts
                rating("B3b", "expert", "E02", "90"),
                rating("B3", "bureau", "J01", "70"),
            ],
        )
    scores = compute_year(engine, YEAR, MODEL)
    n2 = {r.input_name: r.value for r in scores.breakdown if r.school_code == N2 and r.item == "B3b"}
    # expert: E01 60 and E02 90 -> mean 75 of 2; bureau 70 of 1; no recipient: (.4×75 + .3×70)/.7 = 51/.7
    assert (n2["expert_mean"], n2["expert_ratings"], n2["bureau_mean"]) == (75.0, 2, 70.0)
    assert n2["score"] == pytest.approx(51 / 0.7)
    assert not [r for r in scores.breakdown if r.item == "B3"]


def test_stored_scores_keep_b3as_inputs_on_both_databases(engine):
    with engine.begin() as conn:
        build(conn)
    score_and_store(engine, Y, MODEL, provisional=False, computed_at=dt.datetime(2026, 9, 6, tzinfo=dt.UTC))
    bd = assessment_breakdown
    with engine.connect() as conn:
        rows = {
            (r.school_code, r.input_name): float(r.value) if r.value is not None else None
            for r in conn.execute(select(bd).where(bd.c.item == "B3a"))
        }
    assert rows[(N2, "joint_activities")] == 15
    assert rows[(N2, "paired_mentees")] == 3
    assert rows[(N2, "roster_teachers")] == 10
    assert rows[(N1, "score")] == 81.25
    assert rows[(S4, "score")] is None


# --- a ratings file that still says B3 -----------------------------------------------------------------

RATINGS_HEADER = "school_code,school_year,indicator_code,evaluator_group,evaluator_id,score"


def test_a_ratings_file_saying_b3_is_loaded_as_b3b_with_a_note_to_the_city(engine, warehouse_url, tmp_path):
    from teachflow.ingestion.pipeline import ingest_landing
    from teachflow.reference import load_reference
    from teachflow.scoring.model import rated_indicator_codes
    from teachflow.settings import load_settings
    from tests.citykit import CITY, write_reference
    from tests.test_ingest import drop, feedback, feedback_csv

    load_reference(engine, write_reference(tmp_path / "reference"))
    settings = dataclasses.replace(load_settings(), warehouse_url=warehouse_url, landing_quiet_seconds=0)
    period = "2026-08"
    lines = [
        RATINGS_HEADER,
        f"{N1},{Y},B3,外聘专家,E01,80",  # row 2: read as B3b, with a note
        f"{N1},{Y},B3b,外聘专家,E02,90",  # row 3
        f"{N1},{Y},A2,局机关,J01,70",  # row 4
        f"{S1},{Y},B3,服务对象,F01,60",  # row 5: read as B3b, with a note
        f"{S1},{Y},B3,局机关,J01,65",  # row 6: the same evaluator's B3b is row 7 -> two versions of one rating
        f"{S1},{Y},B3b,局机关,J01,75",  # row 7
    ]
    # 20 more ratings, so one rejected row stays under the 5 % of bad rows a file may hold
    lines += [f"{S1},{Y},A2,外聘专家,E{n:02d},80" for n in range(1, 21)]
    drop(settings, f"{CITY}/{period}/assessment_ratings.csv", "\n".join(lines) + "\n")
    [outcome] = ingest_landing(engine, settings, rated_indicator_codes)
    assert (outcome.status, outcome.rows_total, outcome.rows_loaded) == ("accepted", 26, 25)
    with engine.connect() as conn:
        stored = sorted(
            conn.execute(
                select(
                    assessment_ratings.c.school_code,
                    assessment_ratings.c.indicator_code,
                    assessment_ratings.c.evaluator_id,
                    assessment_ratings.c.score,
                ).where(assessment_ratings.c.indicator_code != "A2")
            ).all()
        )
    assert [(s, i, e, float(v)) for s, i, e, v in stored] == [
        (N1, "B3b", "E01", 80.0),
        (N1, "B3b", "E02", 90.0),
        (S1, "B3b", "F01", 60.0),
        (S1, "B3b", "J01", 75.0),
    ]
    assert feedback(settings, CITY, "assessment_ratings", period) == [
        ("2", "指标代码", "B3", "indicator_renamed"),
        ("5", "指标代码", "B3", "indicator_renamed"),
        ("6", "", "", "duplicate_key"),
    ]
    text = "\n".join(",".join(r) for r in feedback_csv(settings, CITY, "assessment_ratings", period))
    assert "指标B3已拆分为B3a（计算）与B3b（评议），本文件中的B3按B3b读取。" in text
    assert "indicator B3 was split into B3a (computed) and B3b (rated)" in text
