"""The locked Celery works with the Celery provider: the CeleryExecutor can be imported at all.

The distributed test shows the same failure only after starting the stack; this one names it in two
seconds and runs in every selection of the suite (it needs no service). Celery 5.7.0 removed
``celery.backends.database.retry``, which ``apache-airflow-providers-celery`` 3.26.0 imports at the
top of its executor module: with that pair the scheduler and every worker die at start.
"""

from __future__ import annotations

import importlib
from importlib.metadata import version


def test_the_celery_executor_imports_with_the_installed_celery():
    try:
        module = importlib.import_module("airflow.providers.celery.executors.celery_executor")
    except ImportError as err:
        raise AssertionError(
            f"celery {version('celery')} does not work with apache-airflow-providers-celery "
            f"{version('apache-airflow-providers-celery')}: {err}. Pin a Celery the provider supports "
            "in constraints.txt (celery 5.6.3 works with provider 3.26.0)."
        ) from err
    assert module.CeleryExecutor.__name__ == "CeleryExecutor"
