"""The county_api_pull DAG with Airflow (``dag.test()``): one mapped task per API county; a county
that is down fails only its own task; new files emit the landing Asset."""

from __future__ import annotations

import json
import socket

import pytest

from teachflow.pull.server import CountyApiServer
from teachflow.reference import load_reference
from teachflow.warehouse.engine import make_engine
from teachflow.warehouse.migrate import upgrade
from tests.citykit import NORTH, SOUTH, write_reference

pytestmark = pytest.mark.airflow

TOKEN = "dag-test-token"
FAST = {"max_attempts": 1, "connect_timeout": 2, "read_timeout": 2}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_each_api_county_is_its_own_task_and_a_county_down_fails_only_itself(tmp_path, monkeypatch, airflow_db):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    upgrade(url)
    engine = make_engine(url)
    load_reference(engine, write_reference(tmp_path / "reference"))
    engine.dispose()
    source = tmp_path / "source"
    (source / NORTH / "2026-10").mkdir(parents=True)
    (source / NORTH / "2026-10" / "teachers.csv").write_text("id_number,name\n1,教师\n", encoding="utf-8")
    landing = tmp_path / "landing"
    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", url)
    monkeypatch.setenv("TEACHFLOW_LANDING", str(landing))

    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder="dags/county_api_pull.py").get_dag("county_api_pull")
    for t in dag.tasks:  # a failure should show at once, not after the production retry delays
        t.retries = 0
    with CountyApiServer(source, TOKEN) as server:
        # Airflow connections (here from the environment); SOUTH's system is a port nobody listens on.
        for county, base_url in ((NORTH, server.county_url(NORTH)), (SOUTH, f"http://127.0.0.1:{_closed_port()}")):
            connection = {"conn_type": "http", "host": base_url, "password": TOKEN, "extra": FAST}
            monkeypatch.setenv(f"AIRFLOW_CONN_COUNTY_API_{county}", json.dumps(connection))
        run = dag.test()

    states = {ti.rendered_map_index: ti.state for ti in run.get_task_instances() if ti.task_id == "pull"}
    assert states == {NORTH: "success", SOUTH: "failed"}
    assert (landing / NORTH / "2026-10" / "teachers.csv").read_text(encoding="utf-8") == "id_number,name\n1,教师\n"
    assert not (landing / SOUTH).exists()

    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        events = session.execute(
            select(AssetEvent.extra)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetModel.name == "teachflow_landing", AssetEvent.source_run_id == run.run_id)
        ).all()
    assert [e.extra for e in events] == [{"county_code": NORTH, "files": [f"{NORTH}/2026-10/teachers.csv"]}]
