"""The rotation report DAGs: the report month derived from the run, an end-to-end run, the refresh wiring."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from teachflow.reports.rotation_run import month_for_run
from teachflow.warehouse.engine import make_engine
from teachflow.warehouse.migrate import upgrade
from teachflow.warehouse.schema import report_rotation_monthly
from tests.citykit import CITY, N1, NORTH, S1
from tests.test_rotation_report import build_city, flow, roster

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_report_month_is_the_month_before_the_run_on_beijing_time():
    # The scheduled run of 06:00 on 6 Nov in Shanghai is 22:00 on 5 Nov in UTC.
    assert month_for_run(None, dt.datetime(2026, 11, 5, 22, 0, tzinfo=dt.UTC), None) == "2026-10"
    assert month_for_run(None, dt.datetime(2027, 1, 6, 6, 0, tzinfo=SHANGHAI), None) == "2026-12"
    # A manual run without a logical date uses run_after; an explicit month wins over both.
    assert month_for_run(None, None, dt.datetime(2026, 8, 20, tzinfo=dt.UTC)) == "2026-07"
    assert month_for_run("2026-05", dt.datetime(2026, 11, 6, tzinfo=dt.UTC), None) == "2026-05"
    # 1 Dec 03:00 in Shanghai is still 30 Nov in UTC: the bureau's clock decides.
    assert month_for_run(None, dt.datetime(2026, 11, 30, 19, 0, tzinfo=dt.UTC), None) == "2026-11"
    with pytest.raises(ValueError):
        month_for_run("2026/10", None, None)


def _dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder="dags/rotation_report_monthly.py")


def test_the_refresh_dag_follows_the_roster_flow_training_pairing_and_activity_assets():
    bag = _dagbag()
    assert bag.import_errors == {}
    monthly, refresh = bag.get_dag("rotation_report_monthly"), bag.get_dag("rotation_report_refresh")
    assert monthly.timetable.summary == "0 6 6 * * Asia/Shanghai"
    assert {a.uri for a in refresh.timetable.asset_condition.objects} == {
        "teachflow://warehouse/teachers",
        "teachflow://warehouse/teacher_flows",
        "teachflow://warehouse/training_records",
        # the 帮扶与结对 section (issue 17): a late pairings or activities file refreshes the month
        "teachflow://warehouse/pairings",
        "teachflow://warehouse/support_activities",
    }
    from teachflow.reports.support_sql import SUPPORT_INPUTS
    from teachflow_airflow.assets import SUPPORT_SECTION_INPUTS

    assert SUPPORT_SECTION_INPUTS == SUPPORT_INPUTS  # the section's inputs, named in two places, agree
    # reassess: the stored final assessment of the school year a late submission touches (issue 16)
    assert [t.task_id for t in refresh.tasks] == ["months_changed", "refresh", "reassess"]


@pytest.mark.airflow
def test_the_monthly_dag_reports_the_month_before_its_logical_date(tmp_path, monkeypatch, airflow_db):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    upgrade(url)
    engine = make_engine(url)
    build_city(engine)
    roster(engine, NORTH, "2026-10", ("t1", N1, dt.date(2010, 9, 1)), ("t2", N1, dt.date(2012, 9, 1)))
    flow(engine, "t1", "rotation", N1, S1, dt.date(2026, 9, 1), dt.date(2027, 1, 31))
    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", url)
    monkeypatch.setenv("TEACHFLOW_REPORTS", str(tmp_path / "reports"))
    dag = _dagbag().get_dag("rotation_report_monthly")
    for t in dag.tasks:
        t.retries = 0

    run = dag.test(logical_date=dt.datetime(2026, 11, 6, 6, 0, tzinfo=SHANGHAI))

    assert run.state == "success"
    with engine.connect() as conn:
        rows = conn.execute(
            select(report_rotation_monthly.c.scope_code, report_rotation_monthly.c.rotation_rate).where(
                report_rotation_monthly.c.period == "2026-10"
            )
        ).all()
    engine.dispose()
    assert dict(rows)[NORTH] == dict(rows)[CITY] == pytest.approx(0.5)
    folder = tmp_path / "reports" / "rotation" / "2026-10"
    assert sorted(p.name for p in folder.iterdir()) == ["交流轮岗月报_2026-10.html", "交流轮岗月报_2026-10.xlsx"]


@pytest.mark.airflow
def test_the_refresh_dag_without_submission_events_refreshes_nothing(tmp_path, monkeypatch, airflow_db):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    upgrade(url)
    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", url)
    dag = _dagbag().get_dag("rotation_report_refresh")
    for t in dag.tasks:
        t.retries = 0

    run = dag.test()

    assert run.state == "success"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == {"months_changed": "success", "refresh": "skipped", "reassess": "success"}
