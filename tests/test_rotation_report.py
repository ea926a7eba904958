"""The monthly rotation report on small hand-built cities, with every expected figure worked out by hand.

The city (``tests.citykit``): counties NORTH (schools N1, N2) and SOUTH (S1, S2) of city CITY;
community C01 = N1 (lead), S1, S2; N2 is in no community. Each test adds the rows of one edge
straight into the warehouse tables and runs on SQLite and on PostgreSQL (the ``engine`` fixture).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, update

from teachflow.calendar import previous_period
from teachflow.policy import Policy
from teachflow.reports.months import months_to_refresh, report_month
from teachflow.reports.rotation import compute_rotation_report, reported_periods
from teachflow.warehouse.engine import make_engine
from teachflow.warehouse.migrate import upgrade
from teachflow.warehouse.schema import (
    communities,
    community_schools,
    counties,
    report_rotation_monthly,
    report_rotation_overdue,
    roster_entries,
    schools,
    submissions,
    teacher_flows,
    training_records,
)
from tests.citykit import CITY, N1, N2, NORTH, S1, S2, SOUTH, insert_city

D = dt.date


def build_city(engine) -> None:
    """Reference data of the citykit city and one ledger row for the foreign keys."""
    with engine.begin() as conn:
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
                (S2, "C01", "城中教共体", "member"),
            ],
            ledger_period="2026-10",
        )


def roster(engine, county: str, period: str, *teachers: tuple) -> None:
    """teachers: (teacher_key, school_code, current_school_since[, tier])."""
    rows = [
        {
            "county_code": county,
            "period": period,
            "teacher_key": t[0],
            "submission_id": 1,
            "school_code": t[1],
            "current_school_since": t[2],
            "tier": t[3] if len(t) > 3 else "none",
        }
        for t in teachers
    ]
    with engine.begin() as conn:
        conn.execute(insert(roster_entries), rows)


def flow_row(teacher, flow_type, from_school, to_school, start, planned_end=None, actual_end=None) -> dict:
    return {
        "teacher_key": teacher,
        "flow_type": flow_type,
        "from_school_code": from_school,
        "to_school_code": to_school,
        "start_date": start,
        "planned_end_date": planned_end,
        "actual_end_date": actual_end,
        "source_submission_id": 1,
        "report_count": 1,
        "has_conflict": False,
    }


def training_row(teacher, program, start, end, hours) -> dict:
    return {
        "teacher_key": teacher,
        "program_code": program,
        "start_date": start,
        "submission_id": 1,
        "county_code": NORTH,
        "level": "city",
        "mode": "online",
        "end_date": end,
        "hours": Decimal(str(hours)),
    }


def flow(engine, *args) -> None:
    with engine.begin() as conn:
        conn.execute(insert(teacher_flows), [flow_row(*args)])


def training(engine, *args) -> None:
    with engine.begin() as conn:
        conn.execute(insert(training_records), [training_row(*args)])


def report(engine, period: str) -> dict[str, dict]:
    """The stored rows of ``period`` by scope code (CITY, NORTH, SOUTH, C01)."""
    with engine.connect() as conn:
        rows = conn.execute(select(report_rotation_monthly).where(report_rotation_monthly.c.period == period))
        return {r.scope_code: dict(r._mapping) for r in rows}


def pick(row: dict, *names: str) -> tuple:
    return tuple(row[n] for n in names)


FLOWS = ("active_out", "active_in", "started_out", "ended_out", "overdue_out", "transfers_in", "transfers_out")


#: Tables a test fills, children first: emptied between tests of one module-wide warehouse.
FILLED_TABLES = (
    report_rotation_overdue,
    report_rotation_monthly,
    training_records,
    teacher_flows,
    roster_entries,
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


def test_every_scope_has_a_row_even_without_data(city):
    result = compute_rotation_report(city, "2026-10")

    rows = report(city, "2026-10")
    assert result.scopes == 4 and result.inserted == 4 and result.revision == 1
    assert {code: (r["scope"], r["scope_name"]) for code, r in rows.items()} == {
        CITY: ("city", "示例市"),
        NORTH: ("county", "城中区"),
        SOUTH: ("county", "鱼峰区"),
        "C01": ("community", "城中教共体"),
    }
    empty = rows[NORTH]
    assert pick(empty, *FLOWS, "eligible_teachers", "rotated_sy", "roster_teachers") == (0,) * 10
    assert pick(empty, "rotation_rate", "backbone_share", "rotation_target_met", "backbone_target_met") == (None,) * 4
    assert empty["training_hours_month"] == 0 and empty["training_on_track_share"] is None


def test_a_flow_ending_exactly_on_month_end_is_ended_not_active(city):
    # Rotation N1 -> S1 from 1 Sep, back on 31 Oct = month_end of 2026-10.
    flow(city, "t1", "rotation", N1, S1, D(2026, 9, 1), D(2027, 1, 31), D(2026, 10, 31))
    compute_rotation_report(city, "2026-09")
    compute_rotation_report(city, "2026-10")

    sep, oct_ = report(city, "2026-09"), report(city, "2026-10")
    # September: active (ends after its month_end), started in September.
    assert pick(sep[NORTH], *FLOWS) == (1, 0, 1, 0, 0, 0, 0)
    assert pick(sep[SOUTH], *FLOWS) == (0, 1, 0, 0, 0, 0, 0)
    # October: actual_end = month_end is not "> month_end": no longer active, ended in October.
    assert pick(oct_[NORTH], *FLOWS) == (0, 0, 0, 1, 0, 0, 0)
    assert pick(oct_[SOUTH], *FLOWS) == (0, 0, 0, 0, 0, 0, 0)
    # The city holds both schools; C01 holds N1 and S1.
    assert pick(oct_[CITY], *FLOWS) == (0, 0, 0, 1, 0, 0, 0)
    assert pick(sep["C01"], *FLOWS) == (1, 1, 1, 0, 0, 0, 0)
    # It started in the school year: t1 rotated from NORTH in both months.
    assert oct_[NORTH]["rotated_sy"] == 1 and oct_[SOUTH]["rotated_sy"] == 0


def test_a_transfer_counts_only_as_a_transfer(city):
    flow(city, "t1", "transfer", N1, S1, D(2026, 10, 10))
    flow(city, "t2", "transfer", N1, S2, D(2026, 9, 10))  # September: not in October's figures

    rows = report_after(city, "2026-10")

    assert pick(rows[NORTH], *FLOWS) == (0, 0, 0, 0, 0, 0, 1)
    assert pick(rows[SOUTH], *FLOWS) == (0, 0, 0, 0, 0, 1, 0)
    assert pick(rows[CITY], *FLOWS) == (0, 0, 0, 0, 0, 1, 1)
    assert rows[NORTH]["rotated_sy"] == 0 and rows[NORTH]["backbone_share"] is None


def test_a_flow_inside_one_county(city):
    flow(city, "t1", "secondment", N1, N2, D(2026, 9, 15), D(2027, 1, 31))

    rows = report_after(city, "2026-10")

    assert pick(rows[NORTH], "active_out", "active_in", "rotated_sy") == (1, 1, 1)
    assert pick(rows[SOUTH], "active_out", "active_in", "rotated_sy") == (0, 0, 0)
    assert pick(rows[CITY], "active_out", "active_in", "rotated_sy") == (1, 1, 1)
    # N1 is in C01, N2 is not: out of the community, not into it.
    assert pick(rows["C01"], "active_out", "active_in", "rotated_sy") == (1, 0, 1)


def test_a_flow_between_two_schools_of_one_community_counts_out_and_in(city):
    flow(city, "t1", "study_placement", S1, S2, D(2026, 10, 8), D(2026, 12, 31))

    rows = report_after(city, "2026-10")

    assert pick(rows["C01"], "active_out", "active_in", "started_out", "rotated_sy") == (1, 1, 1, 1)
    assert pick(rows[SOUTH], "active_out", "active_in", "started_out", "rotated_sy") == (1, 1, 1, 1)
    assert pick(rows[NORTH], "active_out", "active_in", "started_out", "rotated_sy") == (0, 0, 0, 0)


def test_overdue_flows_are_counted_and_listed(city):
    # Planned back on 15 Oct, not reported back: overdue by 16 days at 31 Oct.
    flow(city, "t1", "rotation", N1, S1, D(2026, 3, 1), D(2026, 10, 15))
    flow(city, "t2", "rotation", N1, S1, D(2026, 3, 1), D(2026, 10, 31))  # planned = month_end: not overdue
    flow(city, "t3", "rotation", N1, S1, D(2026, 3, 1), D(2026, 9, 30), D(2026, 9, 30))  # returned

    rows = report_after(city, "2026-10")

    assert pick(rows[NORTH], "active_out", "overdue_out", "rotated_sy") == (2, 1, 0)
    with city.connect() as conn:
        listed = conn.execute(select(report_rotation_overdue)).all()
    assert [tuple(r) for r in listed] == [("2026-10", "t1", S1, D(2026, 3, 1), "rotation", N1, D(2026, 10, 15), 16)]


def test_a_teacher_absent_from_the_latest_roster(city):
    # t2 (backbone) is in NORTH's September roster but not in its October one.
    roster(city, NORTH, "2026-09", ("t1", N1, D(2010, 9, 1)), ("t2", N1, D(2010, 9, 1), "backbone"))
    roster(city, NORTH, "2026-10", ("t1", N1, D(2010, 9, 1)))
    flow(city, "t2", "rotation", N1, S1, D(2026, 9, 1), D(2027, 6, 30))
    training(city, "t1", "P1", D(2026, 10, 1), D(2026, 10, 5), 10)
    training(city, "t2", "P1", D(2026, 10, 1), D(2026, 10, 6), 20)

    oct_ = report_after(city, "2026-10")[NORTH]
    sep = report_after(city, "2026-09")[NORTH]

    # October: only t1 is a roster teacher; t2's flow still counts, with his last known tier.
    assert pick(oct_, "roster_teachers", "eligible_teachers", "rotated_sy", "backbone_rotated_sy") == (1, 1, 1, 1)
    assert pick(oct_, "rotation_rate", "backbone_share", "rotation_target_met", "backbone_target_met") == (
        Decimal("1"),
        Decimal("1"),
        True,
        True,
    )
    assert pick(oct_, "training_hours_month", "training_person_times_month") == (Decimal("10"), 1)
    # September: both on the roster (rate 1/2); October's training ends after September.
    assert pick(sep, "roster_teachers", "eligible_teachers", "rotated_sy", "rotation_rate") == (2, 2, 1, Decimal("0.5"))
    assert pick(sep, "training_hours_month", "training_person_times_month") == (Decimal("0"), 0)


def test_no_eligible_teachers_leaves_the_rate_blank(city):
    roster(city, SOUTH, "2026-10", ("t1", S1, D(2025, 9, 1)), ("t2", S2, D(2024, 3, 1), "famous"))
    flow(city, "t2", "rotation", S2, N1, D(2026, 9, 1), D(2027, 1, 31))

    row = report_after(city, "2026-10")[SOUTH]

    assert pick(row, "roster_teachers", "eligible_teachers", "rotated_sy", "backbone_rotated_sy") == (2, 0, 1, 1)
    assert pick(row, "rotation_rate", "rotation_target_met") == (None, None)
    assert pick(row, "backbone_share", "backbone_target_met") == (Decimal("1"), True)


def test_the_six_year_boundary(city):
    # 2026-10: sy_start 2026-09-01, eligible if at the school since 2020-09-01 or earlier.
    # 2026-08: sy_start 2025-09-01, eligible since 2019-09-01 or earlier.
    roster(
        city,
        NORTH,
        "2026-08",
        ("t1", N1, D(2020, 9, 1)),
        ("t2", N1, D(2020, 9, 2)),
        ("t3", N2, D(2019, 9, 1)),
        ("t4", N2, D(2019, 9, 2)),
    )
    flow(city, "t1", "rotation", N1, S1, D(2026, 9, 1), D(2027, 1, 31))

    oct_ = report_after(city, "2026-10")
    aug = report_after(city, "2026-08")

    # October: t1 (to the day), t3 and t4; not t2 (one day short).
    assert pick(oct_[NORTH], "eligible_teachers", "rotated_sy", "rotation_rate", "rotation_target_met") == (
        3,
        1,
        Decimal("0.333333"),
        True,
    )
    assert pick(oct_["C01"], "roster_teachers", "eligible_teachers", "rotation_rate") == (2, 1, Decimal("1"))
    # August: t3 only (to the day); t4 one day short.
    assert pick(aug[NORTH], "eligible_teachers", "rotated_sy", "rotation_rate", "rotation_target_met") == (
        1,
        0,
        Decimal("0"),
        False,
    )


def test_september_is_month_one_of_the_training_year(city):
    roster(city, NORTH, "2026-08", ("a", N1, D(2015, 9, 1)), ("b", N1, D(2015, 9, 1)), ("c", N2, D(2015, 9, 1)))
    training(city, "c", "OLD", D(2026, 7, 1), D(2026, 8, 31), 100)  # previous school year
    training(city, "a", "P1", D(2026, 9, 1), D(2026, 9, 20), 6)
    training(city, "b", "P1", D(2026, 9, 1), D(2026, 9, 20), 5.5)
    training(city, "a", "P2", D(2026, 9, 25), D(2026, 10, 2), 6)

    aug = report_after(city, "2026-08")[NORTH]
    sep = report_after(city, "2026-09")[NORTH]
    oct_ = report_after(city, "2026-10")[NORTH]

    # August is month 12 of 2025-2026: 72 学时 needed; c has 100.
    assert pick(aug, "teachers_on_track", "training_on_track_share", "training_hours_month") == (
        1,
        Decimal("0.333333"),
        Decimal("100"),
    )
    # September is month 1: 72 × 1 / 12 = 6 学时 needed; a has 6, b 5.5, c's August hours do not count.
    assert pick(sep, "teachers_on_track", "training_hours_month", "training_person_times_month") == (
        1,
        Decimal("11.5"),
        2,
    )
    # October is month 2: 12 needed; a has 6 + 6.
    assert pick(oct_, "teachers_on_track", "training_hours_month", "training_person_times_month") == (
        1,
        Decimal("6"),
        1,
    )
    assert oct_["training_on_track_share"] == Decimal("0.333333")
    assert report_month("2026-09").months_elapsed == 1 and report_month("2026-08").months_elapsed == 12


def test_a_late_submission_raises_the_revision_of_the_rows_it_changes(city):
    roster(city, NORTH, "2026-10", ("t1", N1, D(2010, 9, 1)))
    flow(city, "t1", "rotation", N1, S1, D(2026, 9, 1), D(2027, 1, 31))
    first = compute_rotation_report(city, "2026-10", now=dt.datetime(2026, 11, 6, tzinfo=dt.UTC))
    before = report(city, "2026-10")

    again = compute_rotation_report(city, "2026-10", now=dt.datetime(2026, 11, 7, tzinfo=dt.UTC))
    assert report(city, "2026-10") == before  # same data: nothing changes, not even computed_at
    assert (first.revision, again.revision, again.unchanged) == (1, 1, True)

    # A late flow file: a second teacher rotates from N2 (NORTH, no community) to N1 (C01).
    flow(city, "t9", "rotation", N2, N1, D(2026, 10, 20), D(2027, 1, 31))
    late = compute_rotation_report(city, "2026-10", now=dt.datetime(2026, 11, 20, tzinfo=dt.UTC))

    after = report(city, "2026-10")
    assert (late.changed, late.inserted, late.revision) == (3, 0, 2)
    assert {code: r["revision"] for code, r in after.items()} == {CITY: 2, NORTH: 2, "C01": 2, SOUTH: 1}
    assert after[SOUTH] == before[SOUTH]
    assert after[NORTH]["computed_at"].replace(tzinfo=dt.UTC) == dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    assert pick(after[NORTH], "active_out", "active_in", "rotated_sy", "rotation_rate") == (2, 1, 2, Decimal("2"))
    assert pick(after["C01"], "active_out", "active_in") == (1, 2)

    # A correction that puts the figures back is a change too.
    with city.begin() as conn:
        conn.execute(update(teacher_flows).where(teacher_flows.c.teacher_key == "t9").values(flow_type="transfer"))
    assert compute_rotation_report(city, "2026-10").revision == 3
    assert reported_periods(city) == ["2026-10"]


def test_policy_settings_change_the_targets(city):
    roster(city, NORTH, "2026-10", *[(f"t{i}", N1, D(2010, 9, 1)) for i in range(10)])
    flow(city, "t0", "rotation", N1, S1, D(2026, 9, 1), D(2027, 1, 31))

    compute_rotation_report(city, "2026-10", Policy(rotation_target=0.15))

    row = report(city, "2026-10")[NORTH]
    assert pick(row, "rotation_rate", "rotation_target_met") == (Decimal("0.1"), False)


def report_after(engine, period: str) -> dict[str, dict]:
    compute_rotation_report(engine, period)
    return report(engine, period)


# --- month helpers -------------------------------------------------------------------------------


def test_month_helpers():
    assert previous_period(dt.datetime(2026, 11, 6, 6, 0)) == "2026-10"
    assert previous_period(dt.date(2027, 1, 6)) == "2026-12"
    oct_ = report_month("2026-10")
    assert (oct_.month_start, oct_.month_end, oct_.sy_start, oct_.school_year) == (
        D(2026, 10, 1),
        D(2026, 10, 31),
        D(2026, 9, 1),
        "2026-2027",
    )
    assert report_month("2028-02").month_end == D(2028, 2, 29)
    assert months_to_refresh(["2026-09", "bad"], ["2026-08", "2026-09", "2026-10"]) == ["2026-09", "2026-10"]
    assert months_to_refresh(["2026-11"], ["2026-10"]) == []
    with pytest.raises(ValueError):
        report_month("2026-13")


# --- SQLite and PostgreSQL agree ----------------------------------------------------------------


def _mixed_city(engine) -> None:
    """Every kind of row at once, enough to exercise each figure on both engines."""
    build_city(engine)
    tiers = ("none", "rising_star", "backbone", "subject_leader", "famous")
    school_list = (N1, N2, S1, S2)
    for county, period in ((NORTH, "2026-08"), (NORTH, "2026-10"), (SOUTH, "2026-09")):
        own = (N1, N2) if county == NORTH else (S1, S2)
        roster(
            engine,
            county,
            period,
            *[
                (f"{county}-{i}", own[i % 2], D(2012 + i % 11, 1 + i % 12, 1 + i % 28), tiers[i % 5])
                for i in range(0, 40 if period != "2026-08" else 44)
            ],
        )
    types = ("rotation", "study_placement", "secondment", "city_recruit_county_use", "transfer")
    flows, records = [], []
    for i in range(60):
        county = NORTH if i % 2 else SOUTH
        start = D(2026, 1 + i % 12, 1 + i % 27)
        flows.append(
            flow_row(
                f"{county}-{i % 40}",
                types[i % 5],
                school_list[i % 4],
                school_list[(i + 1 + i % 3) % 4],
                start,
                None if i % 5 == 4 else start + dt.timedelta(days=40 + i * 3),
                None if i % 3 else start + dt.timedelta(days=30 + i * 2),
            )
        )
    for i in range(200):
        county = NORTH if i % 2 else SOUTH
        end = D(2026, 5 + i % 6, 1 + i % 28)
        records.append(
            training_row(f"{county}-{i % 40}", f"P{i}", end - dt.timedelta(days=2), end, 1 + (i * 7 % 23) / 4)
        )
    with engine.begin() as conn:
        conn.execute(insert(teacher_flows), flows)
        conn.execute(insert(training_records), records)


def test_sqlite_and_postgresql_agree_to_the_last_figure(sqlite_database, pg_database):
    tables = {}
    for url in (sqlite_database, pg_database):
        upgrade(url)
        engine = make_engine(url)
        _mixed_city(engine)
        now = dt.datetime(2026, 11, 6, tzinfo=dt.UTC)
        for period in ("2026-08", "2026-09", "2026-10"):
            compute_rotation_report(engine, period, now=now)
        with engine.connect() as conn:
            monthly = [
                {k: v for k, v in r._mapping.items() if k != "computed_at"}
                for r in conn.execute(select(report_rotation_monthly).order_by(*report_rotation_monthly.primary_key))
            ]
            overdue = [
                tuple(r)
                for r in conn.execute(select(report_rotation_overdue).order_by(*report_rotation_overdue.primary_key))
            ]
        engine.dispose()
        tables[url] = (monthly, overdue)
    sqlite_rows, pg_rows = tables[sqlite_database], tables[pg_database]
    assert len(sqlite_rows[0]) == 12
    assert sum(r["active_out"] for r in sqlite_rows[0]) > 0 and sum(r["teachers_on_track"] for r in sqlite_rows[0]) > 0
    assert sqlite_rows == pg_rows


# --- outputs and the command -------------------------------------------------------------------


def test_the_command_writes_the_workbook_and_the_page(sqlite_database, monkeypatch, capsys, tmp_path):
    from openpyxl import load_workbook

    from teachflow import cli
    from teachflow.cli import main

    if "teachflow.commands.report" not in cli.COMMAND_MODULES:  # until the lead registers the module
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, "teachflow.commands.report"))
    upgrade(sqlite_database)
    engine = make_engine(sqlite_database)
    build_city(engine)
    roster(engine, NORTH, "2026-10", *[(f"t{i}", N1, D(2010, 9, 1), "backbone" if i < 3 else "none") for i in range(8)])
    flow(engine, "t0", "rotation", N1, S1, D(2026, 3, 1), D(2026, 10, 1))  # overdue by 30 days
    flow(engine, "t1", "secondment", N1, S2, D(2026, 9, 1), D(2027, 1, 31))
    engine.dispose()
    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", sqlite_database)
    monkeypatch.setenv("TEACHFLOW_REPORTS", str(tmp_path / "reports"))

    assert main(["report", "rotation", "--month", "2026-10"]) == 0

    out = capsys.readouterr().out.splitlines()
    folder = tmp_path / "reports" / "rotation" / "2026-10"
    lists = tmp_path / "data" / "outbox"
    assert out == [
        "Rotation report 2026-10: revision 1, 4 scopes (4 new, 0 changed, 0 removed scope row(s)), 1 overdue flow(s)",
        "Support and pairing (帮扶与结对) 2026-10: revision 1, 4 scopes, 0 type row(s) "
        "(4 new, 0 changed, 0 removed scope row(s); 0 new, 0 changed, 0 removed type row(s))",
        str(folder / "交流轮岗月报_2026-10.xlsx"),
        str(folder / "交流轮岗月报_2026-10.html"),
        *(
            str(lists / c / "lists" / f"{n}_2026-10.xlsx")
            for c in (NORTH, SOUTH, CITY)
            for n in ("逾期未返名单", "培训进度滞后名单")
        ),
    ]
    wb = load_workbook(folder / "交流轮岗月报_2026-10.xlsx")
    assert wb.sheetnames == ["概览", "区县", "教共体", "全市", "趋势", "帮扶与结对", "帮扶活动类型", "逾期未返", "说明"]
    counties_sheet = wb["区县"]
    assert counties_sheet.freeze_panes == "D5"  # title, 截至 line, a blank row, then the header
    header = [c.value for c in counties_sheet[4]]
    assert header[:4] == ["名次", "代码", "名称", "在外交流人数(派出)"]
    north = [c for c in counties_sheet[5]]
    rate = north[header.index("交流比例")]
    # t1 rotated this school year (t0 started in March, the previous one): 1 of 8 eligible.
    assert (north[1].value, rate.value, rate.number_format) == (NORTH, 0.125, "0.0%")
    assert north[header.index("交流比例达标")].value == "是"
    assert north[header.index("在外交流人数(派出)")].value == 2
    overdue_sheet = wb["逾期未返"]
    assert [c.value for c in overdue_sheet[5]][:4] == ["t0", "轮岗支教", N1, "城中实验小学"]
    assert overdue_sheet.cell(5, 9).value == 30
    page = (folder / "交流轮岗月报_2026-10.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 7 and "各区县交流比例（目标 10.0%）" in page and "城中区" in page
    assert "<script" not in page and "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]  # no temporary file left

    assert main(["report", "rotation", "--month", "2026-10", "--no-files"]) == 0
    assert "revision 1, 4 scopes (unchanged)" in capsys.readouterr().out
    assert main(["report", "rotation", "--month", "2026-13"]) == 2
