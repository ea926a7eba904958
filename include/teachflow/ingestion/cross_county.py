"""Records both counties may report (flows, pairings, support activities): each report kept, one merged row.

A record crosses counties (a teacher rotating to another county's school; a mentor paired with a
teacher of another county), so neither county's file is the whole truth and a county snapshot
would erase the other county's reports. Each submission's rows are kept in a *reports* table; a
resubmission replaces its predecessors' reports, and every record those reports touch is
recomputed: the *merged* table holds one row per key with the newest report's values (newest
period, then newest submission), ``report_count`` counties and ``has_conflict``; the *conflicts*
table lists, per field, where the two counties' newest reports disagree, for the city to resolve.

One function for all of them so the three datasets cannot drift apart in how a double report or a
resubmission is merged. Set-based SQL, in the caller's transaction, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

from teachflow.ingestion.merge import SubmissionIdentity, drop_stage, in_list


@dataclass(frozen=True)
class ReportedRecords:
    """Where one cross-county dataset keeps its reports, merged rows and disagreements."""

    reports: str  # per submission: key, county_code, period, fields
    merged: str  # per key: fields, source_submission_id, report_count, has_conflict
    conflicts: str  # per key and field: the two newest reports' values
    key: tuple[str, ...]
    fields: tuple[str, ...]  # the values taken from the stage (compared between counties)


def _match(spec: ReportedRecords, a: str, b: str) -> str:
    return " AND ".join(f"{a}.{k} = {b}.{k}" for k in spec.key)


def _temporary(conn: Connection, name: str) -> str:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    return f"CREATE TEMPORARY TABLE {name}" + (" ON COMMIT DROP" if conn.dialect.name == "postgresql" else "")


def merge_reports(
    conn: Connection, ident: SubmissionIdentity, stage_name: str, old: Sequence[int], spec: ReportedRecords
) -> None:
    """Replace this county's reports by the staged ones, then recompute every record they touch."""
    keys = ", ".join(spec.key)
    affected, latest = f"affected_{spec.merged}", f"latest_{spec.reports}"
    conn.exec_driver_sql(
        f"{_temporary(conn, affected)} AS SELECT {keys} FROM {spec.reports} WHERE submission_id IN ({in_list(old)}) "
        f"UNION SELECT {keys} FROM {stage_name}"
    )
    if old:  # a first submission replaces nothing
        conn.exec_driver_sql(f"DELETE FROM {spec.reports} WHERE submission_id IN ({in_list(old)})")
    values = ", ".join(spec.fields)
    conn.execute(
        text(
            f"INSERT INTO {spec.reports} (submission_id, {keys}, county_code, period, {values}) "
            f"SELECT :sid, {keys}, :c, :p, {values} FROM {stage_name}"
        ),
        {"c": ident.county_code, "p": ident.period, "sid": ident.submission_id},
    )
    for table in (spec.merged, spec.conflicts):
        conn.exec_driver_sql(
            f"DELETE FROM {table} WHERE EXISTS (SELECT 1 FROM {affected} a WHERE {_match(spec, 'a', table)})"
        )
    # Each county's newest report of each affected record, then the newest of those.
    per_county = ", ".join(f"r.{k}" for k in spec.key)
    conn.exec_driver_sql(
        f"{_temporary(conn, latest)} AS SELECT * FROM ("
        f" SELECT c.*, ROW_NUMBER() OVER (PARTITION BY {keys} ORDER BY period DESC, submission_id DESC) AS newest,"
        f" COUNT(*) OVER (PARTITION BY {keys}) AS counties"
        " FROM ("
        f"  SELECT r.*, ROW_NUMBER() OVER (PARTITION BY {per_county}, r.county_code"
        "   ORDER BY r.period DESC, r.submission_id DESC) AS per_county"
        f"  FROM {spec.reports} r WHERE EXISTS (SELECT 1 FROM {affected} a WHERE {_match(spec, 'a', 'r')})"
        " ) c WHERE c.per_county = 1"
        ") ranked"
    )
    differs = " OR ".join(f"o.{f} IS DISTINCT FROM n.{f}" for f in spec.fields)
    newest_values = ", ".join(f"n.{c}" for c in (*spec.key, *spec.fields))
    conn.exec_driver_sql(
        f"INSERT INTO {spec.merged} ({keys}, {values}, source_submission_id, report_count, has_conflict) "
        f"SELECT {newest_values}, n.submission_id, n.counties, "
        f"CASE WHEN EXISTS (SELECT 1 FROM {latest} o WHERE {_match(spec, 'o', 'n')} AND o.newest = 2 "
        f"AND ({differs})) THEN TRUE ELSE FALSE END "
        f"FROM {latest} n WHERE n.newest = 1"
    )
    key_values = ", ".join(f"n.{k}" for k in spec.key)
    for field in spec.fields:
        conn.execute(
            text(
                f"INSERT INTO {spec.conflicts} ({keys}, field, submission_id_a, value_a, submission_id_b, value_b, "
                f"detected_at) SELECT {key_values}, :field, o.submission_id, CAST(o.{field} AS VARCHAR(64)), "
                f"n.submission_id, CAST(n.{field} AS VARCHAR(64)), CURRENT_TIMESTAMP "
                f"FROM {latest} n JOIN {latest} o ON {_match(spec, 'o', 'n')} "
                f"AND o.newest = 2 AND n.newest = 1 WHERE o.{field} IS DISTINCT FROM n.{field}"
            ),
            {"field": field},
        )
    for name in (affected, latest):
        drop_stage(conn, name)
