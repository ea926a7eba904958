"""report_support_monthly, report_support_by_type (帮扶与结对 section of the monthly report, issue 17)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:00:00

The monthly report's support-and-pairing section (practices.md §6): per month and scope (city,
county, community) the pairings and support activities figures, and the month's activities by
scope, type and mode. Both keep a revision like ``report_rotation_monthly``. No personal data:
counts and sums only. Analysts read them through the mart's ``support_monthly`` and
``support_by_type`` views (``teachflow.warehouse.mart``), which the downgrade drops first.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _key() -> list[sa.Column]:
    return [
        sa.Column("period", sa.String(length=7), nullable=False, comment="Report month M (YYYY-MM)"),
        sa.Column("scope", sa.String(length=16), nullable=False, comment="city, county or community"),
        sa.Column("scope_code", sa.String(length=16), nullable=False, comment="City, county or community code"),
    ]


def _revision() -> list[sa.Column]:
    return [
        sa.Column(
            "revision",
            sa.Integer(),
            nullable=False,
            comment="1 for the first run of M, +1 each time a figure changed",
        ),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When this revision was computed (UTC)",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "report_support_monthly",
        *_key(),
        sa.Column("scope_name", sa.String(length=128), nullable=False, comment="Its name"),
        sa.Column(
            "pairings_active",
            sa.Integer(),
            nullable=False,
            comment="Pairings active at month end, either school in scope",
        ),
        sa.Column(
            "pairings_started", sa.Integer(), nullable=False, comment="Pairings starting in M, either school in scope"
        ),
        sa.Column(
            "pairings_ended",
            sa.Integer(),
            nullable=False,
            comment="Pairings ending (actual) in M, either school in scope",
        ),
        sa.Column("pairings_overdue", sa.Integer(), nullable=False, comment="Active pairings past their planned end"),
        sa.Column(
            "mentors_active",
            sa.Integer(),
            nullable=False,
            comment="Distinct mentors of active pairings, school in scope",
        ),
        sa.Column(
            "mentees_active",
            sa.Integer(),
            nullable=False,
            comment="Distinct mentees of active pairings, school in scope",
        ),
        sa.Column(
            "activities_month",
            sa.Integer(),
            nullable=False,
            comment="Support activities in M, target school in scope",
        ),
        sa.Column(
            "activities_given_month",
            sa.Integer(),
            nullable=False,
            comment="Support activities in M, host school in scope",
        ),
        sa.Column(
            "person_times_month", sa.Integer(), nullable=False, comment="Participants (人次) of activities_month"
        ),
        sa.Column(
            "periods_month",
            sa.Numeric(precision=12, scale=2),
            nullable=False,
            comment="Lessons and hours (节数/学时) of activities_month",
        ),
        sa.Column(
            "online_share",
            sa.Numeric(precision=9, scale=6),
            nullable=True,
            comment="Online share of activities_month (blank if none)",
        ),
        sa.Column(
            "activities_sy",
            sa.Integer(),
            nullable=False,
            comment="Activities from sy_start to month end, target in scope",
        ),
        sa.Column("person_times_sy", sa.Integer(), nullable=False, comment="Their participants (人次)"),
        *_revision(),
        sa.PrimaryKeyConstraint("period", "scope", "scope_code", name=op.f("pk_report_support_monthly")),
        comment="The monthly report's 帮扶与结对 section (support and pairing): one row per month and scope",
    )
    op.create_table(
        "report_support_by_type",
        *_key(),
        sa.Column(
            "activity_type", sa.String(length=32), nullable=False, comment="lesson_observation ... teacher_training"
        ),
        sa.Column("mode", sa.String(length=16), nullable=False, comment="onsite or online"),
        sa.Column(
            "activities", sa.Integer(), nullable=False, comment="Support activities in M, target school in scope"
        ),
        sa.Column("person_times", sa.Integer(), nullable=False, comment="Their participants (人次)"),
        sa.Column(
            "periods",
            sa.Numeric(precision=12, scale=2),
            nullable=False,
            comment="Their lessons and hours (节数/学时)",
        ),
        *_revision(),
        sa.PrimaryKeyConstraint(
            "period", "scope", "scope_code", "activity_type", "mode", name=op.f("pk_report_support_by_type")
        ),
        comment=(
            "Support activities of a report month by scope, type and mode (target side; occurring combinations)"
        ),
    )


def downgrade() -> None:
    # The mart's views over these tables (recreated by every upgrade at the head) go first:
    # PostgreSQL refuses to drop a table a view reads.
    postgresql = op.get_bind().dialect.name == "postgresql"
    for view in ("support_by_type", "support_monthly"):
        op.execute(f"DROP VIEW IF EXISTS {'mart.' if postgresql else 'mart_'}{view}")
    op.drop_table("report_support_by_type")
    op.drop_table("report_support_monthly")
