"""Merging accepted submissions: replacement, both-sides flows, conflicts, dedupe, atomicity.

Typed frames are built by hand (the shape normalize() produces), so these tests pin the merge's
SQL on SQLite and PostgreSQL independently of parsing.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select, text

from teachflow.contract import DATASETS
from teachflow.ingestion import ledger
from teachflow.ingestion.archive import ArchivedFile
from teachflow.ingestion.landing import LandingFile
from teachflow.ingestion.merge import SubmissionIdentity, load_frame
from teachflow.ingestion.pipeline import Assessment, publish
from teachflow.resident_id import teacher_key
from teachflow.warehouse.schema import flow_conflicts, roster_entries, submissions, teacher_flows, training_records
from tests.citykit import make_id

SECRET = b"test-secret-not-for-production-0123456789"


def typed(dataset: str, rows: list[dict]) -> pd.DataFrame:
    """A typed frame as normalize() returns it: _row, then every contract column."""
    ds = DATASETS[dataset]
    frame = pd.DataFrame(rows)
    frame.insert(0, "_row", range(2, 2 + len(rows)))
    for col in ds.columns:
        if col.name not in frame.columns:
            frame[col.name] = pd.NA
        if col.kind == "date":
            frame[col.name] = pd.to_datetime(frame[col.name]).astype("datetime64[s]")
        elif col.kind == "number":
            frame[col.name] = frame[col.name].astype("float64")
        else:
            frame[col.name] = frame[col.name].astype("str").where(frame[col.name].notna(), pd.NA)
    return frame[["_row", *ds.column_names]]


def submit(engine, county: str, period: str, dataset: str, rows: list[dict], sha: str) -> int:
    """Record a ledger row and publish the rows as an accepted submission; returns its id."""
    file = LandingFile(
        f"/landing/{county}/{period}/{dataset}.csv",
        f"{county}/{period}/{dataset}.csv",
        1,
        0.0,
        county,
        period,
        dataset,
        "csv",
    )
    with engine.begin() as conn:
        sid = ledger.record_received(conn, file, ArchivedFile(sha, 1, Path("/archive") / sha))
    frame = typed(dataset, rows)
    publish(
        engine,
        SubmissionIdentity(sid, county, period, dataset),
        load_frame(dataset, frame, SECRET),
        Assessment(dataset=DATASETS[dataset], rows_total=len(rows)),
    )
    return sid


def teacher(seq: int, school: str = "2145020001", tier: str = "none") -> dict:
    return {
        "id_number": make_id(seq),
        "name": f"教师{seq}",
        "school_code": school,
        "tier": tier,
        "current_school_since": "2015-09-01",
    }


def flow(
    seq: int,
    to: str,
    start: str,
    planned: str | None,
    frm: str = "2145020001",
    kind: str = "rotation",
    actual: str | None = None,
) -> dict:
    return {
        "id_number": make_id(seq),
        "flow_type": kind,
        "from_school_code": frm,
        "to_school_code": to,
        "start_date": start,
        "planned_end_date": planned,
        "actual_end_date": actual,
    }


def count(conn, table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar()


def test_a_resubmission_replaces_the_roster_snapshot(engine):
    first = submit(engine, "450202", "2026-10", "teachers", [teacher(1), teacher(2), teacher(3)], "a" * 64)
    second = submit(engine, "450202", "2026-10", "teachers", [teacher(1, tier="backbone"), teacher(4)], "b" * 64)
    with engine.connect() as conn:
        rows = dict(conn.execute(select(roster_entries.c.teacher_key, roster_entries.c.tier)).all())
        statuses = dict(conn.execute(select(submissions.c.submission_id, submissions.c.status)).all())
        superseded_by = conn.execute(
            select(submissions.c.superseded_by).where(submissions.c.submission_id == first)
        ).scalar()
    assert rows == {teacher_key(make_id(1), SECRET): "backbone", teacher_key(make_id(4), SECRET): "none"}
    assert statuses == {first: "superseded", second: "accepted"}
    assert superseded_by == second


def test_rosters_of_other_months_and_counties_are_untouched(engine):
    submit(engine, "450202", "2026-09", "teachers", [teacher(1)], "a" * 64)
    submit(engine, "450203", "2026-10", "teachers", [teacher(2, school="2145030001")], "b" * 64)
    submit(engine, "450202", "2026-10", "teachers", [teacher(3)], "c" * 64)
    with engine.connect() as conn:
        got = sorted(conn.execute(select(roster_entries.c.county_code, roster_entries.c.period)).all())
    assert got == [("450202", "2026-09"), ("450202", "2026-10"), ("450203", "2026-10")]


def test_a_flow_reported_by_both_counties_is_one_flow_and_disagreements_are_recorded(engine):
    # Sending county 450202 and receiving county 450203 report the same stay; planned ends differ.
    sent = submit(
        engine, "450202", "2026-09", "teacher_flows", [flow(1, "2145030001", "2026-09-01", "2027-01-31")], "a" * 64
    )
    received = submit(
        engine, "450203", "2026-09", "teacher_flows", [flow(1, "2145030001", "2026-09-01", "2027-07-15")], "b" * 64
    )
    with engine.connect() as conn:
        flows = conn.execute(select(teacher_flows)).mappings().all()
        conflicts = conn.execute(select(flow_conflicts)).mappings().all()
    assert len(flows) == 1
    assert flows[0]["report_count"] == 2 and flows[0]["has_conflict"] is True
    assert flows[0]["planned_end_date"] == dt.date(2027, 7, 15)  # the newer submission's values
    assert flows[0]["source_submission_id"] == received
    assert [
        (c["field"], c["submission_id_a"], c["value_a"], c["submission_id_b"], c["value_b"]) for c in conflicts
    ] == [("planned_end_date", sent, "2027-01-31", received, "2027-07-15")]

    # The sending county corrects its file: the reports agree, the conflict is gone.
    submit(engine, "450202", "2026-09", "teacher_flows", [flow(1, "2145030001", "2026-09-01", "2027-07-15")], "c" * 64)
    with engine.connect() as conn:
        assert count(conn, flow_conflicts) == 0
        assert conn.execute(select(teacher_flows.c.has_conflict, teacher_flows.c.report_count)).one() == (False, 2)


def test_a_later_month_updates_a_flow_without_a_conflict(engine):
    submit(engine, "450202", "2026-09", "teacher_flows", [flow(1, "2145020009", "2026-09-01", "2027-01-31")], "a" * 64)
    submit(
        engine,
        "450202",
        "2026-10",
        "teacher_flows",
        [flow(1, "2145020009", "2026-09-01", "2027-01-31", actual="2026-10-20")],
        "b" * 64,
    )
    with engine.connect() as conn:
        assert conn.execute(select(teacher_flows.c.actual_end_date, teacher_flows.c.report_count)).one() == (
            dt.date(2026, 10, 20),
            1,
        )
        assert count(conn, flow_conflicts) == 0


def test_a_resubmission_drops_flows_only_it_reported(engine):
    submit(
        engine,
        "450202",
        "2026-09",
        "teacher_flows",
        [flow(1, "2145020009", "2026-09-01", "2027-01-31"), flow(2, "2145020009", "2026-09-01", "2027-01-31")],
        "a" * 64,
    )
    submit(engine, "450202", "2026-09", "teacher_flows", [flow(1, "2145020009", "2026-09-01", "2027-01-31")], "b" * 64)
    with engine.connect() as conn:
        keys = conn.execute(select(teacher_flows.c.teacher_key)).scalars().all()
    assert keys == [teacher_key(make_id(1), SECRET)]


def training(seq: int, program: str, start: str, end: str, hours: float) -> dict:
    return {
        "id_number": make_id(seq),
        "program_code": program,
        "level": "city",
        "mode": "online",
        "start_date": start,
        "end_date": end,
        "hours": hours,
    }


def test_training_records_dedupe_on_their_natural_key_across_submissions(engine):
    submit(
        engine,
        "450202",
        "2026-09",
        "training_records",
        [training(1, "P1", "2026-09-01", "2026-09-05", 24), training(2, "P1", "2026-09-01", "2026-09-05", 24)],
        "a" * 64,
    )
    # Next month the county repeats P1 for teacher 1 with corrected hours, and adds P2.
    submit(
        engine,
        "450202",
        "2026-10",
        "training_records",
        [training(1, "P1", "2026-09-01", "2026-09-05", 30), training(1, "P2", "2026-10-01", "2026-10-02", 8)],
        "b" * 64,
    )
    with engine.connect() as conn:
        rows = conn.execute(
            select(training_records.c.program_code, training_records.c.hours)
            .where(training_records.c.teacher_key == teacher_key(make_id(1), SECRET))
            .order_by(training_records.c.program_code)
        ).all()
        assert count(conn, training_records) == 3
    assert [(p, float(h)) for p, h in rows] == [("P1", 30.0), ("P2", 8.0)]
    with engine.connect() as conn:  # training_records has no enforced foreign key: the merge keeps it true
        orphans = conn.execute(
            text(
                "SELECT count(*) FROM training_records t LEFT JOIN submissions s "
                "ON s.submission_id = t.submission_id AND s.status = 'accepted' WHERE s.submission_id IS NULL"
            )
        ).scalar()
    assert orphans == 0


def test_a_training_resubmission_replaces_only_what_its_predecessor_owned(engine, caplog):
    caplog.set_level(logging.INFO, logger="teachflow")
    copies = engine.dialect.name == "postgresql"  # new records go straight in with COPY there
    first = submit(
        engine,
        "450202",
        "2026-10",
        "training_records",
        [training(1, "P1", "2026-10-01", "2026-10-02", 8), training(2, "P2", "2026-10-05", "2026-10-06", 6)],
        "a" * 64,
    )
    # Another county reports teacher 2's P2 too: the newest report owns the record.
    other = submit(
        engine, "450203", "2026-10", "training_records", [training(2, "P2", "2026-10-05", "2026-10-06", 7)], "b" * 64
    )
    assert ("reported before; merging with the staged upsert" in caplog.text) == copies  # COPY fell back
    caplog.clear()
    # 450202 resubmits October with P1 only: its own P2 row is gone, 450203's stays.
    again = submit(
        engine, "450202", "2026-10", "training_records", [training(1, "P1", "2026-10-01", "2026-10-02", 9)], "c" * 64
    )
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                training_records.c.program_code, training_records.c.submission_id, training_records.c.hours
            ).order_by(training_records.c.program_code)
        ).all()
        statuses = dict(conn.execute(select(submissions.c.submission_id, submissions.c.status)).all())
    assert [(p, sid, float(h)) for p, sid, h in rows] == [("P1", again, 9.0), ("P2", other, 7.0)]
    assert statuses == {first: "superseded", other: "accepted", again: "accepted"}
    assert "reported before" not in caplog.text  # all new once the predecessor's are gone


def test_an_error_halfway_through_a_merge_leaves_the_previous_state(engine, monkeypatch):
    submit(engine, "450202", "2026-10", "teachers", [teacher(1), teacher(2)], "a" * 64)
    import teachflow.ingestion.merge as merge

    def explode(*_args, **_kwargs):
        raise RuntimeError("disk full")

    # Roster rows are deleted and re-inserted, then names are written: fail at the names.
    monkeypatch.setattr(merge, "upsert_names", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        submit(engine, "450202", "2026-10", "teachers", [teacher(3)], "b" * 64)
    with engine.connect() as conn:
        keys = set(conn.execute(select(roster_entries.c.teacher_key)).scalars())
        statuses = conn.execute(select(submissions.c.status).order_by(submissions.c.submission_id)).scalars().all()
    assert keys == {teacher_key(make_id(1), SECRET), teacher_key(make_id(2), SECRET)}
    assert statuses == ["accepted", "received"]  # the failed take stays "received" and is retried


def test_no_raw_id_anywhere_in_the_warehouse(engine):
    ids = [make_id(i) for i in (1, 2)]
    submit(engine, "450202", "2026-10", "teachers", [teacher(1), teacher(2)], "a" * 64)
    submit(engine, "450202", "2026-10", "teacher_flows", [flow(1, "2145030001", "2026-09-01", "2027-01-31")], "b" * 64)
    submit(
        engine, "450202", "2026-10", "training_records", [training(2, "P1", "2026-10-01", "2026-10-02", 8)], "c" * 64
    )
    from teachflow.warehouse.schema import metadata

    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                text_of_row = " ".join(str(v) for v in row)
                assert not any(i in text_of_row for i in ids), table.name
        # names only in the restricted table
        assert conn.execute(text("SELECT count(*) FROM restricted_teacher_names")).scalar() == 2


@pytest.mark.postgres
def test_two_counties_merge_concurrently_on_postgresql_with_no_lost_or_doubled_rows(pg_database):
    """Rosters and training of two counties, plus two versions of one identity, all at once."""
    from concurrent.futures import ThreadPoolExecutor

    from teachflow.warehouse.engine import make_engine
    from teachflow.warehouse.migrate import upgrade

    upgrade(pg_database)
    engine = make_engine(pg_database)
    n = 3000
    jobs = [
        ("450202", "training_records", [training(i, "P1", "2026-10-01", "2026-10-02", 8) for i in range(n)], "a"),
        ("450203", "training_records", [training(i, "P2", "2026-10-01", "2026-10-02", 8) for i in range(n)], "b"),
        ("450202", "teachers", [teacher(i) for i in range(n)], "c"),
        ("450202", "teachers", [teacher(i) for i in range(n // 2)], "d"),  # same identity as "c"
        ("450203", "teachers", [teacher(i, school="2145030001") for i in range(n)], "e"),
    ]
    jobs = [(c, "2026-10", d, rows, sha) for c, d, rows, sha in jobs] + [
        # the same September records from two counties at once: one COPY waits for the other's
        # commit, then finds them there and upserts; either way one row per record
        (
            "450202",
            "2026-09",
            "training_records",
            [training(i, "P3", "2026-09-01", "2026-09-02", 8) for i in range(n)],
            "f",
        ),
        (
            "450203",
            "2026-09",
            "training_records",
            [training(i, "P3", "2026-09-01", "2026-09-02", 9) for i in range(n)],
            "g",
        ),
    ]
    try:
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            futures = [pool.submit(submit, engine, c, p, d, rows, sha * 64) for c, p, d, rows, sha in jobs]
            ids = [f.result() for f in futures]
        with engine.connect() as conn:
            assert count(conn, training_records) == 3 * n
            per_county = dict(
                conn.execute(
                    select(roster_entries.c.county_code, func.count()).group_by(roster_entries.c.county_code)
                ).all()
            )
            statuses = dict(conn.execute(select(submissions.c.submission_id, submissions.c.status)).all())
            p3_owners = conn.execute(
                select(training_records.c.submission_id, func.count())
                .where(training_records.c.program_code == "P3")
                .group_by(training_records.c.submission_id)
            ).all()
    finally:
        engine.dispose()
    assert sum(n_rows for _, n_rows in p3_owners) == n and {sid for sid, _ in p3_owners} <= {ids[5], ids[6]}
    # The two same-identity rosters were serialized: whichever committed last is in force, whole.
    c_id, d_id = ids[2], ids[3]
    assert sorted([statuses[c_id], statuses[d_id]]) == ["accepted", "superseded"]
    assert per_county["450203"] == n
    assert per_county["450202"] == (n if statuses[c_id] == "accepted" else n // 2)
