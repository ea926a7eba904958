"""report_coverage; assessment_community_scores.revision

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-02 07:30:00

- ``report_coverage``: what each monthly report and assessment rests on, per county, period and
  dataset (cycle.md "Coverage of a report"): the status when the report was computed, late or not,
  and the roster standing in when a county's roster is missing.
- ``assessment_community_scores.revision``: a final assessment is re-run when a late submission
  changes an input (reports.md "When"); the revision says how often its scores changed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_coverage",
        sa.Column("report", sa.String(length=16), nullable=False, comment="rotation (monthly report) or assessment"),
        sa.Column(
            "report_key", sa.String(length=32), nullable=False, comment="Month YYYY-MM, or school year (assessment)"
        ),
        sa.Column("county_code", sa.String(length=6), nullable=False, comment="County that owes the submission"),
        sa.Column("period", sa.String(length=7), nullable=False, comment="Period of the expected submission"),
        sa.Column(
            "dataset", sa.String(length=64), nullable=False, comment="teachers, teacher_flows or training_records"
        ),
        sa.Column(
            "status", sa.String(length=32), nullable=False, comment="cycle.md status when the report was computed"
        ),
        sa.Column("late", sa.Boolean(), nullable=False, comment="The first accepted file arrived after the due day"),
        sa.Column("rows_rejected", sa.Integer(), comment="Rows rejected in the newest file (accepted_with_rejections)"),
        sa.Column(
            "stand_in_period",
            sa.String(length=7),
            comment="teachers only: the roster used in its place (latest roster with period <= this one) when not in",
        ),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False, comment="When it was due (UTC)"),
        sa.Column(
            "computed_at", sa.DateTime(timezone=True), nullable=False, comment="When the report was computed (UTC)"
        ),
        sa.PrimaryKeyConstraint(
            "report", "report_key", "county_code", "period", "dataset", name=op.f("pk_report_coverage")
        ),
        comment="What each report rests on: every county's expected submissions and their status (cycle.md)",
    )
    with op.batch_alter_table("assessment_community_scores", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "revision",
                sa.Integer(),
                nullable=False,
                server_default="1",
                comment="1 for the first run of the year and model, +1 each time a rerun changed a score",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("assessment_community_scores", schema=None) as batch_op:
        batch_op.drop_column("revision")
    op.drop_table("report_coverage")
