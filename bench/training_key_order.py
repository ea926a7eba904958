"""Benchmark: a month's million training records into a warehouse that already holds a year's.

``training_records``' primary key was led by ``teacher_key`` until migration 0009 and is led by
``start_date`` since (same columns, same uniqueness). ``bench/ingest.py`` loads into an empty table,
where the order makes no difference; in a warehouse holding months of records it does: led by an
HMAC, a month's sorted rows land on every leaf page of the index, led by the date, in one region of
it. This bench builds a ``training_records``-shaped table of ``--history`` rows (start dates over 11
months, 600,000 teachers) in each key order, then inserts ``--rows`` rows of the next month sorted
by that key (as the loaders do), from a CHECKPOINT, and prints the time and the key's size before
and after. Plain SQL in a database of its own (dropped at the end); not a test.

Usage: ``.venv/bin/python bench/training_key_order.py [--history 6000000] [--rows 1000000] [--runs 2]``
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid

COLUMNS = (
    "teacher_key varchar(64), program_code varchar(64), start_date date, submission_id int, county_code text, "
    "program_name varchar(256), level varchar(16), mode varchar(16), end_date date, hours numeric(7,2), "
    "organizer varchar(256)"
)
ROWS = (
    "SELECT encode(sha256(((i % 600000)::text)::bytea), 'hex') AS teacher_key, {program} AS program_code, "
    "{start} AS start_date, {submission} AS submission_id, '450202'::text AS county_code, "
    "'name'::text AS program_name, 'city'::text AS level, 'online'::text AS mode, {end} AS end_date, "
    "8::numeric(7,2) AS hours, 'org'::text AS organizer FROM generate_series(1, {n}) i"
)
ORDERS = {
    "teacher_key first (until 0009)": "teacher_key, program_code, start_date",
    "start_date first (since 0009)": "start_date, teacher_key, program_code",
}


def main() -> int:
    import psycopg

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=6_000_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    name = f"teachflow_key_order_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = args.pg.rsplit("/", 1)[0] + f"/{name}"
        with psycopg.connect(url, autocommit=True) as conn:
            history = ROWS.format(
                program="'P' || (i / 600000)::text || '-' || (i % 97)::text",
                start="date '2025-11-01' + (i % 330)",
                submission=1,
                end="date '2025-11-01' + (i % 330) + 1",
                n=args.history,
            )
            month = ROWS.format(
                program="'Q' || (i % 977)::text", start="date '2026-10-01' + (i % 28)", submission=2,
                end="date '2026-10-29'", n=args.rows,
            )  # fmt: skip
            conn.execute(f"CREATE UNLOGGED TABLE history AS {history}")
            conn.execute(f"CREATE UNLOGGED TABLE month AS {month}")
            for run in range(args.runs):
                for label, key in ORDERS.items():
                    conn.execute("DROP TABLE IF EXISTS records")
                    conn.execute(f"CREATE TABLE records ({COLUMNS})")
                    conn.execute(f"INSERT INTO records SELECT * FROM history ORDER BY {key}")
                    conn.execute(f"ALTER TABLE records ADD CONSTRAINT records_key PRIMARY KEY ({key})")
                    conn.execute("CREATE INDEX ON records USING brin (end_date)")
                    conn.execute("VACUUM ANALYZE records")
                    conn.execute("CHECKPOINT")
                    size = "SELECT pg_size_pretty(pg_relation_size('records_key'))"
                    before = conn.execute(size).fetchone()[0]
                    start = time.perf_counter()
                    conn.execute(f"INSERT INTO records SELECT * FROM month ORDER BY {key}")
                    took = time.perf_counter() - start
                    after = conn.execute(size).fetchone()[0]
                    print(
                        f"run {run + 1}  {label:31s} {args.rows:,} rows into {args.history:,}: {took:6.2f} s"
                        f"   key {before} -> {after}",
                        flush=True,
                    )
    finally:
        with psycopg.connect(args.pg, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
