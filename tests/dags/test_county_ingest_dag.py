"""The county_ingest DAG runs end to end with Airflow (``dag.test()``) on a tiny landing zone."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from teachflow.reference import load_reference
from teachflow.warehouse.engine import make_engine
from teachflow.warehouse.migrate import upgrade
from teachflow.warehouse.schema import roster_entries, submissions
from tests.citykit import N1, NORTH, S1, SOUTH, make_id, write_reference

pytestmark = pytest.mark.airflow


def test_county_ingest_takes_every_county_file_and_rejects_the_bad_one(tmp_path, monkeypatch, airflow_db):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    upgrade(url)
    engine = make_engine(url)
    load_reference(engine, write_reference(tmp_path / "reference"))
    landing = tmp_path / "landing"
    for county, school, seq in ((NORTH, N1, 1), (SOUTH, S1, 2)):
        folder = landing / county / "2026-10"
        folder.mkdir(parents=True)
        (folder / "teachers.csv").write_text(
            f"id_number,name,school_code,tier,current_school_since\n{make_id(seq)},教师,{school},无,2015-09-01\n",
            encoding="utf-8",
        )
    (landing / "999999" / "2026-10").mkdir(parents=True)
    (landing / "999999" / "2026-10" / "teachers.csv").write_text("x\n", encoding="utf-8")
    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", url)
    monkeypatch.setenv("TEACHFLOW_LANDING", str(landing))
    monkeypatch.setenv("TEACHFLOW_LANDING_QUIET_SECONDS", "0")

    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder="dags/county_ingest.py").get_dag("county_ingest")
    for t in dag.tasks:  # a failure should show at once, not after the production retry delays
        t.retries = 0
    run = dag.test()

    assert run.state == "success"
    with engine.connect() as conn:
        statuses = sorted(conn.execute(select(submissions.c.county_code, submissions.c.status)).all())
        assert conn.execute(select(func.count()).select_from(roster_entries)).scalar() == 2
    engine.dispose()
    assert statuses == [(NORTH, "accepted"), (SOUTH, "accepted"), ("999999", "rejected")]
    mapped = sorted((ti.rendered_map_index, ti.state) for ti in run.get_task_instances() if ti.task_id == "ingest")
    assert mapped == [  # a rejected file is not a green success: skipped, and labelled as what it is
        (f"{NORTH}/teachers/2026-10", "success"),
        (f"{SOUTH}/teachers/2026-10", "success"),
        ("999999/teachers/2026-10 · 已退回 rejected", "skipped"),
    ]


def test_a_quarantined_file_alerts_the_data_team_once(tmp_path, monkeypatch, airflow_db):
    """The quarantine's alert is the failed task's one e-mail (it used to send its own, then the
    on_failure_callback a second, generic one)."""
    from teachflow.ingestion import pipeline
    from tests.smtp_sink import body_of, smtp_sink

    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    upgrade(url)
    engine = make_engine(url)
    load_reference(engine, write_reference(tmp_path / "reference"))
    engine.dispose()
    folder = tmp_path / "landing" / NORTH / "2026-10"
    folder.mkdir(parents=True)
    (folder / "teachers.csv").write_text(
        f"id_number,name,school_code,tier,current_school_since\n{make_id(1)},教师,{N1},无,2015-09-01\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", url)
    monkeypatch.setenv("TEACHFLOW_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("TEACHFLOW_LANDING_QUIET_SECONDS", "0")
    monkeypatch.setenv("TEACHFLOW_MAX_FAILED_TAKES", "1")  # the first failed take quarantines
    monkeypatch.setenv("TEACHFLOW_ALERT_EMAIL", "data-team@example.org")

    def broken(*args, **kwargs):
        raise RuntimeError("a bug met a file")

    monkeypatch.setattr(pipeline, "judge", broken)
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder="dags/county_ingest.py").get_dag("county_ingest")
    for t in dag.tasks:
        t.retries = 0
    with smtp_sink() as (port, messages):
        monkeypatch.setenv("TEACHFLOW_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("TEACHFLOW_SMTP_PORT", str(port))
        run = dag.test()
    mapped = [(ti.rendered_map_index, ti.state) for ti in run.get_task_instances() if ti.task_id == "ingest"]
    assert mapped == [(f"{NORTH}/teachers/2026-10 · 已隔离 quarantined", "failed")]
    assert len(messages) == 1
    assert f"{NORTH}/teachers/2026-10 多次处理失败，已隔离" in body_of(messages[0])


def test_activities_are_ingested_after_the_runs_pairings(tmp_path, monkeypatch, airflow_db):
    """A county may send a pairing and the activities naming its mentee in one drop: the second
    wave (support activities, ``ingest_after`` pairings) starts once every first-wave task has
    ended, whatever its outcome, so the mentee's row finds the pairing merged."""
    from tests.test_practices_datasets import ACTIVITY_HEADER, PAIRING_HEADER, write_csv

    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    upgrade(url)
    engine = make_engine(url)
    load_reference(engine, write_reference(tmp_path / "reference"))
    folder = tmp_path / "landing" / NORTH / "2026-10"
    host, mentee = make_id(1), make_id(2)
    write_csv(folder / "pairings.csv", PAIRING_HEADER,
              f"{host},王老师,{N1},{mentee},李老师,{S1},名师带徒,2026-09-01,2027-07-15,")  # fmt: skip
    write_csv(
        folder / "support_activities.csv",
        ACTIVITY_HEADER,
        f"{host},王老师,{N1},{S1},2026-10-19,教学指导,线下,1,1,{mentee},,",
    )
    write_csv(tmp_path / "landing" / "999999" / "2026-10" / "teachers.csv", "x")  # a rejected first-wave file
    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", url)
    monkeypatch.setenv("TEACHFLOW_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("TEACHFLOW_LANDING_QUIET_SECONDS", "0")

    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder="dags/county_ingest.py").get_dag("county_ingest")
    assert dag.get_task("discover_wave2").upstream_task_ids == {"ingest"}
    assert dag.get_task("discover_wave2").trigger_rule == "all_done"
    assert dag.get_task("ingest_wave2").upstream_task_ids == {"discover_wave2"}
    for t in dag.tasks:
        t.retries = 0
    run = dag.test()

    assert run.state == "success"
    waves = sorted(
        (ti.task_id, ti.rendered_map_index, ti.state) for ti in run.get_task_instances() if ti.map_index >= 0
    )
    assert waves == [
        ("ingest", f"{NORTH}/pairings/2026-10", "success"),
        ("ingest", "999999/teachers/2026-10 · 已退回 rejected", "skipped"),
        ("ingest_wave2", f"{NORTH}/support_activities/2026-10", "success"),
    ]
    with engine.connect() as conn:
        loaded = conn.execute(text("SELECT COUNT(*) FROM support_activities WHERE mentee_key IS NOT NULL")).scalar()
    engine.dispose()
    assert loaded == 1
