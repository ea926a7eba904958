"""portal_users: the county portal's accounts

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-02 07:30:00

The portal (``teachflow portal``) keeps its accounts in the warehouse, beside the ledger it
shows, so that SQLite and PostgreSQL deployments need nothing else. Passwords are argon2id hashes;
``failed_logins``/``locked_until`` throttle guessing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('portal_users',
    sa.Column('username', sa.String(length=64), nullable=False, comment='Login name'),
    sa.Column('password_hash', sa.String(length=255), nullable=False, comment='argon2id hash of the password (never the password)'),
    sa.Column('role', sa.String(length=16), nullable=False, comment='county_clerk (one county) or city_staff (every county)'),
    sa.Column('county_code', sa.String(length=16), nullable=True, comment="The clerk's county; empty for city staff"),
    sa.Column('display_name', sa.String(length=64), nullable=True, comment='How the portal greets the user'),
    sa.Column('email', sa.String(length=254), nullable=True, comment='Where the daily digest is e-mailed (empty: not e-mailed)'),
    sa.Column('active', sa.Boolean(), nullable=False, comment='False: the account cannot log in'),
    sa.Column('failed_logins', sa.Integer(), nullable=False, comment='Failed logins since the last success'),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True, comment='No login before this moment (UTC): throttling'),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False, comment='When the account was made (UTC)'),
    sa.CheckConstraint("(role = 'county_clerk' AND county_code IS NOT NULL) OR (role = 'city_staff' AND county_code IS NULL)", name=op.f('ck_portal_users_county_for_clerks')),
    sa.CheckConstraint("role IN ('county_clerk', 'city_staff')", name=op.f('ck_portal_users_role')),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_portal_users')),
    comment='Accounts of the county portal (teachflow portal add-user); passwords stored as argon2 hashes'
    )


def downgrade() -> None:
    op.drop_table('portal_users')
