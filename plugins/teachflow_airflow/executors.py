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

**Tasks queued ahead** (``[teachflow] local_worker_processes``, e.g.
``AIRFLOW__TEACHFLOW__LOCAL_WORKER_PROCESSES=2``): the LocalExecutor forks one worker process per
slot of ``[core] parallelism``, so a worker that finishes a task idles until the scheduler's next
loop (up to ``scheduler_idle_sleep_time``, 1 s, later) hands it the next one: with ~1 s tasks the
two slots of a 2-core machine were inside a task only ~72 % of the time (issue 18). With fewer
worker processes than slots, the scheduler queues the extra task instances ahead into the
executor's queue, and a worker takes the next the moment it is free, as a Celery worker takes the
next message from its broker (``worker_prefetch_multiplier``). At most ``local_worker_processes``
tasks run at once; the others wait in state *queued*. Unset, there is one process per slot, as in
Airflow's LocalExecutor.
"""

from __future__ import annotations

import logging

from airflow.executors.local_executor import LocalExecutor

log = logging.getLogger(__name__)


class WarmLocalExecutor(LocalExecutor):
    """LocalExecutor whose workers are forked after teachflow's ingestion was imported and built,
    optionally fewer of them than slots (tasks queued ahead: see the module docstring)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        processes = self.conf.getint("teachflow", "local_worker_processes", fallback=0)
        if processes < 0:
            raise ValueError("[teachflow] local_worker_processes must be 0 (one per slot) or more")
        #: Worker processes forked: at most this many tasks run at once.
        self.worker_processes = min(processes, self.parallelism) if processes else self.parallelism

    def _spawn_workers_with_gc_freeze(self, spawn_number: int) -> None:
        # LocalExecutor asks for one process per slot (parallelism); never more than worker_processes.
        super()._spawn_workers_with_gc_freeze(min(spawn_number, self.worker_processes - len(self.workers)))

    def start(self) -> None:
        if self.is_mp_using_fork:
            from teachflow.preload import preload

            done = preload()
            self.log.info("%s", done.summary())
        else:
            self.log.warning("multiprocessing does not fork here: task processes import teachflow themselves")
        super().start()
