"""Creating the mart's views, their catalogue comments, and the settings table the views read.

The views are derived objects, like a repeatable migration: ``teachflow warehouse upgrade`` drops
and recreates every one of them after Alembic has brought the tables to the newest revision, so a
change to a view is a change to ``mart.py`` only (no migration per view), and a view always matches
the code that documents it. Migration 0003 creates the tables and the ``mart`` schema; this module
fills the schema.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

from teachflow.warehouse.mart import MART_VIEWS
from teachflow.warehouse.mart_sql import MART_SCHEMA, Dialect
from teachflow.warehouse.schema import warehouse_settings

#: (setting, meaning) of every row of ``warehouse_settings``.
SETTING_MEANINGS: dict[str, str] = {
    "eligibility_years": (
        "Full years at one school by 1 September to be eligible for rotation (TEACHFLOW_ELIGIBILITY_YEARS)"
    ),
    "rotation_target": "Share of eligible teachers to rotate in a school year (TEACHFLOW_ROTATION_TARGET)",
    "backbone_target": "Share of backbone teachers among those rotated (TEACHFLOW_BACKBONE_TARGET)",
    "training_hours_per_year": (
        "Training hours (学时) a teacher needs per school year (TEACHFLOW_TRAINING_HOURS_PER_YEAR)"
    ),
    "joint_research_activities": (
        "Support activities a member school should receive from its community in a school year, "
        "for B3a (TEACHFLOW_JOINT_RESEARCH_ACTIVITIES)"
    ),
    "joint_research_mentee_share": (
        "Share of a member school's teachers paired with a mentor of another school of its community, "
        "for B3a (TEACHFLOW_JOINT_RESEARCH_MENTEE_SHARE)"
    ),
    "official_scoring_model": (
        "Joint-assessment model the mart shows: a name, or name@version (TEACHFLOW_OFFICIAL_SCORING_MODEL)"
    ),
}


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def mart_view_names(conn: Connection) -> list[str]:
    """Qualified names of the mart views now in the database (declared or left from an older version)."""
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text("SELECT table_name FROM information_schema.views WHERE table_schema = :s"), {"s": MART_SCHEMA}
        )
        return [f"{MART_SCHEMA}.{name}" for (name,) in rows]
    rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'view' AND name LIKE 'mart\\_%' ESCAPE '\\'"))
    return [name for (name,) in rows]


def drop_mart(conn: Connection) -> None:
    """Drop every mart view (the schema stays, with its grants)."""
    cascade = " CASCADE" if conn.dialect.name == "postgresql" else ""
    for name in mart_view_names(conn):
        conn.execute(text(f"DROP VIEW IF EXISTS {name}{cascade}"))


def create_mart(conn: Connection) -> None:
    """(Re)create every mart view with its comments; on PostgreSQL re-grant it to the roles that exist."""
    dialect = Dialect(conn.dialect.name)
    drop_mart(conn)
    if dialect.is_postgresql:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {MART_SCHEMA}"))
    for view in MART_VIEWS:
        name = dialect.view(view.name)
        conn.execute(text(f"CREATE VIEW {name} AS {view.select(dialect)}"))
        if dialect.is_postgresql:
            conn.execute(text(f"COMMENT ON VIEW {name} IS {_sql_string(f'{view.title}. Grain: {view.grain}.')}"))
            for column, meaning in view.columns:
                conn.execute(text(f"COMMENT ON COLUMN {name}.{column} IS {_sql_string(meaning)}"))
    if dialect.is_postgresql:
        from teachflow.warehouse.roles import grant_mart

        grant_mart(conn)


def write_settings(conn: Connection, values: dict[str, object], *, now: dt.datetime | None = None) -> None:
    """Upsert the given rows of ``warehouse_settings`` (caller's transaction).

    An upsert, not delete-and-insert: two report runs at once (a parallel backfill) both write the
    policy rows, and the second must wait for the first, not fail on its freshly inserted keys.
    """
    unknown = set(values) - set(SETTING_MEANINGS)
    if unknown:
        raise ValueError(f"not a warehouse setting: {sorted(unknown)}")
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    rows = [
        {"setting": k, "value": _text(v), "meaning": SETTING_MEANINGS[k], "updated_at": now} for k, v in values.items()
    ]
    statement = upsert_for(conn)(warehouse_settings).values(rows)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["setting"],
            set_={c: statement.excluded[c] for c in ("value", "meaning", "updated_at")},
        )
    )


def upsert_for(conn: Connection):
    """The dialect's INSERT with ON CONFLICT (PostgreSQL and SQLite both have one)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def policy_values(policy) -> dict[str, object]:
    """The rows of a report's :class:`~teachflow.policy.Policy`."""
    return {
        "eligibility_years": policy.eligibility_years,
        "rotation_target": policy.rotation_target,
        "backbone_target": policy.backbone_target,
        "training_hours_per_year": policy.training_hours_per_year,
        "joint_research_activities": policy.joint_research_activities,
        "joint_research_mentee_share": policy.joint_research_mentee_share,
    }


def settings_values(settings) -> dict[str, object]:
    """The ``warehouse_settings`` rows of a :class:`teachflow.settings.Settings`."""
    return {**policy_values(settings.policy), "official_scoring_model": settings.official_scoring_model}
