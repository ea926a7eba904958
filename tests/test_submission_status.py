"""Statuses of expected submissions (cycle.md), from a real ledger on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from teachflow.submission_status import statuses
from teachflow.warehouse.schema import counties, submissions

UTC = dt.UTC
BEFORE_DUE = dt.datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
AFTER_DUE = dt.datetime(2026, 11, 7, 2, 0, tzinfo=UTC)


def _row(sid: int, county: str, dataset: str, status: str, received: dt.datetime, **extra) -> dict:
    return {
        "submission_id": sid,
        "county_code": county,
        "period": "2026-10",
        "dataset": dataset,
        "file_format": "csv",
        "source_path": f"/landing/{county}/2026-10/{dataset}.csv#{sid}",
        "sha256": f"{sid:064d}",
        "size_bytes": 10,
        "archive_path": "/archive/x",
        "received_at": received,
        "status": status,
        "rows_total": None,
        "rows_loaded": None,
        "rows_rejected": None,
        **extra,
    }


def test_every_status_of_cycle_md(engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(counties),
            [
                {"county_code": "450200", "county_name": "市本级", "is_city": True},
                {"county_code": "450202", "county_name": "城中区", "is_city": False},
                {"county_code": "450203", "county_name": "鱼峰区", "is_city": False},
            ],
        )
        conn.execute(
            insert(submissions),
            [
                # 450202 teachers: accepted on time, with 3 rejected rows.
                _row(1, "450202", "teachers", "accepted", BEFORE_DUE, rows_total=10, rows_loaded=7, rows_rejected=3),
                # 450202 flows: accepted, then a newer file rejected -> previous in force.
                _row(2, "450202", "teacher_flows", "accepted", BEFORE_DUE, rows_rejected=0),
                _row(3, "450202", "teacher_flows", "rejected", BEFORE_DUE + dt.timedelta(hours=1)),
                _row(4, "450202", "teacher_flows", "duplicate", BEFORE_DUE + dt.timedelta(hours=2)),
                # 450202 training: rejected, nothing in force.
                _row(5, "450202", "training_records", "rejected", BEFORE_DUE),
                # 450203 teachers: first accepted after the due moment -> late; then a file in processing.
                _row(6, "450203", "teachers", "superseded", AFTER_DUE - dt.timedelta(hours=10)),
                _row(7, "450203", "teachers", "received", AFTER_DUE - dt.timedelta(hours=1)),
            ],
        )
    with engine.connect() as conn:
        before = {
            (s.county_code, s.dataset): s for s in statuses(conn, ["2026-10"], at=BEFORE_DUE + dt.timedelta(hours=3))
        }
        after = {(s.county_code, s.dataset): s for s in statuses(conn, ["2026-10"], at=AFTER_DUE)}

    assert len(after) == 10  # 2 counties x 5 county datasets; the city owes none of them
    # pairings and support activities are owed monthly by every county too (practices.md): none came
    assert {after[(c, d)].status for c in ("450202", "450203") for d in ("pairings", "support_activities")} == {
        "missing"
    }
    assert after[("450202", "teachers")].status == "accepted_with_rejections"
    assert after[("450202", "teachers")].label_zh == "部分入库（3 行未入库）"
    assert after[("450202", "teacher_flows")].status == "rejected_previous_in_force"
    assert after[("450202", "teacher_flows")].in_force_submission_id == 2
    assert after[("450202", "training_records")].status == "rejected"
    assert after[("450203", "teachers")].status == "processing"
    assert after[("450203", "teachers")].late is True
    assert after[("450203", "teacher_flows")].status == "missing"
    assert after[("450203", "teacher_flows")].status_zh == "逾期未报"
    # Before the due moment nothing is missing yet, and the late file had not arrived.
    assert before[("450203", "teacher_flows")].status == "pending"
    assert before[("450203", "teachers")].status == "pending"
    assert before[("450202", "teachers")].late is False
