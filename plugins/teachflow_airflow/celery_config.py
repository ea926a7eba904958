"""Airflow's Celery configuration plus one line: the worker imports teachflow before it forks.

Set ``AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS=teachflow_airflow.celery_config.CELERY_CONFIG``
(docker-compose.yml does). Everything else is Airflow's default configuration, built from the same
``[celery]`` settings; see :mod:`teachflow_airflow.celery_preload` for why and when the import runs.
"""

from __future__ import annotations

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG

CELERY_CONFIG = {
    **DEFAULT_CELERY_CONFIG,
    "imports": (*DEFAULT_CELERY_CONFIG.get("imports", ()), "teachflow_airflow.celery_preload"),
}
