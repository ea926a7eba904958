"""submissions.status: also ``quarantined`` and ``abandoned`` (cycle.md)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 07:30:00

- ``quarantined``: a file whose takes failed too often (``TEACHFLOW_MAX_FAILED_TAKES``) is set aside
  with feedback and an alert instead of being retried forever.
- ``abandoned``: a take left ``received`` by a crash or a kill, once a later take of the same bytes
  has finished; it is never shown as ``processing``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_OLD = "status IN ('received', 'accepted', 'rejected', 'superseded', 'duplicate')"
_OLD_COMMENT = "received, accepted, rejected, superseded or duplicate"
_NEW_COMMENT = "received, accepted, rejected, superseded, duplicate, quarantined or abandoned"
_NEW = "status IN ('received', 'accepted', 'rejected', 'superseded', 'duplicate', 'quarantined', 'abandoned')"


def upgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_submissions_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_submissions_status"), _NEW)
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=16),
            existing_nullable=False,
            comment=_NEW_COMMENT,
            existing_comment=_OLD_COMMENT,
        )


def downgrade() -> None:
    op.execute("UPDATE submissions SET status = 'rejected' WHERE status = 'quarantined'")
    op.execute("DELETE FROM submissions WHERE status = 'abandoned'")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_submissions_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_submissions_status"), _OLD)
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=16),
            existing_nullable=False,
            comment=_OLD_COMMENT,
            existing_comment=_NEW_COMMENT,
        )
