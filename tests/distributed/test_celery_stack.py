"""A real distributed run on this machine, without Docker: the production stack's processes, natively.

The docker-compose stack cannot run here (no engine), yet the CeleryExecutor path differs from
``dag.test()`` in everything that breaks in production: tasks travel through Redis to separate worker
processes, talk to the API server's execution API with JWTs signed by a shared secret, and write to a
PostgreSQL warehouse concurrently. So this test starts ``airflow api-server``, ``scheduler``,
``dag-processor``, ``triggerer`` and two ``celery worker`` processes against two fresh PostgreSQL
databases (Airflow's metadata, the warehouse) and Redis, triggers ``county_ingest`` on a small sample
city through the REST API, and checks the warehouse, that both workers preloaded teachflow before
forking their pools (warm workers) and ran tasks, and that every
process it started is gone afterwards.

Bounded: one time budget (``TIME_BUDGET``) for the whole test, each process stopped by PID (SIGTERM,
then SIGKILL). Outside CI it skips when PostgreSQL or Redis is unreachable; under ``CI=true`` it fails.
Run alone: ``.venv/bin/pytest -m distributed -s`` (``-s`` prints the wall time and peak memory).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from teachflow.preload import SINGLE_THREADED_ENV
from tests.distributed.hostname import CALLABLE as HOSTNAME_CALLABLE
from tests.distributed.hostname import ENV_VAR as HOSTNAME_ENV_VAR
from tests.distributed.stack import Deadline, ProcessStack, free_port

pytestmark = [pytest.mark.distributed, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("TEACHFLOW_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
#: A Redis database of its own; runs side by side stay apart through their own queue and worker names.
REDIS_URL = os.environ.get("TEACHFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")

#: The whole test, start to stop (on 2 cores it takes 3-4 minutes, most of it the ingest tasks).
TIME_BUDGET = 8 * 60
#: 10 county files, two of them rejected rosters: enough mapped tasks for both workers, and quick (each
#: task imports pandas and Great Expectations: 30-50 s when four run at once on two cores).
SAMPLE_ARGS = ("--counties", "3", "--teachers", "900", "--months", "1")
DAG_ID = "county_ingest"
WORKERS = ("worker1", "worker2")
#: county_ingest without its cron (it still follows the landing Asset, which nothing emits here): unpausing
#: creates no run, so the test's own run is the only one.
NO_SCHEDULED_RUN = "none"
ADMIN = "admin"


# --- services this test needs --------------------------------------------------------------------


def _unreachable(what: str, err: Exception) -> None:
    message = f"{what} not reachable: {err}"
    if IN_CI:
        pytest.fail(message + " (under CI=true the distributed test may not skip)")
    pytest.skip(message)


@pytest.fixture
def redis_url() -> str:
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
        client.ping()
        client.close()
    except redis.RedisError as err:
        _unreachable(f"Redis at {REDIS_URL}", err)
    return REDIS_URL


@pytest.fixture
def run_id() -> str:
    """Names this run's databases, Celery queue and worker names, so concurrent runs never meet."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def databases(run_id: str) -> Iterator[dict[str, str]]:
    """Two fresh PostgreSQL databases, Airflow's metadata and the warehouse; dropped afterwards."""
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            pass
    except psycopg.Error as err:
        _unreachable(f"PostgreSQL at {PG_ADMIN_URL}", err)
    base = PG_ADMIN_URL.rpartition("/")[0]
    names = {"metadata": f"teachflow_dist_{run_id}_airflow", "warehouse": f"teachflow_dist_{run_id}_warehouse"}
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {role: f"{base}/{name}" for role, name in names.items()}
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            for name in names.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _forget_queue(redis_url: str, run_id: str) -> None:
    """Remove this run's keys (its queue and bindings) from the shared Redis database."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=3)
    try:
        keys = list(client.scan_iter(match=f"*{run_id}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


# --- the stack -----------------------------------------------------------------------------------


def stack_environment(tmp_path: Path, databases: dict[str, str], redis_url: str, run_id: str, port: int) -> dict:
    """Every setting of every process, as environment variables (no airflow.cfg edits)."""
    metadata = databases["metadata"].removeprefix("postgresql://")
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "TEACHFLOW_", "PYTHONPATH"))}
    return {
        **inherited,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "PYTHONPATH": f"{ROOT / 'plugins'}{os.pathsep}{ROOT}",  # ROOT: the workers' hostname callable
        "AIRFLOW_HOME": str(tmp_path / "airflow_home"),
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(tmp_path / "passwords.json"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{metadata}",
        "AIRFLOW__CELERY__BROKER_URL": redis_url,
        # Warm workers, as in docker-compose.yml: teachflow and GX imported before the pool forks.
        "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": "teachflow_airflow.celery_config.CELERY_CONFIG",
        **SINGLE_THREADED_ENV,
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://{metadata}",
        # Our own queue: the DAG's tasks go there (parse time) and only our workers serve it.
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": f"teachflow-{run_id}",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",  # parse once: the files do not change
        "TEACHFLOW_DATA_DIR": str(tmp_path / "data"),
        "TEACHFLOW_WAREHOUSE_URL": databases["warehouse"],
        "TEACHFLOW_ID_SECRET": "distributed-test-secret-0123456789abcdef",
        "TEACHFLOW_LANDING_QUIET_SECONDS": "0",
        "TEACHFLOW_INGEST_SCHEDULE": NO_SCHEDULED_RUN,
    }


@dataclass
class Stack:
    """What the test needs to drive the run: the processes, the time budget, where things are."""

    procs: ProcessStack
    deadline: Deadline
    api_url: str
    run_id: str
    warehouse_url: str


@pytest.fixture
def stack(tmp_path: Path, redis_url: str, databases: dict[str, str], run_id: str) -> Iterator[Stack]:
    """A stack whose processes are all stopped afterwards, pass or fail; asserts none survives."""
    deadline = Deadline(TIME_BUDGET)
    port = free_port()
    procs = ProcessStack(tmp_path, stack_environment(tmp_path, databases, redis_url, run_id, port), cwd=ROOT)
    try:
        yield Stack(procs, deadline, f"http://127.0.0.1:{port}", run_id, databases["warehouse"])
    finally:
        survivors = procs.stop(grace=20)
        with contextlib.suppress(Exception):  # tidying Redis must not hide the survivors check
            _forget_queue(redis_url, run_id)
        print(
            f"\ndistributed run: {deadline.elapsed():.0f} s wall time, "
            f"peak memory of the started processes {procs.peak_pss / 2**20:.0f} MiB PSS "
            f"({procs.peak_rss / 2**20:.0f} MiB summed RSS)"
        )
    assert survivors == [], f"processes still running after stop: {survivors}"


def start_airflow(procs: ProcessStack, run_id: str) -> None:
    """The control plane and two Celery workers, each named so the metadata shows who ran what."""
    airflow = str(BIN / "airflow")
    procs.start("api-server", [airflow, "api-server"])
    procs.start("scheduler", [airflow, "scheduler", "--skip-serve-logs"])
    procs.start("dag-processor", [airflow, "dag-processor"])
    procs.start("triggerer", [airflow, "triggerer", "--skip-serve-logs"])
    worker = [
        airflow,
        "celery",
        "worker",
        "--concurrency",
        "2",
        "--skip-serve-logs",
        "--without-gossip",
        "--without-mingle",
    ]
    for name in WORKERS:
        own = ["--celery-hostname", f"{name}-{run_id}@%h", "--queues", f"teachflow-{run_id}"]
        procs.start(
            name,
            [*worker, *own],
            extra_env={"AIRFLOW__CORE__HOSTNAME_CALLABLE": HOSTNAME_CALLABLE, HOSTNAME_ENV_VAR: f"{name}-{run_id}"},
        )
    procs.start_sampling()


class Api:
    """The REST API v2 as an operator's script uses it: a token from /auth/token, then JSON calls.

    Every call has a timeout. Polls go through :meth:`poll`, which treats a slow or failing answer as
    "not yet" (an API server sharing two cores with four busy tasks can take seconds to answer); the
    calls that change something are made once, with a longer timeout, and must succeed.
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def reachable(self) -> bool:
        try:
            return self.session.get(f"{self.base_url}/api/v2/monitor/health", timeout=10).status_code == 200
        except requests.RequestException:
            return False

    def login(self, username: str, password: str) -> None:
        response = self.session.post(
            f"{self.base_url}/auth/token", json={"username": username, "password": password}, timeout=60
        )
        response.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def json(self, method: str, path: str, **kwargs) -> dict:
        response = self.session.request(method, f"{self.base_url}/api/v2{path}", timeout=60, **kwargs)
        assert response.ok, f"{method} {path}: {response.status_code} {response.text[:500]}"
        return response.json()

    def poll(self, path: str, **params) -> dict | None:
        """GET ``path``'s JSON, or None if it is not there (yet) or the server did not answer in time."""
        try:
            response = self.session.get(f"{self.base_url}/api/v2{path}", params=params, timeout=15)
        except requests.RequestException:
            return None
        return response.json() if response.ok else None


def finished(run: dict | None) -> dict | None:
    """The run, once it has reached a final state."""
    return run if run and run["state"] in ("success", "failed") else None


def worker_ready(procs: ProcessStack, name: str) -> bool:
    """Celery logs '<name>@<host> ready.' once it consumes from its queues."""
    return " ready." in (procs.logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")


# --- the test ------------------------------------------------------------------------------------


def test_county_ingest_runs_on_two_celery_workers_against_postgresql_and_redis(stack: Stack, tmp_path: Path):
    procs, deadline, run_id = stack.procs, stack.deadline, stack.run_id
    teachflow, airflow = str(BIN / "teachflow"), str(BIN / "airflow")
    data = tmp_path / "data"
    (tmp_path / "passwords.json").write_text(json.dumps({ADMIN: (password := secrets.token_hex(12))}))

    with procs.logs_on_failure():
        # Airflow's database first; the warehouse and the city are prepared while Airflow starts.
        procs.run("db-migrate", [airflow, "db", "migrate"], timeout=deadline.remaining())
        start_airflow(procs, run_id)
        procs.run("sample", [teachflow, "sample", "--out", str(data), *SAMPLE_ARGS], timeout=120)
        procs.run("warehouse-upgrade", [teachflow, "warehouse", "upgrade"], timeout=120)
        procs.run("reference-load", [teachflow, "reference", "load", "--dir", str(data / "reference")], timeout=120)
        manifest = json.loads((data / "sample" / "manifest.json").read_text(encoding="utf-8"))

        api = Api(stack.api_url)
        procs.wait_until(api.reachable, "the API server", deadline)
        api.login(ADMIN, password)
        procs.wait_until(lambda: api.poll(f"/dags/{DAG_ID}"), "the DAG parsed", deadline)
        for name in WORKERS:
            procs.wait_until(lambda name=name: worker_ready(procs, name), f"Celery worker {name}", deadline)

        # Unpause and trigger through the REST API, then wait for the run to finish.
        assert api.json("PATCH", f"/dags/{DAG_ID}", json={"is_paused": False})["is_paused"] is False
        dag_run_id = api.json("POST", f"/dags/{DAG_ID}/dagRuns", json={"logical_date": None})["dag_run_id"]
        final = procs.wait_until(
            lambda: finished(api.poll(f"/dags/{DAG_ID}/dagRuns/{dag_run_id}")),
            f"run {dag_run_id} to finish",
            deadline,
            interval=2,
        )
        tis = api.json("GET", f"/dags/{DAG_ID}/dagRuns/{dag_run_id}/taskInstances", params={"limit": 200})
        runs = api.json("GET", f"/dags/{DAG_ID}/dagRuns")

    landing_files = [f for f in manifest["files"] if f["path"].startswith("landing/")]
    ingests = [ti for ti in tis["task_instances"] if ti["task_id"].startswith("ingest")]  # every wave
    not_successful = [(ti["task_id"], ti["map_index"], ti["state"], ti["hostname"]) for ti in tis["task_instances"]]
    # A rejected file's ingest task ends "skipped" (visible as what it is in the Airflow UI).
    skipped_ingests = [t for t in not_successful if t[0].startswith("ingest") and t[2] == "skipped"]
    not_successful = [t for t in not_successful if t[2] != "success" and t not in skipped_ingests]
    assert final["state"] == "success", f"run {dag_run_id} {final['state']}; tasks not successful: {not_successful}"
    assert runs["total_entries"] == 1, "only the test's own run (no scheduled one)"
    assert len(ingests) == len(landing_files)
    assert not_successful == []
    assert len(skipped_ingests) == len(manifest["expected_rejections"]), skipped_ingests

    # Both workers were warm: each preloaded teachflow in its main process, before its pool existed,
    # with no thread but its own (the pool and the task processes are forks of it).
    for name in WORKERS:
        log = (procs.logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")
        preloaded = [line for line in log.splitlines() if "teachflow preloaded" in line]
        assert preloaded, f"{name} did not preload teachflow"
        assert "before forking" not in preloaded[0], preloaded[0]
        assert log.index("teachflow preloaded") < log.index(" ready."), f"{name} preloaded after its pool started"

    # Both workers ran ingest tasks: each recorded its own name as the task instance's host.
    by_worker = Counter(ti["hostname"] for ti in ingests)
    assert set(by_worker) == {f"{name}-{run_id}" for name in WORKERS}, by_worker

    # The warehouse: a ledger row per landing file, rejected exactly where the sample says.
    from teachflow.warehouse.engine import make_engine
    from teachflow.warehouse.schema import roster_entries, submissions

    rejected = {item["file"] for item in manifest["expected_rejections"]}
    expected = sorted(
        (f["county_code"], f["period"], f["dataset"], "rejected" if f["path"] in rejected else "accepted")
        for f in landing_files
    )
    rosters = [f for f in landing_files if f["dataset"] == "teachers" and f["path"] not in rejected]
    accepted_roster_rows = sum(f["rows"] for f in rosters)
    engine = make_engine(stack.warehouse_url)
    try:
        with engine.connect() as conn:
            ledger = sorted(
                tuple(row)
                for row in conn.execute(
                    select(submissions.c.county_code, submissions.c.period, submissions.c.dataset, submissions.c.status)
                )
            )
            roster_count = conn.execute(select(func.count()).select_from(roster_entries)).scalar_one()
    finally:
        engine.dispose()
    assert ledger == expected
    assert rejected and accepted_roster_rows > 0  # the sample exercises both outcomes
    assert roster_count == accepted_roster_rows
