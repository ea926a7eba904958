"""The portal's PostgreSQL role may update its accounts' login counters and nothing else of them;
analysts cannot read the accounts at all. Logged in AS the roles, as tests/test_mart_roles.py does."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors

from teachflow.cli import main
from teachflow.portal.accounts import authenticate, save_user
from teachflow.reference import load_reference
from teachflow.warehouse.engine import make_engine
from teachflow.warehouse.roles import ANALYST, PORTAL
from tests.citykit import NORTH, write_reference

pytestmark = pytest.mark.postgres


def _as(url: str, role: str) -> str:
    return f"postgresql://{role}@{url.split('@', 1)[1]}"


def test_the_portal_role_throttles_logins_and_the_analyst_sees_no_account(pg_database, tmp_path):
    from teachflow.warehouse.migrate import upgrade

    upgrade(pg_database)
    owner = make_engine(pg_database)
    load_reference(owner, write_reference(tmp_path / "reference"))
    save_user(owner, "north", "a long password", "county_clerk", NORTH)
    owner.dispose()
    assert main(["warehouse", "roles", "--url", pg_database]) == 0

    portal = make_engine(_as(pg_database, PORTAL))
    try:
        assert authenticate(portal, "north", "wrong password") is None  # counts the failure
        assert authenticate(portal, "north", "a long password") is not None  # and resets it
    finally:
        portal.dispose()
    with psycopg.connect(_as(pg_database, PORTAL), autocommit=True) as conn:
        for statement in (
            "UPDATE portal_users SET role = 'city_staff', county_code = NULL",
            "INSERT INTO portal_users (username, password_hash, role, active, failed_logins, created_at) "
            "VALUES ('x', 'x', 'city_staff', true, 0, now())",
            "DELETE FROM portal_users",
        ):
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(statement)
    with (
        psycopg.connect(_as(pg_database, ANALYST), autocommit=True) as conn,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        conn.execute("SELECT count(*) FROM public.portal_users")
