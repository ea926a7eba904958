"""What a teachflow task needs at run time: settings with Airflow's connection applied.

The Airflow connection ``teachflow_warehouse`` overrides ``TEACHFLOW_WAREHOUSE_URL``, so that the
warehouse's password lives in Airflow's secrets backend in production. A connection may carry the
exact SQLAlchemy URL in its extra as ``sqlalchemy_url`` (needed for SQLite); otherwise its URI is used.
"""

from __future__ import annotations

import dataclasses
import logging

from teachflow.settings import Settings, load_settings

WAREHOUSE_CONN_ID = "teachflow_warehouse"

log = logging.getLogger(__name__)


def warehouse_url_from_connection() -> str | None:
    """The URL of the ``teachflow_warehouse`` connection, or None if it is not defined."""
    from airflow.sdk import BaseHook

    try:
        conn = BaseHook.get_connection(WAREHOUSE_CONN_ID)
    except Exception:  # not defined: the environment's URL applies (AirflowNotFoundException)
        return None
    explicit = (conn.extra_dejson or {}).get("sqlalchemy_url")
    return explicit or conn.get_uri()


def task_settings() -> Settings:
    """Settings for a task: the environment, with the Airflow connection's URL if one is defined."""
    settings = load_settings()
    url = warehouse_url_from_connection()
    if url:
        settings = dataclasses.replace(settings, warehouse_url=url)
    return settings
