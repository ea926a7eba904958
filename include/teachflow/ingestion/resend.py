"""``teachflow feedback resend``: the county's feedback files written again from the ledger.

For when the outbox was lost, unwritable (the take was then retried or quarantined, with an
ALERT line saying to run this), or the county asks again. For each dataset of the county and
period, the newest take the ledger holds (duplicates and abandoned takes left out) is told again:

- accepted or rejected: the archived bytes are assessed again (same parser, same rules, against
  today's reference data; nothing is loaded) for the problem lines; the counts are the ledger's;
- rejected unread (over the size limit, nothing archived): ``file_too_large``;
- quarantined: ``file_quarantined``; still ``received``: ``processing_failed``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import Engine, select

from teachflow.contract import DATASETS
from teachflow.ingestion.feedback import FeedbackFiles, write_feedback
from teachflow.ingestion.pipeline import (
    OUTCOME_ZH,
    Assessment,
    identity_problems,
    judge,
    load_reference_data,
    read_file,
)
from teachflow.problem_table import ProblemTable
from teachflow.problems import Problem, file_too_large
from teachflow.settings import Settings
from teachflow.warehouse.schema import submissions

_NOT_TOLD = ("duplicate", "abandoned")


def resend_feedback(engine: Engine, settings: Settings, county_code: str, period: str) -> list[FeedbackFiles]:
    """Rewrite the feedback of every dataset of ``county_code``'s ``period``; returns what was written."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(submissions)
            .where(
                submissions.c.county_code == county_code,
                submissions.c.period == period,
                submissions.c.status.not_in(_NOT_TOLD),
            )
            .order_by(submissions.c.submission_id)
        ).all()
    newest = {row.dataset: row for row in rows}  # ascending ids: the last one per dataset wins
    reference = load_reference_data(engine) if newest else None
    written = []
    for dataset, row in sorted(newest.items()):
        problems = _problems(row, settings, reference)
        status = {
            "submission_id": row.submission_id,
            "file": row.source_path,
            "county_code": county_code,
            "period": period,
            "dataset": dataset,
            "sha256": row.sha256,
            "processed_at": row.processed_at.isoformat(timespec="seconds") if row.processed_at else None,
            "resent_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "outcome": _outcome(row.status),
            "outcome_zh": OUTCOME_ZH.get(_outcome(row.status), row.status),
            "rows_total": row.rows_total,
            "rows_loaded": row.rows_loaded,
            "rows_rejected": row.rows_rejected,
            "rows_duplicate": row.rows_duplicate,
        }
        written.append(write_feedback(settings.outbox, county_code, period, dataset, problems, status))
    return written


def _outcome(status: str) -> str:
    return {"received": "failed", "superseded": "accepted"}.get(status, status)


def _problems(row, settings: Settings, reference) -> ProblemTable | list[Problem]:
    if row.status == "quarantined":
        count = next((r.get("count") for r in _reasons(row)), None)
        return [Problem("file_quarantined", params={"count": str(count or settings.max_failed_takes)})]
    if row.status == "received":
        detail = f"报送编号 {row.submission_id} / submission {row.submission_id}"
        return [Problem("processing_failed", params={"detail": detail})]
    if not row.archive_path:
        return [file_too_large(row.size_bytes, settings.max_file_bytes)]
    wrong = identity_problems(row.county_code, row.period, row.dataset, row.file_format, reference, dt.date.today())
    if wrong:
        return wrong
    assessment: Assessment = read_file(Path(row.archive_path), DATASETS[row.dataset], settings)
    judge(assessment, row.county_code, row.period, reference, settings)
    return assessment.problems


def _reasons(row) -> list[dict]:
    try:
        return list(json.loads(row.reasons or "[]"))
    except ValueError:
        return []
