"""training_records: the primary key led by start_date (start_date, teacher_key, program_code)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 18:30:00

The same three columns, the same uniqueness (the natural key, newest report wins); only their order
in the index changes. ``teacher_key`` is an HMAC, so an index led by it spreads a month's records over
every leaf page of a year's index: a million new rows into a table of six million took 10.7 s and
doubled the index (602 MB -> 1,204 MB, a split on nearly every page), against 4.5-4.8 s and +100 MB
with ``start_date`` first, which keeps a month's insertions in one region of the index (BENCHMARKS.md,
issue 18). The loaders sort their rows the same way (``teachflow.ingestion.merge.TRAINING_KEY``).
Nothing looks records up by teacher through this index: the reports and the scoring read date
ranges, the merge whole keys.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_NEW = ["start_date", "teacher_key", "program_code"]
_OLD = ["teacher_key", "program_code", "start_date"]


def _primary_key(columns: list[str]) -> None:
    """PostgreSQL: one ALTER TABLE. SQLite rebuilds the table (its key cannot be altered), and a view
    naming the table blocks the rename that ends the rebuild: every view is dropped first and
    recreated after from its own stored SQL (``teachflow warehouse upgrade`` rebuilds the mart's
    views again afterwards anyway)."""
    bind = op.get_bind()
    views: list[tuple[str, str]] = []
    if bind.dialect.name == "sqlite":
        views = [
            tuple(row)
            for row in bind.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY rowid")
        ]
        for name, _ in reversed(views):
            op.execute(f'DROP VIEW "{name}"')
    with op.batch_alter_table("training_records", schema=None) as batch_op:
        batch_op.drop_constraint("pk_training_records", type_="primary")
        batch_op.create_primary_key("pk_training_records", columns)
    for _, sql in views:
        op.execute(sql)


def upgrade() -> None:
    _primary_key(_NEW)


def downgrade() -> None:
    _primary_key(_OLD)
