"""the analysts' mart: settings, scoring models, per-teacher month summary, and the mart schema

Revision ID: 0003
Revises: 0005
Create Date: 2026-12-02 07:40:00

Tables the mart's views read besides the base tables:
- ``warehouse_settings``: the policy figures and the official scoring model in force, so SQL can say
  which rules it applies (written by ``teachflow warehouse upgrade`` and the report and scoring runs);
- ``scoring_models``: the name and version behind each ``model_hash`` scores are stored under
  (written by each scoring run; runs stored before this migration appear once rescored);
- ``summary_teacher_months``: one row per report month and roster teacher, written by the monthly
  report's run (months reported before this migration appear once recomputed).

The ``mart`` schema is created here (PostgreSQL); its views are recreated after every upgrade by
``teachflow.warehouse.mart_build`` (SQLite: views named ``mart_<view>``). The downgrade drops them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('warehouse_settings',
    sa.Column('setting', sa.String(length=64), nullable=False, comment='Setting name, e.g. eligibility_years'),
    sa.Column('value', sa.String(length=256), nullable=False, comment='Its value, as text'),
    sa.Column('meaning', sa.String(length=256), nullable=False, comment='What it decides, in plain words'),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False, comment='When teachflow last wrote it (UTC)'),
    sa.PrimaryKeyConstraint('setting', name=op.f('pk_warehouse_settings')),
    comment='Policy figures and choices in force (TEACHFLOW_* settings), written by `teachflow warehouse upgrade` and the report and scoring runs, so that SQL can say which rules it applies'
    )
    op.create_table('scoring_models',
    sa.Column('model_hash', sa.String(length=64), nullable=False, comment='SHA-256 of the scoring model file'),
    sa.Column('model_name', sa.String(length=128), nullable=False, comment='The model\'s name (name: in the file)'),
    sa.Column('model_version', sa.String(length=64), nullable=False, comment='The model\'s version (version: in the file)'),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False, comment='First scoring run with it (UTC)'),
    sa.PrimaryKeyConstraint('model_hash', name=op.f('pk_scoring_models')),
    comment='Every joint-assessment model file scores were stored under, with its name and version'
    )
    op.create_table('summary_teacher_months',
    sa.Column('period', sa.String(length=7), nullable=False, comment='Report month M (YYYY-MM)'),
    sa.Column('teacher_key', sa.String(length=64), nullable=False, comment='HMAC-SHA256 of the resident ID'),
    sa.Column('roster_period', sa.String(length=7), nullable=False, comment='Month of the roster standing for M (latest <= M)'),
    sa.Column('county_code', sa.String(length=6), nullable=False, comment='County whose roster lists the teacher'),
    sa.Column('school_code', sa.String(length=10), nullable=False, comment='School on that roster'),
    sa.Column('community_code', sa.String(length=16), nullable=True, comment="The school's community when M was computed (blank: none)"),
    sa.Column('gender', sa.String(length=1), nullable=True, comment='M or F'),
    sa.Column('birth_year', sa.Integer(), nullable=True, comment='Year of birth'),
    sa.Column('subject', sa.String(length=64), nullable=True, comment='Subject taught'),
    sa.Column('title', sa.String(length=16), nullable=True, comment='Professional title code'),
    sa.Column('tier', sa.String(length=16), nullable=False, comment='Backbone tier code'),
    sa.Column('current_school_since', sa.Date(), nullable=False, comment='Start of teaching at the current school'),
    sa.Column('eligible', sa.Boolean(), nullable=False, comment='At the school for the eligibility years by sy_start'),
    sa.Column('month_training_hours', sa.Numeric(precision=9, scale=2), nullable=False, comment='Training hours ending in M'),
    sa.Column('month_training_records', sa.Integer(), nullable=False, comment='Training records ending in M (人次)'),
    sa.Column('sy_training_hours', sa.Numeric(precision=9, scale=2), nullable=False, comment="Training hours ending from sy_start to M's end"),
    sa.Column('required_hours', sa.Numeric(precision=9, scale=2), nullable=False, comment="Hours needed by M's end: 72 x months elapsed / 12"),
    sa.Column('on_track', sa.Boolean(), nullable=False, comment='sy_training_hours >= required_hours'),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False, comment="When M's rows were computed (UTC)"),
    sa.PrimaryKeyConstraint('period', 'teacher_key', name=op.f('pk_summary_teacher_months')),
    comment="One row per report month and teacher of the latest rosters: the per-teacher facts behind the monthly report, written by the same run (the mart's teachers and training views read it)"
    )
    op.create_index('ix_summary_teacher_months_school', 'summary_teacher_months', ['period', 'school_code'], unique=False)
    op.create_index('ix_summary_teacher_months_community', 'summary_teacher_months', ['period', 'community_code'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE SCHEMA IF NOT EXISTS mart')


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute('DROP SCHEMA IF EXISTS mart CASCADE')
    else:
        names = bind.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'view' AND name LIKE 'mart\\_%' ESCAPE '\\'"
        ).scalars().all()
        for name in names:
            op.execute(f'DROP VIEW IF EXISTS {name}')
    op.drop_index('ix_summary_teacher_months_community', table_name='summary_teacher_months')
    op.drop_index('ix_summary_teacher_months_school', table_name='summary_teacher_months')
    op.drop_table('summary_teacher_months')
    op.drop_table('scoring_models')
    op.drop_table('warehouse_settings')
