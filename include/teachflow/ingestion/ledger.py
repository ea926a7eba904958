"""The submission ledger: one row per file received, whatever became of it.

Status moves ``received`` -> ``accepted`` | ``rejected`` | ``duplicate`` | ``quarantined``; an
accepted submission becomes ``superseded`` when a newer one of the same identity (county, period,
dataset) is accepted. At most one submission per identity is ``accepted`` at any time: the one whose
rows the warehouse holds.

A row left ``received`` is a take that failed (an error, recorded in ``reasons``) or was killed.
Those failed takes are counted per file (same identity, same bytes): after
``TEACHFLOW_MAX_FAILED_TAKES`` of them the file is ``quarantined`` (set aside with feedback and an
alert) instead of being retried forever; once a later take of the same bytes finishes, the stale
rows become ``abandoned`` (cycle.md), so none of them is ever shown as "processing".
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select, update

from teachflow.ingestion.archive import ArchivedFile
from teachflow.ingestion.landing import LandingFile
from teachflow.problems import Problem, render
from teachflow.warehouse.schema import submissions

#: Statuses of a submission whose bytes were judged (a rerun of the same bytes is a duplicate of it).
JUDGED = ("accepted", "rejected", "superseded")
#: Statuses that end a take (the row is no longer ``received``).
FINAL = ("accepted", "rejected", "superseded", "duplicate", "quarantined", "abandoned")


@dataclass(frozen=True)
class LedgerEntry:
    submission_id: int
    sha256: str
    status: str


def taken_files(conn: Connection) -> dict[str, tuple[int, float | None]]:
    """For every landing path the ledger has taken: (size, mtime) of the latest take."""
    # A row still "received" is a take that failed midway (see the task log): it does not count,
    # so the next run tries the file again.
    latest = (
        select(submissions.c.source_path, func.max(submissions.c.submission_id).label("sid"))
        .where(submissions.c.status != "received")
        .group_by(submissions.c.source_path)
        .subquery()
    )
    rows = conn.execute(
        select(submissions.c.source_path, submissions.c.size_bytes, submissions.c.source_mtime).join(
            latest, submissions.c.submission_id == latest.c.sid
        )
    )
    return {r.source_path: (r.size_bytes, r.source_mtime) for r in rows}


def is_new(file: LandingFile, taken: Mapping[str, tuple[int, float | None]]) -> bool:
    """True unless the ledger already took this path with the same size and mtime."""
    seen = taken.get(file.url)
    return seen is None or seen != (file.size, file.mtime)


def record_received(conn: Connection, file: LandingFile, archived: ArchivedFile) -> int:
    """Write the ledger row for a file just archived; returns its submission_id."""
    result = conn.execute(
        insert(submissions).values(
            county_code=file.county_code[:16],
            period=file.period[:16],
            dataset=file.dataset[:64],
            file_format=file.file_format[:8],
            source_path=file.url,
            sha256=archived.sha256,
            size_bytes=archived.size,
            source_mtime=file.mtime,
            archive_path=str(archived.path) if archived.sha256 else "",  # "": rejected unread, nothing archived
            received_at=dt.datetime.now(dt.UTC),
            status="received",
        )
    )
    return int(result.inserted_primary_key[0])


def latest_judged(conn: Connection, county_code: str, period: str, dataset: str, before: int) -> LedgerEntry | None:
    """The newest earlier submission of this identity whose bytes were judged (not a duplicate)."""
    row = conn.execute(
        select(submissions.c.submission_id, submissions.c.sha256, submissions.c.status)
        .where(
            submissions.c.county_code == county_code,
            submissions.c.period == period,
            submissions.c.dataset == dataset,
            submissions.c.status.in_(JUDGED),
            submissions.c.submission_id < before,
        )
        .order_by(submissions.c.submission_id.desc())
        .limit(1)
    ).first()
    return LedgerEntry(row.submission_id, row.sha256, row.status) if row else None


def accepted_ids(conn: Connection, county_code: str, period: str, dataset: str, excluding: int) -> list[int]:
    """The submission(s) of this identity whose rows the warehouse holds now (normally 0 or 1)."""
    return list(
        conn.execute(
            select(submissions.c.submission_id).where(
                submissions.c.county_code == county_code,
                submissions.c.period == period,
                submissions.c.dataset == dataset,
                submissions.c.status == "accepted",
                submissions.c.submission_id != excluding,
            )
        ).scalars()
    )


def reasons_json(problems: Sequence[Problem]) -> str:
    """File-level reasons, stored in the ledger as JSON the analysts can read.

    One entry per code (its first problem, with how many there were): a roster of another county
    names each of its rows in the county's feedback, the ledger only needs the reason.
    """
    out: dict[str, dict[str, object]] = {}
    for p in problems:
        if p.code in out:
            out[p.code]["count"] = int(out[p.code]["count"]) + 1  # type: ignore[call-overload]
            continue
        zh, en = render(p)
        out[p.code] = {"code": p.code, "message_zh": zh, "message_en": en, "count": 1}
    return json.dumps(list(out.values()), ensure_ascii=False)


def finish(
    conn: Connection,
    submission_id: int,
    status: str,
    *,
    rows_total: int | None = None,
    rows_loaded: int | None = None,
    rows_rejected: int | None = None,
    rows_duplicate: int | None = None,
    problem_count: int | None = None,
    reasons: Sequence[Problem] = (),
    duplicate_of: int | None = None,
) -> None:
    conn.execute(
        update(submissions)
        .where(submissions.c.submission_id == submission_id)
        .values(
            status=status,
            processed_at=dt.datetime.now(dt.UTC),
            rows_total=rows_total,
            rows_loaded=rows_loaded,
            rows_rejected=rows_rejected,
            rows_duplicate=rows_duplicate,
            problem_count=problem_count,
            reasons=reasons_json(reasons) if reasons else None,
            duplicate_of=duplicate_of,
        )
    )
    if status in FINAL:
        abandon_stale(conn, submission_id)


def failed_takes(conn: Connection, county_code: str, period: str, dataset: str, sha256: str, before: int) -> int:
    """Earlier takes of these bytes for this identity that never finished (errors and kills)."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(submissions)
            .where(
                submissions.c.county_code == county_code[:16],
                submissions.c.period == period[:16],
                submissions.c.dataset == dataset[:64],
                submissions.c.sha256 == sha256,
                submissions.c.status == "received",
                submissions.c.submission_id < before,
            )
        ).scalar_one()
    )


def record_failure(conn: Connection, submission_id: int, problems: Sequence[Problem]) -> None:
    """Note why a take failed; the row stays ``received`` (not taken: the next run tries again)."""
    conn.execute(
        update(submissions)
        .where(submissions.c.submission_id == submission_id, submissions.c.status == "received")
        .values(reasons=reasons_json(problems), processed_at=dt.datetime.now(dt.UTC))
    )


def abandon_stale(conn: Connection, submission_id: int) -> int:
    """Mark the earlier unfinished takes of the same bytes ``abandoned``; returns how many.

    Called in the transaction that finishes ``submission_id``, so a stale row is abandoned exactly
    when a later take of its bytes is final.
    """
    row = conn.execute(
        select(submissions.c.county_code, submissions.c.period, submissions.c.dataset, submissions.c.sha256).where(
            submissions.c.submission_id == submission_id
        )
    ).first()
    if row is None:
        return 0
    result = conn.execute(
        update(submissions)
        .where(
            submissions.c.county_code == row.county_code,
            submissions.c.period == row.period,
            submissions.c.dataset == row.dataset,
            submissions.c.sha256 == row.sha256,
            submissions.c.status == "received",
            submissions.c.submission_id < submission_id,
        )
        .values(status="abandoned", processed_at=dt.datetime.now(dt.UTC))
    )
    return int(result.rowcount or 0)


def supersede(conn: Connection, old_ids: Sequence[int], new_id: int) -> None:
    if old_ids:
        conn.execute(
            update(submissions)
            .where(submissions.c.submission_id.in_(list(old_ids)))
            .values(status="superseded", superseded_by=new_id)
        )
