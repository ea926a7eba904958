"""Running the Alembic migrations from code, so ``teachflow warehouse upgrade`` needs no alembic.ini.

The migration scripts ship inside the package (``migrations/``), which keeps the schema version
and the code that expects it in the same installed artefact (Airflow workers included).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config

from teachflow.warehouse.engine import normalize_url

if TYPE_CHECKING:
    from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Alembic's config is ConfigParser-based: a literal % must be doubled.
    cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the warehouse at ``url`` to ``revision`` (creating it if empty)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Take the warehouse back to ``revision`` (``base`` drops every table)."""
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
    """The schema version this code expects: the newest migration shipped with it."""
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg).get_current_head()


def schema_problem(engine: Engine) -> str | None:
    """Why this code cannot work on the warehouse, or None when its schema is current.

    Commands check first, so an empty or older warehouse gets one sentence saying what to run,
    not a "no such table" traceback from the first query.
    """
    from alembic.runtime.migration import MigrationContext

    chatter = logging.getLogger("alembic.runtime.migration")  # "Context impl ..." on every command
    level = chatter.level
    chatter.setLevel(logging.WARNING)
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    finally:
        chatter.setLevel(level)
    head = head_revision()
    if current == head:
        return None
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        return f"the warehouse {where} has no teachflow schema yet: run `teachflow warehouse upgrade` first"
    return (
        f"the warehouse {where} is at schema version {current}, this teachflow expects {head}: "
        "run `teachflow warehouse upgrade` first"
    )
