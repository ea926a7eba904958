"""Shared fixtures: a migrated warehouse on SQLite and on the real PostgreSQL, and a test secret.

PostgreSQL tests create a database of their own on the local server and drop it afterwards.
Outside CI a missing server skips them; under ``CI=true`` it fails them, because a skipped
PostgreSQL test would let a broken production path land.
"""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Airflow reads its configuration at import: point it at the project's own home, DAGs and plugins
# (the Makefile exports the same; these defaults make a bare `pytest` work too).
os.environ.setdefault("AIRFLOW_HOME", str(ROOT / "airflow_home"))
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(ROOT / "dags"))
os.environ.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(ROOT / "plugins"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
if str(ROOT / "plugins") not in sys.path:
    sys.path.insert(0, str(ROOT / "plugins"))

PG_ADMIN_URL = os.environ.get("TEACHFLOW_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _pg_available() -> str | None:
    """None if the server answers, else why not."""
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as err:
        return str(err)


@pytest.fixture(scope="session")
def pg_server() -> str:
    why = _pg_available()
    if why is not None:
        message = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {why}"
        if IN_CI:
            pytest.fail(message + " (under CI=true a PostgreSQL test may not skip)")
        pytest.skip(message)
    return PG_ADMIN_URL


def _server_url(admin_url: str, database: str) -> str:
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{database}"


@contextlib.contextmanager
def created_database(admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the server of ``admin_url``; dropped on the way out."""
    import psycopg

    name = f"teachflow_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _server_url(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_database(pg_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    with created_database(pg_server) as url:
        yield url


@pytest.fixture
def sqlite_database(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'warehouse.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_warehouse_url(request) -> str:
    """An empty database URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_database")
    return request.getfixturevalue("pg_database")


@pytest.fixture
def warehouse_url(empty_warehouse_url: str) -> str:
    """A warehouse migrated to the newest schema, on SQLite and on PostgreSQL."""
    from teachflow.warehouse.migrate import upgrade

    upgrade(empty_warehouse_url)
    return empty_warehouse_url


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def module_warehouse_url(request, tmp_path_factory) -> Iterator[str]:
    """One migrated warehouse per engine for a whole module (migrating per test costs seconds)."""
    from teachflow.warehouse.migrate import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('warehouse') / 'warehouse.db'}"
        upgrade(url)
        yield url
        return
    with created_database(request.getfixturevalue("pg_server")) as url:
        upgrade(url)
        yield url


@pytest.fixture
def engine(warehouse_url: str):
    from teachflow.warehouse.engine import make_engine

    eng = make_engine(warehouse_url)
    yield eng
    eng.dispose()


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch) -> None:
    """Every test gets its own data folder and a fixed ID secret; nothing touches ./data."""
    monkeypatch.setenv("TEACHFLOW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TEACHFLOW_ID_SECRET", "test-secret-not-for-production-0123456789")
    for name in (
        "TEACHFLOW_WAREHOUSE_URL",
        "TEACHFLOW_LANDING",
        "TEACHFLOW_OUTBOX",
        "TEACHFLOW_ARCHIVE",
        "TEACHFLOW_REPORTS",
        "TEACHFLOW_REFERENCE",
        "TEACHFLOW_ID_SECRET_FILE",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Airflow's metadata database must be migrated (``make setup`` does it) for dag.test()."""
    from airflow.configuration import conf
    from sqlalchemy import create_engine, inspect

    url = conf.get("database", "sql_alchemy_conn")
    engine = create_engine(url)
    try:
        ready = inspect(engine).has_table("dag_run")
    finally:
        engine.dispose()
    if not ready:
        message = f"Airflow metadata DB not migrated ({url}): run `make setup`"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
