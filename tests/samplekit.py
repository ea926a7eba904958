"""A small sample city (``teachflow sample``) loaded straight into a warehouse, reported and scored.

The analysts' questions are checked on a city the generator made, not on hand-picked rows. Running
every landing file through ``teachflow ingest`` (Great Expectations per file) would take minutes per
engine, so the clean CSVs are loaded the way ``bench/report.py`` loads a province, with SQLAlchemy
inserts so that SQLite and PostgreSQL get the same rows: one accepted ledger row per file, IDs
hashed with the production HMAC, flows, pairings, support activities and training records
deduplicated on their natural keys (the newest month wins, as the merge does; a pairing or activity
both counties sent is one row with ``report_count`` 2). One county's roster of the last month is left out, so
an older roster stands in for it. Then every month is reported and both school years are scored.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, insert

from teachflow.reference import load_reference
from teachflow.reports.rotation_run import compute_month
from teachflow.resident_id import teacher_key
from teachflow.sample.generate import generate
from teachflow.sample.params import SampleParams
from teachflow.scoring.model import load_model
from teachflow.scoring.run import score_and_store
from teachflow.settings import load_settings
from teachflow.warehouse import schema

PARAMS = SampleParams(counties=3, schools=48, communities=8, teachers=1800, months=4, file_format="csv", mistakes=0.0)
MONTHS = ("2026-07", "2026-08", "2026-09", "2026-10")
SECRET = b"test-secret-not-for-production"
NOW = dt.datetime(2026, 11, 6, 1, 0, tzinfo=dt.UTC)


def generate_sample(out: Path) -> Path:
    generate(PARAMS, out)
    return out


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _none(value: str) -> str | None:
    return value or None


def load_sample(engine: Engine, sample: Path) -> str:
    """Load the sample into the (migrated) warehouse; returns the county whose last roster is missing."""
    load_reference(engine, sample / "reference")
    files = sorted((sample / "landing").glob("*/*/*.csv"))
    county_dirs = sorted({p.parts[-3] for p in files if p.stem != "assessment_ratings"})
    missing_county = county_dirs[-1]
    files = [
        p for p in files if not (p.parts[-3] == missing_county and p.parts[-2] == MONTHS[-1] and p.stem == "teachers")
    ]
    ledger, roster, names, flows, training, ratings = [], [], {}, {}, {}, []
    pairings, activities, reporters = {}, {}, {}
    for number, path in enumerate(files, start=1):
        county, period, dataset = path.parts[-3], path.parts[-2], path.stem
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        ledger.append(
            {
                "submission_id": number,
                "county_code": county,
                "period": period,
                "dataset": dataset,
                "file_format": "csv",
                "source_path": str(path),
                "sha256": f"{number:064d}",
                "size_bytes": path.stat().st_size,
                "archive_path": "archive/" + path.name,
                "received_at": dt.datetime(int(period[:4]), int(period[5:]), 28, 2, 30, tzinfo=dt.UTC),
                "status": "accepted",
                "rows_total": len(frame),
                "rows_loaded": len(frame),
                "rows_rejected": 0,
            }
        )
        for row in frame.to_dict("records"):
            if dataset == "assessment_ratings":
                ratings.append({**row, "submission_id": number, "score": Decimal(row["score"])})
                continue
            if dataset in ("pairings", "support_activities"):
                _practice_row(dataset, row, county, number, pairings, activities, reporters)
                continue
            key = teacher_key(row["id_number"], SECRET)
            if row.get("name"):
                names[key] = {"teacher_key": key, "name": row["name"], "submission_id": number}
            if dataset == "teachers":
                roster.append(
                    {
                        "county_code": county,
                        "period": period,
                        "teacher_key": key,
                        "submission_id": number,
                        "gender": _none(row["gender"]),
                        "birth_year": int(row["id_number"][6:10]),
                        "school_code": row["school_code"],
                        "subject": _none(row["subject"]),
                        "title": _none(row["title"]),
                        "tier": row["tier"] or "none",
                        "employment_start": _date(row["employment_start"]),
                        "current_school_since": _date(row["current_school_since"]),
                    }
                )
            elif dataset == "teacher_flows":
                flows[(key, row["to_school_code"], row["start_date"])] = {
                    "teacher_key": key,
                    "to_school_code": row["to_school_code"],
                    "start_date": _date(row["start_date"]),
                    "flow_type": row["flow_type"],
                    "from_school_code": row["from_school_code"],
                    "planned_end_date": _date(row["planned_end_date"]),
                    "actual_end_date": _date(row["actual_end_date"]),
                    "source_submission_id": number,
                    "report_count": 1,
                    "has_conflict": False,
                }
            else:
                training[(key, row["program_code"], row["start_date"])] = {
                    "teacher_key": key,
                    "program_code": row["program_code"],
                    "start_date": _date(row["start_date"]),
                    "submission_id": number,
                    "county_code": county,
                    "program_name": _none(row["program_name"]),
                    "level": row["level"],
                    "mode": row["mode"],
                    "end_date": _date(row["end_date"]),
                    "hours": Decimal(row["hours"]),
                    "organizer": _none(row["organizer"]),
                }
    with engine.begin() as conn:
        conn.execute(insert(schema.submissions), ledger)
        conn.execute(insert(schema.roster_entries), roster)
        conn.execute(insert(schema.restricted_teacher_names), list(names.values()))
        conn.execute(insert(schema.teacher_flows), list(flows.values()))
        conn.execute(insert(schema.training_records), list(training.values()))
        conn.execute(insert(schema.assessment_ratings), ratings)
        for table, rows in ((schema.pairings, pairings), (schema.support_activities, activities)):
            merged = [{**r, "report_count": len(reporters[(table.name, k)])} for k, r in rows.items()]
            conn.execute(insert(table), merged)
    return missing_county


def _practice_row(dataset: str, row: dict, county: str, number: int, pairings, activities, reporters) -> None:
    """One row of a pairings or support_activities file into its merged table's rows (newest wins)."""
    common = {"source_submission_id": number, "has_conflict": False}
    if dataset == "pairings":
        mentee = row["mentee_id_number"]
        record = {
            "mentor_key": teacher_key(row["mentor_id_number"], SECRET),
            "mentee_key": teacher_key(mentee, SECRET),
            "start_date": _date(row["start_date"]),
            "pairing_type": row["pairing_type"],
            "mentor_school_code": row["mentor_school_code"],
            "mentee_school_code": row["mentee_school_code"],
            "planned_end_date": _date(row["planned_end_date"]),
            "actual_end_date": _date(row["actual_end_date"]),
            "mentee_birth_year": int(mentee[6:10]),
            **common,
        }
        key, target = (record["mentor_key"], record["mentee_key"], record["start_date"]), pairings
    else:
        mentee = row.get("mentee_id_number") or ""
        record = {
            "host_key": teacher_key(row["host_id_number"], SECRET),
            "activity_date": _date(row["activity_date"]),
            "activity_type": row["activity_type"],
            "target_school_code": row["target_school_code"],
            "host_school_code": row["host_school_code"],
            "mode": row["mode"],
            "participants": int(row["participants"]),
            "periods": Decimal(row["periods"]),
            "mentee_key": teacher_key(mentee, SECRET) if mentee else None,
            "on_request": row.get("on_request") or "no",
            "topic": _none(row.get("topic") or ""),
            **common,
        }
        key = (record["host_key"], record["activity_date"], record["activity_type"], record["target_school_code"])
        target = activities
    target[key] = record
    reporters.setdefault((dataset, key), set()).add(county)


def report_and_score(engine: Engine) -> None:
    """Every month reported the way the DAG does it (with its coverage), both school years scored."""
    settings = load_settings()
    for month in MONTHS:
        compute_month(engine, settings, month, now=NOW)
    model = load_model()
    score_and_store(engine, "2025-2026", model, provisional=False, computed_at=NOW)
    score_and_store(engine, "2026-2027", model, provisional=True, computed_at=NOW)
