"""The 帮扶与结对 (support and pairing) figures of the monthly report as set-based SQL, every scope at once.

practices.md §6 on the scopes of reports.md (the city, each county, each community): one SELECT for
``report_support_monthly`` and one for ``report_support_by_type``, written with SQLAlchemy Core so
the same statements run on SQLite and PostgreSQL. Pairings and activities are reduced inside the
database to the month's rows first, joined to the scopes of their schools (``school_scopes``, shared
with the rotation figures) and rolled up with ``GROUP BY scope, scope_code``; Python only binds the
month's dates.

Definitions (practices.md §1, §6), and decisions where the spec is silent:
- A pairing is *active on d* when ``start_date ≤ d`` and (``actual_end_date`` blank or ``> d``);
  the pairing figures judge d = month_end. Started / ended: ``start_date`` / ``actual_end_date``
  in M. Overdue: active at month end with ``planned_end_date < month_end``.
- A pairing is in every scope holding either school, **once**: a pairing between two schools of the
  same county (or community) counts once there, a pairing across two counties once in each and once
  in the city. This holds whichever county reported it, or both: ``pairings`` keeps one merged row
  per (mentor, mentee, start).
- ``mentors_active`` / ``mentees_active``: distinct teacher keys of active pairings whose **own**
  school (the mentor's, the mentee's) is in scope; a mentor of three mentees counts once.
- Activities count on the **target** side (the school whose teachers take part):
  ``activities_month``, ``person_times_month`` (Σ participants), ``periods_month`` (Σ periods, lessons
  and hours added as given), ``online_share`` and the school-year figures; ``activities_given_month``
  counts the same month's activities on the **host** side. An activity whose two schools are in one
  scope counts in both of that scope's figures.
- ``online_share`` = online rows / ``activities_month``, rounded to 6 decimals; blank when no
  activity targeted the scope in M.
- ``report_support_by_type`` holds only the (scope, type, mode) combinations that occurred in M.
"""

from __future__ import annotations

from sqlalchemy import Integer, Select, and_, case, cast, func, literal_column, or_, select, true, union, union_all
from sqlalchemy.sql.elements import ColumnElement

from teachflow.reports.months import ReportMonth
from teachflow.reports.rotation_sql import _count_if, _number, _ratio, school_scopes_select, scopes_select
from teachflow.warehouse.schema import pairings, support_activities

#: The warehouse datasets the section reads; a merge of either re-runs the reported months.
SUPPORT_INPUTS: tuple[str, ...] = ("pairings", "support_activities")


def _zero(column: ColumnElement) -> ColumnElement:
    return cast(func.coalesce(column, 0), Integer)


def _period(month: ReportMonth) -> ColumnElement:
    return literal_column(f"'{month.period}'")


def figures_select(month: ReportMonth) -> Select:
    """Every column of ``report_support_monthly`` but revision and computed_at, one row per scope."""
    scopes = scopes_select().cte("scopes")
    scopes_scope, scopes_code, scopes_name = list(scopes.c)
    school_scopes = school_scopes_select().cte("school_scopes")
    ss_school, ss_scope, ss_code = list(school_scopes.c)

    # --- pairings: those touching M (started by its end, not ended before its start) ------------------
    p = pairings.c
    active = and_(
        p.start_date <= month.month_end, or_(p.actual_end_date.is_(None), p.actual_end_date > month.month_end)
    )

    def flag(condition: ColumnElement) -> ColumnElement:
        return case((condition, 1), else_=0)

    month_pairings = (
        select(
            p.mentor_key,
            p.mentee_key,
            p.start_date,
            p.mentor_school_code,
            p.mentee_school_code,
            flag(active).label("is_active"),
            flag(p.start_date.between(month.month_start, month.month_end)).label("is_started"),
            flag(p.actual_end_date.between(month.month_start, month.month_end)).label("is_ended"),
            flag(and_(active, p.planned_end_date < month.month_end)).label("is_overdue"),
        )
        .where(
            p.start_date <= month.month_end,
            or_(p.actual_end_date.is_(None), p.actual_end_date >= month.month_start),
        )
        .cte("month_pairings")
    )
    mp = month_pairings.c

    def pairing_side(school: ColumnElement) -> Select:
        return select(
            ss_scope.label("scope"),
            ss_code.label("scope_code"),
            mp.mentor_key,
            mp.mentee_key,
            mp.start_date,
            mp.is_active,
            mp.is_started,
            mp.is_ended,
            mp.is_overdue,
        ).select_from(month_pairings.join(school_scopes, ss_school == school))

    # UNION (not ALL): a pairing whose two schools share a scope is one row of that scope.
    pairing_scopes = union(pairing_side(mp.mentor_school_code), pairing_side(mp.mentee_school_code)).subquery(
        "pairing_scopes"
    )
    ps = pairing_scopes.c
    pairing_counts = (
        select(
            ps.scope,
            ps.scope_code,
            func.sum(ps.is_active).label("pairings_active"),
            func.sum(ps.is_started).label("pairings_started"),
            func.sum(ps.is_ended).label("pairings_ended"),
            func.sum(ps.is_overdue).label("pairings_overdue"),
        )
        .group_by(ps.scope, ps.scope_code)
        .cte("pairing_counts")
    )

    # --- people of the active pairings, each at his own school -----------------------------------------
    people = union_all(
        select(
            mp.mentor_school_code.label("school_code"),
            mp.mentor_key.label("teacher_key"),
            literal_column("'mentor'").label("role"),
        ).where(mp.is_active == 1),
        select(mp.mentee_school_code, mp.mentee_key, literal_column("'mentee'")).where(mp.is_active == 1),
    ).subquery("active_people")
    people_counts = (
        select(
            ss_scope.label("scope"),
            ss_code.label("scope_code"),
            func.count(case((people.c.role == "mentor", people.c.teacher_key)).distinct()).label("mentors_active"),
            func.count(case((people.c.role == "mentee", people.c.teacher_key)).distinct()).label("mentees_active"),
        )
        .select_from(people.join(school_scopes, ss_school == people.c.school_code))
        .group_by(ss_scope, ss_code)
        .cte("people_counts")
    )

    # --- activities of the school year up to month end: target side, and M's on the host side ---------
    a = support_activities.c
    sy_activities = (
        select(a.target_school_code, a.host_school_code, a.mode, a.participants, a.periods, a.activity_date)
        .where(a.activity_date.between(month.sy_start, month.month_end))
        .cte("sy_activities")
    )
    sa = sy_activities.c
    sa_in_month = sa.activity_date >= month.month_start
    target_side = (
        select(
            ss_scope.label("scope"),
            ss_code.label("scope_code"),
            _count_if(sa_in_month).label("activities_month"),
            func.sum(case((sa_in_month, sa.participants), else_=0)).label("person_times_month"),
            func.sum(case((sa_in_month, sa.periods), else_=0)).label("periods_month"),
            _count_if(and_(sa_in_month, sa.mode == "online")).label("online_month"),
            func.count().label("activities_sy"),
            func.sum(sa.participants).label("person_times_sy"),
        )
        .select_from(sy_activities.join(school_scopes, ss_school == sa.target_school_code))
        .group_by(ss_scope, ss_code)
        .cte("target_side")
    )
    host_side = (
        select(ss_scope.label("scope"), ss_code.label("scope_code"), func.count().label("activities_given_month"))
        .select_from(sy_activities.join(school_scopes, ss_school == sa.host_school_code))
        .where(sa_in_month)
        .group_by(ss_scope, ss_code)
        .cte("host_side")
    )

    def joined(cte):
        return and_(cte.c.scope == scopes_scope, cte.c.scope_code == scopes_code)

    activities_month = _zero(target_side.c.activities_month)
    return (
        select(
            _period(month).label("period"),
            scopes_scope.label("scope"),
            scopes_code.label("scope_code"),
            scopes_name.label("scope_name"),
            _zero(pairing_counts.c.pairings_active).label("pairings_active"),
            _zero(pairing_counts.c.pairings_started).label("pairings_started"),
            _zero(pairing_counts.c.pairings_ended).label("pairings_ended"),
            _zero(pairing_counts.c.pairings_overdue).label("pairings_overdue"),
            _zero(people_counts.c.mentors_active).label("mentors_active"),
            _zero(people_counts.c.mentees_active).label("mentees_active"),
            activities_month.label("activities_month"),
            _zero(host_side.c.activities_given_month).label("activities_given_month"),
            _zero(target_side.c.person_times_month).label("person_times_month"),
            func.round(func.coalesce(target_side.c.periods_month, 0) * _number(1), 2).label("periods_month"),
            _ratio(_zero(target_side.c.online_month), activities_month).label("online_share"),
            _zero(target_side.c.activities_sy).label("activities_sy"),
            _zero(target_side.c.person_times_sy).label("person_times_sy"),
        )
        .select_from(
            scopes.outerjoin(pairing_counts, joined(pairing_counts))
            .outerjoin(people_counts, joined(people_counts))
            .outerjoin(target_side, joined(target_side))
            .outerjoin(host_side, joined(host_side))
        )
        .where(true())
    )


def by_type_select(month: ReportMonth) -> Select:
    """Rows of ``report_support_by_type`` but revision and computed_at: M's activities per scope of the
    target school, activity type and mode (only the combinations that occurred)."""
    school_scopes = school_scopes_select().cte("school_scopes")
    ss_school, ss_scope, ss_code = list(school_scopes.c)
    a = support_activities.c
    return (
        select(
            _period(month).label("period"),
            ss_scope.label("scope"),
            ss_code.label("scope_code"),
            a.activity_type,
            a.mode,
            func.count().label("activities"),
            cast(func.sum(a.participants), Integer).label("person_times"),
            func.round(func.sum(a.periods) * _number(1), 2).label("periods"),
        )
        .select_from(support_activities.join(school_scopes, ss_school == a.target_school_code))
        .where(a.activity_date.between(month.month_start, month.month_end))
        .group_by(ss_scope, ss_code, a.activity_type, a.mode)
    )
