"""The warehouse's PostgreSQL roles, so that who may read what is enforced by the database.

- ``teachflow_loader``: the pipelines (ingest, merge, reports, scoring): reads and writes every
  table of ``public``, reads the mart. No DDL: migrations run as the warehouse's owner.
- ``teachflow_analyst``: SELECT on the views of the schema ``mart`` and nothing else. ``public`` is
  closed to it (no USAGE), so the base tables and ``restricted_teacher_names`` are refused, and it
  may create nothing. Its ``search_path`` in the warehouse is ``mart``, so ``SELECT * FROM teachers``
  works as well as ``mart.teachers``. Temporary tables stay allowed (PostgreSQL's default for every
  role): they are the session's scratch space and vanish with it, nothing in the warehouse changes.
- ``teachflow_portal``: what the portal shows city staff and clerks: SELECT on every table, names
  included, and on the mart; its only write is its accounts' login throttling (``failed_logins``,
  ``locked_until``) and re-hashed passwords in ``portal_users``.

Roles are cluster-wide and their creation races with any other database on the same server (the
tests make one database each, in parallel): a role that already exists, or that another session
creates at the same moment, is not an error. Grants are per database, and repeatable.
Passwords come from the environment (``TEACHFLOW_LOADER_PASSWORD``, ``TEACHFLOW_ANALYST_PASSWORD``,
``TEACHFLOW_PORTAL_PASSWORD``); a role without one can log in only where ``pg_hba.conf`` trusts it.
They are sent as SCRAM-SHA-256 verifiers computed here, never as text, so no server log or
``pg_stat_activity`` shows them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from sqlalchemy import Connection, text

from teachflow.warehouse.mart_sql import MART_SCHEMA

LOADER, ANALYST, PORTAL = "teachflow_loader", "teachflow_analyst", "teachflow_portal"

ROLE_PURPOSES: dict[str, str] = {
    LOADER: "the pipelines: read and write every warehouse table, no DDL",
    ANALYST: "analysts: SELECT on the mart views only, never IDs or names",
    PORTAL: "the portal: read every table (names included) and the mart, write only its logins' counters",
}

PASSWORD_ENV: dict[str, str] = {
    LOADER: "TEACHFLOW_LOADER_PASSWORD",
    ANALYST: "TEACHFLOW_ANALYST_PASSWORD",
    PORTAL: "TEACHFLOW_PORTAL_PASSWORD",
}


@dataclass(frozen=True)
class RolesResult:
    database: str
    passwords_set: tuple[str, ...]

    def summary(self) -> str:
        lines = [f"Roles granted in database {self.database}:"]
        lines += [f"  {role}: {purpose}" for role, purpose in ROLE_PURPOSES.items()]
        if self.passwords_set:
            lines.append(f"  passwords set from the environment for: {', '.join(self.passwords_set)}")
        return "\n".join(lines)


def _create_role(conn: Connection, role: str) -> None:
    # One statement that tolerates the role existing or being created concurrently elsewhere.
    conn.execute(
        text(
            "DO $$ BEGIN "
            f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE {role} LOGIN; END IF; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
    )


def roles_exist(conn: Connection) -> bool:
    found = conn.execute(
        text("SELECT count(*) FROM pg_roles WHERE rolname IN (:a, :b, :c)"), {"a": LOADER, "b": ANALYST, "c": PORTAL}
    ).scalar_one()
    return found == 3


def grant_mart(conn: Connection) -> None:
    """SELECT on the mart's views for the roles that exist (after the views were recreated)."""
    for role in (ANALYST, PORTAL, LOADER):
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
            conn.execute(text(f"GRANT USAGE ON SCHEMA {MART_SCHEMA} TO {role}"))
            conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {MART_SCHEMA} TO {role}"))


def grant_database(conn: Connection) -> None:
    """Every grant of the three roles in the current database (repeatable)."""
    database = conn.execute(text("SELECT current_database()")).scalar_one()
    # public is closed to everyone but the owner and the roles granted below: an analyst sees no table.
    conn.execute(text("REVOKE ALL ON SCHEMA public FROM PUBLIC"))
    conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {MART_SCHEMA}"))
    conn.execute(text(f"REVOKE ALL ON SCHEMA {MART_SCHEMA} FROM PUBLIC"))
    for role in (LOADER, ANALYST, PORTAL):
        conn.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {role}'))

    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {LOADER}, {PORTAL}"))
    conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {LOADER}"))
    conn.execute(text(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {LOADER}"))
    conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {PORTAL}"))
    # Tables a later migration adds (run by the same owner) get the same grants.
    conn.execute(
        text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {LOADER}")
    )
    conn.execute(
        text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {LOADER}")
    )
    conn.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {PORTAL}"))
    # The portal's one write: its accounts' login throttling and re-hashed passwords (migration 0006).
    if conn.execute(text("SELECT to_regclass('public.portal_users')")).scalar() is not None:
        conn.execute(
            text(f"GRANT UPDATE (failed_logins, locked_until, password_hash) ON public.portal_users TO {PORTAL}")
        )

    conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {ANALYST}"))
    conn.execute(
        text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {MART_SCHEMA} GRANT SELECT ON TABLES TO {ANALYST}, {PORTAL}")
    )
    grant_mart(conn)
    conn.execute(text(f'ALTER ROLE {ANALYST} IN DATABASE "{database}" SET search_path = {MART_SCHEMA}'))


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


SCRAM_ITERATIONS = 4096  # PostgreSQL's default (scram_iterations)


def scram_verifier(password: str, *, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802 / 7677).

    PostgreSQL keeps a password given in this form as it is, so the clear text never travels or
    lands in a log. (It applies SASLprep to non-ASCII passwords first; .env.example asks for
    URL-safe characters, which SASLprep leaves unchanged.)
    """
    salt = salt if salt is not None else os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def ensure_roles(conn: Connection, passwords: dict[str, str] | None = None) -> RolesResult:
    """Create the three roles if missing, set the passwords given, grant them in this database."""
    if conn.dialect.name != "postgresql":
        raise ValueError("database roles exist only on PostgreSQL; SQLite has no users (a file is read whole)")
    passwords = passwords if passwords is not None else passwords_from_env()
    for role in ROLE_PURPOSES:
        _create_role(conn, role)
    for role, password in passwords.items():
        conn.execute(text(f"ALTER ROLE {role} WITH LOGIN PASSWORD {_sql_string(scram_verifier(password))}"))
    grant_database(conn)
    return RolesResult(
        database=conn.execute(text("SELECT current_database()")).scalar_one(), passwords_set=tuple(passwords)
    )


def passwords_from_env() -> dict[str, str]:
    return {role: os.environ[env] for role, env in PASSWORD_ENV.items() if os.environ.get(env)}
