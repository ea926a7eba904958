"""Benchmark: the analysts' questions (docs/queries.sql) on a province-sized warehouse (issue 14).

The province is the one ``bench/report.py`` builds (100 counties, 600,000 teachers, 200,000 flows,
12,000,000 training records; its ``load_province`` is reused). On top of it this bench writes what a
real warehouse holds besides the bulk tables: one accepted ledger row per county, month and dataset
(the mart's coverage fallback reads the ledger), the monthly reports of the last two months computed
as the DAG does, with their coverage (the runs also write the mart's per-teacher rows), and the
final joint assessment of 2025-2026. Then every question runs once to warm the cache and
``--repeat`` times more, as ``teachflow_analyst`` would run it; the median of each is compared with
the target, under 1 s.

Usage: ``.venv/bin/python bench/queries.py [--sample /tmp/province] [--url URL_OF_A_LOADED_PROVINCE]
[--months 2026-09,2026-10] [--repeat 5] [--keep]``. Not a test: results go in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "include"))

from report import BIN, PROVINCE, create_database, drop_database, load_province  # noqa: E402

TARGET_SECONDS = 1.0


def write_ledger(url: str) -> int:
    """One accepted ledger row per (county, period, dataset) that has rows, as the ingest would leave."""
    import psycopg

    with psycopg.connect(url) as conn:
        # Written once: a DELETE would check the unindexed submission_id of 3.5 M roster rows per row.
        if conn.execute("SELECT count(*) FROM submissions").fetchone()[0] > 1:
            return 0
        # bench/report.py wrote submission 1 with an explicit id: move the sequence past it.
        conn.execute("SELECT setval(pg_get_serial_sequence('submissions', 'submission_id'), 1)")
        inserted = conn.execute(
            "INSERT INTO submissions (county_code, period, dataset, file_format, source_path, sha256, size_bytes, "
            "archive_path, received_at, processed_at, status, rows_total, rows_loaded, rows_rejected) "
            "SELECT county_code, period, dataset, 'csv', 'bench', repeat('0', 64), 0, 'bench', now(), now(), "
            "'accepted', n, n, 0 FROM ("
            "SELECT county_code, period, 'teachers' AS dataset, count(*) AS n FROM roster_entries "
            "GROUP BY county_code, period "
            "UNION ALL SELECT county_code, period, 'teacher_flows', 0 FROM roster_entries GROUP BY county_code, period "
            "UNION ALL SELECT county_code, to_char(end_date, 'YYYY-MM'), 'training_records', count(*) "
            "FROM training_records GROUP BY 1, 2) facts"
        ).rowcount
        conn.commit()
    return inserted


def prepare(url: str, months: list[str]) -> None:
    """Ledger, monthly reports (and so the mart's per-teacher rows), final scores of 2025-2026."""
    import psycopg

    from teachflow.reports.rotation_run import compute_month
    from teachflow.scoring.model import load_model
    from teachflow.scoring.run import score_and_store
    from teachflow.settings import load_settings
    from teachflow.warehouse.engine import make_engine
    from teachflow.warehouse.migrate import refresh_mart

    start = time.perf_counter()
    print(f"  ledger rows        {write_ledger(url):>8,}  {time.perf_counter() - start:6.1f} s", flush=True)
    refresh_mart(url)
    engine = make_engine(url)
    try:
        for month in months:
            start = time.perf_counter()
            result, _ = compute_month(engine, load_settings(), month)  # as the DAG: with its coverage
            print(
                f"  report {month} (+ mart rows)  {time.perf_counter() - start:6.1f} s  {result.summary()}", flush=True
            )
        start = time.perf_counter()
        summary = score_and_store(engine, "2025-2026", load_model(), provisional=False)
        print(f"  scores 2025-2026   {time.perf_counter() - start:6.1f} s  {summary.text()}", flush=True)
    finally:
        engine.dispose()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def time_questions(url: str, repeat: int) -> list[tuple[str, float, list[float], int]]:
    import psycopg

    from teachflow.warehouse.mart_questions import load_questions

    results = []
    with psycopg.connect(url, autocommit=True) as conn:
        for question in load_questions():
            rows = conn.execute(question.sql).fetchall()  # warm-up, and the answer's size
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                conn.execute(question.sql).fetchall()
                times.append(time.perf_counter() - start)
            results.append((question.name, statistics.median(times), times, len(rows)))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=Path, default=Path("/tmp/province"))
    parser.add_argument("--months", default="2026-09,2026-10")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--pg", default=os.environ.get("TEACHFLOW_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument("--url", help="an already loaded province (skips generating and loading)")
    parser.add_argument(
        "--skip-prepare", action="store_true", help="with --url: the ledger, reports and scores are there already"
    )
    parser.add_argument("--keep", action="store_true", help="keep the loaded database (prints its URL)")
    args = parser.parse_args()
    os.environ.setdefault("TEACHFLOW_ID_SECRET", "bench-secret-not-for-production-0123456789")

    url = args.url
    if url is None:
        if not (args.sample / "sample" / "manifest.json").exists():
            print(f"Generating the province in {args.sample} (about 3 minutes)...", flush=True)
            cmd = [str(BIN / "teachflow"), "sample", "--out", str(args.sample), *PROVINCE, "--format", "csv"]
            subprocess.run([*cmd, "--no-mistakes"], check=True, stdout=subprocess.DEVNULL)
        url = create_database(args.pg)
        print(f"Loading {args.sample} into {url}:", flush=True)
        start = time.perf_counter()
        load_province(args.sample, url)
        print(f"  loaded and analyzed in {time.perf_counter() - start:.0f} s", flush=True)
    try:
        if not args.skip_prepare:
            print("Preparing the mart:", flush=True)
            prepare(url, args.months.split(","))
        else:
            from teachflow.warehouse.migrate import refresh_mart

            refresh_mart(url)  # the views of this checkout
        results = time_questions(url, args.repeat)
        print(
            f"Questions of docs/queries.sql, median of {args.repeat} after one warm-up (target < {TARGET_SECONDS} s):"
        )
        for name, median, times, rows in results:
            verdict = "ok" if median < TARGET_SECONDS else "SLOW"
            spread = ", ".join(f"{t:.3f}" for t in times)
            print(f"  {name:<45} {median:7.3f} s  {verdict:<4} {rows:>4} rows  [{spread}]")
        slow = [name for name, median, *_ in results if median >= TARGET_SECONDS]
        when = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
        print(f"  {len(results) - len(slow)}/{len(results)} under {TARGET_SECONDS} s; at {when}")
    finally:
        if args.keep or args.url:
            print(f"Database kept: {url}")
        else:
            drop_database(args.pg, url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
