"""The joint assessment as reports.md now defines it (issue #16), on a small hand-built city.

NORTH (N1, N2) sends rosters in 2025-2026; SOUTH (S1, S2) sent one in the year before only.
Community C01 = N1 (lead), S1; community C02 = N2 (lead), S2.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import insert, select

from teachflow.calendar import SchoolYear
from teachflow.reports.coverage import year_coverage
from teachflow.scoring.computed import school_figures
from teachflow.scoring.model import load_model
from teachflow.scoring.run import rescore_final_years, score_and_store
from teachflow.settings import load_settings
from teachflow.warehouse.schema import (
    assessment_breakdown,
    assessment_community_scores,
    roster_entries,
    teacher_flows,
    training_records,
)
from tests.citykit import N1, N2, NORTH, S1, S2, SOUTH, insert_city

Y = "2025-2026"
MODEL = load_model(None)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def build(conn) -> None:
    insert_city(
        conn,
        [
            (N1, "城中实验小学", NORTH),
            (N2, "城中第二小学", NORTH),
            (S1, "鱼峰乡村小学", SOUTH),
            (S2, "鱼峰镇中学", SOUTH),
        ],
        [
            (N1, "C01", "城中教共体", "lead"),
            (S1, "C01", "城中教共体", "member"),
            (N2, "C02", "城北教共体", "lead"),
            (S2, "C02", "城北教共体", "member"),
        ],
        ledger_period="2025-09",
    )
    rows = []

    def entry(county, period, key, school, since):
        rows.append(
            {
                "county_code": county,
                "period": period,
                "teacher_key": key,
                "submission_id": 1,
                "school_code": school,
                "current_school_since": since,
                "tier": "none",
            }
        )

    # N1's first roster of the year (2025-09): 10 teachers, all there since 2010 (eligible).
    for i in range(10):
        entry(NORTH, "2025-09", f"n{i}", N1, dt.date(2010, 9, 1))
    # The latest (2026-03): n0..n4 left, five newcomers since 2025 (not eligible). The latest roster
    # would give 5 eligible; the first gives 10, as reports.md says ("eligible at sy_start").
    for i in range(5, 10):
        entry(NORTH, "2026-03", f"n{i}", N1, dt.date(2010, 9, 1))
    for i in range(5):
        entry(NORTH, "2026-03", f"m{i}", N1, dt.date(2025, 9, 1))
    entry(NORTH, "2026-03", "k0", N2, dt.date(2024, 9, 1))
    # SOUTH sent a roster in the previous year only.
    for i in range(4):
        entry(SOUTH, "2025-06", f"s{i}", S1, dt.date(2010, 9, 1))
    conn.execute(insert(roster_entries), rows)
    conn.execute(
        insert(teacher_flows),
        [
            {
                "teacher_key": key,
                "to_school_code": to,
                "start_date": dt.date(2025, 10, 1),
                "flow_type": "rotation",
                "from_school_code": origin,
                "planned_end_date": dt.date(2026, 7, 1),
                "actual_end_date": None,
                "source_submission_id": 1,
                "report_count": 1,
                "has_conflict": False,
            }
            for key, origin, to in (("n9", N1, S1), ("s0", S1, N1))
        ],
    )
    # n5..n9 trained 12.5 学时 by October; the newcomers nothing.
    conn.execute(
        insert(training_records),
        [
            {
                "teacher_key": f"n{i}",
                "program_code": "P1",
                "start_date": dt.date(2025, 10, 10),
                "submission_id": 1,
                "county_code": NORTH,
                "level": "city",
                "mode": "online",
                "end_date": dt.date(2025, 10, 12),
                "hours": Decimal("12.5"),
            }
            for i in range(5, 10)
        ],
    )


def breakdown(engine, school: str) -> dict[tuple[str, str], tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(assessment_breakdown).where(
                assessment_breakdown.c.school_code == school, assessment_breakdown.c.model_hash == MODEL.sha256
            )
        ).all()
    return {(r.item, r.input_name): (None if r.value is None else float(r.value), r.note) for r in rows}


def test_eligibility_from_the_first_roster_and_no_roster_counties(engine):
    with engine.begin() as conn:
        build(conn)
    with engine.connect() as conn:
        figures = school_figures(conn, SchoolYear.parse(Y), eligibility_years=6, hours_required=72)
    assert figures[N1].eligible_teachers == 10 and figures[N1].roster_teachers == 10
    assert figures[N1].county_has_roster and not figures[S1].county_has_roster and not figures[S2].county_has_roster
    score_and_store(engine, Y, MODEL, provisional=False, computed_at=dt.datetime(2026, 9, 7, tzinfo=dt.UTC))
    n1 = breakdown(engine, N1)
    # A1 = min(1, (1 rotated / 10 eligible) / 0.10) × 100 = 100
    assert n1[("A1", "eligible_teachers")][0] == 10 and n1[("A1", "score")][0] == 100.0
    s1 = breakdown(engine, S1)
    # S1 rotated s0, but its county sent no roster in the year: A1 and B1 are 0, not n/a.
    assert s1[("A1", "score")] == (0.0, "no roster: the county sent no roster this school year; rescaled")
    assert s1[("B1", "score")][0] == 0.0 and s1[("B1", "score")][1].startswith("no roster")
    with engine.connect() as conn:
        coverage = year_coverage(conn, SchoolYear.parse(Y), at=dt.datetime(2026, 9, 7, tzinfo=dt.UTC))
    assert coverage.lines_zh[0] == "鱼峰区本学年未报送任何教师名册：其学校的 A1、B1 记 0 分（无名册）。"


def test_a_provisional_run_prorates_the_72_hours(engine):
    with engine.begin() as conn:
        build(conn)
    # A run on 1 November 2025 (Beijing) counts September and October: 72 × 2 / 12 = 12 学时.
    run = dt.datetime(2025, 11, 1, 3, tzinfo=SHANGHAI)
    summary = score_and_store(engine, Y, MODEL, provisional=True, computed_at=run)
    assert summary.months_elapsed == 2 and "prorated to 2 month(s)" in summary.text()
    n1 = breakdown(engine, N1)
    # Latest roster by then: 2025-09 (10 teachers); n5..n9 have 12.5 ≥ 12: 5 of 10 -> 50 (72 would give 0).
    assert n1[("B1", "hours_required")][0] == 12.0
    assert n1[("B1", "teachers_meeting_hours")][0] == 5 and n1[("B1", "score")][0] == 50.0
    # The final run holds everyone to the full 72: nobody meets it.
    score_and_store(engine, Y, MODEL, provisional=False, computed_at=dt.datetime(2026, 9, 7, tzinfo=dt.UTC))
    assert breakdown(engine, N1)[("B1", "score")][0] == 0.0


def test_a_late_submission_re_runs_the_final_score_with_a_new_revision(engine, warehouse_url, monkeypatch):
    with engine.begin() as conn:
        build(conn)
    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", warehouse_url)
    settings = load_settings()
    first = score_and_store(engine, Y, MODEL, provisional=False, settings=settings)
    again = score_and_store(engine, Y, MODEL, provisional=False, settings=settings)
    assert (first.revision, again.revision) == (1, 1)  # nothing changed: same revision
    with engine.begin() as conn:  # a late training file: n5..n9 reach 72 学时
        conn.execute(
            insert(training_records),
            [
                {
                    "teacher_key": f"n{i}",
                    "program_code": "P2",
                    "start_date": dt.date(2026, 5, 1),
                    "submission_id": 1,
                    "county_code": NORTH,
                    "level": "city",
                    "mode": "online",
                    "end_date": dt.date(2026, 5, 20),
                    "hours": Decimal("60"),
                }
                for i in range(5, 10)
            ],
        )
    (rerun,) = rescore_final_years(engine, settings, ["2026-05"], MODEL)
    assert (rerun.school_year, rerun.provisional, rerun.revision) == (Y, False, 2)
    with engine.connect() as conn:
        assert set(conn.execute(select(assessment_community_scores.c.revision)).scalars()) == {2}
    assert rescore_final_years(engine, settings, ["2024-05"], MODEL) == []  # no final scores of that year
