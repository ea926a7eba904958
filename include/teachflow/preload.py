"""Pay an ingestion's start-up once per worker, not once per file: import everything and build GX.

A file's ingestion first imports teachflow, pandas, pyarrow and Great Expectations and builds GX's
context: ~3.4 s of a core before it reads a row (BENCHMARKS.md). Airflow runs every mapped task in a
process of its own, but on Linux that process is a ``fork`` of a long-lived worker process (the
LocalExecutor's workers are forked from the scheduler; a Celery worker's pool processes from the
worker's main process; each task process from those). Whatever the worker has imported before it
forks, a task process finds already imported: :func:`preload` is called there, once
(``teachflow_airflow.executors.WarmLocalExecutor`` and ``teachflow_airflow.celery_preload``).

What makes it safe to fork afterwards is checked, not assumed (:func:`fork_hazards`):

- GX is built synchronously in the calling thread, never with :func:`gx_runner.warm_up`'s background
  thread: a thread holding the import lock or GX's context lock at the moment of the fork would
  leave the child waiting for a lock nobody will release;
- nothing here opens a database connection, file or socket (settings are not even read);
- native libraries start threads of their own when imported: OpenBLAS (numpy, scipy) its pool,
  pyarrow's bundled jemalloc a background purging thread. Both survive a fork (they re-create their
  threads through ``pthread_atfork``), but a single-threaded parent is the simplest thing to reason
  about, and teachflow needs neither (no linear algebra; Arrow allocates with malloc, see
  :mod:`teachflow.arrow_memory`). ``OPENBLAS_NUM_THREADS=1`` and
  ``JE_ARROW_MALLOC_CONF=background_thread:false`` in the worker's environment prevent them
  (docker-compose.yml sets both); :func:`fork_hazards` names any thread left.

No Airflow import here: the executor and the Celery hook in ``plugins/`` call this.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)

#: What ``ingest_file`` imports on the way through a file of any dataset and format (checked by
#: tests/test_preload.py against the modules a real ingestion loads).
MODULES: tuple[str, ...] = (
    "encodings.gb18030",
    "encodings.utf_8_sig",
    "fsspec.implementations.local",
    "numpy",
    "pandas",
    "pyarrow",
    "pyarrow.csv",
    "pyarrow.pandas_compat",
    "pyarrow.vendored.version",
    "sqlalchemy.dialects.postgresql",
    "sqlalchemy.dialects.sqlite",
    "psycopg",
    "teachflow.arrow_memory",
    "teachflow.ingestion.pipeline",
    "teachflow.ingestion.cross_county",
    "teachflow.ingestion.reading",
    "teachflow.ingestion.normalize",
    "teachflow.ingestion.merge",
    "teachflow.ingestion.training_copy",
    "teachflow.ingestion.feedback",
    "teachflow.validation",
    "teachflow.validation.gx_runner",
    "teachflow.validation.suites",
    "teachflow.scoring.model",
    "teachflow.submission_status",
    "teachflow.warehouse.engine",
    "teachflow.warehouse.schema",
)

#: Environment that keeps the libraries above from starting threads of their own (see above).
SINGLE_THREADED_ENV: dict[str, str] = {
    "OPENBLAS_NUM_THREADS": "1",
    "JE_ARROW_MALLOC_CONF": "background_thread:false",
}


@dataclass(frozen=True)
class Preloaded:
    """What :func:`preload` did: how long it took, and what could still make a fork unsafe."""

    seconds: float
    modules: int
    hazards: tuple[str, ...]

    def summary(self) -> str:
        text = f"teachflow preloaded in {self.seconds:.2f} s ({self.modules} modules, GX context built)"
        return text + (f"; before forking: {'; '.join(self.hazards)}" if self.hazards else "")


def fork_hazards() -> tuple[str, ...]:
    """What, in this process, a ``fork`` would copy in a state the child cannot rely on.

    Python threads other than the calling one (the child gets none of them, and any lock they held
    stays held), and native threads started by libraries (named from ``/proc``, Linux only).
    """
    hazards = []
    others = [t.name for t in threading.enumerate() if t is not threading.current_thread()]
    if others:
        hazards.append(f"Python threads running: {', '.join(sorted(others))}")
    python_threads = 1 + len(others)
    try:
        names = [_thread_name(tid) for tid in os.listdir("/proc/self/task")]
    except OSError:  # not Linux: only the Python threads are known
        names = []
    if len(names) > python_threads:
        hazards.append(f"{len(names) - python_threads} native thread(s): {', '.join(sorted(names))}")
    return tuple(hazards)


def _thread_name(tid: str) -> str:
    try:
        with open(f"/proc/self/task/{tid}/comm", encoding="utf-8") as comm:
            return comm.read().strip()
    except OSError:
        return tid


def preload() -> Preloaded:
    """Import what an ingestion imports and build GX's context in this thread; idempotent.

    Call it in the process that will fork the task processes, before it forks. The GX context is
    the one :func:`gx_runner.batch_definition` caches, so the task's own call (and ``warm_up``)
    finds it built and starts no thread.
    """
    started = time.perf_counter()
    for name in MODULES:
        importlib.import_module(name)
    from teachflow.validation import gx_runner

    gx_runner.batch_definition()
    done = Preloaded(time.perf_counter() - started, len(MODULES), fork_hazards())
    log.info("%s", done.summary())
    return done
