"""Benchmark: what the ``COPY`` of a million training records costs on its own (issue 18, part 2).

The warm ingest of the million-row file is held to 3x a bare ``COPY`` of the file into an
unindexed table of text columns (the floor, ``bench/ingest.py``). This bench takes the pipeline
apart to show where that 3x goes, in one process that preloaded teachflow (as a warm worker):

1. the file read and normalized, and its IDs hashed, timed (what must happen before the copy can
   start: its rows go in key order, so every key is needed first; the search for repeated rows
   runs beside the copy since 2026-12-02);
2. the load frame sorted and its binary ``COPY`` chunks made without sending them (the client's share);
3. the same ``COPY`` (``teachflow.ingestion.merge.copy_rows``, as the pipeline calls it) on its own,
   each from a ``CHECKPOINT``, into: ``training_records`` as migrated (primary key and the BRIN
   index on ``end_date``), a copy with the primary key only, the same with its text key columns
   ``COLLATE "C"`` (byte comparisons), and a copy without any index;
4. the copy into ``training_records`` again while ``judge`` validates the file in the main thread,
   as ``validate_while_copying`` does.

Usage: ``.venv/bin/python bench/training_copy.py [--rows 1000000] [--runs 3]`` (generates the file
like ``bench/ingest.py``). Results go in BENCHMARKS.md by hand; this is not a test.
"""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SECRET = "bench-secret-not-for-production-0123456789"
TABLES = {
    "training_records (primary key + BRIN)": "training_records",
    "primary key only": "bench_pk_only",
    'primary key, key columns COLLATE "C"': "bench_pk_c",
    "no index": "bench_no_index",
}


def generate(work: Path, rows: int, env: dict[str, str]) -> Path:
    """A clean training file of ``rows`` rows (one county, one month), as bench/ingest.py makes it."""
    subprocess.run(
        [str(BIN / "teachflow"), "sample", "--out", str(work), "--counties", "1", "--months", "1",
         "--schools", "40", "--communities", "2", "--teachers", "20000", "--training-records", str(rows),
         "--format", "csv", "--no-mistakes"],
        check=True, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return next((work / "landing").glob("*/*/training_records.csv"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()

    import psycopg

    work = Path(tempfile.mkdtemp(prefix="teachflow-bench-copy-"))
    database = f"teachflow_bench_copy_{uuid.uuid4().hex[:8]}"
    url = args.pg.rsplit("/", 1)[0] + "/" + database
    env = {
        **os.environ,
        "TEACHFLOW_DATA_DIR": str(work),
        "TEACHFLOW_ID_SECRET": SECRET,
        "TEACHFLOW_WAREHOUSE_URL": url,
        "OPENBLAS_NUM_THREADS": "1",
    }
    with psycopg.connect(args.pg, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    try:
        path = generate(work, args.rows, env)
        for argv in (["warehouse", "upgrade"], ["reference", "load"]):
            subprocess.run([str(BIN / "teachflow"), *argv], check=True, env=env, capture_output=True)
        os.environ.update(env)
        measure(path, url, args.runs)
    finally:
        with psycopg.connect(args.pg, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)
    return 0


def measure(path: Path, url: str, runs: int) -> None:
    from teachflow.preload import preload

    preload()
    from teachflow.datasets import DATASETS
    from teachflow.ingestion.merge import (
        TRAINING_KEY,
        _as_binary_chunks,
        binary_column_order,
        copy_rows,
        load_frame,
        sort_order,
    )
    from teachflow.ingestion.pipeline import judge, load_reference_data, read_file
    from teachflow.ingestion.training_copy import _SQL_TYPES
    from teachflow.settings import load_settings
    from teachflow.warehouse.engine import make_engine

    settings = load_settings()
    engine = make_engine(url)
    reference = load_reference_data(engine)
    started = time.perf_counter()
    assessment = read_file(path, DATASETS["training_records"], settings, warm_up_gx=False, defer_duplicates=True)
    frame = load_frame("training_records", assessment.good_rows, settings.id_secret())
    before_copy = time.perf_counter() - started
    stages = ", ".join(f"{k} {v:.2f}" for k, v in assessment.timings.items())
    print(f"{len(frame):,} rows ({path.stat().st_size / 1e6:.0f} MB); before the copy can start: {before_copy:.2f} s")
    print(f"  ({stages}, hash IDs and load frame {before_copy - sum(assessment.timings.values()):.2f})")
    records = frame.drop(columns=["name"]).assign(submission_id=1, county_code="450202")
    started = time.perf_counter()
    ordered = records[binary_column_order(records, _SQL_TYPES)]
    order = sort_order(ordered, TRAINING_KEY)
    encoded = sum(len(chunk) for chunk in _as_binary_chunks(ordered, _SQL_TYPES, order))
    print(f"binary COPY data made, not sent: {time.perf_counter() - started:.2f} s ({encoded / 1e6:.0f} MB)")

    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE bench_no_index (LIKE training_records INCLUDING DEFAULTS)")
        conn.exec_driver_sql("CREATE TABLE bench_pk_only (LIKE training_records INCLUDING DEFAULTS)")
        conn.exec_driver_sql("ALTER TABLE bench_pk_only ADD PRIMARY KEY (teacher_key, program_code, start_date)")
        conn.exec_driver_sql("CREATE TABLE bench_pk_c (LIKE training_records INCLUDING DEFAULTS)")
        conn.exec_driver_sql(
            'ALTER TABLE bench_pk_c ALTER COLUMN teacher_key TYPE varchar(64) COLLATE "C",'
            ' ALTER COLUMN program_code TYPE varchar(64) COLLATE "C"'
        )
        conn.exec_driver_sql("ALTER TABLE bench_pk_c ADD PRIMARY KEY (teacher_key, program_code, start_date)")
        conn.commit()

    def timed_copy(table: str, validating: bool = False) -> float:
        with engine.connect() as conn:
            conn.exec_driver_sql("CHECKPOINT")
            conn.commit()
            took: dict[str, float] = {}

            def run() -> None:
                begun = time.perf_counter()
                copy_rows(conn, table, records, sort_by=TRAINING_KEY, sql_types=_SQL_TYPES)
                took["copy"] = time.perf_counter() - begun

            thread = threading.Thread(target=run)
            thread.start()
            if validating:
                judged = copy.copy(assessment)
                judged.timings = {}
                judge(judged, "450202", "2026-10", reference, settings)
            thread.join()
            conn.commit()
            conn.exec_driver_sql(f"TRUNCATE {table}")
            conn.commit()
        return took["copy"]

    figures: dict[str, list[float]] = {label: [] for label in [*TABLES, "training_records, judge() beside it"]}
    for _ in range(runs):
        for label, table in TABLES.items():
            figures[label].append(timed_copy(table))
        figures["training_records, judge() beside it"].append(timed_copy("training_records", validating=True))
    print(f"COPY on its own, from a CHECKPOINT (median of {runs}; every run):")
    for label, seconds in figures.items():
        print(f"  {label:45s} {statistics.median(seconds):6.2f} s   ({', '.join(f'{s:.2f}' for s in seconds)})")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    sys.exit(main())
