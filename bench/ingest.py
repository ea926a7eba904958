"""Benchmark: ingesting a 1,000,000-row training_records CSV into PostgreSQL (issue 3).

Prints, from one run on this machine:
- wall time and peak RSS of ``teachflow ingest`` of that file (a fresh warehouse database);
- the floor: a bare ``COPY`` of the same file into an unindexed table of text columns;
- the naive route a user would write: ``read_csv``, GX on the whole frame, ``DataFrame.to_sql``;
and the ratios against the targets (ingest <= 3x the floor, >= 5x faster than naive, RSS <= 1 GiB).
Beside it, the same ingest in a process that preloaded teachflow first, timed from after the
preload: what a task of a warm Airflow worker pays (issue 18; target <= 3x the floor there).
``--failing hours|id``: then the same file with every row failing (every ``hours`` 500, GX's range
check, or every resident ID's check character wrong, a teachflow rule) is ingested right after the
clean one, in a fresh database of its own: its wall time, peak RSS and the ratio to the clean file
(issue 18: within 1 GiB and at most 2x the clean file's time). ``--only-ingest`` leaves out the
warm ingest, the floors and the naive route.

Usage: ``.venv/bin/python bench/ingest.py [--rows 1000000] [--pg postgresql://postgres@127.0.0.1:5432/test]``
Results go in BENCHMARKS.md by hand; this is not a test (tests check behaviour, not time).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def sh(*cmd: str, env: dict | None = None) -> None:
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)


def create_database(admin_url: str) -> str:
    import psycopg

    name = f"teachflow_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def checkpoint(admin_url: str) -> None:
    """Flush PostgreSQL's dirty pages before a timed phase.

    A million indexed rows write ~0.5 GB of WAL; with the server's ``max_wal_size`` (1 GB) the
    phase after the one that wrote them paid for the checkpoint they caused (a warm ingest took
    9-15 s after the cold one, 6-7 s otherwise). Every timed phase starts from a checkpoint.
    """
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def copy_floor(url: str, csv_path: Path, unlogged: bool = False, run: int = 0) -> float:
    """A bare COPY of the file's rows into an unindexed table of text columns: the floor.

    The table is an ordinary (WAL-logged) one, like every warehouse table; ``unlogged`` skips the
    write-ahead log as well, a table no warehouse would keep its data in, printed for reference.
    """
    import psycopg

    with open(csv_path, encoding="utf-8-sig") as f:
        header = f.readline().strip().split(",")
    cols = ", ".join(f'"{c}" text' for c in header)
    table = f"floor_copy_unlogged_{run}" if unlogged else f"floor_copy_{run}"
    with psycopg.connect(url) as conn:
        conn.execute(f"CREATE {'UNLOGGED' if unlogged else ''} TABLE {table} ({cols})")
        conn.commit()
        conn.execute("CHECKPOINT")  # see checkpoint()
        conn.commit()
        start = time.perf_counter()
        sql = f"COPY {table} FROM STDIN (FORMAT csv, HEADER true)"
        with conn.cursor() as cur, cur.copy(sql) as copy, open(csv_path, "rb") as f:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        return time.perf_counter() - start


def naive_route(url: str, csv_path: Path) -> float:
    """What a user would write first: read_csv, GX on the whole frame, to_sql.

    Timed like ``teachflow ingest``: the wall time of its own process, imports included.
    """
    code = f"""
import pandas as pd, great_expectations as gx
import great_expectations.expectations as gxe
from sqlalchemy import create_engine
df = pd.read_csv({str(csv_path)!r}, dtype=str)
ctx = gx.get_context(mode="ephemeral")
batch = ctx.data_sources.add_pandas("p").add_dataframe_asset("a").add_batch_definition_whole_dataframe("b")
suite = gx.ExpectationSuite(name="s", expectations=[
    gxe.ExpectColumnValuesToNotBeNull(column=c)
    for c in ("id_number", "program_code", "start_date", "end_date", "hours")
] + [gxe.ExpectColumnValuesToBeBetween(column="hours_num", min_value=0, max_value=200)])
df["hours_num"] = pd.to_numeric(df["hours"], errors="coerce")
batch.get_batch(batch_parameters={{"dataframe": df}}).validate(suite)
df.to_sql("naive_training", create_engine({url.replace("postgresql://", "postgresql+psycopg://")!r}),
          if_exists="replace", index=False, chunksize=50_000)
"""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def warm_ingest(admin_url: str, env: dict) -> tuple[float, str]:
    """``teachflow ingest`` as a warm worker's task runs it: the clock starts after the preload.

    A fresh warehouse of its own; the process first calls :func:`teachflow.preload.preload` (what
    the LocalExecutor's scheduler or a Celery worker does once, before forking the task process),
    then ingests the same file (issue 18).
    """
    url = create_database(admin_url)
    warm_env = {**env, "TEACHFLOW_WAREHOUSE_URL": url, "OPENBLAS_NUM_THREADS": "1"}
    try:
        sh(str(BIN / "teachflow"), "warehouse", "upgrade", env=warm_env)
        sh(str(BIN / "teachflow"), "reference", "load", env=warm_env)
        wrapper = (
            "import sys, time\nfrom teachflow.preload import preload\npreload()\n"
            "from teachflow.cli import main\nstart = time.perf_counter()\nrc = main(['ingest'])\n"
            "print('WARM_S', time.perf_counter() - start, file=sys.stderr)\nsys.exit(rc)"
        )
        checkpoint(admin_url)
        run = subprocess.run([sys.executable, "-c", wrapper], check=True, env=warm_env, capture_output=True, text=True)
        stages = "\n".join(
            line.split(": ", 1)[-1]
            for line in run.stderr.splitlines()
            if "seconds per stage" in line or "copied " in line
        )
        return float(next(line for line in run.stderr.splitlines() if line.startswith("WARM_S")).split()[1]), stages
    finally:
        drop_database(admin_url, url)


def failing_copy(csv_path: Path, kind: str, out: Path) -> Path:
    """The file with every row failing: ``hours`` 500 (over the range), or every ID's check
    character wrong; written beside it as ``out`` (same header, same encoding)."""
    import csv

    out.parent.mkdir(parents=True, exist_ok=True)
    swap = {str(d): str((d + 1) % 10) for d in range(10)} | {"X": "0", "x": "0"}
    with (
        open(csv_path, encoding="utf-8-sig", newline="") as src,
        open(out, "w", encoding="utf-8-sig", newline="") as dst,
    ):
        reader, writer = csv.reader(src), csv.writer(dst, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        at = header.index("hours" if kind == "hours" else "id_number")
        for row in reader:
            row[at] = "500" if kind == "hours" else row[at][:17] + swap[row[at][17]]
            writer.writerow(row)
    return out


def timed_ingest(env: dict) -> tuple[float, float, str]:
    """``teachflow ingest`` in a process of its own: (wall seconds, peak RSS MiB, its stage timings)."""
    wrapper = (
        "import resource, sys\nfrom teachflow.cli import main\nrc = main(['ingest'])\n"
        "print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\nsys.exit(rc)"
    )
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-c", wrapper], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if run.returncode != 0 or "PEAK_KB" not in run.stderr:
        sys.exit(f"teachflow ingest failed ({run.returncode}):\n{run.stdout}\n{run.stderr[-5000:]}")
    stages = "\n".join(line.split(": ", 1)[-1] for line in run.stderr.splitlines() if "seconds per stage" in line)
    peak_kb = int(next(line for line in run.stderr.splitlines() if line.startswith("PEAK_KB")).split()[1])
    return seconds, peak_kb / 1024, run.stdout.strip() + "\n" + stages


def ingest_failing(admin_url: str, env: dict, csv_path: Path, kind: str) -> tuple[float, float, str]:
    """The failing copy of the file through ``teachflow ingest``, in a fresh database and landing zone."""
    work = Path(tempfile.mkdtemp(prefix="teachflow-bench-failing-"))
    failing = failing_copy(
        csv_path, kind, work / "landing" / csv_path.parent.parent.name / csv_path.parent.name / csv_path.name
    )
    shutil.copytree(Path(env["TEACHFLOW_DATA_DIR"]) / "reference", work / "reference")
    url = create_database(admin_url)
    fail_env = {**env, "TEACHFLOW_DATA_DIR": str(work), "TEACHFLOW_WAREHOUSE_URL": url}
    try:
        sh(str(BIN / "teachflow"), "warehouse", "upgrade", env=fail_env)
        sh(str(BIN / "teachflow"), "reference", "load", env=fail_env)
        result = timed_ingest(fail_env)
        feedback = next((work / "outbox").glob("*/*/training_records.feedback.csv"))
        with open(feedback, "rb") as f:
            lines = sum(1 for _ in f) - 1
        print(f"failing file ({kind}): {failing.stat().st_size / 1e6:.0f} MB; feedback CSV {lines:,} lines")
        return result
    finally:
        drop_database(admin_url, url)
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-naive", action="store_true", help="leave out the (slow) naive route")
    parser.add_argument("--failing", choices=("hours", "id"), help="also ingest the file with every row failing")
    parser.add_argument("--only-ingest", action="store_true", help="only teachflow ingest (clean, and failing)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="teachflow-bench-"))
    env = {
        **os.environ,
        "TEACHFLOW_DATA_DIR": str(work),
        "TEACHFLOW_ID_SECRET": "bench-secret-not-for-production-0123456789",
        "TEACHFLOW_LANDING_QUIET_SECONDS": "0",
    }
    print(f"Generating a {args.rows:,}-row training_records file in {work} ...", flush=True)
    sh(
        str(BIN / "teachflow"),
        "sample",
        "--out",
        str(work),
        "--counties",
        "1",
        "--months",
        "1",
        "--schools",
        "40",
        "--communities",
        "2",
        "--teachers",
        "20000",
        "--training-records",
        str(args.rows),
        "--format",
        "csv",
        "--no-mistakes",
        env=env,
    )
    csv_path = next((work / "landing").glob("*/*/training_records.csv"))
    # Keep only the training file in the landing zone: the benchmark times that one file.
    for other in (work / "landing").glob("*/*/*"):
        if other != csv_path:
            other.unlink()
    size_mb = csv_path.stat().st_size / 1e6
    with open(csv_path, "rb") as f:
        rows = sum(1 for _ in f) - 1
    print(f"File: {csv_path.relative_to(work)} ({rows:,} rows, {size_mb:.0f} MB)")

    url = create_database(args.pg)
    env["TEACHFLOW_WAREHOUSE_URL"] = url
    try:
        sh(str(BIN / "teachflow"), "warehouse", "upgrade", env=env)
        sh(str(BIN / "teachflow"), "reference", "load", env=env)

        # `teachflow ingest` in a process of its own that reports its own peak RSS at exit. (Until
        # 2026-12-02 a second, untimed run came first, and the timed one found nothing new to take.)
        checkpoint(args.pg)
        ingest_s, peak_mib, account = timed_ingest(env)
        print(account)
        failing = None
        if args.failing:
            failing = ingest_failing(args.pg, env, csv_path, args.failing)
            print(failing[2])
        load = os.getloadavg()
        if args.only_ingest:
            print()
            print(f"teachflow ingest     {ingest_s:8.2f} s   peak RSS {peak_mib:7.0f} MiB   (target <= 1024 MiB)")
            if failing:
                print(
                    f"  every row failing  {failing[0]:8.2f} s   peak RSS {failing[1]:7.0f} MiB   (target <= 1024 MiB)"
                )
                print(f"failing / clean      {failing[0] / ingest_s:8.2f} x   (target <= 2, issue 18)")
            print(f"load average         {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
            return 0

        warm_s, warm_stages = warm_ingest(args.pg, env)
        print(f"warm: {warm_stages}")
        # The floor is the median of three: one COPY varies by +-50 % on this shared machine.
        floors = [copy_floor(url, csv_path, run=run) for run in range(3)]
        floor_s = statistics.median(floors)
        unlogged_s = copy_floor(url, csv_path, unlogged=True)
        naive_s = None if args.skip_naive else naive_route(url, csv_path)
    finally:
        drop_database(args.pg, url)

    print()
    print(f"load average (1, 5, 15 min) at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"teachflow ingest     {ingest_s:8.2f} s   peak RSS {peak_mib:7.0f} MiB   (target <= 1024 MiB)")
    if failing:
        print(f"  every row failing  {failing[0]:8.2f} s   peak RSS {failing[1]:7.0f} MiB   (target <= 1024 MiB)")
        print(f"failing / clean      {failing[0] / ingest_s:8.2f} x   (target <= 2, issue 18)")
    print(f"load average         {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(f"warm ingest          {warm_s:8.2f} s   (after teachflow.preload, as in a warm worker's task)")
    print(
        f"bare COPY (floor)    {floor_s:8.2f} s   (unindexed table of text columns; median of "
        f"{', '.join(f'{f:.2f}' for f in floors)})"
    )
    print(f"  into UNLOGGED      {unlogged_s:8.2f} s   (no write-ahead log; for reference)")
    if naive_s is not None:
        print(f"naive route          {naive_s:8.2f} s   (read_csv + GX on the frame + to_sql)")
    print(f"ingest / floor       {ingest_s / floor_s:8.2f} x   (target <= 3)")
    print(f"warm ingest / floor  {warm_s / floor_s:8.2f} x   (target <= 3, issue 18)")
    print(f"ingest / unlogged    {ingest_s / unlogged_s:8.2f} x")
    if naive_s is not None:
        print(f"naive / ingest       {naive_s / ingest_s:8.2f} x   (target >= 5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
