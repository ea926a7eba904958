"""The analysts' mart: documented views with the spec's definitions built in (issue 14).

Analysts should not have to know that rotation means every flow type but transfer, that the school
year starts on 1 September, how "the latest roster" or the 72 × months / 12 training track is
worked out, or which scoring model is the official one. Each view here says in its name and
columns what it holds and does that work once, the way the monthly report does.

Where the views live: on PostgreSQL in the schema ``mart`` (``mart.teachers``), the only schema the
``teachflow_analyst`` role may read; SQLite has no schemas, so there the same views are named
``mart_<view>`` (``mart_teachers``). ``docs/queries.sql`` is written for PostgreSQL;
:func:`for_dialect` turns ``mart.`` into ``mart_`` for SQLite.

No view holds a resident ID or a name: teachers appear by ``teacher_key`` (the keyed hash of the
ID), and names of schools, counties and communities are not personal data.

Every view is declared with its grain (one row per what), its source tables, one example query
and a meaning for each column; ``teachflow.dictionary`` prints them into ``docs/data-dictionary.md``
and, on PostgreSQL, the same texts are the views' and columns' catalogue comments.

Freshness: the views over base tables are live. ``teachers``, ``training_by_teacher_month`` and
``training_progress`` read ``summary_teacher_months``, which the monthly report's run writes for
its month in the same transaction as the report's rows, so they always agree with the report and
hold the months that have a report; on a province-sized warehouse they answer in milliseconds
where recomputing the latest rosters and 12 M training records would take seconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from teachflow.contract import DATASETS
from teachflow.datasets.support_activities import ACTIVITY_MODE, ACTIVITY_TYPE
from teachflow.submission_status import STATUS_ZH
from teachflow.vocabularies import (
    BACKBONE_TIERS,
    COMMUNITY_ROLE,
    FLOW_TYPE,
    LOCATION,
    ROTATION_FLOW_TYPES,
    STAGE,
    TIER,
    TITLE,
    TRAINING_LEVEL,
    TRAINING_MODE,
)
from teachflow.warehouse.mart_sql import Dialect, in_list, label, mapped, school_year_of_period

FLOW_TYPE_EN: dict[str, str] = {
    "rotation": "rotation (teaching at another school)",
    "study_placement": "study placement",
    "secondment": "secondment",
    "city_recruit_county_use": "city-recruited, county-used",
    "transfer": "transfer (permanent)",
}

FLOW_STATUS_ZH: dict[str, str] = {
    "upcoming": "未开始",
    "open": "交流中",
    "overdue": "逾期未返",
    "closed": "已结束",
    "transfer": "调动",
}

DATASET_ZH: dict[str, str] = {name: dataset.title_zh for name, dataset in DATASETS.items()}

LEDGER_STATUS_ZH: dict[str, str] = {
    "received": "处理中",
    "accepted": "已入库",
    "rejected": "已退回",
    "superseded": "已被替换",
    "duplicate": "重复提交",
    "quarantined": "已隔离",
    "abandoned": "已放弃",
}


@dataclass(frozen=True)
class MartView:
    """One documented view of the mart."""

    name: str
    #: What it holds, one sentence (the catalogue comment of the view).
    title: str
    #: One row per what.
    grain: str
    #: Tables (and mart views) it reads.
    sources: tuple[str, ...]
    #: (column, meaning) in the view's column order.
    columns: tuple[tuple[str, str], ...]
    #: The SELECT, given the engine's spellings.
    select: Callable[[Dialect], str]
    #: An example query, written for PostgreSQL (``mart.<view>``).
    example: str

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)


def for_dialect(sql: str, dialect_name: str) -> str:
    """Mart SQL written with ``mart.<view>`` made runnable on ``dialect_name`` (SQLite: ``mart_<view>``)."""
    if dialect_name == "postgresql":
        return sql
    return re.sub(r"\bmart\.(\w+)", r"mart_\1", sql)


# --- the views -------------------------------------------------------------------------------------


def _policy(d: Dialect) -> str:
    return "SELECT setting, value, meaning, updated_at FROM warehouse_settings"


def _schools(d: Dialect) -> str:
    return (
        "SELECT s.school_code, s.school_name, s.county_code, c.county_name, "
        f"s.location, {label('s.location', LOCATION)} AS location_zh, s.stage, {label('s.stage', STAGE)} AS stage_zh, "
        f"cs.community_code, cm.community_name, cs.role AS community_role, "
        f"{label('cs.role', COMMUNITY_ROLE)} AS community_role_zh "
        "FROM schools s JOIN counties c ON c.county_code = s.county_code "
        "LEFT JOIN community_schools cs ON cs.school_code = s.school_code "
        "LEFT JOIN communities cm ON cm.community_code = cs.community_code"
    )


def _teachers(d: Dialect) -> str:
    return (
        f"SELECT t.period, {school_year_of_period('t.period')} AS school_year, t.teacher_key, t.roster_period, "
        "t.roster_period <> t.period AS roster_carried_forward, "
        "t.county_code, c.county_name, t.school_code, s.school_name, s.location, "
        "t.community_code, cm.community_name, cs.role AS community_role, "
        "t.gender, t.birth_year, t.subject, "
        f"t.title, {label('t.title', TITLE)} AS title_zh, t.tier, {label('t.tier', TIER)} AS tier_zh, "
        f"{in_list('t.tier', BACKBONE_TIERS)} AS is_backbone, "
        "t.current_school_since, t.eligible AS eligible_for_rotation "
        "FROM summary_teacher_months t "
        "JOIN schools s ON s.school_code = t.school_code "
        "JOIN counties c ON c.county_code = t.county_code "
        "LEFT JOIN community_schools cs ON cs.school_code = t.school_code AND cs.community_code = t.community_code "
        "LEFT JOIN communities cm ON cm.community_code = t.community_code"
    )


def _training_by_teacher_month(d: Dialect) -> str:
    return (
        f"SELECT t.period, {school_year_of_period('t.period')} AS school_year, t.teacher_key, "
        "t.county_code, t.school_code, t.community_code, "
        "t.month_training_hours AS training_hours, t.month_training_records AS training_records, "
        "t.sy_training_hours AS school_year_hours_to_date "
        "FROM summary_teacher_months t"
    )


def _training_progress(d: Dialect) -> str:
    return (
        f"SELECT t.period, {school_year_of_period('t.period')} AS school_year, t.teacher_key, "
        "t.county_code, c.county_name, t.school_code, s.school_name, t.community_code, cm.community_name, "
        "t.sy_training_hours AS hours_to_date, t.required_hours AS hours_required, "
        "CASE WHEN t.required_hours > t.sy_training_hours THEN t.required_hours - t.sy_training_hours "
        "ELSE 0 END AS hours_short, t.on_track "
        "FROM summary_teacher_months t "
        "JOIN schools s ON s.school_code = t.school_code "
        "JOIN counties c ON c.county_code = t.county_code "
        "LEFT JOIN communities cm ON cm.community_code = t.community_code"
    )


def _training_records(d: Dialect) -> str:
    return (
        "SELECT r.teacher_key, r.county_code, c.county_name, r.program_code, r.program_name, "
        f"r.level, {label('r.level', TRAINING_LEVEL)} AS level_zh, "
        f"r.mode, {label('r.mode', TRAINING_MODE)} AS mode_zh, "
        f"r.start_date, r.end_date, {d.period_of('r.end_date')} AS end_period, "
        f"{school_year_of_period(d.period_of('r.end_date'))} AS school_year, r.hours, r.organizer "
        "FROM training_records r LEFT JOIN counties c ON c.county_code = r.county_code"
    )


def _flows(d: Dialect) -> str:
    today = d.today()
    rotation = in_list("f.flow_type", ROTATION_FLOW_TYPES)
    status = (
        "CASE WHEN f.flow_type = 'transfer' THEN 'transfer' "
        f"WHEN f.start_date > {today} THEN 'upcoming' "
        f"WHEN f.actual_end_date IS NOT NULL AND f.actual_end_date <= {today} THEN 'closed' "
        f"WHEN f.planned_end_date < {today} THEN 'overdue' ELSE 'open' END"
    )
    return (
        f"SELECT f.teacher_key, f.flow_type, {label('f.flow_type', FLOW_TYPE)} AS flow_type_zh, "
        f"{mapped('f.flow_type', FLOW_TYPE_EN)} AS flow_type_en, {rotation} AS counts_as_rotation, "
        "f.from_school_code, fs.school_name AS from_school_name, fs.county_code AS from_county_code, "
        "fc.county_name AS from_county_name, fcs.community_code AS from_community_code, "
        "f.to_school_code, ts.school_name AS to_school_name, ts.county_code AS to_county_code, "
        "tc.county_name AS to_county_name, tcs.community_code AS to_community_code, "
        f"f.start_date, {d.period_of('f.start_date')} AS start_period, "
        f"{school_year_of_period(d.period_of('f.start_date'))} AS school_year, "
        "f.planned_end_date, f.actual_end_date, "
        f"status, {mapped('status', FLOW_STATUS_ZH)} AS status_zh, {today} AS status_on, "
        "f.report_count, f.has_conflict "
        f"FROM (SELECT f.*, {status} AS status FROM teacher_flows f) f "
        "JOIN schools fs ON fs.school_code = f.from_school_code "
        "JOIN counties fc ON fc.county_code = fs.county_code "
        "LEFT JOIN community_schools fcs ON fcs.school_code = f.from_school_code "
        "JOIN schools ts ON ts.school_code = f.to_school_code "
        "JOIN counties tc ON tc.county_code = ts.county_code "
        "LEFT JOIN community_schools tcs ON tcs.school_code = f.to_school_code"
    )


def _setting(name: str) -> str:
    return f"(SELECT CAST(value AS NUMERIC) FROM warehouse_settings WHERE setting = '{name}')"


def _coverage(dataset: str, column: str) -> str:
    """A column of the stored coverage row of a county's ``dataset`` for the report's month."""
    return (
        f"(SELECT c.{column} FROM report_coverage c WHERE c.report = 'rotation' AND c.report_key = r.period "
        f"AND c.county_code = r.scope_code AND c.period = r.period AND c.dataset = '{dataset}')"
    )


def _monthly_report(d: Dialect) -> str:
    needed_rotated = d.ceil(f"{_setting('rotation_target')} * r.eligible_teachers")
    needed_backbone = d.ceil(f"{_setting('backbone_target')} * r.rotated_sy")
    roster_status = _coverage("teachers", "status")
    in_force = "('accepted', 'accepted_with_rejections', 'rejected_previous_in_force')"
    # The roster standing for M: from the report's stored coverage (cycle.md); a report computed
    # without it (compute_rotation_report alone) falls back to the ledger's latest accepted roster.
    ledger_roster = (
        "(SELECT max(s.period) FROM submissions s WHERE s.county_code = r.scope_code "
        "AND s.dataset = 'teachers' AND s.status IN ('accepted', 'superseded') AND s.period <= r.period)"
    )
    roster_used = (
        f"CASE WHEN r.scope <> 'county' THEN NULL WHEN {roster_status} IS NULL THEN {ledger_roster} "
        f"WHEN {roster_status} IN {in_force} THEN r.period ELSE {_coverage('teachers', 'stand_in_period')} END"
    )
    late = (
        "CASE WHEN r.scope <> 'county' THEN NULL ELSE EXISTS (SELECT 1 FROM report_coverage c "
        "WHERE c.report = 'rotation' AND c.report_key = r.period AND c.county_code = r.scope_code AND c.late) END"
    )

    def status(dataset: str) -> str:
        return f"CASE WHEN r.scope = 'county' THEN {_coverage(dataset, 'status')} END"

    return (
        f"SELECT r.period, {school_year_of_period('r.period')} AS school_year, "
        f"{d.month_start('r.period')} AS month_start, {d.month_end('r.period')} AS month_end, "
        "r.scope, r.scope_code, r.scope_name, r.active_out, r.active_in, r.started_out, r.ended_out, "
        "r.overdue_out, r.transfers_in, r.transfers_out, r.eligible_teachers, r.rotated_sy, r.backbone_rotated_sy, "
        "r.rotation_rate, r.backbone_share, r.rotation_target_met, r.backbone_target_met, "
        "r.training_hours_month, r.training_person_times_month, r.teachers_on_track, r.roster_teachers, "
        "r.training_on_track_share, "
        f"CASE WHEN {needed_rotated} > r.rotated_sy THEN {needed_rotated} - r.rotated_sy ELSE 0 END "
        "AS rotation_needed, "
        f"CASE WHEN {needed_backbone} > r.backbone_rotated_sy THEN {needed_backbone} - r.backbone_rotated_sy "
        "ELSE 0 END AS backbone_needed, "
        "CASE WHEN r.scope = 'city' THEN NULL ELSE RANK() OVER (PARTITION BY r.period, r.scope "
        "ORDER BY CASE WHEN r.rotation_rate IS NULL THEN 1 ELSE 0 END, r.rotation_rate DESC) END AS rotation_rank, "
        f"{roster_used} AS roster_period_used, "
        f"{status('teachers')} AS roster_status, {status('teacher_flows')} AS flows_status, "
        f"{status('training_records')} AS training_status, {late} AS any_late, "
        "r.revision, r.computed_at "
        "FROM report_rotation_monthly r"
    )


def _report_coverage(d: Dialect) -> str:
    return (
        "SELECT c.report, c.report_key, c.county_code, k.county_name, c.period, c.dataset, "
        f"{mapped('c.dataset', DATASET_ZH)} AS dataset_zh, c.status, {mapped('c.status', STATUS_ZH)} AS status_zh, "
        f"c.late, c.rows_rejected, c.stand_in_period, c.due_at, {d.local_time('c.due_at')} AS due_at_local, "
        "c.computed_at "
        "FROM report_coverage c LEFT JOIN counties k ON k.county_code = c.county_code"
    )


#: Figures of the report whose month-on-month change ``monthly_report_changes`` shows, and whether
#: each restarts on 1 September (the ``_sy`` figures and the ratios built on them: no change shown
#: for September, reports.md).
CHANGE_FIGURES: dict[str, bool] = {
    "active_out": False,
    "active_in": False,
    "started_out": False,
    "ended_out": False,
    "overdue_out": False,
    "transfers_in": False,
    "transfers_out": False,
    "eligible_teachers": False,
    "rotated_sy": True,
    "backbone_rotated_sy": True,
    "rotation_rate": True,
    "backbone_share": True,
    "training_hours_month": False,
    "training_person_times_month": False,
    "teachers_on_track": False,
    "roster_teachers": False,
    "training_on_track_share": False,
}


def _monthly_report_changes(d: Dialect) -> str:
    september = "substr(r.period, 6, 2) = '09'"
    changes = ", ".join(
        (f"CASE WHEN {september} THEN NULL ELSE r.{f} - p.{f} END" if restarts else f"r.{f} - p.{f}")
        + f" AS {f}_change"
        for f, restarts in CHANGE_FIGURES.items()
    )
    return (
        f"SELECT r.period, p.period AS previous_period, r.scope, r.scope_code, r.scope_name, {changes} "
        "FROM report_rotation_monthly r LEFT JOIN report_rotation_monthly p "
        f"ON p.scope = r.scope AND p.scope_code = r.scope_code AND p.period = {d.previous_period('r.period')}"
    )


def _rotation_by_school_year(d: Dialect) -> str:
    report = d.view("monthly_report")
    return (
        "SELECT r.school_year, r.period AS as_of_period, r.scope, r.scope_code, r.scope_name, "
        "r.eligible_teachers, r.rotated_sy AS rotated_teachers, r.backbone_rotated_sy AS backbone_rotated_teachers, "
        "r.rotation_rate, r.backbone_share, r.rotation_target_met, r.backbone_target_met, "
        "r.rotation_needed, r.backbone_needed, r.rotation_rank "
        f"FROM {report} r WHERE r.period = (SELECT max(x.period) FROM {report} x "
        "WHERE x.school_year = r.school_year AND x.scope = r.scope AND x.scope_code = r.scope_code)"
    )


def _overdue_returns(d: Dialect) -> str:
    return (
        f"SELECT o.period, o.teacher_key, o.flow_type, {label('o.flow_type', FLOW_TYPE)} AS flow_type_zh, "
        "o.from_school_code, fs.school_name AS from_school_name, fs.county_code AS from_county_code, "
        "fc.county_name AS from_county_name, o.to_school_code, ts.school_name AS to_school_name, "
        "ts.county_code AS to_county_code, tc.county_name AS to_county_name, "
        "o.start_date, o.planned_end_date, o.days_overdue "
        "FROM report_rotation_overdue o "
        "JOIN schools fs ON fs.school_code = o.from_school_code JOIN counties fc ON fc.county_code = fs.county_code "
        "JOIN schools ts ON ts.school_code = o.to_school_code JOIN counties tc ON tc.county_code = ts.county_code"
    )


def _support_monthly(d: Dialect) -> str:
    return (
        f"SELECT r.period, {school_year_of_period('r.period')} AS school_year, r.scope, r.scope_code, r.scope_name, "
        "r.pairings_active, r.pairings_started, r.pairings_ended, r.pairings_overdue, r.mentors_active, "
        "r.mentees_active, r.activities_month, r.activities_given_month, r.person_times_month, r.periods_month, "
        "r.online_share, r.activities_sy, r.person_times_sy, r.revision, r.computed_at "
        "FROM report_support_monthly r"
    )


def _support_by_type(d: Dialect) -> str:
    return (
        f"SELECT t.period, {school_year_of_period('t.period')} AS school_year, t.scope, t.scope_code, s.scope_name, "
        f"t.activity_type, {label('t.activity_type', ACTIVITY_TYPE)} AS activity_type_zh, "
        f"t.mode, {label('t.mode', ACTIVITY_MODE)} AS mode_zh, t.activities, t.person_times, t.periods, "
        "t.revision, t.computed_at "
        "FROM report_support_by_type t LEFT JOIN report_support_monthly s "
        "ON s.period = t.period AND s.scope = t.scope AND s.scope_code = t.scope_code"
    )


#: Per school year, the official model's run: the newest stored run of a model whose name (or
#: ``name@version``) is the setting ``official_scoring_model``.
_OFFICIAL_RUNS = (
    "(SELECT school_year, model_hash, model_name, model_version FROM ("
    "SELECT sc.school_year, sc.model_hash, m.model_name, m.model_version, "
    "ROW_NUMBER() OVER (PARTITION BY sc.school_year ORDER BY max(sc.computed_at) DESC, sc.model_hash) AS position "
    "FROM assessment_community_scores sc JOIN scoring_models m ON m.model_hash = sc.model_hash "
    "JOIN warehouse_settings o ON o.setting = 'official_scoring_model' "
    "AND (o.value = m.model_name OR o.value = m.model_name || '@' || m.model_version) "
    "GROUP BY sc.school_year, sc.model_hash, m.model_name, m.model_version) runs WHERE position = 1)"
)


def _assessment_communities(d: Dialect) -> str:
    return (
        "SELECT c.school_year, o.model_name, o.model_version, c.model_hash, c.community_code, cm.community_name, "
        "c.score, c.grade, c.rank, c.review_flag, c.provisional, c.computed_at "
        f"FROM assessment_community_scores c JOIN {_OFFICIAL_RUNS} o "
        "ON o.school_year = c.school_year AND o.model_hash = c.model_hash "
        "JOIN communities cm ON cm.community_code = c.community_code"
    )


def _assessment_schools(d: Dialect) -> str:
    return (
        "SELECT a.school_year, o.model_name, o.model_version, a.model_hash, a.school_code, s.school_name, "
        "s.county_code, c.county_name, a.community_code, cm.community_name, a.role AS community_role, "
        "a.own_score, a.final_score, a.provisional, a.computed_at "
        f"FROM assessment_school_scores a JOIN {_OFFICIAL_RUNS} o "
        "ON o.school_year = a.school_year AND o.model_hash = a.model_hash "
        "JOIN schools s ON s.school_code = a.school_code JOIN counties c ON c.county_code = s.county_code "
        "JOIN communities cm ON cm.community_code = a.community_code"
    )


def _submissions(d: Dialect) -> str:
    return (
        "SELECT s.submission_id, s.county_code, c.county_name, s.period, s.dataset, s.file_format, s.sha256, "
        f"s.size_bytes, s.received_at, {d.local_time('s.received_at')} AS received_at_local, s.processed_at, "
        f"s.status, {mapped('s.status', LEDGER_STATUS_ZH)} AS status_zh, s.rows_total, s.rows_loaded, "
        "s.rows_rejected, s.rows_duplicate, s.problem_count, s.superseded_by, s.duplicate_of "
        "FROM submissions s LEFT JOIN counties c ON c.county_code = s.county_code"
    )


_SY = ("school_year", "School year of the month (学年, from 1 September), e.g. 2026-2027")
_PERIOD = ("period", "Report month M (YYYY-MM)")
_TEACHER = ("teacher_key", "The teacher: keyed hash of the resident ID (never the ID itself)")

MART_VIEWS: tuple[MartView, ...] = (
    MartView(
        name="policy",
        title="The policy figures and choices in force: eligibility years, targets, training hours, official model",
        grain="one row per setting",
        sources=("warehouse_settings",),
        columns=(
            ("setting", "Setting name"),
            ("value", "Its value"),
            ("meaning", "What it decides"),
            ("updated_at", "When teachflow last wrote it (UTC)"),
        ),
        select=_policy,
        example="SELECT setting, value, meaning FROM mart.policy ORDER BY setting;",
    ),
    MartView(
        name="schools",
        title="Schools with their county, location, stage and education community",
        grain="one row per school",
        sources=("schools", "counties", "community_schools", "communities"),
        columns=(
            ("school_code", "10-digit school identifier (学校标识码)"),
            ("school_name", "School name"),
            ("county_code", "County code"),
            ("county_name", "County name"),
            ("location", "urban, town or rural"),
            ("location_zh", "城区, 镇区 or 乡村"),
            ("stage", "School stage code"),
            ("stage_zh", "School stage in Chinese"),
            ("community_code", "Education community (教共体), blank if none"),
            ("community_name", "Community name"),
            ("community_role", "lead or member"),
            ("community_role_zh", "牵头学校 or 成员校"),
        ),
        select=_schools,
        example="SELECT county_name, count(*) AS schools FROM mart.schools GROUP BY county_name ORDER BY 1;",
    ),
    MartView(
        name="teachers",
        title=(
            "Teachers on the latest rosters of each report month (latest roster per county with period <= M; "
            "a teacher on two counties' rosters counts once, at the newer one), with eligibility for rotation"
        ),
        grain="one row per report month and teacher",
        sources=("summary_teacher_months", "schools", "counties", "community_schools", "communities"),
        columns=(
            _PERIOD,
            _SY,
            _TEACHER,
            ("roster_period", "Month of the county roster standing for M (the latest with period <= M)"),
            ("roster_carried_forward", "True when the county sent no roster for M and an older one stands in"),
            ("county_code", "County of the teacher's school"),
            ("county_name", "County name"),
            ("school_code", "School on the roster"),
            ("school_name", "School name"),
            ("location", "urban, town or rural"),
            ("community_code", "The school's education community when the month was computed, blank if none"),
            ("community_name", "Community name"),
            ("community_role", "lead or member"),
            ("gender", "M or F"),
            ("birth_year", "Year of birth"),
            ("subject", "Subject taught"),
            ("title", "Professional title code"),
            ("title_zh", "职称"),
            ("tier", "Backbone tier code"),
            ("tier_zh", "骨干层级"),
            ("is_backbone", "Backbone teacher in the policy sense (backbone, subject leader or famous)"),
            ("current_school_since", "Start of teaching at the current school"),
            (
                "eligible_for_rotation",
                "符合交流条件: at the school for the eligibility years (policy: eligibility_years) by 1 September "
                "of the school year",
            ),
        ),
        select=_teachers,
        example=(
            "SELECT county_name, count(*) AS teachers, sum(CASE WHEN eligible_for_rotation THEN 1 ELSE 0 END) "
            "AS eligible FROM mart.teachers WHERE period = '2026-10' GROUP BY county_name;"
        ),
    ),
    MartView(
        name="flows",
        title=(
            "Teacher flows with type in Chinese and English, both schools and counties, and their state today "
            "(Asia/Shanghai): upcoming, open, overdue, closed, or transfer"
        ),
        grain="one row per flow (teacher, receiving school, start date)",
        sources=("teacher_flows", "schools", "counties", "community_schools"),
        columns=(
            _TEACHER,
            ("flow_type", "Flow type code"),
            ("flow_type_zh", "交流类型"),
            ("flow_type_en", "Flow type in English"),
            ("counts_as_rotation", "True for every type but transfer (交流轮岗)"),
            ("from_school_code", "Sending school"),
            ("from_school_name", "Sending school's name"),
            ("from_county_code", "Sending school's county"),
            ("from_county_name", "Its name"),
            ("from_community_code", "Sending school's community, blank if none"),
            ("to_school_code", "Receiving school"),
            ("to_school_name", "Receiving school's name"),
            ("to_county_code", "Receiving school's county"),
            ("to_county_name", "Its name"),
            ("to_community_code", "Receiving school's community, blank if none"),
            ("start_date", "First day at the receiving school"),
            ("start_period", "Month of the start (YYYY-MM)"),
            ("school_year", "School year of the start (from 1 September)"),
            ("planned_end_date", "Planned return (blank for transfers)"),
            ("actual_end_date", "Actual return; blank while away"),
            (
                "status",
                "Today: upcoming (not started), open, overdue (planned return passed, none reported), "
                "closed (returned), transfer (permanent)",
            ),
            ("status_zh", "未开始, 交流中, 逾期未返, 已结束 or 调动"),
            ("status_on", "The day the status is judged on (today, Asia/Shanghai)"),
            ("report_count", "How many counties' current submissions report the flow"),
            ("has_conflict", "True while the two counties' reports disagree"),
        ),
        select=_flows,
        example=(
            "SELECT from_county_name, count(*) FROM mart.flows WHERE status = 'overdue' GROUP BY from_county_name;"
        ),
    ),
    MartView(
        name="monthly_report",
        title=(
            "The monthly rotation report (交流轮岗月报) with what each scope still needs, its rank, and for each "
            "county its coverage: the status of each of the month's files and which roster stood in"
        ),
        grain="one row per report month and scope (city, county, community)",
        sources=("report_rotation_monthly", "report_coverage", "submissions", "warehouse_settings"),
        columns=(
            _PERIOD,
            _SY,
            ("month_start", "First day of M"),
            ("month_end", "Last day of M"),
            ("scope", "city, county or community"),
            ("scope_code", "City, county or community code"),
            ("scope_name", "Its name"),
            ("active_out", "Rotation flows from scope active at month end"),
            ("active_in", "Rotation flows into scope active at month end"),
            ("started_out", "Rotation flows from scope starting in M"),
            ("ended_out", "Rotation flows from scope ending in M"),
            ("overdue_out", "Active rotation flows from scope past their planned return"),
            ("transfers_in", "Transfers into scope starting in M"),
            ("transfers_out", "Transfers out of scope starting in M"),
            ("eligible_teachers", "Roster teachers eligible for rotation"),
            ("rotated_sy", "Distinct teachers rotated out of scope this school year up to month end"),
            ("backbone_rotated_sy", "Of those, backbone teachers"),
            ("rotation_rate", "rotated_sy / eligible_teachers (blank if none eligible)"),
            ("backbone_share", "backbone_rotated_sy / rotated_sy (blank if none rotated)"),
            ("rotation_target_met", "rotation_rate >= the rotation target (10 %)"),
            ("backbone_target_met", "backbone_share >= the backbone target (20 %)"),
            ("training_hours_month", "Training hours ending in M, teachers of scope"),
            ("training_person_times_month", "Training records ending in M (人次)"),
            ("teachers_on_track", "Roster teachers on track for the training hours"),
            ("roster_teachers", "Roster teachers of scope"),
            ("training_on_track_share", "teachers_on_track / roster_teachers"),
            ("rotation_needed", "Teachers still to rotate this school year: max(0, ceil(10 % x eligible) - rotated)"),
            ("backbone_needed", "Backbone teachers still to rotate: max(0, ceil(20 % x rotated) - backbone rotated)"),
            ("rotation_rank", "Rank by rotation_rate among scopes of its kind (1 = highest; blanks last; ties share)"),
            ("roster_period_used", "Counties: month of the roster standing for M (an older one if M's is not in)"),
            ("roster_status", "Counties: status of M's roster when the report was computed (cycle.md)"),
            ("flows_status", "Counties: status of M's flows file when the report was computed"),
            ("training_status", "Counties: status of M's training file when the report was computed"),
            ("any_late", "Counties: one of M's files arrived after the due day (迟报)"),
            ("revision", "1 for the first run of M, +1 each time a figure changed"),
            ("computed_at", "When this revision was computed (UTC)"),
        ),
        select=_monthly_report,
        example=(
            "SELECT scope_name, rotation_rate, rotation_rank, rotation_needed FROM mart.monthly_report "
            "WHERE period = '2026-10' AND scope = 'county' ORDER BY rotation_rank;"
        ),
    ),
    MartView(
        name="report_coverage",
        title=(
            "What each report rests on: every county's expected submissions, their status when the report "
            "was computed (cycle.md), late or not, and the roster standing in for a missing one"
        ),
        grain="one row per report (monthly report month or assessment school year), county, period and dataset",
        sources=("report_coverage", "counties"),
        columns=(
            ("report", "rotation (the monthly report) or assessment"),
            ("report_key", "The report's month (YYYY-MM) or school year"),
            ("county_code", "County that owes the submission"),
            ("county_name", "Its name"),
            ("period", "Period of the expected submission"),
            ("dataset", "teachers, teacher_flows or training_records"),
            ("dataset_zh", "The dataset in Chinese"),
            ("status", "pending, missing, processing, accepted, accepted_with_rejections, rejected, ..."),
            ("status_zh", "待报送, 逾期未报, 处理中, 已入库, 部分入库, 已退回, 已退回（沿用上次）"),
            ("late", "The first accepted file arrived after the due day (迟报)"),
            ("rows_rejected", "Rows rejected in the newest file"),
            ("stand_in_period", "Rosters: the roster used in its place when it is not in"),
            ("due_at", "When it was due (UTC)"),
            ("due_at_local", "The same in Asia/Shanghai, e.g. 2026-11-05 23:59"),
            ("computed_at", "When the report was computed (UTC)"),
        ),
        select=_report_coverage,
        example=(
            "SELECT county_name, dataset_zh, status_zh, late FROM mart.report_coverage "
            "WHERE report = 'rotation' AND report_key = '2026-10' AND status <> 'accepted';"
        ),
    ),
    MartView(
        name="monthly_report_changes",
        title=(
            "Change from last month of each figure of the monthly report (M minus the month before; blank "
            "where the month before has no report, and in September for the school-year figures, which restart)"
        ),
        grain="one row per report month and scope",
        sources=("report_rotation_monthly",),
        columns=(
            _PERIOD,
            ("previous_period", "The month before, when it has a report"),
            ("scope", "city, county or community"),
            ("scope_code", "Its code"),
            ("scope_name", "Its name"),
            *(
                (
                    f"{figure}_change",
                    f"{figure} of M minus that of the month before"
                    + (" (blank in September: restarts with the school year)" if restarts else ""),
                )
                for figure, restarts in CHANGE_FIGURES.items()
            ),
        ),
        select=_monthly_report_changes,
        example=(
            "SELECT scope_name, active_out_change, rotated_sy_change FROM mart.monthly_report_changes "
            "WHERE period = '2026-10' AND scope = 'county' ORDER BY active_out_change DESC;"
        ),
    ),
    MartView(
        name="rotation_by_school_year",
        title="Rotation per school year and scope: the figures of the school year's latest reported month",
        grain="one row per school year and scope",
        sources=("mart.monthly_report",),
        columns=(
            ("school_year", "School year (from 1 September)"),
            ("as_of_period", "The school year's latest reported month the figures are taken from"),
            ("scope", "city, county or community"),
            ("scope_code", "Its code"),
            ("scope_name", "Its name"),
            ("eligible_teachers", "Roster teachers eligible for rotation"),
            ("rotated_teachers", "Distinct teachers rotated out of scope in the school year"),
            ("backbone_rotated_teachers", "Of those, backbone teachers"),
            ("rotation_rate", "rotated / eligible"),
            ("backbone_share", "backbone rotated / rotated"),
            ("rotation_target_met", "rotation_rate >= 10 %"),
            ("backbone_target_met", "backbone_share >= 20 %"),
            ("rotation_needed", "Teachers still to rotate to reach the target"),
            ("backbone_needed", "Backbone teachers still to rotate to reach the target"),
            ("rotation_rank", "Rank by rotation_rate among scopes of its kind"),
        ),
        select=_rotation_by_school_year,
        example=(
            "SELECT scope_name, rotated_teachers, rotation_rate FROM mart.rotation_by_school_year "
            "WHERE school_year = '2026-2027' AND scope = 'county';"
        ),
    ),
    MartView(
        name="overdue_returns",
        title="Rotation flows active at a report month's end whose planned return had passed (逾期未返), no names",
        grain="one row per report month and overdue flow",
        sources=("report_rotation_overdue", "schools", "counties"),
        columns=(
            _PERIOD,
            _TEACHER,
            ("flow_type", "Flow type code"),
            ("flow_type_zh", "交流类型"),
            ("from_school_code", "Sending school"),
            ("from_school_name", "Its name"),
            ("from_county_code", "Sending county"),
            ("from_county_name", "Its name"),
            ("to_school_code", "Receiving school"),
            ("to_school_name", "Its name"),
            ("to_county_code", "Receiving county"),
            ("to_county_name", "Its name"),
            ("start_date", "First day at the receiving school"),
            ("planned_end_date", "Planned return, before month end"),
            ("days_overdue", "Days from planned return to month end"),
        ),
        select=_overdue_returns,
        example="SELECT from_county_name, count(*) FROM mart.overdue_returns WHERE period = '2026-10' GROUP BY 1;",
    ),
    MartView(
        name="support_monthly",
        title=(
            "The monthly report's 帮扶与结对 section (support and pairing): pairings and support activities "
            "per report month and scope (practices.md §6)"
        ),
        grain="one row per report month and scope (city, county, community)",
        sources=("report_support_monthly",),
        columns=(
            _PERIOD,
            _SY,
            ("scope", "city, county or community"),
            ("scope_code", "City, county or community code"),
            ("scope_name", "Its name"),
            ("pairings_active", "Pairings active at month end with either school in scope (counted once)"),
            ("pairings_started", "Pairings starting in M, either school in scope"),
            ("pairings_ended", "Pairings ending (actual end) in M, either school in scope"),
            ("pairings_overdue", "Pairings active at month end past their planned end"),
            ("mentors_active", "Distinct mentors of active pairings whose own school is in scope"),
            ("mentees_active", "Distinct mentees of active pairings whose own school is in scope"),
            ("activities_month", "Support activities in M whose target school is in scope"),
            ("activities_given_month", "Support activities in M whose host school is in scope"),
            ("person_times_month", "Participants (人次) of activities_month"),
            ("periods_month", "Lessons and hours (节数/学时) of activities_month"),
            ("online_share", "Online share of activities_month (blank if none)"),
            ("activities_sy", "Activities from 1 September to month end, target school in scope"),
            ("person_times_sy", "Their participants (人次)"),
            ("revision", "1 for the first run of M, +1 each time a figure changed"),
            ("computed_at", "When this revision was computed (UTC)"),
        ),
        select=_support_monthly,
        example=(
            "SELECT scope_name, pairings_active, activities_month, online_share FROM mart.support_monthly "
            "WHERE period = '2026-10' AND scope = 'county' ORDER BY activities_month DESC;"
        ),
    ),
    MartView(
        name="support_by_type",
        title="Support activities of each report month by scope (target school), activity type and mode",
        grain="one row per report month, scope, activity type and mode that occurred",
        sources=("report_support_by_type", "report_support_monthly"),
        columns=(
            _PERIOD,
            _SY,
            ("scope", "city, county or community"),
            ("scope_code", "Its code"),
            ("scope_name", "Its name"),
            ("activity_type", "lesson_observation, demonstration_lesson, ... teacher_training"),
            ("activity_type_zh", "活动类型"),
            ("mode", "onsite or online"),
            ("mode_zh", "线下 or 线上"),
            ("activities", "Support activities in M, target school in scope"),
            ("person_times", "Their participants (人次)"),
            ("periods", "Their lessons and hours (节数/学时)"),
            ("revision", "1 for the first run of M, +1 each time a figure changed"),
            ("computed_at", "When this revision was computed (UTC)"),
        ),
        select=_support_by_type,
        example=(
            "SELECT activity_type_zh, mode_zh, activities, person_times FROM mart.support_by_type "
            "WHERE period = '2026-10' AND scope = 'city' ORDER BY activities DESC;"
        ),
    ),
    MartView(
        name="training_by_teacher_month",
        title=(
            "Training per roster teacher and report month: hours and records ending in the month, "
            "and the school year so far"
        ),
        grain="one row per report month and teacher of the latest rosters",
        sources=("summary_teacher_months",),
        columns=(
            _PERIOD,
            _SY,
            _TEACHER,
            ("county_code", "County of the teacher's school"),
            ("school_code", "School on the roster"),
            ("community_code", "The school's community when the month was computed, blank if none"),
            ("training_hours", "Hours (学时) of training records ending in M"),
            ("training_records", "Training records ending in M (人次)"),
            ("school_year_hours_to_date", "Hours of records ending from 1 September to M's end"),
        ),
        select=_training_by_teacher_month,
        example=(
            "SELECT county_code, sum(training_hours) FROM mart.training_by_teacher_month "
            "WHERE period = '2026-10' GROUP BY county_code;"
        ),
    ),
    MartView(
        name="training_progress",
        title=(
            "Training progress per roster teacher against the track: hours since 1 September against "
            "72 x months elapsed / 12 (September = 1)"
        ),
        grain="one row per report month and teacher of the latest rosters",
        sources=("summary_teacher_months", "schools", "counties", "communities"),
        columns=(
            _PERIOD,
            _SY,
            _TEACHER,
            ("county_code", "County of the teacher's school"),
            ("county_name", "County name"),
            ("school_code", "School on the roster"),
            ("school_name", "School name"),
            ("community_code", "The school's community when the month was computed, blank if none"),
            ("community_name", "Community name"),
            ("hours_to_date", "Hours of records ending from 1 September to M's end"),
            ("hours_required", "Hours needed by M's end: training_hours_per_year x months elapsed / 12"),
            ("hours_short", "How many hours the teacher is behind (0 when on track)"),
            ("on_track", "hours_to_date >= hours_required"),
        ),
        select=_training_progress,
        example=(
            "SELECT county_name, count(*) AS behind FROM mart.training_progress "
            "WHERE period = '2026-10' AND NOT on_track GROUP BY county_name;"
        ),
    ),
    MartView(
        name="training_records",
        title="Training records with level and mode in Chinese, the month and school year they count in",
        grain="one row per training record (teacher, programme, start)",
        sources=("training_records", "counties"),
        columns=(
            _TEACHER,
            ("county_code", "County that reported it"),
            ("county_name", "Its name"),
            ("program_code", "Programme code"),
            ("program_name", "Programme name"),
            ("level", "national, provincial, city, county or school"),
            ("level_zh", "培训级别"),
            ("mode", "in_person, placement or online"),
            ("mode_zh", "培训形式"),
            ("start_date", "First day"),
            ("end_date", "Last day (a record counts in the month it ends)"),
            ("end_period", "Month of the end (YYYY-MM)"),
            ("school_year", "School year of the end"),
            ("hours", "Class periods (学时)"),
            ("organizer", "Organizing body"),
        ),
        select=_training_records,
        example=(
            "SELECT level_zh, sum(hours) FROM mart.training_records "
            "WHERE end_date BETWEEN '2026-10-01' AND '2026-10-31' GROUP BY level_zh;"
        ),
    ),
    MartView(
        name="assessment_communities",
        title=(
            "Joint-assessment (捆绑考核) community scores of the official model (setting official_scoring_model; "
            "its newest run per school year), naming the model"
        ),
        grain="one row per school year and community",
        sources=("assessment_community_scores", "scoring_models", "warehouse_settings", "communities"),
        columns=(
            ("school_year", "School year"),
            ("model_name", "The official model's name"),
            ("model_version", "Its version"),
            ("model_hash", "SHA-256 of its file"),
            ("community_code", "Community"),
            ("community_name", "Its name"),
            ("score", "Mean of its schools' final scores"),
            ("grade", "优秀, 良好, 合格 or 不合格"),
            ("rank", "Rank (1 = best; ties share)"),
            ("review_flag", "In the bottom 10 % (at least one): flagged for review"),
            ("provisional", "True for a run before the school year ended"),
            ("computed_at", "When computed (UTC)"),
        ),
        select=_assessment_communities,
        example=(
            "SELECT community_name, score, grade FROM mart.assessment_communities "
            "WHERE school_year = '2025-2026' ORDER BY score LIMIT 5;"
        ),
    ),
    MartView(
        name="assessment_schools",
        title="Joint-assessment school scores (own and after bundling) of the official model",
        grain="one row per school year and school",
        sources=("assessment_school_scores", "scoring_models", "warehouse_settings", "schools", "communities"),
        columns=(
            ("school_year", "School year"),
            ("model_name", "The official model's name"),
            ("model_version", "Its version"),
            ("model_hash", "SHA-256 of its file"),
            ("school_code", "School"),
            ("school_name", "Its name"),
            ("county_code", "Its county"),
            ("county_name", "County name"),
            ("community_code", "Its community"),
            ("community_name", "Community name"),
            ("community_role", "lead or member"),
            ("own_score", "Score of the school's own indicators"),
            ("final_score", "Score after bundling with its community"),
            ("provisional", "True for a run before the school year ended"),
            ("computed_at", "When computed (UTC)"),
        ),
        select=_assessment_schools,
        example=(
            "SELECT community_name, school_name, final_score FROM mart.assessment_schools "
            "WHERE school_year = '2025-2026' ORDER BY final_score LIMIT 10;"
        ),
    ),
    MartView(
        name="submissions",
        title="The submission ledger without file paths: every file received and what became of it",
        grain="one row per file received (ledger row)",
        sources=("submissions", "counties"),
        columns=(
            ("submission_id", "Ledger row number"),
            ("county_code", "County folder the file arrived in"),
            ("county_name", "Its name, if it is a known county"),
            ("period", "Month folder (YYYY-MM)"),
            ("dataset", "Dataset"),
            ("file_format", "csv or xlsx"),
            ("sha256", "SHA-256 of the file (its version)"),
            ("size_bytes", "File size"),
            ("received_at", "When teachflow took the file (UTC)"),
            ("received_at_local", "The same in Asia/Shanghai, e.g. 2026-11-05 17:30"),
            ("processed_at", "When processing finished (UTC)"),
            ("status", "received, accepted, rejected, superseded or duplicate"),
            ("status_zh", "The same in Chinese"),
            ("rows_total", "Data rows in the file"),
            ("rows_loaded", "Rows merged"),
            ("rows_rejected", "Rows rejected"),
            ("rows_duplicate", "Rows repeating another row exactly"),
            ("problem_count", "Lines in the feedback file"),
            ("superseded_by", "Submission that replaced this one"),
            ("duplicate_of", "Earlier submission with the same bytes"),
        ),
        select=_submissions,
        example=(
            "SELECT county_name, dataset, status_zh, received_at_local FROM mart.submissions "
            "WHERE period = '2026-10' ORDER BY received_at;"
        ),
    ),
)

MART_VIEW_BY_NAME: dict[str, MartView] = {v.name: v for v in MART_VIEWS}
