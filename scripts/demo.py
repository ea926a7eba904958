"""`make demo`: a sample city through every pipeline, end to end, on the embedded default.

Steps (each idempotent, so a second `make demo` gives the same warehouse):
1. generate the sample city (reference CSVs + the counties' landing drops) unless already there;
2. load the reference data;
3. run every DAG of DEMO_DAGS that exists, with `airflow dags test`;
4. print where the warehouse, reports and county feedback files are.
Runs inside the Makefile's environment (AIRFLOW_HOME, TEACHFLOW_DATA_DIR, PATH with .venv/bin).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = "2026"

#: (dag_id, logical date or None for today) in the order a month unfolds. Later issues add theirs.
DEMO_DAGS: list[tuple[str, str | None]] = [
    ("county_ingest", None),
]


def run(*cmd: str) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def main() -> int:
    sys.path.insert(0, str(ROOT / "include"))
    from teachflow.settings import load_settings

    # The sample's files were all just written: take them at once instead of after the quiet time.
    os.environ.setdefault("TEACHFLOW_LANDING_QUIET_SECONDS", "0")
    settings = load_settings()
    marker = settings.data_dir / "sample" / "manifest.json"
    if not marker.exists():
        run("teachflow", "sample", "--seed", SEED, "--out", str(settings.data_dir))
    else:
        print(f"Sample city already generated ({marker}); reusing it.")
    run("teachflow", "reference", "load")

    dags_dir = ROOT / "dags"
    for dag_id, when in DEMO_DAGS:
        if not (dags_dir / f"{dag_id}.py").exists():
            continue
        run("airflow", "dags", "test", dag_id, when or dt.date.today().isoformat())

    print()
    print("teachflow demo finished. Outputs:")
    print(f"  warehouse          {settings.warehouse_url}")
    print(f"  reference data     {settings.reference_dir}")
    print(f"  landing zone       {settings.landing}")
    print(f"  archive            {settings.archive}")
    print(f"  county feedback    {settings.outbox}   (<county>/<YYYY-MM>/<dataset>.feedback.xlsx)")
    print(f"  reports            {settings.reports}")
    print(f"  Airflow home       {os.environ.get('AIRFLOW_HOME', '(not set)')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
