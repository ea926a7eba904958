"""Running the Alembic migrations from code, so ``teachflow warehouse upgrade`` needs no alembic.ini.

The migration scripts ship inside the package (``migrations/``), which keeps the schema version
and the code that expects it in the same installed artefact (Airflow workers included).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from teachflow.warehouse.engine import normalize_url

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

#: The newest migration, which this code expects (tests/test_warehouse_schema.py checks it is
#: Alembic's head). Commands compare the warehouse with it without importing Alembic (~0.25 s).
SCHEMA_REVISION = "0009"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Alembic's config is ConfigParser-based: a literal % must be doubled.
    cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the warehouse at ``url`` to ``revision`` (creating it if empty).

    At the newest revision the analysts' mart is then rebuilt (its views are derived objects, like a
    repeatable migration: ``mart_build``), the settings it shows are written, and on PostgreSQL the
    roles' grants are renewed where ``teachflow warehouse roles`` has created them.
    """
    from alembic import command

    command.upgrade(alembic_config(url), revision)
    if current_revision(url) == SCHEMA_REVISION:
        refresh_mart(url)


def refresh_mart(url: str) -> None:
    """Recreate the mart's views and write the current settings into ``warehouse_settings``."""
    from teachflow.settings import load_settings
    from teachflow.warehouse.engine import make_engine
    from teachflow.warehouse.mart_build import create_mart, settings_values, write_settings

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            write_settings(conn, settings_values(load_settings()))
            create_mart(conn)
            if conn.dialect.name == "postgresql":
                from teachflow.warehouse.roles import grant_database, roles_exist

                if roles_exist(conn):
                    grant_database(conn)
    finally:
        engine.dispose()


def downgrade(url: str, revision: str = "base") -> None:
    """Take the warehouse back to ``revision`` (``base`` drops every table)."""
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    from sqlalchemy import inspect, text

    from teachflow.warehouse.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def head_revision() -> str:
    """Alembic's head: the newest migration script shipped with this code."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg).get_current_head()


def schema_problem(engine: Engine) -> str | None:
    """Why this code cannot work on the warehouse, or None when its schema is current.

    Commands check first, so an empty or older warehouse gets one sentence saying what to run,
    not a "no such table" traceback from the first query.
    """
    from sqlalchemy import inspect, text

    with engine.connect() as conn:
        current = None
        if inspect(conn).has_table("alembic_version"):
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if current == SCHEMA_REVISION:
        return None
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        return f"the warehouse {where} has no teachflow schema yet: run `teachflow warehouse upgrade` first"
    return (
        f"the warehouse {where} is at schema version {current}, this teachflow expects {SCHEMA_REVISION}: "
        "run `teachflow warehouse upgrade` first"
    )
