"""`make demo`: a sample city through every pipeline, end to end, on the embedded default.

Steps (each idempotent, so a second `make demo` gives the same warehouse):
1. generate the sample city (reference CSVs + the counties' landing drops) unless already there;
2. load the reference data;
3. run every DAG of DEMO_DAGS that exists, with `airflow dags test`;
4. start the county portal in the background with demo accounts (scripts/demo_portal.py);
5. print where the warehouse, reports and county feedback files are, the portal's address and logins.
Runs inside the Makefile's environment (AIRFLOW_HOME, TEACHFLOW_DATA_DIR, PATH with .venv/bin).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = "2026"

#: The sample county that plays a county with its own system, pulled over the county API.
API_COUNTY = "450221"

#: (dag_id, logical date or None for today) in the order a month unfolds.
DEMO_DAGS: list[tuple[str, str | None]] = [
    ("county_api_pull", None),  # runs while the demo serves API_COUNTY's files on 127.0.0.1
    ("county_ingest", None),
    ("rotation_report_monthly", "2026-11-06"),  # the 6th of November reports October
    ("rotation_report_refresh", None),  # re-runs reported months whose data changed (here: none)
    ("joint_assessment", "2026-09-06"),  # final scores of 2025-2026: the day after August was due
    ("daily_digest", "now"),  # 每日报送情况 as of now (08:00 today would be before the sample arrived)
]

#: Every month of the sample, reported from the command line too.
SAMPLE_MONTHS = ("2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10")


def run(*cmd: str) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


@contextlib.contextmanager
def county_api(settings):
    """Serve API_COUNTY's sample files from the reference county API on 127.0.0.1 meanwhile.

    The first demo moves that county's files out of the landing zone into the API's source folder,
    so the only way they come back is the county_api_pull DAG; later demos find them pulled already
    and the pull reports them unchanged.
    """
    from teachflow.pull.demo import DEMO_TOKEN, demo_source, move_county_to_source
    from teachflow.pull.server import CountyApiServer

    source = demo_source(settings)
    if not (source / API_COUNTY).exists():
        moved = move_county_to_source(Path(settings.landing), source, API_COUNTY)
        print(f"County {API_COUNTY} plays an API county: {len(moved)} file(s) now served from {source}")
    with CountyApiServer(source, DEMO_TOKEN) as server:
        os.environ[f"TEACHFLOW_COUNTY_API_{API_COUNTY}_URL"] = server.county_url(API_COUNTY)
        os.environ[f"TEACHFLOW_COUNTY_API_{API_COUNTY}_TOKEN"] = DEMO_TOKEN
        print(f"County API of {API_COUNTY} served at {server.county_url(API_COUNTY)}")
        yield


def run_dag(dag_id: str, when: str, log: Path) -> None:
    """`airflow dags test`, its chatty log to a file; the tail is shown if it fails."""
    print(f"+ airflow dags test {dag_id} {when}   (log: {log})", flush=True)
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run(["airflow", "dags", "test", dag_id, when], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        print("".join(log.read_text(encoding="utf-8").splitlines(keepends=True)[-40:]))
        raise SystemExit(f"airflow dags test {dag_id} failed (exit {done.returncode}); full log: {log}")


def print_ledger_summary(settings) -> None:
    """What became of the counties' files: counts by status, and each rejected file's feedback."""
    from sqlalchemy import func, select

    from teachflow.ingestion.feedback import feedback_paths
    from teachflow.warehouse.engine import make_engine
    from teachflow.warehouse.schema import pairing_conflicts, pairings, support_activities
    from teachflow.warehouse.schema import submissions as s

    engine = make_engine(settings.warehouse_url)
    with engine.connect() as conn:
        counts = conn.execute(select(s.c.status, func.count()).group_by(s.c.status).order_by(s.c.status)).all()
        practices = [
            conn.execute(select(func.count()).select_from(table)).scalar()
            for table in (pairings, pairing_conflicts, support_activities)
        ]
        rejected = conn.execute(
            select(s.c.county_code, s.c.period, s.c.dataset).where(s.c.status == "rejected").order_by(s.c.submission_id)
        ).all()
    engine.dispose()
    print("\nSubmission ledger: " + ", ".join(f"{n} {status}" for status, n in counts))
    print("Pairings {} ({} disagreements between counties), support activities {}".format(*practices))
    for county, period, dataset in rejected:
        print(
            f"  rejected {county}/{period}/{dataset}: {feedback_paths(settings.outbox, county, period, dataset).xlsx}"
        )


def main() -> int:
    sys.path.insert(0, str(ROOT / "include"))
    from teachflow.settings import load_settings

    # The sample's files were all just written: take them at once instead of after the quiet time.
    os.environ.setdefault("TEACHFLOW_LANDING_QUIET_SECONDS", "0")
    settings = load_settings()
    sys.path.insert(0, str(ROOT / "scripts"))
    import demo_portal

    demo_portal.stop_previous(settings.data_dir / "portal.pid")
    port = demo_portal.choose_port(int(os.environ.get("TEACHFLOW_PORTAL_PORT", "8090")))
    os.environ.setdefault("TEACHFLOW_PORTAL_URL", f"http://127.0.0.1:{port}")  # the digest's links
    marker = settings.data_dir / "sample" / "manifest.json"
    if not marker.exists():
        run("teachflow", "sample", "--seed", SEED, "--out", str(settings.data_dir))
    else:
        print(f"Sample city already generated ({marker}); reusing it.")
    run("teachflow", "reference", "load")

    dags_dir = ROOT / "dags"
    logs = settings.data_dir / "demo-logs"
    logs.mkdir(parents=True, exist_ok=True)
    with county_api(settings):
        for dag_id, when in DEMO_DAGS:
            if not (dags_dir / f"{dag_id}.py").exists():
                continue
            if when == "now":
                when = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            run_dag(dag_id, when or dt.date.today().isoformat(), logs / f"{dag_id}.log")

    for month in SAMPLE_MONTHS:
        run("teachflow", "report", "rotation", "--month", month)

    print_ledger_summary(settings)

    print()
    print("teachflow demo finished. Outputs:")
    print(f"  warehouse          {settings.warehouse_url}")
    print(f"  reference data     {settings.reference_dir}")
    print(f"  landing zone       {settings.landing}")
    print(f"  archive            {settings.archive}")
    print(f"  county feedback    {settings.outbox}   (<county>/<YYYY-MM>/<dataset>.feedback.xlsx)")
    print(f"  reports            {settings.reports}")
    for path in sorted(settings.reports.glob("*/*/*.*")):
        print(f"                     {path.relative_to(settings.reports)}")
    print(f"  Airflow home       {os.environ.get('AIRFLOW_HOME', '(not set)')}")

    logins = demo_portal.demo_logins(settings)
    address, pid = demo_portal.start_portal(settings, port)
    print()
    print(f"County portal (县区报送门户): {address}/   (running in the background, pid {pid})")
    print("  logins (user / password):")
    for username, password, what in logins:
        print(f"    {username:<14} {password:<14} {what}")
    print(f"  stop it with: kill $(cat {settings.data_dir / 'portal.pid'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
