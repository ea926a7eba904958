"""`make ui`: Airflow's UI on the demo's home (airflow_home/, data/), on 127.0.0.1, DAGs unpaused.

Airflow 3 needs three processes for a working UI whose DAGs run: the API server (UI + REST API +
the execution API the tasks talk to), the scheduler and the DAG processor (which parses dags/).
They are started here, each in a session of its own with its log in ``airflow_home/ui-logs/``,
sharing one JWT secret generated for this run (tasks authenticate to the execution API with it).
Once the API server answers, every teachflow DAG is parsed into the metadata database and
unpaused; then this script waits. Ctrl-C (or any of the three dying) stops all of them.

Local development only: it listens on 127.0.0.1 and uses the simple auth manager with everyone an
admin (no login). Port: ``UI_PORT`` (default 8080). Run ``make demo`` first for the sample city,
its warehouse and its reports; without it the DAGs are there but have nothing to take.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DAG_IDS = ("county_api_pull", "county_ingest", "rotation_report_monthly", "rotation_report_refresh", "joint_assessment")
START_TIMEOUT_SECONDS = 240


def ui_environment(port: int) -> dict[str, str]:
    """The Makefile's environment plus what the three processes must agree on."""
    return {
        **os.environ,
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": os.environ.get("AIRFLOW__API_AUTH__JWT_SECRET") or secrets.token_hex(32),
        "AIRFLOW__API__SECRET_KEY": os.environ.get("AIRFLOW__API__SECRET_KEY") or secrets.token_hex(32),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",  # 127.0.0.1 only: no login
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }


def start(name: str, command: list[str], env: dict[str, str], logs: Path) -> subprocess.Popen:
    log = (logs / f"{name}.log").open("w", encoding="utf-8")
    print(f"+ {' '.join(command)}   (log: {logs / f'{name}.log'})", flush=True)
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(processes: dict[str, subprocess.Popen]) -> None:
    """SIGTERM to each process group, SIGKILL to what is left after 20 s."""
    for process in processes.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def dead(processes: dict[str, subprocess.Popen]) -> str | None:
    return next((name for name, p in processes.items() if p.poll() is not None), None)


def tail(path: Path, lines: int = 30) -> str:
    return "".join(path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)[-lines:])


def wait_for_api(url: str, processes: dict[str, subprocess.Popen], logs: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if (name := dead(processes)) is not None:
            raise SystemExit(f"airflow {name} stopped while starting:\n{tail(logs / f'{name}.log')}")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/monitor/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(2)
    raise SystemExit(f"the API server did not answer on {url} within {START_TIMEOUT_SECONDS} s: see {logs}")


def unpause(env: dict[str, str]) -> None:
    """Parse the DAGs into the metadata database (a first run has none yet), then unpause each."""
    subprocess.run(["airflow", "dags", "reserialize"], cwd=ROOT, env=env, check=True, capture_output=True)
    for dag_id in DAG_IDS:
        done = subprocess.run(["airflow", "dags", "unpause", "-y", dag_id], cwd=ROOT, env=env, capture_output=True)
        print(f"  {dag_id}: {'unpaused' if done.returncode == 0 else 'could not unpause: ' + done.stderr[-300:]}")


def main() -> int:
    port = int(os.environ.get("UI_PORT") or 8080)
    env = ui_environment(port)
    logs = Path(env.get("AIRFLOW_HOME", ROOT / "airflow_home")) / "ui-logs"
    logs.mkdir(parents=True, exist_ok=True)
    if not (Path(env.get("TEACHFLOW_DATA_DIR", ROOT / "data")) / "landing").exists():
        print("No sample city in data/ yet: run `make demo` first to see the DAGs take its files.")
    url = f"http://127.0.0.1:{port}"
    processes: dict[str, subprocess.Popen] = {}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # `kill` stops the three as Ctrl-C does
    try:
        processes["api-server"] = start("api-server", ["airflow", "api-server", "--port", str(port)], env, logs)
        processes["scheduler"] = start("scheduler", ["airflow", "scheduler"], env, logs)
        processes["dag-processor"] = start("dag-processor", ["airflow", "dag-processor"], env, logs)
        wait_for_api(url, processes, logs)
        unpause(env)
        print(f"\nAirflow UI: {url}  (no login; schedules run on Asia/Shanghai time). Ctrl-C stops it.", flush=True)
        while (name := dead(processes)) is None:
            time.sleep(2)
        print(f"airflow {name} stopped:\n{tail(logs / f'{name}.log')}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        print("Stopping the API server, scheduler and DAG processor...", flush=True)
        stop(processes)


if __name__ == "__main__":
    sys.exit(main())
