"""The county portal (县区报送门户): where the monthly cycle is seen and acted on.

A small FastAPI application with server-rendered Jinja pages, Chinese first, usable in any
county office's browser without plug-ins or JavaScript. It imports FastAPI, never Airflow; the
Airflow pieces (UI link, digest DAG, alerts) live in ``plugins/`` and ``dags/``.

Modules: ``accounts`` (users, argon2 hashes, throttling), ``security`` (signed session cookie,
CSRF tokens), ``uploads`` (staging, pre-check, the landing zone, the Airflow trigger),
``views`` (what each page shows), ``app`` (the routes), ``templates/`` (the pages).
"""
