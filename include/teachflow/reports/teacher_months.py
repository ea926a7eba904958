"""The per-teacher facts of a report month, kept for the analysts' mart (``summary_teacher_months``).

The monthly report reduces the latest rosters and the school year's training records to one row
per teacher before it counts anything; analysts need those rows themselves ("which teachers are
behind the training track", "eligible teachers by title"). Recomputing them in a view would scan
the whole of ``training_records`` for every question (seconds on a province), so the report's run
writes them for its month, in its own transaction, first, and then counts its per-school figures
from them (:func:`teachflow.reports.rotation_sql.figures_select`): one reduction for both. The
definitions (reports.md):

- the teachers are those of the latest roster of each county with period <= M; a teacher on two
  counties' latest rosters is kept once, at the newer roster (ties: the greater county code);
- eligible: ``current_school_since <= sy_start - eligibility_years``;
- hours: every training record of the teacher (any county) ending in M, and from sy_start to M's end;
- on track: school-year hours >= ``training_hours_per_year × months_elapsed / 12`` (September = 1);
- the school's county and community are kept as they were when M was computed, like the report's
  scope rows (and so the mart groups by them without a join).

A recomputation replaces the month's rows, so the table always matches the report's figures.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Date, DateTime, Numeric, String, bindparam, delete, text

from teachflow.policy import Policy
from teachflow.reports.months import ReportMonth
from teachflow.warehouse.schema import summary_teacher_months

_INSERT = text(
    """
INSERT INTO summary_teacher_months (
    period, teacher_key, roster_period, county_code, school_code, community_code, gender, birth_year, subject,
    title, tier, current_school_since, eligible, month_training_hours, month_training_records, sy_training_hours,
    required_hours, on_track, computed_at)
WITH latest AS (
    SELECT county_code, max(period) AS period FROM roster_entries WHERE period <= :period GROUP BY county_code
), ranked AS (
    SELECT r.teacher_key, r.period, r.county_code, r.school_code, r.gender, r.birth_year, r.subject, r.title,
           r.tier, r.current_school_since,
           ROW_NUMBER() OVER (PARTITION BY r.teacher_key ORDER BY r.period DESC, r.county_code DESC) AS position
    FROM roster_entries r JOIN latest l ON l.county_code = r.county_code AND l.period = r.period
), trained AS (
    SELECT teacher_key, sum(hours) AS sy_hours,
           sum(CASE WHEN end_date >= :month_start THEN hours ELSE 0 END) AS month_hours,
           sum(CASE WHEN end_date >= :month_start THEN 1 ELSE 0 END) AS month_records
    FROM training_records WHERE end_date BETWEEN :sy_start AND :month_end GROUP BY teacher_key
)
SELECT :period, r.teacher_key, r.period, r.county_code, r.school_code, cs.community_code, r.gender,
       r.birth_year, r.subject, r.title, r.tier, r.current_school_since, r.current_school_since <= :eligible_since,
       round(coalesce(t.month_hours, 0), 2), coalesce(t.month_records, 0), round(coalesce(t.sy_hours, 0), 2),
       :required, coalesce(t.sy_hours, 0) >= :threshold, :computed_at
FROM ranked r LEFT JOIN trained t ON t.teacher_key = r.teacher_key
LEFT JOIN community_schools cs ON cs.school_code = r.school_code
WHERE r.position = 1
"""
).bindparams(
    bindparam("period", type_=String),
    bindparam("month_start", type_=Date),
    bindparam("month_end", type_=Date),
    bindparam("sy_start", type_=Date),
    bindparam("eligible_since", type_=Date),
    bindparam("required", type_=Numeric(9, 2)),
    bindparam("threshold", type_=Numeric()),
    bindparam("computed_at", type_=DateTime(timezone=True)),
)


def refresh_teacher_months(conn: Connection, month: ReportMonth, policy: Policy, computed_at: dt.datetime) -> int:
    """Replace month M's rows of ``summary_teacher_months`` (caller's transaction); rows written."""
    from decimal import Decimal

    conn.execute(delete(summary_teacher_months).where(summary_teacher_months.c.period == month.period))
    threshold = month.training_threshold(policy.training_hours_per_year)
    return conn.execute(
        _INSERT,
        {
            "period": month.period,
            "month_start": month.month_start,
            "month_end": month.month_end,
            "sy_start": month.sy_start,
            "eligible_since": month.eligible_since(policy.eligibility_years),
            # Stored to 2 decimals; judged, like the report, against the unrounded threshold.
            "required": Decimal(str(round(threshold, 2))),
            "threshold": Decimal(repr(threshold)),
            "computed_at": computed_at,
        },
    ).rowcount
