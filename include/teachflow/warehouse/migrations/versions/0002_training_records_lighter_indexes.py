"""training_records: one BRIN index on end_date instead of two B-tree indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 05:10:00

Every B-tree index on ``training_records`` costs each loaded row an index insertion: with the
natural-key primary key and two more indexes, a million-row submission spent ~9 s publishing,
against ~3.5 s with the primary key and one BRIN index (BENCHMARKS.md).

- ``ix_training_records_submission`` goes: its only reader was the resubmission DELETE, which now
  also names the period's month of ``end_date`` (every loaded record ends inside its submission's
  month: a row rule), so the end_date index finds those rows.
- ``ix_training_records_end_date`` becomes a BRIN index on PostgreSQL: records arrive month by month,
  so the table's physical order follows ``end_date`` and a block-range index (a few pages, almost
  free to maintain) serves the reports' school-year ranges. SQLite has no BRIN: a B-tree there.
"""

from __future__ import annotations

from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.drop_index('ix_training_records_submission')
        batch_op.drop_index('ix_training_records_end_date')
    op.create_index('ix_training_records_end_date', 'training_records', ['end_date'], postgresql_using='brin')


def downgrade() -> None:
    op.drop_index('ix_training_records_end_date', table_name='training_records')
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.create_index('ix_training_records_end_date', ['end_date'], unique=False)
        batch_op.create_index('ix_training_records_submission', ['submission_id'], unique=False)
