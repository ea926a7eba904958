"""pairings and support activities (结对帮扶, issue 17; practices.md §1, §2)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 08:40:00

Two county datasets both counties may report, each kept as flows are: the counties' reports
(``pairing_reports``, ``activity_reports``), one merged row per key (``pairings``,
``support_activities``) and the disagreements (``pairing_conflicts``, ``activity_conflicts``).
Keys are teacher keys; names go to ``restricted_teacher_names`` only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity_conflicts",
        sa.Column("host_key", sa.String(length=64), nullable=False, comment="HMAC-SHA256 of the host's resident ID"),
        sa.Column("activity_date", sa.Date(), nullable=False, comment="Day of the activity"),
        sa.Column(
            "activity_type", sa.String(length=32), nullable=False, comment="lesson_observation ... teacher_training"
        ),
        sa.Column(
            "target_school_code", sa.String(length=10), nullable=False, comment="School whose teachers take part"
        ),
        sa.Column("field", sa.String(length=32), nullable=False, comment="Column on which the reports disagree"),
        sa.Column("submission_id_a", sa.Integer(), nullable=False, comment="One report's submission (the older)"),
        sa.Column("value_a", sa.String(length=64), nullable=True, comment="Its value"),
        sa.Column(
            "submission_id_b",
            sa.Integer(),
            nullable=False,
            comment="The other report's submission (the newer, whose value is used)",
        ),
        sa.Column("value_b", sa.String(length=64), nullable=True, comment="Its value"),
        sa.Column(
            "detected_at", sa.DateTime(timezone=True), nullable=False, comment="When the disagreement was found (UTC)"
        ),
        sa.PrimaryKeyConstraint(
            "host_key",
            "activity_date",
            "activity_type",
            "target_school_code",
            "field",
            name=op.f("pk_activity_conflicts"),
        ),
        comment="Disagreements between two counties' reports of the same support activity, for the city to resolve",
    )
    op.create_table(
        "pairing_conflicts",
        sa.Column(
            "mentor_key", sa.String(length=64), nullable=False, comment="HMAC-SHA256 of the mentor's resident ID"
        ),
        sa.Column(
            "mentee_key", sa.String(length=64), nullable=False, comment="HMAC-SHA256 of the mentee's resident ID"
        ),
        sa.Column("start_date", sa.Date(), nullable=False, comment="First day of the pairing"),
        sa.Column("field", sa.String(length=32), nullable=False, comment="Column on which the reports disagree"),
        sa.Column("submission_id_a", sa.Integer(), nullable=False, comment="One report's submission (the older)"),
        sa.Column("value_a", sa.String(length=64), nullable=True, comment="Its value"),
        sa.Column(
            "submission_id_b",
            sa.Integer(),
            nullable=False,
            comment="The other report's submission (the newer, whose value is used)",
        ),
        sa.Column("value_b", sa.String(length=64), nullable=True, comment="Its value"),
        sa.Column(
            "detected_at", sa.DateTime(timezone=True), nullable=False, comment="When the disagreement was found (UTC)"
        ),
        sa.PrimaryKeyConstraint("mentor_key", "mentee_key", "start_date", "field", name=op.f("pk_pairing_conflicts")),
        comment="Disagreements between two counties' reports of the same pairing, for the city to resolve",
    )
    op.create_table(
        "pairings",
        sa.Column(
            "mentor_key", sa.String(length=64), nullable=False, comment="HMAC-SHA256 of the mentor's resident ID"
        ),
        sa.Column(
            "mentee_key", sa.String(length=64), nullable=False, comment="HMAC-SHA256 of the mentee's resident ID"
        ),
        sa.Column("start_date", sa.Date(), nullable=False, comment="First day of the pairing"),
        sa.Column("pairing_type", sa.String(length=32), nullable=False, comment="one_plus_n or mentor_apprentice"),
        sa.Column("mentor_school_code", sa.String(length=10), nullable=False, comment="Mentor's school"),
        sa.Column("mentee_school_code", sa.String(length=10), nullable=False, comment="Mentee's school"),
        sa.Column("planned_end_date", sa.Date(), nullable=False, comment="Planned end"),
        sa.Column("actual_end_date", sa.Date(), nullable=True, comment="Actual end; blank while running"),
        sa.Column(
            "mentee_birth_year",
            sa.Integer(),
            nullable=True,
            comment="Mentee's birth year (the only part of the ID kept)",
        ),
        sa.Column(
            "source_submission_id", sa.Integer(), nullable=False, comment="Newest submission whose values are used"
        ),
        sa.Column(
            "report_count", sa.Integer(), nullable=False, comment="How many counties' current submissions report it"
        ),
        sa.Column(
            "has_conflict",
            sa.Boolean(),
            nullable=False,
            comment="True while the reports disagree (see pairing_conflicts)",
        ),
        sa.PrimaryKeyConstraint("mentor_key", "mentee_key", "start_date", name=op.f("pk_pairings")),
        comment="One row per pairing (mentor, mentee, start), merged from the counties' reports",
    )
    with op.batch_alter_table("pairings", schema=None) as batch_op:
        batch_op.create_index("ix_pairings_mentee_school", ["mentee_school_code"], unique=False)
        batch_op.create_index("ix_pairings_mentor_school", ["mentor_school_code"], unique=False)

    op.create_table(
        "support_activities",
        sa.Column("host_key", sa.String(length=64), nullable=False, comment="HMAC-SHA256 of the host's resident ID"),
        sa.Column("activity_date", sa.Date(), nullable=False, comment="Day of the activity"),
        sa.Column(
            "activity_type", sa.String(length=32), nullable=False, comment="lesson_observation ... teacher_training"
        ),
        sa.Column(
            "target_school_code", sa.String(length=10), nullable=False, comment="School whose teachers take part"
        ),
        sa.Column("host_school_code", sa.String(length=10), nullable=False, comment="Host's school"),
        sa.Column("mode", sa.String(length=16), nullable=False, comment="onsite or online"),
        sa.Column("participants", sa.Integer(), nullable=False, comment="Person-times of the target school's teachers"),
        sa.Column("periods", sa.Numeric(precision=5, scale=2), nullable=False, comment="Lessons (节) or hours (学时)"),
        sa.Column(
            "mentee_key",
            sa.String(length=64),
            nullable=True,
            comment="HMAC-SHA256 of the mentee's resident ID, if for a mentee",
        ),
        sa.Column(
            "on_request",
            sa.String(length=8),
            nullable=False,
            comment="yes if ordered from the menu (菜单点单), else no",
        ),
        sa.Column("topic", sa.String(length=256), nullable=True, comment="Topic"),
        sa.Column(
            "source_submission_id", sa.Integer(), nullable=False, comment="Newest submission whose values are used"
        ),
        sa.Column(
            "report_count", sa.Integer(), nullable=False, comment="How many counties' current submissions report it"
        ),
        sa.Column(
            "has_conflict",
            sa.Boolean(),
            nullable=False,
            comment="True while the reports disagree (see activity_conflicts)",
        ),
        sa.PrimaryKeyConstraint(
            "host_key", "activity_date", "activity_type", "target_school_code", name=op.f("pk_support_activities")
        ),
        comment="One row per support activity (host, date, type, target school), merged from the counties' reports",
    )
    with op.batch_alter_table("support_activities", schema=None) as batch_op:
        batch_op.create_index("ix_support_activities_date", ["activity_date"], unique=False)

    op.create_table(
        "activity_reports",
        sa.Column(
            "submission_id", sa.Integer(), nullable=False, comment="Submission that reported the support activity"
        ),
        sa.Column("host_key", sa.String(length=64), nullable=False, comment="HMAC-SHA256 of the host's resident ID"),
        sa.Column("activity_date", sa.Date(), nullable=False, comment="Day of the activity"),
        sa.Column(
            "activity_type", sa.String(length=32), nullable=False, comment="lesson_observation ... teacher_training"
        ),
        sa.Column(
            "target_school_code", sa.String(length=10), nullable=False, comment="School whose teachers take part"
        ),
        sa.Column("county_code", sa.String(length=6), nullable=False, comment="County that reported it"),
        sa.Column("period", sa.String(length=7), nullable=False, comment="Month of the submission"),
        sa.Column("host_school_code", sa.String(length=10), nullable=False, comment="Host's school"),
        sa.Column("mode", sa.String(length=16), nullable=False, comment="onsite or online"),
        sa.Column("participants", sa.Integer(), nullable=False, comment="Person-times of the target school's teachers"),
        sa.Column("periods", sa.Numeric(precision=5, scale=2), nullable=False, comment="Lessons (节) or hours (学时)"),
        sa.Column(
            "mentee_key",
            sa.String(length=64),
            nullable=True,
            comment="HMAC-SHA256 of the mentee's resident ID, if for a mentee",
        ),
        sa.Column(
            "on_request",
            sa.String(length=8),
            nullable=False,
            comment="yes if ordered from the menu (菜单点单), else no",
        ),
        sa.Column("topic", sa.String(length=256), nullable=True, comment="Topic"),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.submission_id"], name=op.f("fk_activity_reports_submission_id_submissions")
        ),
        sa.PrimaryKeyConstraint(
            "submission_id",
            "host_key",
            "activity_date",
            "activity_type",
            "target_school_code",
            name=op.f("pk_activity_reports"),
        ),
        comment="Each county's report of each support activity, as submitted (both counties may report one)",
    )
    with op.batch_alter_table("activity_reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activity_reports_key",
            ["host_key", "activity_date", "activity_type", "target_school_code"],
            unique=False,
        )

    op.create_table(
        "pairing_reports",
        sa.Column("submission_id", sa.Integer(), nullable=False, comment="Submission that reported the pairing"),
        sa.Column(
            "mentor_key", sa.String(length=64), nullable=False, comment="HMAC-SHA256 of the mentor's resident ID"
        ),
        sa.Column(
            "mentee_key", sa.String(length=64), nullable=False, comment="HMAC-SHA256 of the mentee's resident ID"
        ),
        sa.Column("start_date", sa.Date(), nullable=False, comment="First day of the pairing"),
        sa.Column("county_code", sa.String(length=6), nullable=False, comment="County that reported it"),
        sa.Column("period", sa.String(length=7), nullable=False, comment="Month of the submission"),
        sa.Column("pairing_type", sa.String(length=32), nullable=False, comment="one_plus_n or mentor_apprentice"),
        sa.Column("mentor_school_code", sa.String(length=10), nullable=False, comment="Mentor's school"),
        sa.Column("mentee_school_code", sa.String(length=10), nullable=False, comment="Mentee's school"),
        sa.Column("planned_end_date", sa.Date(), nullable=False, comment="Planned end"),
        sa.Column("actual_end_date", sa.Date(), nullable=True, comment="Actual end; blank while running"),
        sa.Column(
            "mentee_birth_year",
            sa.Integer(),
            nullable=True,
            comment="Mentee's birth year (the only part of the ID kept)",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.submission_id"], name=op.f("fk_pairing_reports_submission_id_submissions")
        ),
        sa.PrimaryKeyConstraint(
            "submission_id", "mentor_key", "mentee_key", "start_date", name=op.f("pk_pairing_reports")
        ),
        comment="Each county's report of each pairing, as submitted (both counties may report one)",
    )
    with op.batch_alter_table("pairing_reports", schema=None) as batch_op:
        batch_op.create_index("ix_pairing_reports_key", ["mentor_key", "mentee_key", "start_date"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pairing_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_pairing_reports_key")

    op.drop_table("pairing_reports")
    with op.batch_alter_table("activity_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_reports_key")

    op.drop_table("activity_reports")
    with op.batch_alter_table("support_activities", schema=None) as batch_op:
        batch_op.drop_index("ix_support_activities_date")

    op.drop_table("support_activities")
    with op.batch_alter_table("pairings", schema=None) as batch_op:
        batch_op.drop_index("ix_pairings_mentor_school")
        batch_op.drop_index("ix_pairings_mentee_school")

    op.drop_table("pairings")
    op.drop_table("pairing_conflicts")
    op.drop_table("activity_conflicts")
