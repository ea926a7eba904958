"""The monthly report's 帮扶与结对 section on a small hand-built city, every figure worked out by hand.

The city (``tests.citykit``): counties NORTH (schools N1, N2) and SOUTH (S1, S2) of city CITY;
community C01 = N1 (lead), S1, S2; N2 is in no community. Report month M = 2026-10: month_end
2026-10-31, sy_start 2026-09-01. Pairings and activities go straight into the merged warehouse
tables (``pairings``, ``support_activities``) the report reads; each test runs on SQLite and on
PostgreSQL (the ``city`` fixture), through ``compute_rotation_report``, the one run the DAG and
the CLI make, which computes the section in the same transaction as the rotation figures.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import delete, insert, select, update

from teachflow.reports.rotation import compute_rotation_report
from teachflow.reports.support import load_support_report
from teachflow.warehouse.engine import make_engine
from teachflow.warehouse.migrate import upgrade
from teachflow.warehouse.schema import (
    communities,
    community_schools,
    counties,
    pairings,
    report_coverage,
    report_rotation_monthly,
    report_rotation_overdue,
    report_support_by_type,
    report_support_monthly,
    schools,
    submissions,
    summary_teacher_months,
    support_activities,
)
from tests.citykit import CITY, N1, N2, NORTH, S1, S2, SOUTH
from tests.test_rotation_report import build_city

D = dt.date
M = "2026-10"

FILLED_TABLES = (
    report_support_by_type,
    report_support_monthly,
    report_rotation_overdue,
    report_rotation_monthly,
    report_coverage,
    summary_teacher_months,
    support_activities,
    pairings,
    submissions,
    community_schools,
    communities,
    schools,
    counties,
)


@pytest.fixture(scope="module")
def module_engine(module_warehouse_url):
    """One migrated warehouse per engine for the whole module (conftest's ``module_warehouse_url``)."""
    engine = make_engine(module_warehouse_url)
    yield engine
    engine.dispose()


@pytest.fixture
def city(module_engine):
    """The citykit city in an emptied warehouse, on SQLite and on PostgreSQL."""
    with module_engine.begin() as conn:
        for table in FILLED_TABLES:
            conn.execute(table.delete())
    build_city(module_engine)
    return module_engine


def pairing(mentor, mentee, start, mentor_school, mentee_school, planned_end, actual_end=None, reports=1) -> dict:
    return {
        "mentor_key": mentor,
        "mentee_key": mentee,
        "start_date": start,
        "pairing_type": "mentor_apprentice",
        "mentor_school_code": mentor_school,
        "mentee_school_code": mentee_school,
        "planned_end_date": planned_end,
        "actual_end_date": actual_end,
        "mentee_birth_year": 1995,
        "source_submission_id": 1,
        "report_count": reports,
        "has_conflict": False,
    }


def activity(host, day, kind, target, host_school, mode, participants, periods) -> dict:
    return {
        "host_key": host,
        "activity_date": day,
        "activity_type": kind,
        "target_school_code": target,
        "host_school_code": host_school,
        "mode": mode,
        "participants": participants,
        "periods": Decimal(str(periods)),
        "mentee_key": None,
        "on_request": "no",
        "topic": None,
        "source_submission_id": 1,
        "report_count": 1,
        "has_conflict": False,
    }


#: NORTH = N1, N2; SOUTH = S1, S2; C01 = N1, S1, S2. Month end 2026-10-31.
PAIRINGS = [
    # p1 m1@N1 -> e1@S1: across the counties, reported by both (one merged row, report_count 2); active.
    pairing("m1", "e1", D(2026, 9, 1), N1, S1, D(2027, 7, 15), reports=2),
    # p2 m1@N1 -> e2@N2: started in M (10-10); active; both schools in NORTH.
    pairing("m1", "e2", D(2026, 10, 10), N1, N2, D(2027, 6, 30)),
    # p3 m2@S2 -> e3@S1: planned end 2026-08-31 passed, no end reported: active and overdue.
    pairing("m2", "e3", D(2025, 9, 1), S2, S1, D(2026, 8, 31)),
    # p4 m3@N2 -> e4@S2: ended in M (10-15): not active at month end.
    pairing("m3", "e4", D(2026, 3, 1), N2, S2, D(2026, 12, 31), D(2026, 10, 15)),
    # p5 m4@S1 -> e5@S2: starts after M: counts nowhere.
    pairing("m4", "e5", D(2026, 11, 2), S1, S2, D(2027, 6, 30)),
    # p6 m2@S2 -> e6@N2: ended before M (06-30): counts nowhere.
    pairing("m2", "e6", D(2025, 3, 1), S2, N2, D(2026, 7, 15), D(2026, 6, 30)),
]

ACTIVITIES = [
    # a1 demonstration lesson by h1@N1 for S1, onsite: 30 person-times, 1 lesson.
    activity("h1", D(2026, 10, 12), "demonstration_lesson", S1, N1, "onsite", 30, 1),
    # a2 the same lesson streamed to S2 (a row per target school), online: 20, 1. Host in the other county.
    activity("h1", D(2026, 10, 12), "demonstration_lesson", S2, N1, "online", 20, 1),
    # a3 joint research at N2 by h2@N2 for its own school, onsite: 12, 3 hours.
    activity("h2", D(2026, 10, 20), "joint_research", N2, N2, "onsite", 12, 3),
    # a4 lecture by h3@S2 (SOUTH) for N1 (NORTH), onsite: 50, 2.
    activity("h3", D(2026, 10, 25), "lecture", N1, S2, "onsite", 50, 2),
    # a8 guidance by h4@S1 for N2, online: 8, 1.5 hours.
    activity("h4", D(2026, 10, 28), "guidance", N2, S1, "online", 8, 1.5),
    # a9 demonstration lesson by h5@S1 for S1, onsite: 25, 2 (same type and mode as a1).
    activity("h5", D(2026, 10, 12), "demonstration_lesson", S1, S1, "onsite", 25, 2),
    # a5 September (same school year, not M): only in the _sy figures. Target S1: 5 person-times.
    activity("h1", D(2026, 9, 15), "guidance", S1, N1, "onsite", 5, 2),
    # a6 August (the previous school year) and a7 November (after M): nowhere.
    activity("h1", D(2026, 8, 20), "outreach", S1, N1, "onsite", 40, 4),
    activity("h2", D(2026, 11, 3), "lecture", N1, N2, "onsite", 10, 1),
]

FIGURES = (
    "pairings_active",
    "pairings_started",
    "pairings_ended",
    "pairings_overdue",
    "mentors_active",
    "mentees_active",
    "activities_month",
    "activities_given_month",
    "person_times_month",
    "periods_month",
    "online_share",
    "activities_sy",
    "person_times_sy",
)


def fill(engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(pairings), PAIRINGS)
        conn.execute(insert(support_activities), ACTIVITIES)


def monthly(engine, period: str = M) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(report_support_monthly).where(report_support_monthly.c.period == period))
        return {r.scope_code: dict(r._mapping) for r in rows}


def by_type(engine, period: str = M) -> dict[tuple, tuple]:
    """(scope_code, type, mode) -> (activities, person_times, periods, revision)."""
    t = report_support_by_type.c
    with engine.connect() as conn:
        rows = conn.execute(select(report_support_by_type).where(t.period == period))
        return {
            (r.scope_code, r.activity_type, r.mode): (r.activities, r.person_times, Decimal(str(r.periods)), r.revision)
            for r in rows
        }


def figures(row: dict) -> tuple:
    out = []
    for name in FIGURES:
        value = row[name]
        out.append(Decimal(str(value)).normalize() if isinstance(value, Decimal | float) else value)
    return tuple(out)


def dec(text: str) -> Decimal:
    return Decimal(text).normalize()


def test_every_scope_has_a_row_even_without_pairings_or_activities(city):
    result = compute_rotation_report(city, M)

    rows = monthly(city)
    assert result.support is not None and result.support.scopes.inserted == 4 and result.support.revision == 1
    assert {code: (r["scope"], r["scope_name"]) for code, r in rows.items()} == {
        CITY: ("city", "示例市"),
        NORTH: ("county", "城中区"),
        SOUTH: ("county", "鱼峰区"),
        "C01": ("community", "城中教共体"),
    }
    assert figures(rows[NORTH]) == (0,) * 9 + (dec("0"), None, 0, 0)  # online_share blank: no activity
    assert by_type(city) == {}


def test_the_figures_of_a_small_city_by_hand(city):
    fill(city)
    compute_rotation_report(city, M)
    rows = monthly(city)

    # --- pairings, active at 10-31: p1, p2, p3 (p4 ended 10-15, p5 starts in November, p6 ended in June).
    # CITY: every pairing once. active p1 p2 p3 = 3; started p2 = 1; ended p4 = 1; overdue p3 = 1;
    #   mentors of active pairings m1 (p1, p2), m2 (p3) = 2; mentees e1, e2, e3 = 3.
    # NORTH (N1, N2): p1 (N1), p2 (N1 and N2: once), p4 (N2). active p1 p2 = 2; started p2 = 1;
    #   ended p4 = 1; overdue 0; mentors at a NORTH school m1 = 1; mentees at a NORTH school e2 = 1.
    # SOUTH (S1, S2): p1 (S1: the pairing both counties reported, once), p3 (S2 and S1: once), p4 (S2).
    #   active p1 p3 = 2; started 0; ended p4 = 1; overdue p3 = 1; mentors m2 = 1; mentees e1, e3 = 2.
    # C01 (N1, S1, S2): p1 (N1 and S1: once), p2 (N1), p3, p4. active p1 p2 p3 = 3; started p2 = 1;
    #   ended p4 = 1; overdue p3 = 1; mentors m1@N1, m2@S2 = 2; mentees e1@S1, e3@S1 = 2 (e2 is at N2).
    #
    # --- activities of October: a1 a2 a3 a4 a8 a9; a5 (September) in the _sy figures only.
    # CITY: 6 rows; given 6; person-times 30+20+12+50+8+25 = 145; periods 1+1+3+2+1.5+2 = 10.5;
    #   online a2 a8 = 2 of 6 = 0.333333; school year 6 + a5 = 7 rows, 145 + 5 = 150 person-times.
    # NORTH: targets a3@N2, a4@N1, a8@N2 = 3; hosts a1 a2 (N1), a3 (N2) = 3; 12+50+8 = 70;
    #   3+2+1.5 = 6.5; online a8 = 1 of 3 = 0.333333; school year 3, 70 (a5 targets S1).
    # SOUTH: targets a1@S1, a2@S2, a9@S1 = 3; hosts a4 (S2), a8 (S1), a9 (S1) = 3; 30+20+25 = 75;
    #   1+1+2 = 4; online a2 = 1 of 3 = 0.333333; school year 3 + a5 = 4, 75 + 5 = 80.
    # C01: targets a1, a2, a4@N1, a9 = 4; hosts a1 a2 (N1), a4 (S2), a8 (S1), a9 (S1) = 5;
    #   30+20+50+25 = 125; 1+1+2+2 = 6; online a2 = 1 of 4 = 0.25; school year 5, 130.
    third = dec("0.333333")
    assert figures(rows[CITY]) == (3, 1, 1, 1, 2, 3, 6, 6, 145, dec("10.5"), third, 7, 150)
    assert figures(rows[NORTH]) == (2, 1, 1, 0, 1, 1, 3, 3, 70, dec("6.5"), third, 3, 70)
    assert figures(rows[SOUTH]) == (2, 0, 1, 1, 1, 2, 3, 3, 75, dec("4"), third, 4, 80)
    assert figures(rows["C01"]) == (3, 1, 1, 1, 2, 2, 4, 5, 125, dec("6"), dec("0.25"), 5, 130)

    # By type and mode, target side, October only: a1 + a9 share (demonstration_lesson, onsite).
    assert {k: v[:3] for k, v in by_type(city).items()} == {
        (CITY, "demonstration_lesson", "onsite"): (2, 55, Decimal("3")),  # a1 30 + a9 25; 1 + 2
        (CITY, "demonstration_lesson", "online"): (1, 20, Decimal("1")),  # a2
        (CITY, "joint_research", "onsite"): (1, 12, Decimal("3")),  # a3
        (CITY, "lecture", "onsite"): (1, 50, Decimal("2")),  # a4
        (CITY, "guidance", "online"): (1, 8, Decimal("1.5")),  # a8
        (NORTH, "joint_research", "onsite"): (1, 12, Decimal("3")),  # a3@N2
        (NORTH, "lecture", "onsite"): (1, 50, Decimal("2")),  # a4@N1
        (NORTH, "guidance", "online"): (1, 8, Decimal("1.5")),  # a8@N2
        (SOUTH, "demonstration_lesson", "onsite"): (2, 55, Decimal("3")),  # a1@S1, a9@S1
        (SOUTH, "demonstration_lesson", "online"): (1, 20, Decimal("1")),  # a2@S2
        ("C01", "demonstration_lesson", "onsite"): (2, 55, Decimal("3")),
        ("C01", "demonstration_lesson", "online"): (1, 20, Decimal("1")),
        ("C01", "lecture", "onsite"): (1, 50, Decimal("2")),  # a4@N1
    }

    # The section read back for the outputs: scope names beside the type rows.
    data = load_support_report(city, M)
    assert data.computed and data.revision == 1
    assert [r["scope_code"] for r in data.rows["county"]] == [NORTH, SOUTH]
    assert {r["scope_name"] for r in data.by_type["community"]} == {"城中教共体"}


def test_a_rerun_changes_nothing_and_late_data_raises_only_the_rows_it_changes(city):
    fill(city)
    first = compute_rotation_report(city, M, now=dt.datetime(2026, 11, 6, tzinfo=dt.UTC))
    before, types_before = monthly(city), by_type(city)

    again = compute_rotation_report(city, M, now=dt.datetime(2026, 11, 7, tzinfo=dt.UTC))
    assert monthly(city) == before and by_type(city) == types_before  # not even computed_at moves
    assert (first.support.revision, again.support.revision, again.unchanged, again.support.unchanged) == (
        1,
        1,
        True,
        True,
    )

    # A late activities file: an open lesson at N2 for N2 (NORTH, no community). CITY and NORTH change,
    # SOUTH and C01 do not; two new type rows (CITY and NORTH) come in at revision 1.
    late_day = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    with city.begin() as conn:
        conn.execute(
            insert(support_activities), [activity("h6", D(2026, 10, 30), "open_lesson", N2, N2, "onsite", 15, 1)]
        )
    late = compute_rotation_report(city, M, now=late_day)
    after = monthly(city)
    assert {code: r["revision"] for code, r in after.items()} == {CITY: 2, NORTH: 2, SOUTH: 1, "C01": 1}
    assert after[SOUTH] == before[SOUTH] and after["C01"] == before["C01"]
    assert after[NORTH]["computed_at"].replace(tzinfo=dt.UTC) == late_day
    # NORTH: 3 + 1 = 4 activities, 70 + 15 = 85 person-times, online still a8 only: 1 of 4.
    assert figures(after[NORTH])[6:11] == (4, 4, 85, dec("7.5"), dec("0.25"))
    s = late.support
    assert (s.scopes.changed, s.scopes.inserted, s.by_type.inserted, s.by_type.changed, s.revision) == (2, 0, 2, 0, 2)
    # The rotation figures did not change, the section did: the run is not "unchanged" (files rewritten).
    assert (late.changed, late.revision, late.unchanged) == (0, 1, False)
    types = by_type(city)
    assert types[(NORTH, "open_lesson", "onsite")] == (1, 15, Decimal("1"), 1)
    assert {k: v for k, v in types.items() if k[1] != "open_lesson"} == types_before

    # A correction: a9 was online, and a3 never took place. The (demonstration_lesson, onsite/online)
    # rows of CITY, SOUTH and C01 change; a3's two type rows go; a pairing correction ends p3 in M.
    with city.begin() as conn:
        conn.execute(update(support_activities).where(support_activities.c.host_key == "h5").values(mode="online"))
        conn.execute(delete(support_activities).where(support_activities.c.host_key == "h2"))
        conn.execute(update(pairings).where(pairings.c.mentee_key == "e3").values(actual_end_date=D(2026, 10, 20)))
    fixed = compute_rotation_report(city, M).support
    types = by_type(city)
    assert (CITY, "joint_research", "onsite") not in types and (NORTH, "joint_research", "onsite") not in types
    assert types[(SOUTH, "demonstration_lesson", "onsite")] == (1, 30, Decimal("1"), 2)  # a1 alone
    assert types[(SOUTH, "demonstration_lesson", "online")] == (2, 45, Decimal("3"), 2)  # a2 + a9
    assert types[(NORTH, "lecture", "onsite")][3] == 1  # untouched
    assert (fixed.by_type.removed, fixed.by_type.changed) == (2, 6)  # 2 rows x CITY, SOUTH, C01
    rows = monthly(city)
    assert {code: r["revision"] for code, r in rows.items()} == {CITY: 3, NORTH: 3, SOUTH: 2, "C01": 2}
    # SOUTH: p3 now ended in M: active p1 = 1, ended p3 p4 = 2, overdue 0;
    # mentors none active at a SOUTH school; mentees e1 = 1. Online a2 a9 = 2 of 3.
    assert figures(rows[SOUTH])[:6] == (1, 0, 2, 0, 0, 1)
    assert rows[SOUTH]["online_share"] is not None and figures(rows[SOUTH])[10] == dec("0.666667")


# --- the section in the month's workbook and page ------------------------------------------------


def test_the_command_writes_the_section_into_the_workbook_and_the_page(sqlite_database, monkeypatch, capsys, tmp_path):
    """``teachflow report rotation`` (the path the DAG's tasks share) computes and publishes the section."""
    from openpyxl import load_workbook

    from teachflow.cli import main

    upgrade(sqlite_database)
    engine = make_engine(sqlite_database)
    build_city(engine)
    fill(engine)
    engine.dispose()
    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", sqlite_database)
    monkeypatch.setenv("TEACHFLOW_REPORTS", str(tmp_path / "reports"))

    assert main(["report", "rotation", "--month", M]) == 0
    out = capsys.readouterr().out
    assert "Support and pairing (帮扶与结对) 2026-10: revision 1, 4 scopes, 13 type row(s)" in out

    folder = tmp_path / "reports" / "rotation" / M
    wb = load_workbook(folder / f"交流轮岗月报_{M}.xlsx")
    sheet = wb["帮扶与结对"]
    assert "帮扶与结对 Support and pairing" in sheet["A2"].value
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    header_row = next(i for i, row in enumerate(cells) if row[0] == "范围\nScope")
    header = cells[header_row]
    assert header[:4] == ["范围\nScope", "代码\nCode", "名称\nName", "在结对数\nPairings active"]
    body = {row[1]: dict(zip(header, row, strict=True)) for row in cells[header_row + 1 : header_row + 5]}
    assert list(body) == [CITY, NORTH, SOUTH, "C01"]  # city, the counties, the communities
    north = body[NORTH]
    assert (north["范围\nScope"], north["名称\nName"]) == ("区县 County", "城中区")
    assert north["在结对数\nPairings active"] == 2
    assert (north["本月受援活动\nActivities received"], north["本月送出活动\nActivities given"]) == (3, 3)
    assert north["本月节数/学时\nLessons / hours"] == 6.5 and round(north["线上占比\nOnline share"], 6) == 0.333333
    assert body[SOUTH]["超期未结束\nPast planned end"] == 1
    assert body[CITY]["本学年参与人次\nPerson-times, school year"] == 150
    assert sheet.freeze_panes == f"D{header_row + 2}"
    assert any("月末在结对 3 对" in str(row[0]) for row in cells[:header_row])  # the city's sentences

    types = [[c.value for c in row] for row in wb["帮扶活动类型"].iter_rows()]
    type_header = next(i for i, row in enumerate(types) if row[0] == "范围\nScope")
    type_rows = [row for row in types[type_header + 1 :] if row[0]]
    assert len(type_rows) == 13
    assert ["全市 City", CITY, "示例市", "示范课 Demonstration lesson", "线下 Onsite", 2, 55, 3] in type_rows
    assert ["区县 County", NORTH, "城中区", "教学指导 Teaching guidance", "线上 Online", 1, 8, 1.5] in type_rows
    notes = [c.value for c in wb["说明"]["A"] if c.value]
    assert "帮扶与结对 Support and pairing：指标定义" in notes
    assert any("月末在结对 3 对" in str(c.value) for c in wb["概览"]["A"])

    page = (folder / f"交流轮岗月报_{M}.html").read_text(encoding="utf-8")
    section = page.split("<h2>帮扶与结对 Support and pairing</h2>", 1)[1].split("<h2>", 1)[0]
    assert section.count("<svg") == 2 and "本月帮扶活动（按类型，全市）" in section
    assert "在结对数\nPairings active" in section and "城中教共体" in section
    assert "示范课 Demonstration lesson" in section
    assert "<script" not in page
