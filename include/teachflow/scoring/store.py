"""Writing a year's scores to the assessment tables, and reading a stored run back for the outputs.

Idempotent per (school year, model hash): a run deletes that year's rows for that model and inserts
the new ones in one transaction, so a rerun, a provisional run followed by the final one, or a
retried task leaves exactly one set of rows; rows of other model versions are kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select

from teachflow.scoring.score import YearScores
from teachflow.warehouse.schema import (
    assessment_breakdown,
    assessment_community_scores,
    assessment_school_scores,
    communities,
    schools,
    scoring_models,
)

_TABLES = (assessment_breakdown, assessment_school_scores, assessment_community_scores)


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def replace_scores(
    conn: Connection,
    school_year: str,
    model_hash: str,
    scores: YearScores,
    *,
    provisional: bool,
    computed_at: dt.datetime,
) -> int:
    """Replace the (school_year, model_hash) rows of the three tables with ``scores`` (caller's
    transaction); the run's revision: 1 the first time, +1 when a score, grade, rank, flag or the
    provisional/final state changed, else the stored one."""
    cs, ss = assessment_community_scores, assessment_school_scores
    same_run = (cs.c.school_year == school_year, cs.c.model_hash == model_hash)
    before_communities = {
        r.community_code: (_r(_num(r.score), 3), r.grade, r.rank, bool(r.review_flag), bool(r.provisional))
        for r in conn.execute(
            select(cs.c.community_code, cs.c.score, cs.c.grade, cs.c.rank, cs.c.review_flag, cs.c.provisional).where(
                *same_run
            )
        )
    }
    before_schools = {
        r.school_code: _r(_num(r.final_score), 3)
        for r in conn.execute(
            select(ss.c.school_code, ss.c.final_score).where(
                ss.c.school_year == school_year, ss.c.model_hash == model_hash
            )
        )
    }
    old_revision = conn.execute(select(func.max(cs.c.revision)).where(*same_run)).scalar()
    after_communities = {
        c.community_code: (_r(c.score, 3), c.grade, c.rank, bool(c.review_flag), provisional)
        for c in scores.communities
    }
    after_schools = {s.school.school_code: _r(s.final, 3) for s in scores.schools}
    if old_revision is None:
        revision = 1
    elif before_communities != after_communities or before_schools != after_schools:
        revision = old_revision + 1
    else:
        revision = old_revision
    for table in _TABLES:
        conn.execute(delete(table).where(table.c.school_year == school_year, table.c.model_hash == model_hash))
    key = {"school_year": school_year, "model_hash": model_hash}
    school_rows = [
        {
            **key,
            "school_code": s.school.school_code,
            "community_code": s.school.community_code,
            "role": s.school.role,
            "own_score": _r(s.own, 3),
            "final_score": _r(s.final, 3),
            "provisional": provisional,
            "computed_at": computed_at,
        }
        for s in scores.schools
    ]
    community_rows = [
        {
            **key,
            "community_code": c.community_code,
            "score": c.score,
            "grade": c.grade,
            "rank": c.rank,
            "review_flag": c.review_flag,
            "provisional": provisional,
            "computed_at": computed_at,
            "revision": revision,
        }
        for c in scores.communities
    ]
    breakdown_rows = [
        {
            **key,
            "school_code": b.school_code,
            "item": b.item,
            "input_name": b.input_name,
            "value": _r(b.value, 6),
            "weight": _r(b.weight, 6),
            "note": b.note,
        }
        for b in scores.breakdown
    ]
    for table, rows in (
        (assessment_school_scores, school_rows),
        (assessment_community_scores, community_rows),
        (assessment_breakdown, breakdown_rows),
    ):
        if rows:
            conn.execute(insert(table), rows)
    return revision


def register_model(conn: Connection, model, *, official_model: str) -> None:
    """Record the model's name and version under its hash (once), and which model is official.

    Scores are stored under the model file's SHA-256 only; the analysts' mart names the model it
    shows and picks the official one by name (setting ``TEACHFLOW_OFFICIAL_SCORING_MODEL``).
    """
    from teachflow.warehouse.mart_build import upsert_for, write_settings

    upsert = upsert_for(conn)
    conn.execute(
        upsert(scoring_models)
        .values(
            model_hash=model.sha256,
            model_name=model.name,
            model_version=str(model.version),
            registered_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        )
        .on_conflict_do_nothing(index_elements=["model_hash"])
    )
    write_settings(conn, {"official_scoring_model": official_model})


@dataclass(frozen=True)
class StoredRun:
    """One stored (school_year, model_hash) run, with names, as the Excel and HTML outputs need it."""

    school_year: str
    model_hash: str
    provisional: bool
    computed_at: dt.datetime | None
    communities: list[dict[str, Any]]
    schools: list[dict[str, Any]]
    breakdown: list[dict[str, Any]]
    revision: int = 1


def _num(value: Any) -> Any:
    # Numeric columns come back as Decimal on PostgreSQL and float on SQLite: give the outputs floats.
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else value


def read_run(engine: Engine, school_year: str, model_hash: str) -> StoredRun:
    """A stored run, communities in rank order, schools by community and role."""
    cs, ss, bd = assessment_community_scores, assessment_school_scores, assessment_breakdown
    with engine.connect() as conn:
        community_rows = conn.execute(
            select(cs, communities.c.community_name)
            .join(communities, communities.c.community_code == cs.c.community_code)
            .where(cs.c.school_year == school_year, cs.c.model_hash == model_hash)
            .order_by(cs.c.rank.is_(None), cs.c.rank, cs.c.community_code)
        ).mappings()
        community_list = [{k: _num(v) for k, v in r.items()} for r in community_rows]
        school_rows = conn.execute(
            select(ss, schools.c.school_name)
            .join(schools, schools.c.school_code == ss.c.school_code)
            .where(ss.c.school_year == school_year, ss.c.model_hash == model_hash)
            .order_by(ss.c.community_code, ss.c.role, ss.c.school_code)
        ).mappings()
        school_list = [{k: _num(v) for k, v in r.items()} for r in school_rows]
        breakdown_rows = conn.execute(
            select(bd)
            .where(bd.c.school_year == school_year, bd.c.model_hash == model_hash)
            .order_by(bd.c.school_code, bd.c.item, bd.c.input_name)
        ).mappings()
        breakdown_list = [{k: _num(v) for k, v in r.items()} for r in breakdown_rows]
    if not community_list and not school_list:
        raise LookupError(f"no stored scores for school year {school_year} and model {model_hash[:12]}")
    provisional = bool((school_list or community_list)[0]["provisional"])
    computed_at = (school_list or community_list)[0]["computed_at"]
    revision = max((int(c.get("revision") or 1) for c in community_list), default=1)
    return StoredRun(
        school_year, model_hash, provisional, computed_at, community_list, school_list, breakdown_list, revision
    )
