"""daily_digest runs in Airflow (``dag.test()``): digests written and e-mailed, gaps alerted, the UI link."""

from __future__ import annotations

import datetime as dt
import json

from teachflow.reference import load_reference
from teachflow.warehouse.engine import make_engine
from teachflow.warehouse.migrate import upgrade
from tests.citykit import CITY, NORTH, SOUTH, write_reference
from tests.smtp_sink import body_of, smtp_sink


def test_daily_digest_writes_mails_and_alerts_the_data_team(tmp_path, monkeypatch, airflow_db):
    from teachflow.portal.accounts import save_user

    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    upgrade(url)
    engine = make_engine(url)
    load_reference(engine, write_reference(tmp_path / "reference"))
    save_user(engine, "north", "a long password", "county_clerk", NORTH, email="north@example.org")
    engine.dispose()
    outbox = tmp_path / "outbox"
    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", url)
    monkeypatch.setenv("TEACHFLOW_OUTBOX", str(outbox))
    monkeypatch.setenv("TEACHFLOW_ALERT_EMAIL", "data-team@example.org")

    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder="dags/daily_digest.py").get_dag("daily_digest")
    for t in dag.tasks:
        t.retries = 0
    with smtp_sink() as (port, messages):
        conn = {"conn_type": "smtp", "host": "127.0.0.1", "port": port, "extra": {"from_email": "tf@example.org"}}
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(conn))
        # 2026-11-06 08:00 in Shanghai: 2026-10 fell due at the end of yesterday, nothing came
        run = dag.test(logical_date=dt.datetime(2026, 11, 6, 0, 0, tzinfo=dt.UTC))

    assert run.state == "success"
    for code in (NORTH, SOUTH, CITY):
        assert (outbox / code / "digest" / "2026-11-06.txt").is_file()
    by_to = {m["To"]: m for m in messages}
    assert set(by_to) == {"north@example.org", "data-team@example.org"}
    assert "2026-10 教师名册：已逾期 1 天" in body_of(by_to["north@example.org"])
    alert = body_of(by_to["data-team@example.org"])
    assert f"{SOUTH} 2026-10 teachers: 逾期未报" in alert


def test_the_airflow_ui_links_to_the_portal_city_page(monkeypatch):
    from airflow import plugins_manager

    info = plugins_manager.get_plugin_info()
    views = [v for p in info for v in p.get("external_views", [])]
    assert any(v["href"].endswith("/city") and v["destination"] == "nav" for v in views), views


def test_a_failed_task_alerts_the_data_team(monkeypatch):
    from teachflow_airflow.alerts import DataTeamNotifier

    class TI:
        dag_id, task_id, map_index, run_id = "county_ingest", "ingest", 3, "manual__1"

    monkeypatch.setenv("TEACHFLOW_ALERT_EMAIL", "data-team@example.org")
    with smtp_sink() as (port, messages):
        monkeypatch.setenv("TEACHFLOW_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("TEACHFLOW_SMTP_PORT", str(port))
        DataTeamNotifier()({"ti": TI(), "exception": RuntimeError("disk full")})
    assert len(messages) == 1
    assert "county_ingest.ingest[3]" in body_of(messages[0]) and "disk full" in body_of(messages[0])
