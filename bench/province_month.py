"""Benchmark: one month of a province's files through ``county_ingest`` against ``teachflow ingest`` (issue 18).

In one run, on the same landing files (``teachflow sample --counties N --teachers T --months 1``):

1. ``teachflow ingest`` in one process into a fresh PostgreSQL warehouse: its wall time;
2. for each executor asked for, ``county_ingest`` run by a real ``airflow scheduler`` with that
   executor (``parallelism`` 2), its ``dag-processor`` and ``api-server`` (the task processes talk to its
   execution API), Airflow's metadata and the warehouse each in a fresh database of their own on the
   same PostgreSQL server: the time from the run's creation (``airflow dags trigger``; the run's
   ``queued_at``) to the end of its last task, the mean ``ingest`` task duration, and the ratio to 1.

Executors: ``warm`` is ``teachflow_airflow.executors.WarmLocalExecutor`` (teachflow and GX preloaded in
the scheduler before it forks its workers), ``cold`` Airflow's plain ``LocalExecutor``. Every route
ends with the same ledger (county, period, dataset, status) and the same roster row count, or the
bench says which differs: nothing lost or doubled.

**The worst realistic day** (issue 18, part 4): ``--heavy-training 2:1000000`` makes the first two
counties send a million training records each in the same month, and ``--worker-memory 4g`` runs
the scheduler, its executor's workers and every task process they fork inside a memory cgroup
(cgroup v1 ``memory.limit_in_bytes``, the OS's means; a container's ``mem_limit`` is the same
thing) with that limit: the bench prints the group's peak, how often it hit the limit and whether
the kernel killed anything, and compares ledger and row counts with the serial run.

Usage (the small size runs in a few minutes; the province in tens of minutes on a quiet machine)::

    .venv/bin/python bench/province_month.py --counties 10 --teachers 60000
    .venv/bin/python bench/province_month.py --counties 100 --teachers 600000 --executors warm,cold
    .venv/bin/python bench/province_month.py --set AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL=1  # as in compose
    .venv/bin/python bench/province_month.py --counties 100 --teachers 600000 \\
        --heavy-training 2:1000000 --worker-memory 4g   # the worst day

Each started process is stopped by its process group at the end, pass or fail. Results go in
BENCHMARKS.md by hand, with the load average this prints: tests check behaviour, not time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))  # tests.distributed.stack: start, wait for and stop process groups

from teachflow.preload import SINGLE_THREADED_ENV  # noqa: E402
from tests.distributed.stack import Deadline, ProcessStack, free_port  # noqa: E402

DAG_ID = "county_ingest"
EXECUTORS = {
    "warm": "teachflow_airflow.executors.WarmLocalExecutor",
    "cold": "LocalExecutor",
}


def create_database(admin_url: str, label: str) -> str:
    import psycopg

    name = f"teachflow_bench_{label}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rpartition("/")[0] + "/" + name


def drop_database(admin_url: str, url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')


def teachflow_env(warehouse: str, data: Path, landing: Path) -> dict[str, str]:
    """What ``teachflow`` and the tasks read: the warehouse, where files land, go and are archived."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "TEACHFLOW_", "PYTHONPATH"))}
    return {
        **inherited,
        **SINGLE_THREADED_ENV,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "TEACHFLOW_DATA_DIR": str(data),
        "TEACHFLOW_LANDING": str(landing),
        "TEACHFLOW_WAREHOUSE_URL": warehouse,
        "TEACHFLOW_ID_SECRET": "province-month-bench-secret-of-32-bytes",
        "TEACHFLOW_LANDING_QUIET_SECONDS": "0",
        "TEACHFLOW_INGEST_SCHEDULE": "none",  # only the bench's own run
    }


def airflow_env(base: dict[str, str], home: Path, metadata: str, executor: str, port: int) -> dict[str, str]:
    """Airflow's settings for one route, as environment variables (no airflow.cfg edits)."""
    return {
        **base,
        "PYTHONPATH": f"{ROOT / 'plugins'}{os.pathsep}{ROOT}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__EXECUTOR": executor,
        "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgresql+psycopg2://" + metadata.removeprefix("postgresql://"),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
    }


def metadata_query(url: str, sql: str, *params):
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


COUNTED_TABLES = ("roster_entries", "teacher_flows", "training_records", "pairings", "support_activities")


def outcome(warehouse: str) -> tuple[list[tuple], dict[str, int]]:
    """The ledger (county, period, dataset, status), sorted, and the row count of each merged table."""
    import psycopg

    with psycopg.connect(warehouse) as conn:
        ledger = conn.execute("SELECT county_code, period, dataset, status FROM submissions ORDER BY 1, 2, 3, 4")
        rows = [tuple(r) for r in ledger.fetchall()]
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED_TABLES}
    return rows, counts


class MemoryGroup:
    """A cgroup v1 memory group with a limit, for the scheduler and everything it forks.

    The scheduler is started through ``sh -c 'echo $$ > cgroup.procs; exec airflow scheduler'`` so
    that it is inside the group before it forks its workers; their task processes inherit it. The
    group's limit is on all of them together, as a container's ``mem_limit`` (docker-compose.yml).
    """

    ROOT = Path("/sys/fs/cgroup/memory")

    def __init__(self, limit: str) -> None:
        units = {"k": 2**10, "m": 2**20, "g": 2**30}
        self.limit = int(float(limit[:-1]) * units[limit[-1].lower()]) if limit[-1].isalpha() else int(limit)
        self.path = self.ROOT / f"teachflow_bench_{uuid.uuid4().hex[:8]}"
        self.path.mkdir()
        (self.path / "memory.limit_in_bytes").write_text(str(self.limit))

    def wrap(self, argv: list[str]) -> list[str]:
        import shlex

        return ["sh", "-c", f"echo $$ > {self.path / 'cgroup.procs'} && exec {shlex.join(argv)}"]

    def figures(self) -> dict[str, int]:
        oom = dict(line.split() for line in (self.path / "memory.oom_control").read_text().splitlines())
        return {
            "limit": self.limit,
            "peak": int((self.path / "memory.max_usage_in_bytes").read_text()),
            "hits": int((self.path / "memory.failcnt").read_text()),
            "oom_kills": int(oom.get("oom_kill", 0)),
        }

    def remove(self) -> None:
        self.path.rmdir()


def prepare_warehouse(env: dict[str, str], data: Path, reference: Path) -> None:
    import subprocess

    for argv in (["warehouse", "upgrade"], ["reference", "load", "--dir", str(reference)]):
        subprocess.run([str(BIN / "teachflow"), *argv], env=env, check=True, stdout=subprocess.DEVNULL)


def single_process(admin: str, work: Path, landing: Path, reference: Path) -> tuple[float, tuple, float, float]:
    """``teachflow ingest`` of every landing file, one process: wall time, the outcome, its CPU
    seconds and PostgreSQL's beside it."""
    import resource
    import subprocess

    warehouse = create_database(admin, "cli")
    try:
        env = teachflow_env(warehouse, work / "cli", landing)
        prepare_warehouse(env, work / "cli", reference)
        before, pg_before = resource.getrusage(resource.RUSAGE_CHILDREN), postgres_cpu_seconds()
        started = time.perf_counter()
        subprocess.run([str(BIN / "teachflow"), "ingest"], env=env, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        after, pg_after = resource.getrusage(resource.RUSAGE_CHILDREN), postgres_cpu_seconds()
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        return seconds, outcome(warehouse), cpu, pg_after - pg_before
    finally:
        drop_database(admin, warehouse)


def through_airflow(
    admin: str,
    work: Path,
    landing: Path,
    reference: Path,
    name: str,
    budget: float,
    extra: dict[str, str],
    worker_memory: str | None = None,
    keep: bool = False,
) -> dict:
    """``county_ingest`` on a real scheduler with executor ``name``: timings from the metadata, outcome."""
    metadata, warehouse = create_database(admin, f"{name}_af"), create_database(admin, f"{name}_wh")
    route = work / name
    port = free_port()
    env = airflow_env(
        teachflow_env(warehouse, route / "data", landing), route / "home", metadata, EXECUTORS[name], port
    )
    env.update(extra)
    procs = ProcessStack(route, env, cwd=ROOT)
    deadline = Deadline(budget)
    airflow = str(BIN / "airflow")
    group = MemoryGroup(worker_memory) if worker_memory else None
    scheduler = [airflow, "scheduler", "--skip-serve-logs"]
    try:
        with procs.logs_on_failure():
            procs.run("db-migrate", [airflow, "db", "migrate"], timeout=deadline.remaining())
            prepare_warehouse(env, route / "data", reference)
            procs.start("api-server", [airflow, "api-server"])
            procs.start("dag-processor", [airflow, "dag-processor"])
            procs.start("scheduler", group.wrap(scheduler) if group else scheduler)
            procs.start_sampling(interval=2.0)
            procs.wait_until(
                lambda: metadata_query(metadata, "SELECT 1 FROM serialized_dag WHERE dag_id = %s", DAG_ID),
                "the DAG parsed",
                deadline,
            )
            procs.wait_until(
                lambda: "Worker starting up" in _log(procs, "scheduler"), "the executor's workers", deadline
            )
            # A long-running API server has answered requests before; a fresh one is slow to answer
            # its first ones (the first task's start call timed out twice): wait until it answers.
            procs.wait_until(lambda: _answers(f"http://127.0.0.1:{port}/api/v2/monitor/health"), "the API", deadline)
            procs.run("unpause", [airflow, "dags", "unpause", DAG_ID], timeout=deadline.remaining())
            cpu_before, pg_before = procs.cpu_seconds(), postgres_cpu_seconds()
            procs.run("trigger", [airflow, "dags", "trigger", DAG_ID, "-r", "bench"], timeout=deadline.remaining())
            procs.wait_until(
                lambda: metadata_query(
                    metadata, "SELECT 1 FROM dag_run WHERE dag_id = %s AND state IN ('success', 'failed')", DAG_ID
                ),
                "the run to finish",
                deadline,
                interval=2,
            )
            cpu_after, pg_after = procs.cpu_seconds(), postgres_cpu_seconds()
        state, seconds = metadata_query(
            metadata,
            "SELECT r.state, EXTRACT(EPOCH FROM max(ti.end_date) - r.queued_at)"
            " FROM dag_run r JOIN task_instance ti ON ti.run_id = r.run_id AND ti.dag_id = r.dag_id"
            " WHERE r.dag_id = %s GROUP BY r.state, r.queued_at",
            DAG_ID,
        )[0]
        tasks, mean_task, failed, busy, window, to_first = metadata_query(
            metadata,
            "SELECT count(*), avg(ti.duration), count(*) FILTER (WHERE ti.state <> 'success'),"
            " sum(ti.duration), EXTRACT(EPOCH FROM max(ti.end_date) - min(ti.start_date)),"
            " EXTRACT(EPOCH FROM min(ti.start_date) - min(r.queued_at))"
            " FROM task_instance ti JOIN dag_run r ON r.run_id = ti.run_id AND r.dag_id = ti.dag_id"
            " WHERE ti.dag_id = %s AND ti.task_id LIKE 'ingest%%'",  # every wave
            DAG_ID,
        )[0]
        return {
            "state": state,
            "seconds": float(seconds),
            "tasks": tasks,
            "mean_task": float(mean_task or 0),
            "failed_tasks": failed,
            # share of the ingest tasks' window that the two slots spent inside a task (the rest is
            # the scheduler noticing a slot is free and a worker starting the next task)
            "busy": float(busy or 0) / (2 * float(window or 1)),
            "to_first_ingest": float(to_first or 0),
            "outcome": outcome(warehouse),
            "peak_pss_mib": procs.peak_pss / 2**20,
            "memory_group": group.figures() if group else None,
            # CPU seconds each service (with what it forked) and PostgreSQL used from trigger to end
            "cpu": {name: cpu_after[name] - cpu_before.get(name, 0.0) for name in cpu_after}
            | {"postgresql": pg_after - pg_before},
        }
    finally:
        survivors = procs.stop(grace=20)
        if survivors:
            print(f"!! still running after stop: {survivors}", file=sys.stderr)
        for url in (metadata, warehouse):
            if keep:
                print(f"  kept database {url}")
            else:
                drop_database(admin, url)
        if group:
            group.remove()


def postgres_cpu_seconds() -> float:
    """CPU seconds used so far by the PostgreSQL server's processes (backends that ended included:
    the postmaster reaps them), or 0 where they cannot be read."""
    import psutil

    total = 0.0
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] in ("postgres", "postmaster"):
            with contextlib.suppress(psutil.Error):
                t = proc.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
    return total


def _answers(url: str) -> bool:
    import requests

    try:
        return requests.get(url, timeout=10).status_code == 200
    except requests.RequestException:
        return False


def _log(procs: ProcessStack, name: str) -> str:
    """A service's log so far (the LocalExecutor's workers log "Worker starting up" once forked)."""
    path = procs.logs / f"{name}.log"
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--counties", type=int, default=10)
    parser.add_argument("--teachers", type=int, default=60000)
    parser.add_argument("--executors", default="warm", help="comma-separated, of: " + ", ".join(EXECUTORS))
    parser.add_argument(
        "--pg", default=os.environ.get("TEACHFLOW_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="AIRFLOW__SECTION__KEY=VALUE",
        help="an Airflow setting for every Airflow route (repeatable)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder, logs and the route's databases")
    parser.add_argument("--budget", type=float, default=3600, help="seconds allowed per Airflow route")
    parser.add_argument(
        "--heavy-training", metavar="COUNTIES:ROWS", help="the first COUNTIES counties send ROWS training records"
    )
    parser.add_argument(
        "--worker-memory", metavar="SIZE", help="run the scheduler and its workers in a memory cgroup of SIZE (4g)"
    )
    args = parser.parse_args()
    names = [n.strip() for n in args.executors.split(",") if n.strip()]
    extra = dict(item.split("=", 1) for item in args.set)
    if any(not key.startswith("AIRFLOW__") for key in extra):
        parser.error("--set takes AIRFLOW__SECTION__KEY=VALUE")
    unknown = [n for n in names if n not in EXECUTORS]
    if unknown:
        parser.error(f"unknown executor(s): {', '.join(unknown)}")

    import subprocess

    with contextlib.ExitStack() as cleanup:
        tmp = tempfile.mkdtemp(prefix="province_month_")
        if args.keep:
            print(f"kept: {tmp} (logs under <route>/logs and <route>/home/logs)")
        else:
            cleanup.callback(shutil.rmtree, tmp, ignore_errors=True)
        work = Path(tmp)
        city = work / "city"
        subprocess.run(
            [str(BIN / "teachflow"), "sample", "--out", str(city), "--counties", str(args.counties),
             "--teachers", str(args.teachers), "--months", "1",
             *(["--heavy-training", args.heavy_training] if args.heavy_training else [])],
            check=True, stdout=subprocess.DEVNULL, env={**os.environ, **SINGLE_THREADED_ENV},
        )  # fmt: skip
        manifest = json.loads((city / "sample" / "manifest.json").read_text(encoding="utf-8"))
        files = [f for f in manifest["files"] if f["path"].startswith("landing/")]
        print(f"province month: {args.counties} counties, {args.teachers} teachers, {len(files)} landing files")
        if args.heavy_training:
            print(f"heavy counties (COUNTIES:ROWS of training records): {args.heavy_training}")
        if extra:
            print("Airflow settings:", " ".join(f"{k}={v}" for k, v in extra.items()))
        print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")

        cli_seconds, cli_outcome, cli_cpu, cli_pg_cpu = single_process(
            args.pg, work, city / "landing", city / "reference"
        )
        print(f"teachflow ingest (one process): {cli_seconds:.1f} s; rows merged: {cli_outcome[1]}")
        for name in names:
            result = through_airflow(
                args.pg,
                work,
                city / "landing",
                city / "reference",
                name,
                args.budget,
                extra,
                args.worker_memory,
                keep=args.keep,
            )
            same = result["outcome"] == cli_outcome
            print(
                f"county_ingest, {EXECUTORS[name]} (parallelism 2): {result['seconds']:.1f} s from trigger to the "
                f"last task's end, run {result['state']}, {result['tasks']} ingest tasks "
                f"(mean {result['mean_task']:.2f} s, {result['failed_tasks']} not successful), "
                f"peak {result['peak_pss_mib']:.0f} MiB PSS of the started processes"
            )
            print(
                f"  trigger to the first ingest task's start {result['to_first_ingest']:.1f} s; the two slots "
                f"were inside an ingest task {result['busy']:.0%} of the ingest window"
            )
            print(f"  ratio to the single process: {result['seconds'] / cli_seconds:.2f} x (target <= 1.5 x)")
            print(
                "  CPU seconds from trigger to end: "
                + ", ".join(f"{k} {v:.1f}" for k, v in sorted(result["cpu"].items(), key=lambda kv: -kv[1]))
                + f" (the single process: {cli_cpu:.1f} s, PostgreSQL beside it {cli_pg_cpu:.1f} s)"
            )
            print(f"  outcome (ledger and roster rows) equal to the single process's: {'yes' if same else 'NO'}")
            if not same:
                print(f"  single process: {cli_outcome[1]}; {name}: {result['outcome'][1]}")
                ledger_cli, ledger_af = set(cli_outcome[0]), set(result["outcome"][0])
                print(f"  ledger rows only in the single process: {sorted(ledger_cli - ledger_af)[:10]}")
                print(f"  ledger rows only through Airflow: {sorted(ledger_af - ledger_cli)[:10]}")
            if result["memory_group"]:
                g = result["memory_group"]
                print(
                    f"  memory cgroup of the scheduler, its workers and their tasks: peak {g['peak'] / 2**30:.2f} GiB"
                    f" of the {g['limit'] / 2**30:.2f} GiB limit, limit hit {g['hits']} times,"
                    f" {g['oom_kills']} processes killed by the OOM killer"
                )
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
