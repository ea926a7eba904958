"""The rotation report's figures as set-based SQL (SQLAlchemy Core), for every scope at once.

One SELECT computes every figure of reports.md for the city, each county and each community: the
work is done per flow, per teacher and per school inside the database, and rolled up to the scopes
with ``GROUP BY scope, scope_code``; Python only binds the month's dates and the policy figures.
The same statement runs on SQLite and PostgreSQL (only ``days_overdue`` needs a dialect's date
arithmetic). The expensive inputs are reduced before any scope is joined: the latest rosters and the
school year's training records to one row per teacher, by
:func:`teachflow.reports.teacher_months.refresh_teacher_months` (the analysts' per-teacher rows, which
the report's run writes first), then here to one row per school; only then are schools rolled up to
their scopes (a school is in one city, one county and at most one community, so per-school counts
add up exactly). One reduction serves both the report and the mart.

Decisions where the spec is silent:
- A school's scopes are the city, its county and its community (if any); ``school_scopes`` lists them.
- "Latest roster with period ≤ M" is taken per county (``roster_entries`` is keyed by county and
  period). A teacher listed by two counties' latest rosters (moved, the old county has not sent a
  newer roster) counts once, at the school of the newer roster (ties: the greater county code).
- A teacher's tier for ``backbone_rotated_sy`` is his row in the newest roster with period ≤ M of
  any county (a teacher absent from his county's latest roster keeps his last known tier);
  ties between two counties' rosters of the same month count him as backbone if either says so.
- Ratios are rounded to 6 decimals (the column's scale) and the targets compare the rounded ratio.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    Integer,
    Numeric,
    Select,
    and_,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from teachflow.policy import Policy
from teachflow.reports.months import ReportMonth
from teachflow.vocabularies import BACKBONE_TIERS, ROTATION_FLOW_TYPES
from teachflow.warehouse.schema import (
    communities,
    community_schools,
    counties,
    roster_entries,
    schools,
    summary_teacher_months,
    teacher_flows,
)


def _number(value: float | int) -> ColumnElement:
    """A numeric literal written into the SQL: exact NUMERIC on PostgreSQL, REAL on SQLite.

    A bound Python float would be double precision on PostgreSQL, where ``round(x, 6)`` does not
    exist and 0.1 is not exact; the values come from Settings (numbers), never from users' text.
    """
    text = format(Decimal(str(float(value))).normalize(), "f")
    if "." not in text:
        text += ".0"
    return literal_column(text, Numeric)


def _label(text: str) -> ColumnElement:
    """A string constant in the SQL text (bound parameters in UNION branches confuse PostgreSQL)."""
    assert text.isidentifier()
    return literal_column(f"'{text}'")


def _count_if(condition: ColumnElement) -> ColumnElement:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _ratio(numerator: ColumnElement, denominator: ColumnElement) -> ColumnElement:
    """``numerator / denominator`` rounded to 6 decimals; NULL where the denominator is 0."""
    return func.round(numerator * _number(1) / func.nullif(denominator, 0), 6)


def scopes_select() -> Select:
    """(scope, scope_code, scope_name): the city, every county, every community."""
    city = select(_label("city").label("scope"), counties.c.county_code, counties.c.county_name).where(
        counties.c.is_city.is_(True)
    )
    county = select(_label("county"), counties.c.county_code, counties.c.county_name).where(
        counties.c.is_city.is_(False)
    )
    community = select(_label("community"), communities.c.community_code, communities.c.community_name)
    return union_all(city, county, community)


def school_scopes_select() -> Select:
    """(school_code, scope, scope_code): every scope a school is in."""
    city = counties.alias("city")
    in_city = select(schools.c.school_code, _label("city").label("scope"), city.c.county_code).select_from(
        schools.join(city, city.c.is_city.is_(True))
    )
    in_county = select(schools.c.school_code, _label("county"), schools.c.county_code)
    in_community = select(community_schools.c.school_code, _label("community"), community_schools.c.community_code)
    return union_all(in_city, in_county, in_community)


def figures_select(month: ReportMonth, policy: Policy) -> Select:
    """Every column of ``report_rotation_monthly`` but revision and computed_at, one row per scope.

    Reads month M's rows of ``summary_teacher_months``: run
    :func:`~teachflow.reports.teacher_months.refresh_teacher_months` for M with the same policy first
    (:func:`~teachflow.reports.rotation.compute_rotation_report` does, in the same transaction).
    """
    rotation = teacher_flows.c.flow_type.in_(ROTATION_FLOW_TYPES)
    transfer = teacher_flows.c.flow_type == "transfer"

    scopes = scopes_select().cte("scopes")
    scope_cols = list(scopes.c)
    scopes_scope, scopes_code, scopes_name = scope_cols
    school_scopes = school_scopes_select().cte("school_scopes")
    ss_school, ss_scope, ss_code = list(school_scopes.c)

    # --- flows: counted per flow, by the scopes of the sending and of the receiving school -----------
    active = and_(
        teacher_flows.c.start_date <= month.month_end,
        or_(teacher_flows.c.actual_end_date.is_(None), teacher_flows.c.actual_end_date > month.month_end),
    )
    started = teacher_flows.c.start_date.between(month.month_start, month.month_end)
    ended = teacher_flows.c.actual_end_date.between(month.month_start, month.month_end)
    flows_out = (
        select(
            ss_scope.label("scope"),
            ss_code.label("scope_code"),
            _count_if(and_(rotation, active)).label("active_out"),
            _count_if(and_(rotation, started)).label("started_out"),
            _count_if(and_(rotation, ended)).label("ended_out"),
            _count_if(and_(rotation, active, teacher_flows.c.planned_end_date < month.month_end)).label("overdue_out"),
            _count_if(and_(transfer, started)).label("transfers_out"),
        )
        .select_from(teacher_flows.join(school_scopes, ss_school == teacher_flows.c.from_school_code))
        .group_by(ss_scope, ss_code)
        .cte("flows_out")
    )
    flows_in = (
        select(
            ss_scope.label("scope"),
            ss_code.label("scope_code"),
            _count_if(and_(rotation, active)).label("active_in"),
            _count_if(and_(transfer, started)).label("transfers_in"),
        )
        .select_from(teacher_flows.join(school_scopes, ss_school == teacher_flows.c.to_school_code))
        .group_by(ss_scope, ss_code)
        .cte("flows_in")
    )

    # --- teachers rotated this school year, and whether each is backbone -----------------------------
    sy_rotations = (
        select(teacher_flows.c.teacher_key, teacher_flows.c.from_school_code)
        .where(rotation, teacher_flows.c.start_date.between(month.sy_start, month.month_end))
        .cte("sy_rotations")
    )
    rotated_teachers = select(sy_rotations.c.teacher_key).distinct().cte("rotated_teachers")
    tier_period = (
        select(roster_entries.c.teacher_key, func.max(roster_entries.c.period).label("period"))
        .select_from(
            roster_entries.join(rotated_teachers, rotated_teachers.c.teacher_key == roster_entries.c.teacher_key)
        )
        .where(roster_entries.c.period <= month.period)
        .group_by(roster_entries.c.teacher_key)
        .cte("tier_period")
    )
    teacher_backbone = (
        select(
            roster_entries.c.teacher_key,
            func.max(case((roster_entries.c.tier.in_(BACKBONE_TIERS), 1), else_=0)).label("is_backbone"),
        )
        .select_from(
            roster_entries.join(
                tier_period,
                and_(
                    tier_period.c.teacher_key == roster_entries.c.teacher_key,
                    tier_period.c.period == roster_entries.c.period,
                ),
            )
        )
        .group_by(roster_entries.c.teacher_key)
        .cte("teacher_backbone")
    )
    rotated = (
        select(
            ss_scope.label("scope"),
            ss_code.label("scope_code"),
            func.count(sy_rotations.c.teacher_key.distinct()).label("rotated_sy"),
            func.count(
                case((teacher_backbone.c.is_backbone == 1, sy_rotations.c.teacher_key), else_=None).distinct()
            ).label("backbone_rotated_sy"),
        )
        .select_from(
            sy_rotations.join(school_scopes, ss_school == sy_rotations.c.from_school_code).outerjoin(
                teacher_backbone, teacher_backbone.c.teacher_key == sy_rotations.c.teacher_key
            )
        )
        .group_by(ss_scope, ss_code)
        .cte("rotated")
    )

    # --- roster teachers, per school: from the month's per-teacher rows ----------------------------
    # The latest rosters and the school year's training records were reduced to one row per teacher
    # by refresh_teacher_months (same transaction, just before): the report counts those rows.
    st = summary_teacher_months.c
    per_school = (
        select(
            st.school_code,
            func.count().label("roster_teachers"),
            _count_if(st.eligible.is_(True)).label("eligible_teachers"),
            func.coalesce(func.sum(st.month_training_hours), 0).label("training_hours_month"),
            func.coalesce(func.sum(st.month_training_records), 0).label("training_person_times_month"),
            _count_if(st.on_track.is_(True)).label("teachers_on_track"),
        )
        .where(st.period == month.period)
        .group_by(st.school_code)
        .cte("roster_by_school")
    )
    roster = (
        select(
            ss_scope.label("scope"),
            ss_code.label("scope_code"),
            func.sum(per_school.c.roster_teachers).label("roster_teachers"),
            func.sum(per_school.c.eligible_teachers).label("eligible_teachers"),
            func.sum(per_school.c.training_hours_month).label("training_hours_month"),
            func.sum(per_school.c.training_person_times_month).label("training_person_times_month"),
            func.sum(per_school.c.teachers_on_track).label("teachers_on_track"),
        )
        .select_from(per_school.join(school_scopes, ss_school == per_school.c.school_code))
        .group_by(ss_scope, ss_code)
        .cte("roster")
    )

    # --- one row per scope ----------------------------------------------------------------------------
    def zero(col: ColumnElement) -> ColumnElement:
        return cast(func.coalesce(col, 0), Integer)

    def joined(cte):
        return and_(cte.c.scope == scopes_scope, cte.c.scope_code == scopes_code)

    eligible = zero(roster.c.eligible_teachers)
    rotated_sy = zero(rotated.c.rotated_sy)
    backbone_sy = zero(rotated.c.backbone_rotated_sy)
    rotation_rate = _ratio(rotated_sy, eligible)
    backbone_share = _ratio(backbone_sy, rotated_sy)
    roster_teachers = zero(roster.c.roster_teachers)
    on_track = zero(roster.c.teachers_on_track)
    return (
        select(
            literal_column(f"'{month.period}'").label("period"),
            scopes_scope.label("scope"),
            scopes_code.label("scope_code"),
            scopes_name.label("scope_name"),
            zero(flows_out.c.active_out).label("active_out"),
            zero(flows_in.c.active_in).label("active_in"),
            zero(flows_out.c.started_out).label("started_out"),
            zero(flows_out.c.ended_out).label("ended_out"),
            zero(flows_out.c.overdue_out).label("overdue_out"),
            zero(flows_in.c.transfers_in).label("transfers_in"),
            zero(flows_out.c.transfers_out).label("transfers_out"),
            eligible.label("eligible_teachers"),
            rotated_sy.label("rotated_sy"),
            backbone_sy.label("backbone_rotated_sy"),
            rotation_rate.label("rotation_rate"),
            backbone_share.label("backbone_share"),
            (rotation_rate >= _number(policy.rotation_target)).label("rotation_target_met"),
            (backbone_share >= _number(policy.backbone_target)).label("backbone_target_met"),
            func.round(func.coalesce(roster.c.training_hours_month, 0) * _number(1), 2).label("training_hours_month"),
            zero(roster.c.training_person_times_month).label("training_person_times_month"),
            on_track.label("teachers_on_track"),
            roster_teachers.label("roster_teachers"),
            _ratio(on_track, roster_teachers).label("training_on_track_share"),
        )
        .select_from(
            scopes.outerjoin(flows_out, joined(flows_out))
            .outerjoin(flows_in, joined(flows_in))
            .outerjoin(rotated, joined(rotated))
            .outerjoin(roster, joined(roster))
        )
        .where(true())
    )


def days_between(engine_dialect: str, later, earlier_col: ColumnElement) -> ColumnElement:
    """Whole days from ``earlier_col`` to the date ``later``, in the dialect's date arithmetic."""
    if engine_dialect == "postgresql":
        return cast(literal_column(f"DATE '{later.isoformat()}'") - earlier_col, Integer)
    return cast(func.julianday(later.isoformat()) - func.julianday(earlier_col), Integer)


def overdue_select(month: ReportMonth, dialect: str) -> Select:
    """Rows of ``report_rotation_overdue``: rotation flows active at month end, past their planned end."""
    f = teacher_flows.c
    return select(
        literal_column(f"'{month.period}'").label("period"),
        f.teacher_key,
        f.to_school_code,
        f.start_date,
        f.flow_type,
        f.from_school_code,
        f.planned_end_date,
        days_between(dialect, month.month_end, f.planned_end_date).label("days_overdue"),
    ).where(
        f.flow_type.in_(ROTATION_FLOW_TYPES),
        f.start_date <= month.month_end,
        or_(f.actual_end_date.is_(None), f.actual_end_date > month.month_end),
        f.planned_end_date < month.month_end,
    )
