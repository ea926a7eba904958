"""initial warehouse schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 14:15:29.133953
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


# Analysts' views: neither ID nor name (domain.md, Personal data). Frozen here, not imported,
# so that later schema changes never rewrite this migration.
ANALYST_VIEWS = {
    'analyst_roster': (
        'SELECT r.period, r.county_code, r.teacher_key, r.school_code, s.school_name, r.gender, r.birth_year, r.subject, r.title, r.tier, r.employment_start, r.current_school_since FROM roster_entries r JOIN schools s ON s.school_code = r.school_code'
    ),
    'analyst_flows': (
        'SELECT f.teacher_key, f.flow_type, f.from_school_code, fs.county_code AS from_county_code, f.to_school_code, ts.county_code AS to_county_code, f.start_date, f.planned_end_date, f.actual_end_date, f.has_conflict FROM teacher_flows f JOIN schools fs ON fs.school_code = f.from_school_code JOIN schools ts ON ts.school_code = f.to_school_code'
    ),
    'analyst_training': (
        'SELECT teacher_key, county_code, program_code, program_name, level, mode, start_date, end_date, hours, organizer FROM training_records'
    ),
}


def upgrade() -> None:
    op.create_table('assessment_breakdown',
    sa.Column('school_year', sa.String(length=9), nullable=False, comment='School year'),
    sa.Column('model_hash', sa.String(length=64), nullable=False, comment='SHA-256 of the scoring model file used'),
    sa.Column('school_code', sa.String(length=10), nullable=False, comment='School'),
    sa.Column('item', sa.String(length=32), nullable=False, comment='Indicator code, checklist code, or own/final/bundle'),
    sa.Column('input_name', sa.String(length=64), nullable=False, comment='Which input or figure of the item'),
    sa.Column('value', sa.Numeric(precision=12, scale=6), nullable=True, comment="The input's value or the item's score"),
    sa.Column('weight', sa.Numeric(precision=9, scale=6), nullable=True, comment='Weight applied (after rescaling), where one applies'),
    sa.Column('note', sa.String(length=128), nullable=True, comment='e.g. n/a, no ratings, rescaled'),
    sa.PrimaryKeyConstraint('school_year', 'model_hash', 'school_code', 'item', 'input_name', name=op.f('pk_assessment_breakdown')),
    comment="Every input, score and weight behind each school's final score"
    )
    op.create_table('assessment_community_scores',
    sa.Column('school_year', sa.String(length=9), nullable=False, comment='School year'),
    sa.Column('model_hash', sa.String(length=64), nullable=False, comment='SHA-256 of the scoring model file used'),
    sa.Column('community_code', sa.String(length=16), nullable=False, comment='Community'),
    sa.Column('score', sa.Numeric(precision=7, scale=3), nullable=True, comment="Mean of its schools' final scores"),
    sa.Column('grade', sa.String(length=8), nullable=True, comment='优秀, 良好, 合格 or 不合格'),
    sa.Column('rank', sa.Integer(), nullable=True, comment='Rank among communities (1 = best; ties share a rank)'),
    sa.Column('review_flag', sa.Boolean(), nullable=False, comment='In the bottom 10 % (at least one): flagged for review'),
    sa.Column('provisional', sa.Boolean(), nullable=False, comment='True for a run before the school year ended'),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False, comment='When computed (UTC)'),
    sa.PrimaryKeyConstraint('school_year', 'model_hash', 'community_code', name=op.f('pk_assessment_community_scores')),
    comment='Joint assessment (捆绑考核): per-community scores, grade and rank'
    )
    op.create_table('assessment_school_scores',
    sa.Column('school_year', sa.String(length=9), nullable=False, comment='School year'),
    sa.Column('model_hash', sa.String(length=64), nullable=False, comment='SHA-256 of the scoring model file used'),
    sa.Column('school_code', sa.String(length=10), nullable=False, comment='School'),
    sa.Column('community_code', sa.String(length=16), nullable=False, comment='Its community'),
    sa.Column('role', sa.String(length=8), nullable=False, comment='lead or member'),
    sa.Column('own_score', sa.Numeric(precision=7, scale=3), nullable=True, comment="Score of the school's own indicators"),
    sa.Column('final_score', sa.Numeric(precision=7, scale=3), nullable=True, comment='Score after bundling with its community'),
    sa.Column('provisional', sa.Boolean(), nullable=False, comment='True for a run before the school year ended'),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False, comment='When computed (UTC)'),
    sa.PrimaryKeyConstraint('school_year', 'model_hash', 'school_code', name=op.f('pk_assessment_school_scores')),
    comment='Joint assessment (捆绑考核): per-school scores'
    )
    op.create_table('communities',
    sa.Column('community_code', sa.String(length=16), nullable=False, comment='Education community (教共体) code'),
    sa.Column('community_name', sa.String(length=128), nullable=False, comment='Community name'),
    sa.PrimaryKeyConstraint('community_code', name=op.f('pk_communities')),
    comment='Education communities (教共体)'
    )
    op.create_table('counties',
    sa.Column('county_code', sa.String(length=6), nullable=False, comment='6-digit administrative division code'),
    sa.Column('county_name', sa.String(length=64), nullable=False, comment='County (区县) name'),
    sa.Column('is_city', sa.Boolean(), nullable=False, comment="True for the city's own row (code ends in 00)"),
    sa.PrimaryKeyConstraint('county_code', name=op.f('pk_counties')),
    comment='Counties of the city, and the city itself (reference data kept by the city)'
    )
    op.create_table('flow_conflicts',
    sa.Column('teacher_key', sa.String(length=64), nullable=False, comment='HMAC-SHA256 of the resident ID'),
    sa.Column('to_school_code', sa.String(length=10), nullable=False, comment='Receiving school'),
    sa.Column('start_date', sa.Date(), nullable=False, comment='First day at the receiving school'),
    sa.Column('field', sa.String(length=32), nullable=False, comment='Column on which the reports disagree'),
    sa.Column('submission_id_a', sa.Integer(), nullable=False, comment="One report's submission (the older)"),
    sa.Column('value_a', sa.String(length=64), nullable=True, comment='Its value'),
    sa.Column('submission_id_b', sa.Integer(), nullable=False, comment="The other report's submission (the newer, whose value is used)"),
    sa.Column('value_b', sa.String(length=64), nullable=True, comment='Its value'),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False, comment='When the disagreement was found (UTC)'),
    sa.PrimaryKeyConstraint('teacher_key', 'to_school_code', 'start_date', 'field', name=op.f('pk_flow_conflicts')),
    comment="Disagreements between two counties' reports of the same flow, for the city to resolve"
    )
    op.create_table('reference_loads',
    sa.Column('load_id', sa.Integer(), autoincrement=True, nullable=False, comment='Load number'),
    sa.Column('file_name', sa.String(length=32), nullable=False, comment='counties.csv, schools.csv or communities.csv'),
    sa.Column('sha256', sa.String(length=64), nullable=False, comment="SHA-256 of the file's bytes (its version)"),
    sa.Column('row_count', sa.Integer(), nullable=False, comment='Rows in the file'),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False, comment='When it was loaded (UTC)'),
    sa.PrimaryKeyConstraint('load_id', name=op.f('pk_reference_loads')),
    comment='Versions of the reference files that have been loaded'
    )
    op.create_table('report_rotation_monthly',
    sa.Column('period', sa.String(length=7), nullable=False, comment='Report month M (YYYY-MM)'),
    sa.Column('scope', sa.String(length=16), nullable=False, comment='city, county or community'),
    sa.Column('scope_code', sa.String(length=16), nullable=False, comment='City, county or community code'),
    sa.Column('scope_name', sa.String(length=128), nullable=False, comment='Its name'),
    sa.Column('active_out', sa.Integer(), nullable=False, comment='Rotation flows from scope active at month end'),
    sa.Column('active_in', sa.Integer(), nullable=False, comment='Rotation flows into scope active at month end'),
    sa.Column('started_out', sa.Integer(), nullable=False, comment='Rotation flows from scope starting in M'),
    sa.Column('ended_out', sa.Integer(), nullable=False, comment='Rotation flows from scope ending (actual) in M'),
    sa.Column('overdue_out', sa.Integer(), nullable=False, comment='Active flows from scope past their planned end'),
    sa.Column('transfers_in', sa.Integer(), nullable=False, comment='Transfers into scope starting in M'),
    sa.Column('transfers_out', sa.Integer(), nullable=False, comment='Transfers out of scope starting in M'),
    sa.Column('eligible_teachers', sa.Integer(), nullable=False, comment='Roster teachers at their school since sy_start - 6 years'),
    sa.Column('rotated_sy', sa.Integer(), nullable=False, comment='Distinct teachers rotated from scope this school year'),
    sa.Column('backbone_rotated_sy', sa.Integer(), nullable=False, comment='Of those, backbone tier or above'),
    sa.Column('rotation_rate', sa.Numeric(precision=9, scale=6), nullable=True, comment='rotated_sy / eligible_teachers (blank if none eligible)'),
    sa.Column('backbone_share', sa.Numeric(precision=9, scale=6), nullable=True, comment='backbone_rotated_sy / rotated_sy (blank if none rotated)'),
    sa.Column('rotation_target_met', sa.Boolean(), nullable=True, comment='rotation_rate >= target (10 %)'),
    sa.Column('backbone_target_met', sa.Boolean(), nullable=True, comment='backbone_share >= target (20 %)'),
    sa.Column('training_hours_month', sa.Numeric(precision=12, scale=2), nullable=False, comment='Training hours ending in M, teachers of scope'),
    sa.Column('training_person_times_month', sa.Integer(), nullable=False, comment='Training records ending in M (人次)'),
    sa.Column('teachers_on_track', sa.Integer(), nullable=False, comment='Roster teachers on track for 72 学时 a year'),
    sa.Column('roster_teachers', sa.Integer(), nullable=False, comment='Roster teachers of scope (latest roster)'),
    sa.Column('training_on_track_share', sa.Numeric(precision=9, scale=6), nullable=True, comment='teachers_on_track / roster_teachers'),
    sa.Column('revision', sa.Integer(), nullable=False, comment='1 for the first run of M, +1 each time a figure changed'),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False, comment='When this revision was computed (UTC)'),
    sa.PrimaryKeyConstraint('period', 'scope', 'scope_code', name=op.f('pk_report_rotation_monthly')),
    comment='The monthly rotation report (交流轮岗月报): one row per month and scope'
    )
    op.create_table('report_rotation_overdue',
    sa.Column('period', sa.String(length=7), nullable=False, comment='Report month M'),
    sa.Column('teacher_key', sa.String(length=64), nullable=False, comment='HMAC-SHA256 of the resident ID'),
    sa.Column('to_school_code', sa.String(length=10), nullable=False, comment='Receiving school'),
    sa.Column('start_date', sa.Date(), nullable=False, comment='First day at the receiving school'),
    sa.Column('flow_type', sa.String(length=32), nullable=False, comment='Flow type code'),
    sa.Column('from_school_code', sa.String(length=10), nullable=False, comment='Sending school'),
    sa.Column('planned_end_date', sa.Date(), nullable=False, comment='Planned return, before month end'),
    sa.Column('days_overdue', sa.Integer(), nullable=False, comment='Days from planned end to month end'),
    sa.PrimaryKeyConstraint('period', 'teacher_key', 'to_school_code', 'start_date', name=op.f('pk_report_rotation_overdue')),
    comment='Rotation flows active at month end whose planned return has passed'
    )
    op.create_table('restricted_teacher_names',
    sa.Column('teacher_key', sa.String(length=64), nullable=False, comment='HMAC-SHA256 of the resident ID'),
    sa.Column('name', sa.String(length=64), nullable=False, comment="Teacher's name (personal data: restricted)"),
    sa.Column('submission_id', sa.Integer(), nullable=False, comment='Latest submission that gave the name'),
    sa.PrimaryKeyConstraint('teacher_key', name=op.f('pk_restricted_teacher_names')),
    comment="RESTRICTED: teachers' names. Not granted to analysts"
    )
    op.create_table('submissions',
    sa.Column('submission_id', sa.Integer(), autoincrement=True, nullable=False, comment='Ledger row number'),
    sa.Column('county_code', sa.String(length=16), nullable=False, comment='County folder the file arrived in (as given)'),
    sa.Column('period', sa.String(length=16), nullable=False, comment='Month folder the file arrived in (YYYY-MM, as given)'),
    sa.Column('dataset', sa.String(length=64), nullable=False, comment='Dataset named by the file (as given)'),
    sa.Column('file_format', sa.String(length=8), nullable=False, comment='csv or xlsx'),
    sa.Column('source_path', sa.Text(), nullable=False, comment='Where the file was found in the landing zone'),
    sa.Column('sha256', sa.String(length=64), nullable=False, comment="SHA-256 of the file's bytes: the submission's version"),
    sa.Column('size_bytes', sa.Integer(), nullable=False, comment='File size in bytes'),
    sa.Column('source_mtime', sa.Float(), nullable=True, comment='Modification time of the landing file (epoch seconds) when taken'),
    sa.Column('archive_path', sa.Text(), nullable=False, comment='Content-addressed copy of the bytes, kept unchanged'),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False, comment='When teachflow took the file (UTC)'),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True, comment='When processing finished (UTC)'),
    sa.Column('status', sa.String(length=16), nullable=False, comment='received, accepted, rejected, superseded or duplicate'),
    sa.Column('rows_total', sa.Integer(), nullable=True, comment='Data rows in the file'),
    sa.Column('rows_loaded', sa.Integer(), nullable=True, comment='Rows merged into the warehouse'),
    sa.Column('rows_rejected', sa.Integer(), nullable=True, comment='Rows rejected (see the feedback file)'),
    sa.Column('rows_duplicate', sa.Integer(), nullable=True, comment='Rows dropped because they repeat another row exactly'),
    sa.Column('problem_count', sa.Integer(), nullable=True, comment='Lines in the feedback file'),
    sa.Column('reasons', sa.Text(), nullable=True, comment='Why the file was rejected, as JSON [{code, message_zh, message_en}]'),
    sa.Column('superseded_by', sa.Integer(), nullable=True, comment='Submission that replaced this one'),
    sa.Column('duplicate_of', sa.Integer(), nullable=True, comment='Earlier submission with the same bytes'),
    sa.CheckConstraint("status IN ('received', 'accepted', 'rejected', 'superseded', 'duplicate')", name=op.f('ck_submissions_status')),
    sa.PrimaryKeyConstraint('submission_id', name=op.f('pk_submissions')),
    comment='Every file received, whatever became of it (the submission ledger)'
    )
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_index('ix_submissions_identity', ['county_code', 'period', 'dataset'], unique=False)
        batch_op.create_index('ix_submissions_sha256', ['sha256'], unique=False)

    op.create_table('teacher_flows',
    sa.Column('teacher_key', sa.String(length=64), nullable=False, comment='HMAC-SHA256 of the resident ID'),
    sa.Column('to_school_code', sa.String(length=10), nullable=False, comment='Receiving school'),
    sa.Column('start_date', sa.Date(), nullable=False, comment='First day at the receiving school'),
    sa.Column('flow_type', sa.String(length=32), nullable=False, comment='rotation, study_placement, secondment, city_recruit_county_use, transfer'),
    sa.Column('from_school_code', sa.String(length=10), nullable=False, comment='Sending school'),
    sa.Column('planned_end_date', sa.Date(), nullable=True, comment='Planned return (none for transfers)'),
    sa.Column('actual_end_date', sa.Date(), nullable=True, comment='Actual return; blank while still away'),
    sa.Column('source_submission_id', sa.Integer(), nullable=False, comment='Newest submission whose values are used'),
    sa.Column('report_count', sa.Integer(), nullable=False, comment="How many counties' current submissions report this flow"),
    sa.Column('has_conflict', sa.Boolean(), nullable=False, comment='True while the reports disagree (see flow_conflicts)'),
    sa.PrimaryKeyConstraint('teacher_key', 'to_school_code', 'start_date', name=op.f('pk_teacher_flows')),
    comment='One row per flow (natural key teacher, receiving school, start), merged from flow_reports'
    )
    with op.batch_alter_table('teacher_flows', schema=None) as batch_op:
        batch_op.create_index('ix_teacher_flows_from_school', ['from_school_code'], unique=False)
        batch_op.create_index('ix_teacher_flows_start_date', ['start_date'], unique=False)

    op.create_table('assessment_ratings',
    sa.Column('school_code', sa.String(length=10), nullable=False, comment='Rated school'),
    sa.Column('school_year', sa.String(length=9), nullable=False, comment='School year, e.g. 2025-2026'),
    sa.Column('indicator_code', sa.String(length=16), nullable=False, comment='Rated indicator of the scoring model'),
    sa.Column('evaluator_group', sa.String(length=16), nullable=False, comment='expert, bureau or recipient'),
    sa.Column('evaluator_id', sa.String(length=32), nullable=False, comment="Evaluator's number"),
    sa.Column('submission_id', sa.Integer(), nullable=False, comment='Submission (ledger row) these values came from'),
    sa.Column('score', sa.Numeric(precision=5, scale=2), nullable=False, comment='Score 0..100'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.submission_id'], name=op.f('fk_assessment_ratings_submission_id_submissions')),
    sa.PrimaryKeyConstraint('school_code', 'school_year', 'indicator_code', 'evaluator_group', 'evaluator_id', name=op.f('pk_assessment_ratings')),
    comment="Evaluators' scores for the joint assessment (city submissions)"
    )
    op.create_table('flow_reports',
    sa.Column('submission_id', sa.Integer(), nullable=False, comment='Submission that reported the flow'),
    sa.Column('teacher_key', sa.String(length=64), nullable=False, comment='HMAC-SHA256 of the resident ID'),
    sa.Column('to_school_code', sa.String(length=10), nullable=False, comment='Receiving school'),
    sa.Column('start_date', sa.Date(), nullable=False, comment='First day at the receiving school'),
    sa.Column('county_code', sa.String(length=6), nullable=False, comment='County that reported it'),
    sa.Column('period', sa.String(length=7), nullable=False, comment='Month of the submission'),
    sa.Column('flow_type', sa.String(length=32), nullable=False, comment='rotation, study_placement, secondment, city_recruit_county_use, transfer'),
    sa.Column('from_school_code', sa.String(length=10), nullable=False, comment='Sending school'),
    sa.Column('planned_end_date', sa.Date(), nullable=True, comment='Planned return (none for transfers)'),
    sa.Column('actual_end_date', sa.Date(), nullable=True, comment='Actual return; blank while still away'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.submission_id'], name=op.f('fk_flow_reports_submission_id_submissions')),
    sa.PrimaryKeyConstraint('submission_id', 'teacher_key', 'to_school_code', 'start_date', name=op.f('pk_flow_reports')),
    comment="Each county's report of each flow, as submitted (one flow may be reported by both counties)"
    )
    with op.batch_alter_table('flow_reports', schema=None) as batch_op:
        batch_op.create_index('ix_flow_reports_flow', ['teacher_key', 'to_school_code', 'start_date'], unique=False)

    op.create_table('roster_entries',
    sa.Column('county_code', sa.String(length=6), nullable=False, comment='County whose roster this is'),
    sa.Column('period', sa.String(length=7), nullable=False, comment='Month of the roster snapshot (YYYY-MM)'),
    sa.Column('teacher_key', sa.String(length=64), nullable=False, comment='HMAC-SHA256 of the resident ID'),
    sa.Column('submission_id', sa.Integer(), nullable=False, comment='Submission (ledger row) these values came from'),
    sa.Column('gender', sa.String(length=1), nullable=True, comment='M or F'),
    sa.Column('birth_year', sa.Integer(), nullable=True, comment='Year of birth (from the ID; the full date is not kept)'),
    sa.Column('school_code', sa.String(length=10), nullable=False, comment='School the teacher teaches at'),
    sa.Column('subject', sa.String(length=64), nullable=True, comment='Subject taught'),
    sa.Column('title', sa.String(length=16), nullable=True, comment='Professional title code (senior_full, senior, first, second, third, none)'),
    sa.Column('tier', sa.String(length=16), nullable=False, comment='Backbone tier code (none, rising_star, backbone, subject_leader, famous)'),
    sa.Column('employment_start', sa.Date(), nullable=True, comment='Date of first employment'),
    sa.Column('current_school_since', sa.Date(), nullable=False, comment='Start of teaching at the current school'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.submission_id'], name=op.f('fk_roster_entries_submission_id_submissions')),
    sa.PrimaryKeyConstraint('county_code', 'period', 'teacher_key', name=op.f('pk_roster_entries')),
    comment='Monthly roster snapshots: one row per county, month and teacher'
    )
    with op.batch_alter_table('roster_entries', schema=None) as batch_op:
        batch_op.create_index('ix_roster_entries_school_period', ['school_code', 'period'], unique=False)
        batch_op.create_index('ix_roster_entries_teacher_key', ['teacher_key', 'period'], unique=False)

    op.create_table('schools',
    sa.Column('school_code', sa.String(length=10), nullable=False, comment='10-digit school identifier (学校标识码)'),
    sa.Column('school_name', sa.String(length=128), nullable=False, comment='School name'),
    sa.Column('county_code', sa.String(length=6), nullable=False, comment='County the school belongs to'),
    sa.Column('location', sa.String(length=8), nullable=False, comment='urban (城区) / town (镇区) / rural (乡村)'),
    sa.Column('stage', sa.String(length=24), nullable=False, comment='primary, junior, nine_year, senior, complete_secondary, kindergarten'),
    sa.ForeignKeyConstraint(['county_code'], ['counties.county_code'], name=op.f('fk_schools_county_code_counties')),
    sa.PrimaryKeyConstraint('school_code', name=op.f('pk_schools')),
    comment='Schools of the city (reference data)'
    )
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.create_index('ix_schools_county_code', ['county_code'], unique=False)

    op.create_table('training_records',
    sa.Column('teacher_key', sa.String(length=64), nullable=False, comment='HMAC-SHA256 of the resident ID'),
    sa.Column('program_code', sa.String(length=64), nullable=False, comment='Programme code'),
    sa.Column('start_date', sa.Date(), nullable=False, comment='First day'),
    sa.Column('submission_id', sa.Integer(), nullable=False, comment='Newest submission that reported the record'),
    sa.Column('county_code', sa.String(length=6), nullable=False, comment='County that reported it'),
    sa.Column('program_name', sa.String(length=256), nullable=True, comment='Programme name'),
    sa.Column('level', sa.String(length=16), nullable=False, comment='national, provincial, city, county, school'),
    sa.Column('mode', sa.String(length=16), nullable=False, comment='in_person, placement, online'),
    sa.Column('end_date', sa.Date(), nullable=False, comment='Last day'),
    sa.Column('hours', sa.Numeric(precision=7, scale=2), nullable=False, comment='Class periods (学时) as given'),
    sa.Column('organizer', sa.String(length=256), nullable=True, comment='Organizing body'),
    sa.PrimaryKeyConstraint('teacher_key', 'program_code', 'start_date', name=op.f('pk_training_records')),
    comment='Training records, deduplicated on (teacher, programme, start) across submissions'
    )
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.create_index('ix_training_records_end_date', ['end_date'], unique=False)
        batch_op.create_index('ix_training_records_submission', ['submission_id'], unique=False)

    op.create_table('community_schools',
    sa.Column('school_code', sa.String(length=10), nullable=False, comment='Member or lead school; a school is in at most one community'),
    sa.Column('community_code', sa.String(length=16), nullable=False, comment='Community the school belongs to'),
    sa.Column('role', sa.String(length=8), nullable=False, comment='lead (牵头学校) or member (成员校)'),
    sa.CheckConstraint("role IN ('lead', 'member')", name=op.f('ck_community_schools_role')),
    sa.ForeignKeyConstraint(['community_code'], ['communities.community_code'], name=op.f('fk_community_schools_community_code_communities')),
    sa.ForeignKeyConstraint(['school_code'], ['schools.school_code'], name=op.f('fk_community_schools_school_code_schools')),
    sa.PrimaryKeyConstraint('school_code', name=op.f('pk_community_schools')),
    comment='Which school is in which community, and its role'
    )
    with op.batch_alter_table('community_schools', schema=None) as batch_op:
        batch_op.create_index('ix_community_schools_community_code', ['community_code'], unique=False)


    for name, select in ANALYST_VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {select}")

def downgrade() -> None:
    for name in ANALYST_VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")
    with op.batch_alter_table('community_schools', schema=None) as batch_op:
        batch_op.drop_index('ix_community_schools_community_code')

    op.drop_table('community_schools')
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.drop_index('ix_training_records_submission')
        batch_op.drop_index('ix_training_records_end_date')

    op.drop_table('training_records')
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_index('ix_schools_county_code')

    op.drop_table('schools')
    with op.batch_alter_table('roster_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_roster_entries_teacher_key')
        batch_op.drop_index('ix_roster_entries_school_period')

    op.drop_table('roster_entries')
    with op.batch_alter_table('flow_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_flow_reports_flow')

    op.drop_table('flow_reports')
    op.drop_table('assessment_ratings')
    with op.batch_alter_table('teacher_flows', schema=None) as batch_op:
        batch_op.drop_index('ix_teacher_flows_start_date')
        batch_op.drop_index('ix_teacher_flows_from_school')

    op.drop_table('teacher_flows')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_submissions_sha256')
        batch_op.drop_index('ix_submissions_identity')

    op.drop_table('submissions')
    op.drop_table('restricted_teacher_names')
    op.drop_table('report_rotation_overdue')
    op.drop_table('report_rotation_monthly')
    op.drop_table('reference_loads')
    op.drop_table('flow_conflicts')
    op.drop_table('counties')
    op.drop_table('communities')
    op.drop_table('assessment_school_scores')
    op.drop_table('assessment_community_scores')
    op.drop_table('assessment_breakdown')
