"""Joint-assessment scoring: hand-worked numbers for every rule of reports.md, on SQLite and PostgreSQL.

Every expected number below is worked out by hand in the comment beside it, from the spec's
defaults (checklists A .4, B .4, C .2; within B: B1 .3, B2 .3, B3a .2, B3b .2 (practices.md §7);
groups expert .4, bureau .3, recipient .3; bundling member .7/.3, lead .5/.5; grades 90/75/60;
bottom 10 % reviewed). B3a 联合教研活动 has its own hand-worked city in tests/test_joint_research.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select

from teachflow.calendar import SchoolYear
from teachflow.policy import Policy
from teachflow.scoring.breakdown import PolicyFigures
from teachflow.scoring.computed import CommunitySchool, SchoolFigures, computed_indicator, school_figures
from teachflow.scoring.model import DEFAULT_MODEL_PATH, load_model
from teachflow.scoring.rated import RatingGroupMean, rated_indicator
from teachflow.scoring.run import publish, score_and_store
from teachflow.scoring.score import (
    bundle,
    community_scores,
    competition_ranks,
    own_score,
    review_flags,
    score_year,
)
from teachflow.scoring.store import read_run
from teachflow.scoring.years import target_for_run
from teachflow.warehouse.schema import (
    assessment_breakdown,
    assessment_community_scores,
    assessment_ratings,
    assessment_school_scores,
    roster_entries,
    teacher_flows,
    training_records,
)
from tests.citykit import N1, N2, NORTH, S1, S2, SOUTH, insert_city

MODEL = load_model()
SHIPPED_MODEL_TEXT = DEFAULT_MODEL_PATH.read_text(encoding="utf-8")
INDICATORS = {i.code: i for i in MODEL.indicators}
Y = "2025-2026"


def school(code: str, community: str = "C01", role: str = "member") -> CommunitySchool:
    return CommunitySchool(code, f"学校{code}", community, f"教共体{community}", role)


def groups(**means: tuple[float, int]) -> dict[str, RatingGroupMean]:
    """group -> (mean, count) as the rating query would return them."""
    return {g: RatingGroupMean("S", "A2", g, mean * n, n) for g, (mean, n) in means.items()}


def indicator_results(school_code: str, **scores: float | None):
    """IndicatorScores with the given scores (None = n/a), built through the real scorers."""
    from teachflow.scoring.breakdown import IndicatorScore

    return {code: IndicatorScore(code, scores.get(code), ()) for code in INDICATORS}


# --- computed indicators -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "figures", "expected"),
    [
        # A1: 1 rotated of 20 eligible = 5 %, half of the 10 % target -> 50
        ("A1", SchoolFigures("S", 30, 20, 0, 1, 0), 50.0),
        # A1: 3 of 20 = 15 % > 10 % -> capped at 100
        ("A1", SchoolFigures("S", 30, 20, 0, 3, 0), 100.0),
        # A1: nobody eligible -> n/a
        ("A1", SchoolFigures("S", 30, 0, 0, 3, 0), None),
        # B1: 7 of 10 roster teachers reach 72 学时 -> 70
        ("B1", SchoolFigures("S", 10, 0, 7, 0, 0), 70.0),
        # B1: the school is on no roster -> 0, not n/a (no data is not a good score; reports.md)
        ("B1", SchoolFigures("S", 0, 0, 0, 0, 0), 0.0),
        # A1: the school is on no roster -> 0 as well, even with a teacher rotated from it
        ("A1", SchoolFigures("S", 0, 0, 0, 1, 0), 0.0),
        # the county sent no roster in the year: A1 and B1 are 0 whatever else is known
        ("A1", SchoolFigures("S", 0, 0, 0, 3, 1, county_has_roster=False), 0.0),
        ("B1", SchoolFigures("S", 0, 0, 0, 3, 1, county_has_roster=False), 0.0),
        # B2: 1 backbone of 10 rotated = 10 %, half of 20 % -> 50
        ("B2", SchoolFigures("S", 30, 20, 0, 10, 1), 50.0),
        # B2: 1 of 4 = 25 % > 20 % -> 100
        ("B2", SchoolFigures("S", 30, 20, 0, 4, 1), 100.0),
        # B2: nobody rotated -> n/a
        ("B2", SchoolFigures("S", 30, 20, 0, 0, 0), None),
    ],
)
def test_computed_indicator_scores(code, figures, expected):
    result = computed_indicator(INDICATORS[code], figures, PolicyFigures.of(Policy()))
    assert result.score == (pytest.approx(expected) if expected is not None else None)
    assert (result.note or "").startswith("n/a") == (expected is None)
    assert (result.note or "").startswith("no roster") == (figures.roster_teachers == 0)


# --- rated indicators ----------------------------------------------------------------------------------


def test_rated_indicator_is_the_weighted_mean_of_the_group_means():
    # .4 × 85 + .3 × 70 + .3 × 80 = 34 + 21 + 24 = 79
    result = rated_indicator(INDICATORS["A2"], "S", groups(expert=(85, 2), bureau=(70, 1), recipient=(80, 2)), MODEL)
    assert result.score == pytest.approx(79.0)
    weights = {r.input_name: r.weight for r in result.inputs if r.input_name.endswith("_mean")}
    assert weights == {"expert_mean": 0.4, "bureau_mean": 0.3, "recipient_mean": 0.3}


def test_a_missing_evaluator_group_drops_out_and_the_others_are_rescaled():
    # no bureau ratings: (.4 × 80 + .3 × 90) / (.4 + .3) = 59 / .7 = 84.285714...
    result = rated_indicator(INDICATORS["A2"], "S", groups(expert=(80, 2), recipient=(90, 3)), MODEL)
    assert result.score == pytest.approx(84.2857142857)
    by_name = {r.input_name: (r.value, r.weight, r.note) for r in result.inputs}
    assert by_name["expert_mean"] == (80, pytest.approx(4 / 7), "rescaled")
    assert by_name["bureau_mean"] == (None, 0.0, "no ratings")
    assert by_name["recipient_mean"] == (90, pytest.approx(3 / 7), "rescaled")
    assert by_name["recipient_ratings"][0] == 3


def test_an_indicator_without_any_rating_is_left_out():
    result = rated_indicator(INDICATORS["C1"], "S", {}, MODEL)
    assert (result.score, result.note) == (None, "no ratings")


# --- own score and rescaling ---------------------------------------------------------------------------


def test_own_score_with_every_indicator():
    # A = (50 + 80)/2 = 65; B = .3×60 + .3×90 + .2×40 + .2×30 = 18 + 27 + 8 + 6 = 59; C = 70
    # -> .4×65 + .4×59 + .2×70 = 26 + 23.6 + 14 = 63.6
    scores = indicator_results("S", A1=50, A2=80, B1=60, B2=90, B3a=40, B3b=30, C1=70)
    own, checklists, _ = own_score("S", scores, MODEL)
    assert own == pytest.approx(63.6)
    assert checklists == {"A": pytest.approx(65.0), "B": pytest.approx(59.0), "C": pytest.approx(70.0)}


def test_an_na_indicator_is_rescaled_within_its_checklist():
    # A1 n/a -> A = A2 = 80; B2 n/a -> B1, B3a, B3b weigh .3/.7, .2/.7, .2/.7:
    # B = (.3×60 + .2×50 + .2×90)/.7 = (18 + 10 + 18)/.7 = 65.714286; C = 70 -> 32 + 26.285714 + 14 = 72.285714
    own, _, rows = own_score("S", indicator_results("S", A2=80, B1=60, B3a=50, B3b=90, C1=70), MODEL)
    assert own == pytest.approx(72.2857142857)
    weights = {r.item: r.weight for r in rows if r.input_name == "score" and r.item in INDICATORS}
    assert weights == {
        "A1": 0.0,
        "A2": 1.0,
        "B1": pytest.approx(3 / 7),
        "B2": 0.0,
        "B3a": pytest.approx(2 / 7),
        "B3b": pytest.approx(2 / 7),
        "C1": pytest.approx(1.0),
    }


def test_the_b_weights_are_the_models_explicit_settings():
    # practices.md §7: B1 .3, B2 .3, B3a .2, B3b .2, written in the model file (not shared equally).
    (b,) = [c for c in MODEL.checklists if c.code == "B"]
    assert [(i.code, i.kind, i.weight) for i in b.indicators] == [
        ("B1", "computed", 0.3),
        ("B2", "computed", 0.3),
        ("B3a", "computed", 0.2),
        ("B3b", "rated", 0.2),
    ]
    assert INDICATORS["B3a"].measure == "joint_research_activity"


def test_a_checklist_with_nothing_scorable_is_rescaled_across_checklists():
    # C1 has no ratings -> C drops out; A and B weigh .4/.8 = .5 each: .5 × 80 + .5 × 75 = 77.5
    own, checklists, rows = own_score("S", indicator_results("S", A1=80, A2=80, B1=75, B2=75, B3a=75, B3b=75), MODEL)
    assert own == pytest.approx(77.5)
    assert checklists["C"] is None
    weights = {r.item: r.weight for r in rows if r.item in ("A", "B", "C")}
    assert weights == {"A": 0.5, "B": 0.5, "C": 0.0}


def test_a_school_with_nothing_scorable_has_no_own_score():
    own, _, rows = own_score("S", indicator_results("S"), MODEL)
    assert own is None
    assert rows[-1].item == "own" and rows[-1].note == "n/a"


# --- bundling ------------------------------------------------------------------------------------------


def test_lead_and_members_in_the_same_community():
    lead, m1, m2 = school("L", role="lead"), school("M1"), school("M2")
    finals, rows = bundle([lead, m1, m2], {"L": 90.0, "M1": 60.0, "M2": 80.0}, MODEL)
    # lead: .5 × 90 + .5 × mean(60, 80) = 45 + 35 = 80
    # community mean own = (90 + 60 + 80)/3 = 76.666...; M1: .7 × 60 + .3 × 76.667 = 42 + 23 = 65
    # M2: .7 × 80 + 23 = 56 + 23 = 79
    assert finals == {"L": pytest.approx(80.0), "M1": pytest.approx(65.0), "M2": pytest.approx(79.0)}
    (community,) = community_scores([lead, m1, m2], finals, MODEL)
    # (80 + 65 + 79)/3 = 74.667: just below 75 -> 合格
    assert (community.score, community.grade, community.rank) == (74.667, "合格", 1)
    lead_rows = {(r.input_name): (r.value, r.weight) for r in rows if r.school_code == "L" and r.item == "bundle"}
    assert lead_rows == {"own": (90.0, 0.5), "members_mean_own": (70.0, 0.5), "schools_in_mean": (2, None)}


def test_a_community_of_two():
    lead, member = school("L", "C02", "lead"), school("M", "C02")
    finals, _ = bundle([lead, member], {"L": 90.0, "M": 60.0}, MODEL)
    # lead: .5 × 90 + .5 × 60 = 75; member: .7 × 60 + .3 × (90 + 60)/2 = 42 + 22.5 = 64.5
    assert finals == {"L": pytest.approx(75.0), "M": pytest.approx(64.5)}
    (community,) = community_scores([lead, member], finals, MODEL)
    assert (community.score, community.grade) == (69.75, "合格")  # (75 + 64.5)/2


def test_a_lead_whose_members_have_no_score_keeps_its_own():
    lead, member = school("L", role="lead"), school("M")
    finals, rows = bundle([lead, member], {"L": 88.0, "M": None}, MODEL)
    assert finals == {"L": 88.0, "M": None}
    notes = {r.note for r in rows if r.school_code == "L" and r.item == "bundle" and r.input_name != "schools_in_mean"}
    assert notes == {"no member scored: final = own"}


# --- ranks, grades, review -----------------------------------------------------------------------------


def test_ties_share_a_rank_and_the_next_rank_skips():
    assert competition_ranks({"W": 70.0, "X": 90.0, "Y": 85.0, "Z": 85.0}) == {"X": 1, "Y": 2, "Z": 2, "W": 4}


@pytest.mark.parametrize(
    ("score", "grade"),
    [(90.0, "优秀"), (89.999, "良好"), (75.0, "良好"), (60.0, "合格"), (59.999, "不合格"), (0.0, "不合格")],
)
def test_grade_bands(score, grade):
    assert MODEL.grade_for(score) == grade


SEVEN = {"C1": 95.0, "C2": 88.0, "C3": 80.0, "C4": 77.0, "C5": 70.0, "C6": 65.0, "C7": 60.0}


def test_review_flags_the_bottom_one_of_seven_communities():
    # ⌈10 % × 7⌉ = ⌈0.7⌉ = 1: the lowest one
    assert review_flags(SEVEN, 0.10, 1) == {"C7"}


def test_review_flags_every_community_tied_at_the_cut_off():
    assert review_flags({**SEVEN, "C6": 60.0}, 0.10, 1) == {"C6", "C7"}


def test_review_counts_the_bottom_share_exactly():
    thirty = {f"K{i:02d}": float(i) for i in range(30)}
    # 10 % of 30 is exactly 3 (binary floating point would say 3.0000000000000004 and flag 4)
    assert review_flags(thirty, 0.10, 1) == {"K00", "K01", "K02"}
    assert len(review_flags({f"K{i:02d}": float(i) for i in range(11)}, 0.10, 1)) == 2  # ⌈1.1⌉ = 2
    assert review_flags({"K": 50.0}, 0.10, 1) == {"K"}


def test_seven_communities_ranked_graded_and_flagged():
    members = [school(f"S{c}", c, "lead") for c in SEVEN]
    result = community_scores(members, {f"S{c}": v for c, v in SEVEN.items()}, MODEL)
    assert [(c.community_code, c.rank, c.grade, c.review_flag) for c in result] == [
        ("C1", 1, "优秀", False),
        ("C2", 2, "良好", False),
        ("C3", 3, "良好", False),
        ("C4", 4, "良好", False),
        ("C5", 5, "合格", False),
        ("C6", 6, "合格", False),
        ("C7", 7, "合格", True),
    ]


# --- which year a run scores ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("run_date", "given", "expected"),
    [
        # the scheduled 1 September run: the year just ended, but August's files are due by the end of
        # 5 September (Asia/Shanghai), so provisional; the run of 6 September is the final one
        (dt.date(2026, 9, 1), None, ("2025-2026", True)),
        (dt.date(2026, 9, 6), None, ("2025-2026", False)),
        (dt.datetime(2026, 9, 5, 15, 59, tzinfo=dt.UTC), None, ("2025-2026", True)),  # 23:59 in Shanghai
        (dt.datetime(2026, 9, 5, 16, 0, tzinfo=dt.UTC), None, ("2025-2026", False)),  # 6 Sep 00:00 there
        (dt.date(2026, 10, 1), None, ("2026-2027", True)),  # monthly: the current year, provisional
        (dt.date(2026, 8, 1), None, ("2025-2026", True)),
        (dt.date(2026, 5, 1), "2025-2026", ("2025-2026", True)),  # on demand, year not over
        (dt.date(2026, 9, 1), "2025-2026", ("2025-2026", True)),
        (dt.date(2026, 9, 6), "2025-2026", ("2025-2026", False)),
        (dt.date(2026, 9, 1), "2019-2020", ("2019-2020", False)),
    ],
)
def test_target_for_run(run_date, given, expected):
    target = target_for_run(run_date, given)
    assert (str(target.school_year), target.provisional) == expected


def test_school_year_bounds():
    year = SchoolYear.parse("2025-2026")
    assert (year.start, year.end, year.first_period, year.last_period) == (
        dt.date(2025, 9, 1),
        dt.date(2026, 8, 31),
        "2025-09",
        "2026-08",
    )
    assert year.eligible_since(6) == dt.date(2019, 9, 1)
    with pytest.raises(ValueError):
        SchoolYear.parse("2025-2027")


# --- the warehouse: a hand-built city --------------------------------------------------------------------
#
# C01: N1 lead (county 450202), N2 member (450202), S1 member (450203)
# C02: S2 lead, S3 member (450203): a community of two
# Rosters in 2025-2026: 450202's latest is 2026-06 (2025-08 is before the year, 2026-09 after it);
# 450203's latest is 2026-08 (its 2026-07 roster is older and ignored).

S3 = "2145030003"  # a third school of 450203, beside tests/citykit.py's four


def _teacher(prefix: str, n: int) -> str:
    return f"{prefix}{n:02d}".ljust(64, "0")


def build_city(conn) -> None:
    insert_city(
        conn,
        [
            (N1, "城中实验小学", NORTH),
            (N2, "城中第二小学", NORTH),
            (S1, "鱼峰乡村小学", SOUTH),
            (S2, "鱼峰中心小学", SOUTH),
            (S3, "鱼峰镇小学", SOUTH),
        ],
        [
            (N1, "C01", "城中教共体", "lead"),
            (N2, "C01", "城中教共体", "member"),
            (S1, "C01", "城中教共体", "member"),
            (S2, "C02", "鱼峰教共体", "lead"),
            (S3, "C02", "鱼峰教共体", "member"),
        ],
        ledger_period="2026-06",
    )
    roster = []

    def entry(county, period, key, school_code, since, tier="none"):
        roster.append(
            {
                "county_code": county,
                "period": period,
                "teacher_key": key,
                "submission_id": 1,
                "school_code": school_code,
                "tier": tier,
                "current_school_since": since,
            }
        )

    # N1: 25 teachers on the 2026-06 roster; n01..n20 eligible (n20 exactly on 2019-09-01), n21 a day late.
    for n in range(1, 26):
        since = dt.date(2010, 9, 1) if n <= 19 else {20: dt.date(2019, 9, 1), 21: dt.date(2019, 9, 2)}.get(n)
        entry(NORTH, "2026-06", _teacher("n", n), N1, since or dt.date(2022, 9, 1), "backbone" if n == 1 else "none")
    # Rosters outside the year or older within it do not count (they would change every figure of N1).
    for n in range(1, 26):
        entry(NORTH, "2025-08", _teacher("n", n), N1, dt.date(2010, 9, 1), "famous")
        entry(NORTH, "2026-09", _teacher("n", n), N1, dt.date(2010, 9, 1), "none")
    # N2: 10 teachers, none eligible.
    for n in range(1, 11):
        entry(NORTH, "2026-06", _teacher("m", n), N2, dt.date(2022, 9, 1))
    # S2: 10 teachers, all eligible; s02 is famous in the latest roster (none in the older 2026-07 one).
    for n in range(1, 11):
        entry(SOUTH, "2026-08", _teacher("s", n), S2, dt.date(2010, 9, 1), "famous" if n == 2 else "none")
        entry(SOUTH, "2026-07", _teacher("s", n), S2, dt.date(2010, 9, 1), "none")
    conn.execute(insert(roster_entries), roster)

    def flow(key, flow_type, origin, to, start):
        planned = None if flow_type == "transfer" else start + dt.timedelta(days=300)
        return {
            "teacher_key": key,
            "to_school_code": to,
            "start_date": start,
            "flow_type": flow_type,
            "from_school_code": origin,
            "planned_end_date": planned,
            "actual_end_date": None,
            "source_submission_id": 1,
            "report_count": 1,
            "has_conflict": False,
        }

    conn.execute(
        insert(teacher_flows),
        [
            flow(_teacher("n", 1), "rotation", N1, S1, dt.date(2025, 9, 1)),  # counts (first day of the year)
            flow(_teacher("n", 1), "secondment", N1, N2, dt.date(2026, 3, 1)),  # same teacher: counted once
            flow(_teacher("n", 2), "transfer", N1, N2, dt.date(2025, 10, 1)),  # a transfer is no rotation
            flow(_teacher("n", 3), "rotation", N1, S1, dt.date(2025, 8, 31)),  # before the year
            flow(_teacher("n", 4), "rotation", N1, S1, dt.date(2026, 9, 1)),  # after the year
            flow(_teacher("s", 1), "study_placement", S2, N1, dt.date(2026, 8, 31)),  # last day: counts
            flow(_teacher("s", 2), "city_recruit_county_use", S2, S3, dt.date(2026, 2, 1)),
        ],
    )

    def training(key, code, end, hours):
        return {
            "teacher_key": key,
            "program_code": code,
            "start_date": end - dt.timedelta(days=2),
            "submission_id": 1,
            "county_code": NORTH,
            "level": "city",
            "mode": "online",
            "end_date": end,
            "hours": Decimal(str(hours)),
        }

    records = [training(_teacher("n", n), "P1", dt.date(2026, 3, 1), 80) for n in range(1, 9)]  # n01..n08: 80
    records += [
        training(_teacher("n", 9), "P1", dt.date(2025, 9, 3), 40),  # n09: 40 + 32 = 72 exactly
        training(_teacher("n", 9), "P2", dt.date(2026, 8, 31), 32),
        training(_teacher("n", 10), "P1", dt.date(2026, 3, 1), 71.5),  # just short
        training(_teacher("n", 11), "P1", dt.date(2025, 8, 31), 100),  # ended before the year
        training(_teacher("n", 12), "P1", dt.date(2026, 9, 1), 100),  # ended after the year
    ]
    records += [training(_teacher("m", n), "P1", dt.date(2026, 1, 10), 72) for n in range(1, 6)]  # 5 of N2's 10
    records += [training(_teacher("s", n), "P1", dt.date(2026, 1, 10), 80) for n in range(1, 11)]  # all of S2
    conn.execute(insert(training_records), records)

    ratings = []

    def rate(school_code, indicator, group, *scores):
        for i, score in enumerate(scores, start=1):
            ratings.append(
                {
                    "school_code": school_code,
                    "school_year": Y,
                    "indicator_code": indicator,
                    "evaluator_group": group,
                    "evaluator_id": f"{group[:2].upper()}{i:02d}",
                    "submission_id": 1,
                    "score": Decimal(str(score)),
                }
            )

    rate(N1, "A2", "expert", 80, 90)  # mean 85
    rate(N1, "A2", "bureau", 70)
    rate(N1, "A2", "recipient", 75, 85)  # mean 80
    rate(N1, "B3b", "expert", 90)
    rate(N1, "B3b", "bureau", 80)  # no recipient rating for N1's B3b; N1 has no C1 rating at all
    for indicator, score in (("A2", 60), ("B3b", 70), ("C1", 80)):
        for group in ("expert", "bureau", "recipient"):
            rate(N2, indicator, group, score)
            rate(S1, indicator, group, 90)
            rate(S3, indicator, group, 50)
    # A rating of another school year never counts.
    ratings.append({**ratings[0], "school_year": "2024-2025", "score": Decimal("0")})
    conn.execute(insert(assessment_ratings), ratings)


# Hand-worked expectations for the city above (2025-2026, the shipped model). The city holds no
# pairing and no support activity: every member's B3a = 50 × 0/20 + 50 × 0/10 % = 0 (nothing done
# is not a good score), and a lead's B3a is the mean of its members' = 0.
# N1: rotated 1 (n01) of 20 eligible -> A1 = 50; A2 = .4×85 + .3×70 + .3×80 = 79; A = (50 + 79)/2 = 64.5
#     B1 = 9 of 25 -> 36; B2 = n01 is backbone: 1/1 -> 100; B3a = mean(N2 0, S1 0) = 0;
#     B3b = (.4×90 + .3×80)/.7 = 85.714286
#     B = .3×36 + .3×100 + .2×0 + .2×85.714286 = 10.8 + 30 + 0 + 17.142857 = 57.942857
#     C: no ratings -> A, B weigh .5 each: own = .5×64.5 + .5×57.942857 = 61.221429
# N2: A1 n/a (none eligible), B2 n/a (none rotated): A = 60;
#     B1 = 5 of 10 -> 50, B3a = 0, B3b = 70: B = (.3×50 + .2×0 + .2×70)/.7 = 29/.7 = 41.428571; C = 80
#     own = .4×60 + .4×41.428571 + .2×80 = 24 + 16.571429 + 16 = 56.571429
# S1: on no roster (reports.md: no data is not a good score): A1 = 0 and B1 = 0 ("no roster");
#     A2 = 90, B2 n/a (no flows), B3a = 0 (mentee share 0 without a roster), B3b = 90, C1 = 90
#     A = (0 + 90)/2 = 45; B = (.3×0 + .2×0 + .2×90)/.7 = 18/.7 = 25.714286; C = 90
#     own = .4×45 + .4×25.714286 + .2×90 = 18 + 10.285714 + 18 = 46.285714
# C01: mean own = (61.221429 + 56.571429 + 46.285714)/3 = 54.692857; members' mean own
#     = (56.571429 + 46.285714)/2 = 51.428571
#     N1 final = .5×61.221429 + .5×51.428571 = 56.325
#     N2 final = .7×56.571429 + .3×54.692857 = 39.6 + 16.407857 = 56.007857
#     S1 final = .7×46.285714 + .3×54.692857 = 32.4 + 16.407857 = 48.807857
#     score = (56.325 + 56.007857 + 48.807857)/3 = 53.713571 -> 53.714 不合格, rank 1
# S2: eligible from 450203's FIRST roster of the year (2026-07): 10, all since 2010;
#     rotated s01, s02 of 10 eligible = 20 % -> A1 100; B1 10/10 (latest roster 2026-08) -> 100;
#     B2 s02 famous in the latest: 1/2 = 50 % -> 100; B3a = S3's 0; B3b no ratings
#     A = 100; B = (.3×100 + .3×100 + .2×0)/.8 = 75; C n/a -> own = .5×100 + .5×75 = 87.5
# S3: on no roster: A1 = B1 = 0, B3a = 0; A = (0 + 50)/2 = 25, B = (0 + 0 + .2×50)/.7 = 14.285714, C = 50
#     own = .4×25 + .4×14.285714 + .2×50 = 10 + 5.714286 + 10 = 25.714286
# C02 (of two): S2 final = .5×87.5 + .5×25.714286 = 56.607143;
#     S3 final = .7×25.714286 + .3×(87.5 + 25.714286)/2 = 18 + 16.982143 = 34.982143
#     score = (56.607143 + 34.982143)/2 = 45.794643 -> 45.795 不合格, rank 2, flagged (⌈10 % × 2⌉ = 1)
EXPECTED_SCHOOLS = {
    N1: ("C01", "lead", 61.221, 56.325),
    N2: ("C01", "member", 56.571, 56.008),
    S1: ("C01", "member", 46.286, 48.808),
    S2: ("C02", "lead", 87.5, 56.607),
    S3: ("C02", "member", 25.714, 34.982),
}
EXPECTED_COMMUNITIES = {"C01": (53.714, "不合格", 1, False), "C02": (45.795, "不合格", 2, True)}


def _stored(engine):
    with engine.connect() as conn:
        school_rows = {
            r.school_code: (r.community_code, r.role, float(r.own_score), float(r.final_score))
            for r in conn.execute(select(assessment_school_scores).where(assessment_school_scores.c.school_year == Y))
        }
        community_rows = {
            r.community_code: (float(r.score), r.grade, r.rank, r.review_flag)
            for r in conn.execute(select(assessment_community_scores))
        }
        breakdown = [
            (
                r.school_code,
                r.item,
                r.input_name,
                None if r.value is None else float(r.value),
                None if r.weight is None else float(r.weight),
                r.note,
            )
            for r in conn.execute(select(assessment_breakdown).order_by(*assessment_breakdown.primary_key.columns))
        ]
    return school_rows, community_rows, breakdown


def test_the_computed_figures_of_the_city(engine):
    with engine.begin() as conn:
        build_city(conn)
    with engine.connect() as conn:
        figures = school_figures(conn, SchoolYear.parse(Y), eligibility_years=6, hours_required=72)
    assert figures == {
        N1: SchoolFigures(
            N1,
            roster_teachers=25,
            eligible_teachers=20,
            teachers_meeting_hours=9,
            rotated_teachers=1,
            backbone_rotated=1,
        ),
        N2: SchoolFigures(N2, 10, 0, 5, 0, 0),
        S1: SchoolFigures(S1, 0, 0, 0, 0, 0),
        S2: SchoolFigures(S2, 10, 10, 10, 2, 1),
        S3: SchoolFigures(S3, 0, 0, 0, 0, 0),
    }


def test_a_teacher_on_two_counties_latest_rosters_counts_once_at_the_newer(engine):
    with engine.begin() as conn:
        build_city(conn)
        # x01 moved from N2 (450202's latest roster: 2026-06) to S2 (450203's: 2026-08), tier backbone at S2
        # and rotated from S2 in the year: N2 keeps 10 teachers, S2 has 11 and 2 backbone of 3 rotated.
        mover = _teacher("x", 1)
        base = {"teacher_key": mover, "submission_id": 1, "current_school_since": dt.date(2010, 9, 1)}
        conn.execute(
            insert(roster_entries),
            [
                {**base, "county_code": NORTH, "period": "2026-06", "school_code": N2, "tier": "none"},
                {**base, "county_code": SOUTH, "period": "2026-08", "school_code": S2, "tier": "backbone"},
            ],
        )
        conn.execute(
            insert(teacher_flows),
            [
                {
                    "teacher_key": mover,
                    "to_school_code": S3,
                    "start_date": dt.date(2026, 8, 1),
                    "flow_type": "rotation",
                    "from_school_code": S2,
                    "planned_end_date": dt.date(2027, 1, 31),
                    "source_submission_id": 1,
                    "report_count": 1,
                    "has_conflict": False,
                }
            ],
        )
    with engine.connect() as conn:
        figures = school_figures(conn, SchoolYear.parse(Y), eligibility_years=6, hours_required=72)
    # A1's eligible come from each county's FIRST roster of the year: x01 is on 450202's first
    # (2026-06, at N2, since 2010: eligible there) and not on 450203's first (2026-07), so N2 has
    # 1 eligible and S2 keeps the 10 of its first roster; the latest rosters (B1) are unchanged.
    assert figures[N2] == SchoolFigures(N2, 10, 1, 5, 0, 0)
    assert figures[S2] == SchoolFigures(S2, 11, 10, 10, 3, 2)


def test_scores_of_the_city_are_the_hand_worked_ones_and_a_rerun_replaces_them(engine):
    with engine.begin() as conn:
        build_city(conn)
    summary = score_and_store(engine, Y, MODEL, provisional=False)
    assert (summary.schools, summary.communities, summary.flagged) == (5, 2, ["C02"])
    school_rows, community_rows, breakdown = _stored(engine)
    assert school_rows == EXPECTED_SCHOOLS
    assert community_rows == EXPECTED_COMMUNITIES
    n1 = {(item, name): (value, weight, note) for code, item, name, value, weight, note in breakdown if code == N1}
    assert n1[("A1", "rotated_teachers")][0] == 1
    assert n1[("A1", "eligible_teachers")][0] == 20
    assert n1[("A2", "score")] == (79.0, 0.5, None)
    assert n1[("B3b", "score")] == (85.714286, 0.2, None)
    assert n1[("B3b", "recipient_mean")] == (None, 0.0, "no ratings")
    assert n1[("B3b", "expert_mean")] == (90.0, 0.571429, "rescaled")  # .4 / .7
    # The lead's B3a: the mean of its two members' B3a (each 0: no activity, no pairing), with each named.
    assert n1[("B3a", "score")] == (0.0, 0.2, None)
    assert n1[("B3a", "member_schools")][0] == 2
    assert (n1[("B3a", f"member_{N2}")][0], n1[("B3a", f"member_{S1}")][0]) == (0.0, 0.0)
    assert n1[("B", "score")][0] == 57.942857
    assert n1[("C1", "score")] == (None, 0.0, "no ratings")
    assert n1[("C", "score")] == (None, 0.0, "n/a: nothing scorable")
    assert n1[("A", "score")] == (64.5, 0.5, "rescaled")
    assert n1[("own", "score")][0] == 61.221429
    s1 = {(item, name): (value, weight, note) for code, item, name, value, weight, note in breakdown if code == S1}
    assert s1[("B3a", "score")] == (0.0, 0.285714, "no roster: mentee share counted as 0; rescaled")
    assert s1[("B3a", "joint_activities")][0] == 0 and s1[("B3a", "roster_teachers")][0] == 0

    # Rerun as provisional: same rows, replaced, flag changed.
    score_and_store(engine, Y, MODEL, provisional=True)
    again, _, breakdown_again = _stored(engine)
    assert again == EXPECTED_SCHOOLS
    assert breakdown_again == breakdown
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(assessment_school_scores)).scalar() == 5
        assert set(conn.execute(select(assessment_community_scores.c.provisional)).scalars()) == {True}


def test_every_final_score_is_recomputed_by_hand_from_the_breakdown(engine):
    with engine.begin() as conn:
        build_city(conn)
    score_and_store(engine, Y, MODEL, provisional=False)
    school_rows, _, breakdown = _stored(engine)
    checklist_codes = {c.code for c in MODEL.checklists}
    for code, (_, _, own, final) in school_rows.items():
        rows = [r for r in breakdown if r[0] == code]
        scores = {r[1]: r for r in rows if r[2] == "score"}
        for checklist in MODEL.checklists:
            parts = [scores[i.code] for i in checklist.indicators if scores[i.code][3] is not None]
            if parts:  # checklist score = Σ indicator score × weight
                assert sum(p[3] * float(p[4]) for p in parts) == pytest.approx(scores[checklist.code][3], abs=1e-3)
        own_again = sum(r[3] * float(r[4]) for r in rows if r[1] in checklist_codes and r[3] is not None)
        assert own_again == pytest.approx(own, abs=1e-3)
        final_again = sum(r[3] * float(r[4]) for r in rows if r[1] == "bundle" and r[4] is not None)
        assert final_again == pytest.approx(final, abs=1e-3)


def test_the_same_warehouse_scores_the_same_on_sqlite_and_postgresql(sqlite_database, pg_database):
    from teachflow.warehouse.engine import make_engine
    from teachflow.warehouse.migrate import upgrade

    results = []
    for url in (sqlite_database, pg_database):
        upgrade(url)
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                build_city(conn)
            score_and_store(engine, Y, MODEL, provisional=False, computed_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC))
            results.append(_stored(engine))
        finally:
            engine.dispose()
    assert results[0] == results[1]
    assert results[0][0] == EXPECTED_SCHOOLS
    # every input, score and weight of the five schools, on both: 212 before B3a, + 9 rows of each member
    # (8 inputs and the score) + the leads' member scores, count and score (N1 2 + 1 + 1, S2 1 + 1 + 1)
    assert len(results[0][2]) == 212 + 3 * 9 + 4 + 3


def test_another_model_version_is_stored_beside_the_first(engine, tmp_path):
    with engine.begin() as conn:
        build_city(conn)
    score_and_store(engine, Y, MODEL, provisional=False)
    changed = tmp_path / "model.yaml"
    # The bureau moves 0.1 of weight from checklist C to checklist A.
    text = SHIPPED_MODEL_TEXT.replace(
        "    weight: 0.4\n    indicators:\n      - code: A1", "    weight: 0.5\n    indicators:\n      - code: A1"
    )
    text = text.replace("教师情感共振\n    weight: 0.2", "教师情感共振\n    weight: 0.1")
    changed.write_text(text, encoding="utf-8")
    other = load_model(changed)
    assert [c.weight for c in other.checklists] == [0.5, 0.4, 0.1]
    score_and_store(engine, Y, other, provisional=False)
    with engine.connect() as conn:
        hashes = dict(
            conn.execute(
                select(assessment_school_scores.c.model_hash, func.count()).group_by(
                    assessment_school_scores.c.model_hash
                )
            ).all()
        )
        s2_other = conn.execute(
            select(assessment_school_scores.c.own_score).where(
                assessment_school_scores.c.model_hash == other.sha256, assessment_school_scores.c.school_code == S3
            )
        ).scalar_one()
    assert hashes == {MODEL.sha256: 5, other.sha256: 5}
    # S3 is on no roster: A = (0 + 50)/2 = 25, B = 14.285714 (as above), C = 50
    # -> .5×25 + .4×14.285714 + .1×50 = 12.5 + 5.714286 + 5 = 23.214286
    assert float(s2_other) == 23.214


def test_outputs_excel_and_html(engine, tmp_path):
    from openpyxl import load_workbook

    with engine.begin() as conn:
        build_city(conn)
    score_and_store(engine, Y, MODEL, provisional=True, computed_at=dt.datetime(2026, 9, 2, 1, 30, tzinfo=dt.UTC))
    outputs = publish(engine, tmp_path / "reports", Y, MODEL)
    # The model's name and version are in the file names: another model never overwrites them.
    assert outputs.xlsx == tmp_path / "reports" / "assessment" / Y / f"教共体捆绑考核_v2025_{Y}.xlsx"
    workbook = load_workbook(outputs.xlsx)
    assert workbook.sheetnames == ["概览", "排名", "学校得分", "明细", "说明"]
    overview = workbook["概览"]
    assert overview["A1"].value == f"教共体捆绑考核 {Y} · 概览"
    # Asia/Shanghai: 01:30 UTC is 09:30 there.
    assert "计算于 2026-09-02 09:30（北京时间）" in overview["A2"].value and "暂定" in overview["A2"].value
    texts = [c.value for c in overview["A"] if isinstance(c.value, str)]
    assert "数据覆盖（本次考核依据的报送情况）" in texts and "政策口径与模型" in texts
    assert any("每学年 72 学时" in t for t in texts) and any("交流比例目标 10%" in t for t in texts)
    assert len(overview._charts) == 1
    ranking = list(workbook["排名"].iter_rows(min_row=4, values_only=True))
    assert ranking[0] == ("名次", "教共体代码", "教共体名称", "学校数", "得分", "等级", "列入复核", "状态")
    assert [row[:7] for row in ranking[1:]] == [
        (1, "C01", "城中教共体", 3, 53.714, "不合格", "否"),
        (2, "C02", "鱼峰教共体", 2, 45.795, "不合格", "是"),
    ]
    sheet = workbook["排名"]
    assert sheet.freeze_panes == "D5" and sheet.print_title_rows == "$4:$4"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert (sheet.page_setup.fitToWidth or 1) == 1 and sheet.page_setup.fitToHeight == 0  # 1 is the default
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet["E5"].number_format == "0.0"
    per_school = {row[2]: row for row in workbook["学校得分"].iter_rows(min_row=5, values_only=True)}
    assert per_school[N1][4:] == ("牵头学校", 64.5, 57.942857, None, 61.221, 56.325)
    detail = list(workbook["明细"].iter_rows(min_row=4, values_only=True))
    assert detail[0] == ("学校标识码", "学校名称", "项目", "输入", "数值", "权重", "说明")
    s1 = [row for row in detail[1:] if row[0] == S1]
    assert (S1, "鱼峰乡村小学", "A1 交流轮岗完成率", "得分", 0, 0.5, "无名册：该校不在本学年任何名册中，记 0 分") in s1
    assert any(r[3] == "学年初符合交流条件教师数（首期名册）" for r in s1)
    assert all(r[3].isascii() is False for r in detail[1:])  # every input named in Chinese
    workbook.close()
    page = outputs.html.read_text(encoding="utf-8")
    assert "<svg" in page and "城中教共体" in page and "暂定结果" in page and "数据覆盖" in page
    assert "2026-09-02 09:30" in page
    assert "<script" not in page and "https://" not in page
    assert not list(outputs.html.parent.glob(".*.tmp"))
    run = read_run(engine, Y, MODEL.sha256)
    assert [c["community_code"] for c in run.communities] == ["C01", "C02"]


def test_score_command(engine, warehouse_url, tmp_path, monkeypatch, capsys):
    from teachflow.commands import score as score_command

    with engine.begin() as conn:
        build_city(conn)
    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", warehouse_url)
    monkeypatch.setenv("TEACHFLOW_REPORTS", str(tmp_path / "reports"))
    parser = argparse.ArgumentParser()
    score_command.register(parser.add_subparsers())
    args = parser.parse_args(["score", "--school-year", Y])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert f"Joint assessment {Y} (final, model {MODEL.sha256[:12]}, revision 1)" in out
    assert "flagged for review: C02" in out
    assert (tmp_path / "reports" / "assessment" / Y / f"教共体捆绑考核_v2025_{Y}.html").exists()


def test_score_command_refuses_a_broken_model(tmp_path):
    from teachflow.cli import CommandError
    from teachflow.commands import score as score_command

    bad = tmp_path / "bad.yaml"
    bad.write_text(SHIPPED_MODEL_TEXT.replace("  bureau: 0.3", "  bureau: 0.2"), encoding="utf-8")
    parser = argparse.ArgumentParser()
    score_command.register(parser.add_subparsers())
    args = parser.parse_args(["score", "--school-year", Y, "--model", str(bad)])
    with pytest.raises(CommandError, match=r"bad.yaml line 16: weights of evaluator_groups sum to 0.9, not 1"):
        args.func(args)


def test_score_year_without_any_data_scores_zero_and_flags_every_community():
    members = [school("L", "C01", "lead"), school("M", "C01")]
    result = score_year(members, {}, [], MODEL)
    # No roster: A1 = B1 = 0 (reports.md), everything else n/a -> A = 0, B = 0, C drops -> own 0, final 0;
    # the community scores 0 (不合格) and is flagged, where it used to have no score and "reward" silence.
    assert [(s.own, s.final) for s in result.schools] == [(0.0, 0.0), (0.0, 0.0)]
    (community,) = result.communities
    assert (community.score, community.rank, community.grade, community.review_flag) == (0.0, 1, "不合格", True)


@pytest.mark.airflow
def test_the_joint_assessment_dag_scores_a_year_on_demand(tmp_path, monkeypatch, airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    from teachflow.warehouse.engine import make_engine
    from teachflow.warehouse.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        build_city(conn)
    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", url)
    monkeypatch.setenv("TEACHFLOW_REPORTS", str(tmp_path / "reports"))

    dag = DagBag(dag_folder="dags/joint_assessment.py").get_dag("joint_assessment")
    for t in dag.tasks:
        t.retries = 0
    # A manual run on 1 May 2026 for 2025-2026: the year has not ended, so the scores are provisional.
    run = dag.test(logical_date=dt.datetime(2026, 5, 1, 1, tzinfo=dt.UTC), run_conf={"school_year": Y})
    assert run.state == "success"
    school_rows, community_rows, _ = _stored(engine)
    with engine.connect() as conn:
        flags = set(conn.execute(select(assessment_school_scores.c.provisional)).scalars())
    engine.dispose()
    assert school_rows == EXPECTED_SCHOOLS
    assert community_rows == EXPECTED_COMMUNITIES
    assert flags == {True}
    assert (tmp_path / "reports" / "assessment" / Y / f"教共体捆绑考核_v2025_{Y}.xlsx").exists()


def test_score_command_checks_a_model_without_scoring(capsys):
    from teachflow.commands import score as score_command

    parser = argparse.ArgumentParser()
    score_command.register(parser.add_subparsers())
    args = parser.parse_args(["score", "--school-year", Y, "--check-model"])
    assert args.func(args) == 0
    assert capsys.readouterr().out == (
        f"Scoring model joint_assessment.yaml is valid (sha256 {MODEL.sha256}); rated: ['A2', 'B3b', 'C1']\n"
    )
