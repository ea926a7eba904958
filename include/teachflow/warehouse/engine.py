"""Creating engines for the warehouse URL, with the per-engine settings each backend needs.

SQLite gets WAL and a busy timeout so the scheduler's parallel tasks wait for each other
instead of failing with "database is locked"; foreign keys are switched on. PostgreSQL URLs are
normalized to psycopg 3 (``postgresql+psycopg://``), the one driver we pin.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def normalize_url(url: str) -> str:
    """Use psycopg 3 for every PostgreSQL URL (``postgres://`` and ``postgresql://`` included)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str) -> Engine:
    """An engine for the warehouse; creates the folder of a SQLite file if needed."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            _private_sqlite_file(Path(parsed.database))
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # Take transaction control from pysqlite so that the "begin" hook below is what runs.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin_immediate(conn):
            # A writer takes the write lock at BEGIN, so two loads queue on busy_timeout instead
            # of failing with "database is locked" when both try to upgrade a read lock.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


def _private_sqlite_file(path: Path) -> None:
    """Create the warehouse file 0600 (its folder 0700 when made here) before SQLite opens it.

    The warehouse holds the names table: sqlite3 would create it with the umask, usually 0644,
    world-readable. SQLite gives its -wal and -shm files the database file's mode. An existing
    file that others can read is tightened too (if it is ours to change).
    """
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    if path.stat().st_mode & 0o077:
        with contextlib.suppress(PermissionError):  # not our file: leave it to its owner
            path.chmod(0o600)


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
