"""Celery workers, warm: teachflow imported in the worker's main process, before its pool forks.

A Celery worker (prefork pool, Airflow's default) imports the modules of its configuration's
``imports`` setting and then sends ``worker_init``, both in ``WorkController.__init__``, before
``start()`` forks the pool processes; each pool process forks one task process per task instance
(the Task SDK supervisor). ``teachflow_airflow.celery_config.CELERY_CONFIG`` lists this module in
``imports``; on ``worker_init`` it preloads teachflow (:func:`teachflow.preload.preload`) once per
worker, and the pool processes and task processes inherit it.

Importing this module only connects the handler: Airflow's plugin manager imports every module
under ``plugins/`` in every Airflow process (plugins/.airflowignore keeps it from doing so for this
one, but an API server or a scheduler that did import it would not preload anything).

Airflow's own hook (``on_celery_import_modules``) freezes the garbage collector before the pool
forks, to keep the shared pages shared; the objects created here come after that freeze, so it is
done again (Airflow's ``worker_ready`` handler unfreezes once the pool is up).
"""

from __future__ import annotations

import gc
import logging

from celery.signals import worker_init

log = logging.getLogger(__name__)


@worker_init.connect
def preload_teachflow(**_kwargs) -> None:
    """In the worker's main process, before the pool exists: import teachflow and build GX."""
    from teachflow.preload import preload

    log.info("%s", preload().summary())
    gc.freeze()
