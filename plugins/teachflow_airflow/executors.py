"""The LocalExecutor with warm workers: teachflow, pandas and GX imported once, before the fork.

Airflow 3's LocalExecutor forks its worker processes from the scheduler (``multiprocessing`` with
the ``fork`` start method, the default on Linux up to Python 3.13) when it starts and whenever one
dies; each worker then forks one task process per task instance (the Task SDK supervisor,
``os.fork`` without ``exec`` on Linux). A task process therefore inherits every module its
scheduler had imported when the worker was forked. :class:`WarmLocalExecutor` calls
:func:`teachflow.preload.preload` in :meth:`start`, before the first worker is forked: the ~3.4 s of
imports and GX context a task paid before its first row are paid once per scheduler, and the pages
are shared by the scheduler, its workers and their task processes (the LocalExecutor freezes the
garbage collector around the fork for that very reason).

Use it with ``AIRFLOW__CORE__EXECUTOR=teachflow_airflow.executors.WarmLocalExecutor`` (``plugins/``
must be on the scheduler's ``PYTHONPATH``). Under another start method (``spawn``/``forkserver``)
the workers start fresh interpreters and the preload cannot reach them: a warning says so.
"""

from __future__ import annotations

import logging

from airflow.executors.local_executor import LocalExecutor

log = logging.getLogger(__name__)


class WarmLocalExecutor(LocalExecutor):
    """LocalExecutor whose workers are forked after teachflow's ingestion was imported and built."""

    def start(self) -> None:
        if self.is_mp_using_fork:
            from teachflow.preload import preload

            done = preload()
            self.log.info("%s", done.summary())
        else:
            self.log.warning("multiprocessing does not fork here: task processes import teachflow themselves")
        super().start()
