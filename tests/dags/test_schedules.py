"""Every time-based schedule is on the bureau's clock and says so where Airflow shows it (the
DAG list's schedule column and its description), also after the scheduler rebuilds it from the
serialized DAG."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: dag_id -> (summary shown in the UI, description)
EXPECTED = {
    "county_ingest": ("*/15 * * * * Asia/Shanghai", "Every 15 minutes (Asia/Shanghai time)"),
    "county_api_pull": ("0 * * * * Asia/Shanghai", "Every hour (Asia/Shanghai time)"),
    "rotation_report_monthly": ("0 6 6 * * Asia/Shanghai", "At 06:00, on day 6 of the month (Asia/Shanghai time)"),
    "joint_assessment": (
        "0 3 1 * *, 0 3 6 9 * Asia/Shanghai",
        "At 03:00, on day 1 of the month, At 03:00, on day 6 of the month, only in September (Asia/Shanghai time)",
    ),
}


@pytest.fixture(scope="module")
def dags():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    return bag


@pytest.mark.parametrize("dag_id", sorted(EXPECTED))
def test_schedule_names_its_timezone_after_serialization(dags, dag_id):
    from airflow.serialization.serialized_objects import DagSerialization

    rebuilt = DagSerialization.from_dict(DagSerialization.to_dict(dags.get_dag(dag_id)))
    timetable = rebuilt.timetable
    if hasattr(timetable, "timetable"):  # county_ingest: on the clock or when the pull lands files
        timetable = timetable.timetable
    assert (timetable.summary, timetable.description) == EXPECTED[dag_id]
