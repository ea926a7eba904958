"""A ``[core] hostname_callable`` that gives each Celery worker of the test a name of its own.

Airflow records the host that ran a task instance in ``task_instance.hostname``, from
``hostname_callable`` (the machine's FQDN by default). Two workers on one machine would record the
same name, so the test points the callable here and sets ``TEACHFLOW_TEST_WORKER_HOSTNAME`` per worker.
Kept apart from ``stack.py`` so that the task processes import nothing but ``os``.
"""

from __future__ import annotations

import os

ENV_VAR = "TEACHFLOW_TEST_WORKER_HOSTNAME"
CALLABLE = "tests.distributed.hostname.from_environment"


def from_environment() -> str:
    """The worker's name as the test set it (the machine's name for any other process)."""
    import socket

    return os.environ.get(ENV_VAR) or socket.getfqdn()
