"""Benchmark: one month's rotation report on a province-sized warehouse in PostgreSQL (issue 5).

The province: ``teachflow sample --counties 100 --teachers 600000 --flows 200000 --training-records
12000000 --format csv --no-mistakes`` (about 3 minutes; reused if ``--sample`` already holds it).
Loading 12 M training rows through ``teachflow ingest`` (GX on every file) would take far longer
than the report itself, so the landing CSVs are loaded directly: IDs are turned into teacher_keys
with the production HMAC (``teachflow.resident_id.teacher_keys``), flows and training records are
deduplicated on their natural keys (the newest month wins, as the merge does), and every table is
filled with ``COPY`` into the migrated schema (keys and indexes dropped during the COPY and rebuilt
after, as any bulk load does), then ANALYZEd.

Prints, from one run: the time of ``compute_rotation_report`` for the month (all scopes, revision
logic, overdue list; the warehouse's first report of the month and a second, unchanged run), the
time of the Excel/HTML outputs, and the floor: one hand-written PostgreSQL query computing the same
county figures. Target: report ≤ 1.5 × the floor and < 60 s on this 2-core machine.

Usage: ``.venv/bin/python bench/report.py [--sample /tmp/province] [--month 2026-10]
[--pg postgresql://postgres@127.0.0.1:5432/test] [--keep]``. Not a test: results go in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PROVINCE = ["--counties", "100", "--teachers", "600000", "--flows", "200000", "--training-records", "12000000"]

FLOOR_SQL = """
WITH latest AS (
    SELECT county_code, max(period) AS period FROM roster_entries WHERE period <= %(m)s GROUP BY county_code),
cur AS (
    SELECT DISTINCT ON (r.teacher_key) r.teacher_key, r.school_code, r.current_school_since
    FROM roster_entries r JOIN latest l USING (county_code, period)
    ORDER BY r.teacher_key, r.period DESC, r.county_code DESC),
hrs AS (
    SELECT teacher_key, sum(hours) AS sy, sum(hours) FILTER (WHERE end_date >= %(ms)s) AS mh,
           count(*) FILTER (WHERE end_date >= %(ms)s) AS mc
    FROM training_records WHERE end_date BETWEEN %(sy)s AND %(me)s GROUP BY teacher_key),
ros AS (
    SELECT s.county_code, count(*) AS roster_teachers,
           count(*) FILTER (WHERE cur.current_school_since <= %(el)s) AS eligible,
           round(coalesce(sum(h.mh), 0), 2) AS hours_month, coalesce(sum(h.mc), 0) AS person_times,
           count(*) FILTER (WHERE coalesce(h.sy, 0) >= %(thr)s) AS on_track
    FROM cur JOIN schools s USING (school_code) LEFT JOIN hrs h USING (teacher_key) GROUP BY s.county_code),
fo AS (
    SELECT s.county_code,
        count(*) FILTER (WHERE rot AND active) AS active_out,
        count(*) FILTER (WHERE rot AND f.start_date BETWEEN %(ms)s AND %(me)s) AS started_out,
        count(*) FILTER (WHERE rot AND f.actual_end_date BETWEEN %(ms)s AND %(me)s) AS ended_out,
        count(*) FILTER (WHERE rot AND active AND f.planned_end_date < %(me)s) AS overdue_out,
        count(*) FILTER (WHERE NOT rot AND f.flow_type = 'transfer' AND f.start_date BETWEEN %(ms)s AND %(me)s)
            AS transfers_out
    FROM (SELECT *, flow_type <> 'transfer' AS rot,
                 start_date <= %(me)s AND (actual_end_date IS NULL OR actual_end_date > %(me)s) AS active
          FROM teacher_flows) f JOIN schools s ON s.school_code = f.from_school_code GROUP BY s.county_code),
fi AS (
    SELECT s.county_code,
        count(*) FILTER (WHERE f.flow_type <> 'transfer' AND f.start_date <= %(me)s
                         AND (f.actual_end_date IS NULL OR f.actual_end_date > %(me)s)) AS active_in,
        count(*) FILTER (WHERE f.flow_type = 'transfer' AND f.start_date BETWEEN %(ms)s AND %(me)s) AS transfers_in
    FROM teacher_flows f JOIN schools s ON s.school_code = f.to_school_code GROUP BY s.county_code),
sy AS (
    SELECT teacher_key, from_school_code FROM teacher_flows
    WHERE flow_type <> 'transfer' AND start_date BETWEEN %(sy)s AND %(me)s),
tier AS (
    SELECT DISTINCT ON (teacher_key) teacher_key, tier IN ('backbone', 'subject_leader', 'famous') AS bb
    FROM roster_entries WHERE period <= %(m)s AND teacher_key IN (SELECT teacher_key FROM sy)
    ORDER BY teacher_key, period DESC, bb DESC),
rot AS (
    SELECT s.county_code, count(DISTINCT sy.teacher_key) AS rotated,
           count(DISTINCT sy.teacher_key) FILTER (WHERE tier.bb) AS backbone
    FROM sy JOIN schools s ON s.school_code = sy.from_school_code LEFT JOIN tier USING (teacher_key)
    GROUP BY s.county_code)
SELECT c.county_code, c.county_name,
    coalesce(fo.active_out, 0), coalesce(fi.active_in, 0), coalesce(fo.started_out, 0), coalesce(fo.ended_out, 0),
    coalesce(fo.overdue_out, 0), coalesce(fi.transfers_in, 0), coalesce(fo.transfers_out, 0),
    coalesce(ros.eligible, 0), coalesce(rot.rotated, 0), coalesce(rot.backbone, 0),
    round(rot.rotated * 1.0 / nullif(ros.eligible, 0), 6), round(rot.backbone * 1.0 / nullif(rot.rotated, 0), 6),
    coalesce(ros.hours_month, 0), coalesce(ros.person_times, 0), coalesce(ros.on_track, 0),
    coalesce(ros.roster_teachers, 0), round(ros.on_track * 1.0 / nullif(ros.roster_teachers, 0), 6)
FROM counties c
LEFT JOIN fo USING (county_code) LEFT JOIN fi USING (county_code) LEFT JOIN rot USING (county_code)
LEFT JOIN ros USING (county_code)
WHERE NOT c.is_city ORDER BY c.county_code
"""


def create_database(admin_url: str) -> str:
    import psycopg

    name = f"teachflow_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def read_landing(sample: Path, dataset: str):
    """Every county's and month's CSV of a dataset, with county_code and period columns."""
    import pandas as pd

    frames = []
    for path in sorted((sample / "landing").glob(f"*/*/{dataset}.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["county_code"], frame["period"] = path.parts[-3], path.parts[-2]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def copy_frame(conn, table: str, frame) -> None:
    """COPY a frame (empty strings become NULL) into ``table``."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False)
    buffer.seek(0)
    columns = ", ".join(frame.columns)
    with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
        while chunk := buffer.read(8 << 20):
            copy.write(chunk)


BULK_TABLES = ("roster_entries", "teacher_flows", "training_records")


def drop_indexes(conn) -> list[str]:
    """Drop the bulk tables' keys and indexes (a COPY into a bare table is several times faster); their DDL."""
    constraints = conn.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'p' AND conrelid::regclass::text = ANY(%s)",
        (list(BULK_TABLES),),
    ).fetchall()
    indexes = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        (list(BULK_TABLES),),
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    for table, name, _ in constraints:
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in constraints] + [d for _, d in indexes]


def load_province(sample: Path, url: str) -> None:
    import psycopg

    from teachflow.reference import load_reference
    from teachflow.resident_id import teacher_keys
    from teachflow.settings import load_settings
    from teachflow.warehouse.engine import make_engine
    from teachflow.warehouse.migrate import upgrade

    secret = load_settings().id_secret()
    upgrade(url)
    engine = make_engine(url)
    load_reference(engine, sample / "reference")
    engine.dispose()
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO submissions (submission_id, county_code, period, dataset, file_format, source_path, "
            "sha256, size_bytes, archive_path, received_at, status) VALUES "
            "(1, 'bench', '2026-10', 'bench', 'csv', 'bench', repeat('0', 64), 0, 'bench', now(), 'accepted')"
        )
        recreate = drop_indexes(conn)
        start = time.perf_counter()
        teachers = read_landing(sample, "teachers")
        teachers["teacher_key"] = teacher_keys(teachers["id_number"], secret)
        teachers["birth_year"] = teachers["id_number"].str.slice(6, 10)
        teachers["submission_id"] = "1"
        cols = ["county_code", "period", "teacher_key", "submission_id", "gender", "birth_year", "school_code"]
        cols += ["subject", "title", "tier", "employment_start", "current_school_since"]
        copy_frame(conn, "roster_entries", teachers[cols])
        print(f"  roster_entries   {len(teachers):>10,} rows  {time.perf_counter() - start:6.1f} s", flush=True)
        del teachers

        start = time.perf_counter()
        flows = read_landing(sample, "teacher_flows")
        flows["teacher_key"] = teacher_keys(flows["id_number"], secret)
        flows = flows.sort_values("period").drop_duplicates(
            ["teacher_key", "to_school_code", "start_date"], keep="last"
        )
        flows["source_submission_id"], flows["report_count"], flows["has_conflict"] = "1", "1", "false"
        cols = ["teacher_key", "to_school_code", "start_date", "flow_type", "from_school_code", "planned_end_date"]
        cols += ["actual_end_date", "source_submission_id", "report_count", "has_conflict"]
        copy_frame(conn, "teacher_flows", flows[cols])
        print(f"  teacher_flows    {len(flows):>10,} rows  {time.perf_counter() - start:6.1f} s", flush=True)
        del flows

        start = time.perf_counter()
        records = read_landing(sample, "training_records")
        records["teacher_key"] = teacher_keys(records["id_number"], secret)
        records = records.drop_duplicates(["teacher_key", "program_code", "start_date"], keep="last")
        records["submission_id"] = "1"
        cols = ["teacher_key", "program_code", "start_date", "submission_id", "county_code", "program_name"]
        cols += ["level", "mode", "end_date", "hours", "organizer"]
        copy_frame(conn, "training_records", records[cols])
        print(f"  training_records {len(records):>10,} rows  {time.perf_counter() - start:6.1f} s", flush=True)
        del records
        start = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '512MB'")
        for ddl in recreate:
            conn.execute(ddl)
        print(f"  keys and indexes rebuilt in {time.perf_counter() - start:.1f} s", flush=True)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=Path, default=Path("/tmp/province"))
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--pg", default=os.environ.get("TEACHFLOW_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument("--url", help="an already loaded warehouse database (skips generating and loading)")
    parser.add_argument("--keep", action="store_true", help="keep the loaded database (prints its URL)")
    args = parser.parse_args()
    os.environ.setdefault("TEACHFLOW_ID_SECRET", "bench-secret-not-for-production-0123456789")
    sys.path.insert(0, str(ROOT / "include"))

    import psycopg

    from teachflow.policy import Policy
    from teachflow.reports.months import report_month
    from teachflow.reports.rotation import compute_rotation_report
    from teachflow.reports.rotation_outputs import write_rotation_outputs
    from teachflow.warehouse.engine import make_engine

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
        engine = make_engine(url)
        policy = Policy()
        month = report_month(args.month)
        floor_params = {
            "m": args.month,
            "ms": month.month_start,
            "me": month.month_end,
            "sy": month.sy_start,
            "el": month.eligible_since(policy.eligibility_years),
            "thr": month.training_threshold(policy.training_hours_per_year),
        }
        with psycopg.connect(url) as conn:
            counts = {
                t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("counties", "schools", "roster_entries", "teacher_flows", "training_records")
            }
        print("Warehouse:", ", ".join(f"{t} {n:,}" for t, n in counts.items()))

        def floor():
            with psycopg.connect(url) as conn:
                return conn.execute(FLOOR_SQL, floor_params).fetchall()

        floor_rows = floor()  # warm the cache the same way for both
        floor_times = timed(floor, args.repeat)
        first = timed(lambda: compute_rotation_report(engine, args.month, policy), 1)
        report_times = first + timed(lambda: compute_rotation_report(engine, args.month, policy), args.repeat - 1)
        outputs = timed(lambda: write_rotation_outputs(engine, Path("/tmp/bench_reports"), args.month, policy), 1)

        from sqlalchemy import select

        from teachflow.warehouse.schema import report_rotation_monthly as r

        with engine.connect() as conn:
            stored = conn.execute(
                select(r.c.scope_code, r.c.rotated_sy, r.c.eligible_teachers, r.c.teachers_on_track)
                .where(r.c.period == args.month, r.c.scope == "county")
                .order_by(r.c.scope_code)
            ).all()
        same = [tuple(s) for s in stored] == [(f[0], f[10], f[9], f[16]) for f in floor_rows]
        engine.dispose()
        floor_s, report_s = statistics.median(floor_times), statistics.median(report_times)
        print(f"Month {args.month}, {len(stored)} counties (+ city and communities in the report):")
        print(f"  floor: one hand-written county query   median {floor_s:6.2f} s  {floor_times}")
        print(f"  compute_rotation_report (all scopes)   median {report_s:6.2f} s  first {first[0]:.2f} s")
        print(f"  Excel + HTML outputs                   {outputs[0]:6.2f} s")
        print(f"  ratio report / floor                   {report_s / floor_s:6.2f}  (target <= 1.5, < 60 s)")
        print(f"  county figures identical to the floor's: {same}")
        print(f"  at {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    finally:
        if args.keep or args.url:
            print(f"Database kept: {url}")
        else:
            drop_database(args.pg, url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
