"""The warehouse schema, as SQLAlchemy 2 Core metadata.

One definition serves SQLite (the local default) and PostgreSQL (production); Alembic migrations
in ``migrations/`` are written from it. Every column carries a comment, which PostgreSQL keeps in
its catalogue and ``teachflow`` prints as the data dictionary.

Personal data: no table holds a resident ID. Teachers are identified by ``teacher_key`` (an
HMAC of the ID); names live only in ``restricted_teacher_names``, which analysts cannot read
(they use the ``analyst_*`` views).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

# Constraint names are fixed so that migrations and downgrades name the same thing on both engines.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

TEACHER_KEY = String(64)
SCHOOL_CODE = String(10)
COUNTY_CODE = String(6)
PERIOD = String(7)  # YYYY-MM
SCHOOL_YEAR = String(9)  # 2025-2026


def _submission_fk(comment: str = "Submission (ledger row) these values came from") -> Column:
    return Column(
        "submission_id",
        Integer,
        ForeignKey("submissions.submission_id"),
        nullable=False,
        comment=comment,
    )


# --- reference data ------------------------------------------------------------------------------

counties = Table(
    "counties",
    metadata,
    Column("county_code", COUNTY_CODE, primary_key=True, comment="6-digit administrative division code"),
    Column("county_name", String(64), nullable=False, comment="County (区县) name"),
    Column("is_city", Boolean, nullable=False, default=False, comment="True for the city's own row (code ends in 00)"),
    comment="Counties of the city, and the city itself (reference data kept by the city)",
)

schools = Table(
    "schools",
    metadata,
    Column("school_code", SCHOOL_CODE, primary_key=True, comment="10-digit school identifier (学校标识码)"),
    Column("school_name", String(128), nullable=False, comment="School name"),
    Column(
        "county_code",
        COUNTY_CODE,
        ForeignKey("counties.county_code"),
        nullable=False,
        comment="County the school belongs to",
    ),
    Column("location", String(8), nullable=False, comment="urban (城区) / town (镇区) / rural (乡村)"),
    Column(
        "stage",
        String(24),
        nullable=False,
        comment="primary, junior, nine_year, senior, complete_secondary, kindergarten",
    ),
    Index("ix_schools_county_code", "county_code"),
    comment="Schools of the city (reference data)",
)

communities = Table(
    "communities",
    metadata,
    Column("community_code", String(16), primary_key=True, comment="Education community (教共体) code"),
    Column("community_name", String(128), nullable=False, comment="Community name"),
    comment="Education communities (教共体)",
)

community_schools = Table(
    "community_schools",
    metadata,
    Column(
        "school_code",
        SCHOOL_CODE,
        ForeignKey("schools.school_code"),
        primary_key=True,
        comment="Member or lead school; a school is in at most one community",
    ),
    Column(
        "community_code",
        String(16),
        ForeignKey("communities.community_code"),
        nullable=False,
        comment="Community the school belongs to",
    ),
    Column("role", String(8), nullable=False, comment="lead (牵头学校) or member (成员校)"),
    CheckConstraint("role IN ('lead', 'member')", name="role"),
    Index("ix_community_schools_community_code", "community_code"),
    comment="Which school is in which community, and its role",
)

reference_loads = Table(
    "reference_loads",
    metadata,
    Column("load_id", Integer, primary_key=True, autoincrement=True, comment="Load number"),
    Column("file_name", String(32), nullable=False, comment="counties.csv, schools.csv or communities.csv"),
    Column("sha256", String(64), nullable=False, comment="SHA-256 of the file's bytes (its version)"),
    Column("row_count", Integer, nullable=False, comment="Rows in the file"),
    Column("loaded_at", DateTime(timezone=True), nullable=False, comment="When it was loaded (UTC)"),
    comment="Versions of the reference files that have been loaded",
)

# --- the submission ledger -----------------------------------------------------------------------

submissions = Table(
    "submissions",
    metadata,
    Column("submission_id", Integer, primary_key=True, autoincrement=True, comment="Ledger row number"),
    Column("county_code", String(16), nullable=False, comment="County folder the file arrived in (as given)"),
    Column("period", String(16), nullable=False, comment="Month folder the file arrived in (YYYY-MM, as given)"),
    Column("dataset", String(64), nullable=False, comment="Dataset named by the file (as given)"),
    Column("file_format", String(8), nullable=False, comment="csv or xlsx"),
    Column("source_path", Text, nullable=False, comment="Where the file was found in the landing zone"),
    Column("sha256", String(64), nullable=False, comment="SHA-256 of the file's bytes: the submission's version"),
    Column("size_bytes", Integer, nullable=False, comment="File size in bytes"),
    Column("source_mtime", Float, comment="Modification time of the landing file (epoch seconds) when taken"),
    Column("archive_path", Text, nullable=False, comment="Content-addressed copy of the bytes, kept unchanged"),
    Column("received_at", DateTime(timezone=True), nullable=False, comment="When teachflow took the file (UTC)"),
    Column("processed_at", DateTime(timezone=True), comment="When processing finished (UTC)"),
    Column(
        "status",
        String(16),
        nullable=False,
        comment="received, accepted, rejected, superseded, duplicate, quarantined or abandoned",
    ),
    Column("rows_total", Integer, comment="Data rows in the file"),
    Column("rows_loaded", Integer, comment="Rows merged into the warehouse"),
    Column("rows_rejected", Integer, comment="Rows rejected (see the feedback file)"),
    Column("rows_duplicate", Integer, comment="Rows dropped because they repeat another row exactly"),
    Column("problem_count", Integer, comment="Lines in the feedback file"),
    Column("reasons", Text, comment="Why the file was rejected, as JSON [{code, message_zh, message_en}]"),
    Column("superseded_by", Integer, comment="Submission that replaced this one"),
    Column("duplicate_of", Integer, comment="Earlier submission with the same bytes"),
    CheckConstraint(
        "status IN ('received', 'accepted', 'rejected', 'superseded', 'duplicate', 'quarantined', 'abandoned')",
        name="status",
    ),
    Index("ix_submissions_identity", "county_code", "period", "dataset"),
    Index("ix_submissions_sha256", "sha256"),
    comment="Every file received, whatever became of it (the submission ledger)",
)

# --- teachers ------------------------------------------------------------------------------------

roster_entries = Table(
    "roster_entries",
    metadata,
    Column("county_code", COUNTY_CODE, primary_key=True, comment="County whose roster this is"),
    Column("period", PERIOD, primary_key=True, comment="Month of the roster snapshot (YYYY-MM)"),
    Column("teacher_key", TEACHER_KEY, primary_key=True, comment="HMAC-SHA256 of the resident ID"),
    _submission_fk(),
    Column("gender", String(1), comment="M or F"),
    Column("birth_year", Integer, comment="Year of birth (from the ID; the full date is not kept)"),
    Column("school_code", SCHOOL_CODE, nullable=False, comment="School the teacher teaches at"),
    Column("subject", String(64), comment="Subject taught"),
    Column("title", String(16), comment="Professional title code (senior_full, senior, first, second, third, none)"),
    Column(
        "tier",
        String(16),
        nullable=False,
        comment="Backbone tier code (none, rising_star, backbone, subject_leader, famous)",
    ),
    Column("employment_start", Date, comment="Date of first employment"),
    Column("current_school_since", Date, nullable=False, comment="Start of teaching at the current school"),
    Index("ix_roster_entries_school_period", "school_code", "period"),
    Index("ix_roster_entries_teacher_key", "teacher_key", "period"),
    comment="Monthly roster snapshots: one row per county, month and teacher",
)

restricted_teacher_names = Table(
    "restricted_teacher_names",
    metadata,
    Column("teacher_key", TEACHER_KEY, primary_key=True, comment="HMAC-SHA256 of the resident ID"),
    Column("name", String(64), nullable=False, comment="Teacher's name (personal data: restricted)"),
    Column("submission_id", Integer, nullable=False, comment="Latest submission that gave the name"),
    comment="RESTRICTED: teachers' names. Not granted to analysts",
)

# --- flows ---------------------------------------------------------------------------------------

flow_reports = Table(
    "flow_reports",
    metadata,
    Column(
        "submission_id",
        Integer,
        ForeignKey("submissions.submission_id"),
        primary_key=True,
        comment="Submission that reported the flow",
    ),
    Column("teacher_key", TEACHER_KEY, primary_key=True, comment="HMAC-SHA256 of the resident ID"),
    Column("to_school_code", SCHOOL_CODE, primary_key=True, comment="Receiving school"),
    Column("start_date", Date, primary_key=True, comment="First day at the receiving school"),
    Column("county_code", COUNTY_CODE, nullable=False, comment="County that reported it"),
    Column("period", PERIOD, nullable=False, comment="Month of the submission"),
    Column(
        "flow_type",
        String(32),
        nullable=False,
        comment="rotation, study_placement, secondment, city_recruit_county_use, transfer",
    ),
    Column("from_school_code", SCHOOL_CODE, nullable=False, comment="Sending school"),
    Column("planned_end_date", Date, comment="Planned return (none for transfers)"),
    Column("actual_end_date", Date, comment="Actual return; blank while still away"),
    Index("ix_flow_reports_flow", "teacher_key", "to_school_code", "start_date"),
    comment="Each county's report of each flow, as submitted (one flow may be reported by both counties)",
)

teacher_flows = Table(
    "teacher_flows",
    metadata,
    Column("teacher_key", TEACHER_KEY, primary_key=True, comment="HMAC-SHA256 of the resident ID"),
    Column("to_school_code", SCHOOL_CODE, primary_key=True, comment="Receiving school"),
    Column("start_date", Date, primary_key=True, comment="First day at the receiving school"),
    Column(
        "flow_type",
        String(32),
        nullable=False,
        comment="rotation, study_placement, secondment, city_recruit_county_use, transfer",
    ),
    Column("from_school_code", SCHOOL_CODE, nullable=False, comment="Sending school"),
    Column("planned_end_date", Date, comment="Planned return (none for transfers)"),
    Column("actual_end_date", Date, comment="Actual return; blank while still away"),
    Column("source_submission_id", Integer, nullable=False, comment="Newest submission whose values are used"),
    Column("report_count", Integer, nullable=False, comment="How many counties' current submissions report this flow"),
    Column(
        "has_conflict",
        Boolean,
        nullable=False,
        default=False,
        comment="True while the reports disagree (see flow_conflicts)",
    ),
    Index("ix_teacher_flows_from_school", "from_school_code"),
    Index("ix_teacher_flows_start_date", "start_date"),
    comment="One row per flow (natural key teacher, receiving school, start), merged from flow_reports",
)

flow_conflicts = Table(
    "flow_conflicts",
    metadata,
    Column("teacher_key", TEACHER_KEY, primary_key=True, comment="HMAC-SHA256 of the resident ID"),
    Column("to_school_code", SCHOOL_CODE, primary_key=True, comment="Receiving school"),
    Column("start_date", Date, primary_key=True, comment="First day at the receiving school"),
    Column("field", String(32), primary_key=True, comment="Column on which the reports disagree"),
    Column("submission_id_a", Integer, nullable=False, comment="One report's submission (the older)"),
    Column("value_a", String(64), comment="Its value"),
    Column(
        "submission_id_b",
        Integer,
        nullable=False,
        comment="The other report's submission (the newer, whose value is used)",
    ),
    Column("value_b", String(64), comment="Its value"),
    Column("detected_at", DateTime(timezone=True), nullable=False, comment="When the disagreement was found (UTC)"),
    comment="Disagreements between two counties' reports of the same flow, for the city to resolve",
)

# --- pairings and support activities (practices.md §1, §2) ---------------------------------------
# Reported by either county and merged as flows (teachflow.ingestion.cross_county): each county's
# reports, one merged row per key, and the fields on which the two counties' reports disagree.

_PAIRING_KEY_COMMENTS = (
    ("mentor_key", "HMAC-SHA256 of the mentor's resident ID"),
    ("mentee_key", "HMAC-SHA256 of the mentee's resident ID"),
)
_ACTIVITY_KEY_COMMENTS = (("host_key", "HMAC-SHA256 of the host's resident ID"),)


def _pairing_key() -> list[Column]:
    return [
        *(Column(name, TEACHER_KEY, primary_key=True, comment=comment) for name, comment in _PAIRING_KEY_COMMENTS),
        Column("start_date", Date, primary_key=True, comment="First day of the pairing"),
    ]


def _pairing_fields() -> list[Column]:
    return [
        Column("pairing_type", String(32), nullable=False, comment="one_plus_n or mentor_apprentice"),
        Column("mentor_school_code", SCHOOL_CODE, nullable=False, comment="Mentor's school"),
        Column("mentee_school_code", SCHOOL_CODE, nullable=False, comment="Mentee's school"),
        Column("planned_end_date", Date, nullable=False, comment="Planned end"),
        Column("actual_end_date", Date, comment="Actual end; blank while running"),
        Column("mentee_birth_year", Integer, comment="Mentee's birth year (the only part of the ID kept)"),
    ]


def _activity_key() -> list[Column]:
    return [
        *(Column(name, TEACHER_KEY, primary_key=True, comment=comment) for name, comment in _ACTIVITY_KEY_COMMENTS),
        Column("activity_date", Date, primary_key=True, comment="Day of the activity"),
        Column("activity_type", String(32), primary_key=True, comment="lesson_observation ... teacher_training"),
        Column("target_school_code", SCHOOL_CODE, primary_key=True, comment="School whose teachers take part"),
    ]


def _activity_fields() -> list[Column]:
    return [
        Column("host_school_code", SCHOOL_CODE, nullable=False, comment="Host's school"),
        Column("mode", String(16), nullable=False, comment="onsite or online"),
        Column("participants", Integer, nullable=False, comment="Person-times of the target school's teachers"),
        Column("periods", Numeric(5, 2), nullable=False, comment="Lessons (节) or hours (学时)"),
        Column("mentee_key", TEACHER_KEY, comment="HMAC-SHA256 of the mentee's resident ID, if for a mentee"),
        Column("on_request", String(8), nullable=False, comment="yes if ordered from the menu (菜单点单), else no"),
        Column("topic", String(256), comment="Topic"),
    ]


def _reports(name: str, key: list[Column], fields: list[Column], what: str) -> Table:
    return Table(
        name,
        metadata,
        Column(
            "submission_id",
            Integer,
            ForeignKey("submissions.submission_id"),
            primary_key=True,
            comment=f"Submission that reported the {what}",
        ),
        *key,
        Column("county_code", COUNTY_CODE, nullable=False, comment="County that reported it"),
        Column("period", PERIOD, nullable=False, comment="Month of the submission"),
        *fields,
        Index(f"ix_{name}_key", *(c.name for c in key)),
        comment=f"Each county's report of each {what}, as submitted (both counties may report one)",
    )


def _merged(name: str, key: list[Column], fields: list[Column], what: str, conflicts: str, *extra: Index) -> Table:
    return Table(
        name,
        metadata,
        *key,
        *fields,
        Column("source_submission_id", Integer, nullable=False, comment="Newest submission whose values are used"),
        Column("report_count", Integer, nullable=False, comment="How many counties' current submissions report it"),
        Column(
            "has_conflict",
            Boolean,
            nullable=False,
            default=False,
            comment=f"True while the reports disagree (see {conflicts})",
        ),
        *extra,
        comment=f"One row per {what}, merged from the counties' reports",
    )


def _conflicts(name: str, key: list[Column], what: str) -> Table:
    return Table(
        name,
        metadata,
        *key,
        Column("field", String(32), primary_key=True, comment="Column on which the reports disagree"),
        Column("submission_id_a", Integer, nullable=False, comment="One report's submission (the older)"),
        Column("value_a", String(64), comment="Its value"),
        Column(
            "submission_id_b",
            Integer,
            nullable=False,
            comment="The other report's submission (the newer, whose value is used)",
        ),
        Column("value_b", String(64), comment="Its value"),
        Column("detected_at", DateTime(timezone=True), nullable=False, comment="When the disagreement was found (UTC)"),
        comment=f"Disagreements between two counties' reports of the same {what}, for the city to resolve",
    )


pairing_reports = _reports("pairing_reports", _pairing_key(), _pairing_fields(), "pairing")
pairings = _merged(
    "pairings",
    _pairing_key(),
    _pairing_fields(),
    "pairing (mentor, mentee, start)",
    "pairing_conflicts",
    Index("ix_pairings_mentor_school", "mentor_school_code"),
    Index("ix_pairings_mentee_school", "mentee_school_code"),
)
pairing_conflicts = _conflicts("pairing_conflicts", _pairing_key(), "pairing")

activity_reports = _reports("activity_reports", _activity_key(), _activity_fields(), "support activity")
support_activities = _merged(
    "support_activities",
    _activity_key(),
    _activity_fields(),
    "support activity (host, date, type, target school)",
    "activity_conflicts",
    Index("ix_support_activities_date", "activity_date"),
)
activity_conflicts = _conflicts("activity_conflicts", _activity_key(), "support activity")


# --- training ------------------------------------------------------------------------------------

training_records = Table(
    "training_records",
    metadata,
    Column("teacher_key", TEACHER_KEY, nullable=False, comment="HMAC-SHA256 of the resident ID"),
    Column("program_code", String(64), nullable=False, comment="Programme code"),
    Column("start_date", Date, nullable=False, comment="First day"),
    # The natural key, led by start_date: a month's records go into one region of the index, not
    # over every page of it as they would led by the (random) teacher_key (migration 0009).
    PrimaryKeyConstraint("start_date", "teacher_key", "program_code", name="pk_training_records"),
    # No enforced foreign key here, unlike the smaller tables: its per-row trigger costs ~7 s of a
    # million-row load. The merge writes submission_id in the same transaction as the ledger row,
    # and tests/test_merge.py checks that every record's submission is an accepted one.
    Column("submission_id", Integer, nullable=False, comment="Newest submission that reported the record"),
    Column("county_code", COUNTY_CODE, nullable=False, comment="County that reported it"),
    Column("program_name", String(256), comment="Programme name"),
    Column("level", String(16), nullable=False, comment="national, provincial, city, county, school"),
    Column("mode", String(16), nullable=False, comment="in_person, placement, online"),
    Column("end_date", Date, nullable=False, comment="Last day"),
    Column("hours", Numeric(7, 2), nullable=False, comment="Class periods (学时) as given"),
    Column("organizer", String(256), comment="Organizing body"),
    # One block-range index: records arrive month by month, so end_date follows the physical order;
    # a B-tree per column cost each loaded row an insertion (migration 0002). SQLite: a B-tree.
    Index("ix_training_records_end_date", "end_date", postgresql_using="brin"),
    comment="Training records, deduplicated on (teacher, programme, start) across submissions",
)

# --- assessment ----------------------------------------------------------------------------------

assessment_ratings = Table(
    "assessment_ratings",
    metadata,
    Column("school_code", SCHOOL_CODE, primary_key=True, comment="Rated school"),
    Column("school_year", SCHOOL_YEAR, primary_key=True, comment="School year, e.g. 2025-2026"),
    Column("indicator_code", String(16), primary_key=True, comment="Rated indicator of the scoring model"),
    Column("evaluator_group", String(16), primary_key=True, comment="expert, bureau or recipient"),
    Column("evaluator_id", String(32), primary_key=True, comment="Evaluator's number"),
    _submission_fk(),
    Column("score", Numeric(5, 2), nullable=False, comment="Score 0..100"),
    comment="Evaluators' scores for the joint assessment (city submissions)",
)

# --- reports -------------------------------------------------------------------------------------

report_rotation_monthly = Table(
    "report_rotation_monthly",
    metadata,
    Column("period", PERIOD, primary_key=True, comment="Report month M (YYYY-MM)"),
    Column("scope", String(16), primary_key=True, comment="city, county or community"),
    Column("scope_code", String(16), primary_key=True, comment="City, county or community code"),
    Column("scope_name", String(128), nullable=False, comment="Its name"),
    Column("active_out", Integer, nullable=False, comment="Rotation flows from scope active at month end"),
    Column("active_in", Integer, nullable=False, comment="Rotation flows into scope active at month end"),
    Column("started_out", Integer, nullable=False, comment="Rotation flows from scope starting in M"),
    Column("ended_out", Integer, nullable=False, comment="Rotation flows from scope ending (actual) in M"),
    Column("overdue_out", Integer, nullable=False, comment="Active flows from scope past their planned end"),
    Column("transfers_in", Integer, nullable=False, comment="Transfers into scope starting in M"),
    Column("transfers_out", Integer, nullable=False, comment="Transfers out of scope starting in M"),
    Column(
        "eligible_teachers", Integer, nullable=False, comment="Roster teachers at their school since sy_start - 6 years"
    ),
    Column("rotated_sy", Integer, nullable=False, comment="Distinct teachers rotated from scope this school year"),
    Column("backbone_rotated_sy", Integer, nullable=False, comment="Of those, backbone tier or above"),
    Column("rotation_rate", Numeric(9, 6), comment="rotated_sy / eligible_teachers (blank if none eligible)"),
    Column("backbone_share", Numeric(9, 6), comment="backbone_rotated_sy / rotated_sy (blank if none rotated)"),
    Column("rotation_target_met", Boolean, comment="rotation_rate >= target (10 %)"),
    Column("backbone_target_met", Boolean, comment="backbone_share >= target (20 %)"),
    Column(
        "training_hours_month", Numeric(12, 2), nullable=False, comment="Training hours ending in M, teachers of scope"
    ),
    Column("training_person_times_month", Integer, nullable=False, comment="Training records ending in M (人次)"),
    Column("teachers_on_track", Integer, nullable=False, comment="Roster teachers on track for 72 学时 a year"),
    Column("roster_teachers", Integer, nullable=False, comment="Roster teachers of scope (latest roster)"),
    Column("training_on_track_share", Numeric(9, 6), comment="teachers_on_track / roster_teachers"),
    Column("revision", Integer, nullable=False, comment="1 for the first run of M, +1 each time a figure changed"),
    Column("computed_at", DateTime(timezone=True), nullable=False, comment="When this revision was computed (UTC)"),
    comment="The monthly rotation report (交流轮岗月报): one row per month and scope",
)

report_rotation_overdue = Table(
    "report_rotation_overdue",
    metadata,
    Column("period", PERIOD, primary_key=True, comment="Report month M"),
    Column("teacher_key", TEACHER_KEY, primary_key=True, comment="HMAC-SHA256 of the resident ID"),
    Column("to_school_code", SCHOOL_CODE, primary_key=True, comment="Receiving school"),
    Column("start_date", Date, primary_key=True, comment="First day at the receiving school"),
    Column("flow_type", String(32), nullable=False, comment="Flow type code"),
    Column("from_school_code", SCHOOL_CODE, nullable=False, comment="Sending school"),
    Column("planned_end_date", Date, nullable=False, comment="Planned return, before month end"),
    Column("days_overdue", Integer, nullable=False, comment="Days from planned end to month end"),
    comment="Rotation flows active at month end whose planned return has passed",
)

report_support_monthly = Table(
    "report_support_monthly",
    metadata,
    Column("period", PERIOD, primary_key=True, comment="Report month M (YYYY-MM)"),
    Column("scope", String(16), primary_key=True, comment="city, county or community"),
    Column("scope_code", String(16), primary_key=True, comment="City, county or community code"),
    Column("scope_name", String(128), nullable=False, comment="Its name"),
    Column("pairings_active", Integer, nullable=False, comment="Pairings active at month end, either school in scope"),
    Column("pairings_started", Integer, nullable=False, comment="Pairings starting in M, either school in scope"),
    Column("pairings_ended", Integer, nullable=False, comment="Pairings ending (actual) in M, either school in scope"),
    Column("pairings_overdue", Integer, nullable=False, comment="Active pairings past their planned end"),
    Column("mentors_active", Integer, nullable=False, comment="Distinct mentors of active pairings, school in scope"),
    Column("mentees_active", Integer, nullable=False, comment="Distinct mentees of active pairings, school in scope"),
    Column("activities_month", Integer, nullable=False, comment="Support activities in M, target school in scope"),
    Column("activities_given_month", Integer, nullable=False, comment="Support activities in M, host school in scope"),
    Column("person_times_month", Integer, nullable=False, comment="Participants (人次) of activities_month"),
    Column(
        "periods_month", Numeric(12, 2), nullable=False, comment="Lessons and hours (节数/学时) of activities_month"
    ),
    Column("online_share", Numeric(9, 6), comment="Online share of activities_month (blank if none)"),
    Column("activities_sy", Integer, nullable=False, comment="Activities from sy_start to month end, target in scope"),
    Column("person_times_sy", Integer, nullable=False, comment="Their participants (人次)"),
    Column("revision", Integer, nullable=False, comment="1 for the first run of M, +1 each time a figure changed"),
    Column("computed_at", DateTime(timezone=True), nullable=False, comment="When this revision was computed (UTC)"),
    comment="The monthly report's 帮扶与结对 section (support and pairing): one row per month and scope",
)

report_support_by_type = Table(
    "report_support_by_type",
    metadata,
    Column("period", PERIOD, primary_key=True, comment="Report month M (YYYY-MM)"),
    Column("scope", String(16), primary_key=True, comment="city, county or community"),
    Column("scope_code", String(16), primary_key=True, comment="City, county or community code"),
    Column("activity_type", String(32), primary_key=True, comment="lesson_observation ... teacher_training"),
    Column("mode", String(16), primary_key=True, comment="onsite or online"),
    Column("activities", Integer, nullable=False, comment="Support activities in M, target school in scope"),
    Column("person_times", Integer, nullable=False, comment="Their participants (人次)"),
    Column("periods", Numeric(12, 2), nullable=False, comment="Their lessons and hours (节数/学时)"),
    Column("revision", Integer, nullable=False, comment="1 for the first run of M, +1 each time a figure changed"),
    Column("computed_at", DateTime(timezone=True), nullable=False, comment="When this revision was computed (UTC)"),
    comment="Support activities of a report month by scope, type and mode (target side; occurring combinations)",
)

report_coverage = Table(
    "report_coverage",
    metadata,
    Column("report", String(16), primary_key=True, comment="rotation (monthly report) or assessment"),
    Column("report_key", String(32), primary_key=True, comment="Month YYYY-MM, or school year (assessment)"),
    Column("county_code", COUNTY_CODE, primary_key=True, comment="County that owes the submission"),
    Column("period", PERIOD, primary_key=True, comment="Period of the expected submission"),
    Column("dataset", String(64), primary_key=True, comment="teachers, teacher_flows or training_records"),
    Column("status", String(32), nullable=False, comment="cycle.md status when the report was computed"),
    Column("late", Boolean, nullable=False, comment="The first accepted file arrived after the due day"),
    Column("rows_rejected", Integer, comment="Rows rejected in the newest file (accepted_with_rejections)"),
    Column(
        "stand_in_period",
        PERIOD,
        comment="teachers only: the roster used in its place (latest roster with period <= this one) when not in",
    ),
    Column("due_at", DateTime(timezone=True), nullable=False, comment="When it was due (UTC)"),
    Column("computed_at", DateTime(timezone=True), nullable=False, comment="When the report was computed (UTC)"),
    comment="What each report rests on: every county's expected submissions and their status (cycle.md)",
)

assessment_school_scores = Table(
    "assessment_school_scores",
    metadata,
    Column("school_year", SCHOOL_YEAR, primary_key=True, comment="School year"),
    Column("model_hash", String(64), primary_key=True, comment="SHA-256 of the scoring model file used"),
    Column("school_code", SCHOOL_CODE, primary_key=True, comment="School"),
    Column("community_code", String(16), nullable=False, comment="Its community"),
    Column("role", String(8), nullable=False, comment="lead or member"),
    Column("own_score", Numeric(7, 3), comment="Score of the school's own indicators"),
    Column("final_score", Numeric(7, 3), comment="Score after bundling with its community"),
    Column("provisional", Boolean, nullable=False, comment="True for a run before the school year ended"),
    Column("computed_at", DateTime(timezone=True), nullable=False, comment="When computed (UTC)"),
    comment="Joint assessment (捆绑考核): per-school scores",
)

assessment_community_scores = Table(
    "assessment_community_scores",
    metadata,
    Column("school_year", SCHOOL_YEAR, primary_key=True, comment="School year"),
    Column("model_hash", String(64), primary_key=True, comment="SHA-256 of the scoring model file used"),
    Column("community_code", String(16), primary_key=True, comment="Community"),
    Column("score", Numeric(7, 3), comment="Mean of its schools' final scores"),
    Column("grade", String(8), comment="优秀, 良好, 合格 or 不合格"),
    Column("rank", Integer, comment="Rank among communities (1 = best; ties share a rank)"),
    Column("review_flag", Boolean, nullable=False, comment="In the bottom 10 % (at least one): flagged for review"),
    Column("provisional", Boolean, nullable=False, comment="True for a run before the school year ended"),
    Column("computed_at", DateTime(timezone=True), nullable=False, comment="When computed (UTC)"),
    Column(
        "revision",
        Integer,
        nullable=False,
        server_default="1",
        comment="1 for the first run of the year and model, +1 each time a rerun changed a score",
    ),
    comment="Joint assessment (捆绑考核): per-community scores, grade and rank",
)

assessment_breakdown = Table(
    "assessment_breakdown",
    metadata,
    Column("school_year", SCHOOL_YEAR, primary_key=True, comment="School year"),
    Column("model_hash", String(64), primary_key=True, comment="SHA-256 of the scoring model file used"),
    Column("school_code", SCHOOL_CODE, primary_key=True, comment="School"),
    Column("item", String(32), primary_key=True, comment="Indicator code, checklist code, or own/final/bundle"),
    Column("input_name", String(64), primary_key=True, comment="Which input or figure of the item"),
    Column("value", Numeric(12, 6), comment="The input's value or the item's score"),
    Column("weight", Numeric(9, 6), comment="Weight applied (after rescaling), where one applies"),
    Column("note", String(128), comment="e.g. n/a, no ratings, rescaled"),
    comment="Every input, score and weight behind each school's final score",
)

# --- what the mart reads besides the base tables (migration 0003) ------------------------------

warehouse_settings = Table(
    "warehouse_settings",
    metadata,
    Column("setting", String(64), primary_key=True, comment="Setting name, e.g. eligibility_years"),
    Column("value", String(256), nullable=False, comment="Its value, as text"),
    Column("meaning", String(256), nullable=False, comment="What it decides, in plain words"),
    Column("updated_at", DateTime(timezone=True), nullable=False, comment="When teachflow last wrote it (UTC)"),
    comment=(
        "Policy figures and choices in force (TEACHFLOW_* settings), written by `teachflow warehouse "
        "upgrade` and the report and scoring runs, so that SQL can say which rules it applies"
    ),
)

scoring_models = Table(
    "scoring_models",
    metadata,
    Column("model_hash", String(64), primary_key=True, comment="SHA-256 of the scoring model file"),
    Column("model_name", String(128), nullable=False, comment="The model's name (name: in the file)"),
    Column("model_version", String(64), nullable=False, comment="The model's version (version: in the file)"),
    Column("registered_at", DateTime(timezone=True), nullable=False, comment="First scoring run with it (UTC)"),
    comment="Every joint-assessment model file scores were stored under, with its name and version",
)

summary_teacher_months = Table(
    "summary_teacher_months",
    metadata,
    Column("period", PERIOD, primary_key=True, comment="Report month M (YYYY-MM)"),
    Column("teacher_key", TEACHER_KEY, primary_key=True, comment="HMAC-SHA256 of the resident ID"),
    Column("roster_period", PERIOD, nullable=False, comment="Month of the roster standing for M (latest <= M)"),
    Column("county_code", COUNTY_CODE, nullable=False, comment="County whose roster lists the teacher"),
    Column("school_code", SCHOOL_CODE, nullable=False, comment="School on that roster"),
    Column("community_code", String(16), comment="The school's community when M was computed (blank: none)"),
    Column("gender", String(1), comment="M or F"),
    Column("birth_year", Integer, comment="Year of birth"),
    Column("subject", String(64), comment="Subject taught"),
    Column("title", String(16), comment="Professional title code"),
    Column("tier", String(16), nullable=False, comment="Backbone tier code"),
    Column("current_school_since", Date, nullable=False, comment="Start of teaching at the current school"),
    Column("eligible", Boolean, nullable=False, comment="At the school for the eligibility years by sy_start"),
    Column("month_training_hours", Numeric(9, 2), nullable=False, comment="Training hours ending in M"),
    Column("month_training_records", Integer, nullable=False, comment="Training records ending in M (人次)"),
    Column(
        "sy_training_hours", Numeric(9, 2), nullable=False, comment="Training hours ending from sy_start to M's end"
    ),
    Column(
        "required_hours", Numeric(9, 2), nullable=False, comment="Hours needed by M's end: 72 x months elapsed / 12"
    ),
    Column("on_track", Boolean, nullable=False, comment="sy_training_hours >= required_hours"),
    Column("computed_at", DateTime(timezone=True), nullable=False, comment="When M's rows were computed (UTC)"),
    Index("ix_summary_teacher_months_school", "period", "school_code"),
    Index("ix_summary_teacher_months_community", "period", "community_code"),
    comment=(
        "One row per report month and teacher of the latest rosters: the per-teacher facts behind the "
        "monthly report, written by the same run (the mart's teachers and training views read it)"
    ),
)

# --- the county portal ---------------------------------------------------------------------------

#: Roles of the portal's accounts (cycle.md "Who sees what"); analysts and admins do not log in there.
PORTAL_ROLES = ("county_clerk", "city_staff")

portal_users = Table(
    "portal_users",
    metadata,
    Column("username", String(64), primary_key=True, comment="Login name"),
    Column("password_hash", String(255), nullable=False, comment="argon2id hash of the password (never the password)"),
    Column("role", String(16), nullable=False, comment="county_clerk (one county) or city_staff (every county)"),
    Column("county_code", String(16), comment="The clerk's county; empty for city staff"),
    Column("display_name", String(64), comment="How the portal greets the user"),
    Column("email", String(254), comment="Where the daily digest is e-mailed (empty: not e-mailed)"),
    Column("active", Boolean, nullable=False, default=True, comment="False: the account cannot log in"),
    Column("failed_logins", Integer, nullable=False, default=0, comment="Failed logins since the last success"),
    Column("locked_until", DateTime(timezone=True), comment="No login before this moment (UTC): throttling"),
    Column("created_at", DateTime(timezone=True), nullable=False, comment="When the account was made (UTC)"),
    CheckConstraint("role IN ('county_clerk', 'city_staff')", name="role"),
    CheckConstraint(
        "(role = 'county_clerk' AND county_code IS NOT NULL) OR (role = 'city_staff' AND county_code IS NULL)",
        name="county_for_clerks",
    ),
    comment="Accounts of the county portal (teachflow portal add-user); passwords stored as argon2 hashes",
)

ANALYST_VIEWS: dict[str, str] = {
    # Views hold neither ID nor name; analysts are granted these and the non-restricted tables.
    "analyst_roster": (
        "SELECT r.period, r.county_code, r.teacher_key, r.school_code, s.school_name, r.gender, "
        "r.birth_year, r.subject, r.title, r.tier, r.employment_start, r.current_school_since "
        "FROM roster_entries r JOIN schools s ON s.school_code = r.school_code"
    ),
    "analyst_flows": (
        "SELECT f.teacher_key, f.flow_type, f.from_school_code, fs.county_code AS from_county_code, "
        "f.to_school_code, ts.county_code AS to_county_code, f.start_date, f.planned_end_date, "
        "f.actual_end_date, f.has_conflict FROM teacher_flows f "
        "JOIN schools fs ON fs.school_code = f.from_school_code "
        "JOIN schools ts ON ts.school_code = f.to_school_code"
    ),
    "analyst_training": (
        "SELECT teacher_key, county_code, program_code, program_name, level, mode, start_date, "
        "end_date, hours, organizer FROM training_records"
    ),
}
