"""The Airflow side of warm workers (issue 18): where the preload is called, and when.

The preload itself (what it imports, that a fork after it is safe) is tests/test_preload.py; here:
the LocalExecutor preloads before it forks a worker, the Celery worker's configuration names the
hook, the hook preloads on ``worker_init`` and not on import, and Airflow's plugin manager, which
imports every module under ``plugins/`` in every process, leaves these modules alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


class _Done:
    def summary(self) -> str:
        return "preloaded (test)"


def test_the_warm_local_executor_preloads_before_it_forks_its_workers(monkeypatch):
    import teachflow.preload
    from teachflow_airflow.executors import WarmLocalExecutor

    calls: list[str] = []
    monkeypatch.setattr(teachflow.preload, "preload", lambda: calls.append("preload") or _Done())
    monkeypatch.setattr(WarmLocalExecutor, "_spawn_worker", lambda self: calls.append("fork"))
    executor = WarmLocalExecutor(parallelism=2)
    assert executor.is_mp_using_fork, "Linux with Python 3.11 forks; the preload depends on it"
    executor.start()
    try:
        assert calls == ["preload", "fork", "fork"]
    finally:
        executor.activity_queue.close()
        executor.result_queue.close()


def test_the_celery_configuration_is_airflows_plus_the_preload_hook():
    from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG

    from teachflow_airflow.celery_config import CELERY_CONFIG

    assert {k: v for k, v in CELERY_CONFIG.items() if k != "imports"} == {
        k: v for k, v in DEFAULT_CELERY_CONFIG.items() if k != "imports"
    }
    assert CELERY_CONFIG["imports"][-1] == "teachflow_airflow.celery_preload"


def test_the_celery_hook_preloads_on_worker_init_not_on_import(monkeypatch):
    import importlib

    from celery import Celery
    from celery.signals import worker_init

    import teachflow.preload
    from teachflow_airflow.celery_config import CELERY_CONFIG

    calls: list[str] = []
    monkeypatch.setattr(teachflow.preload, "preload", lambda: calls.append("preload") or _Done())
    app = Celery("warm-test", config_source={**CELERY_CONFIG, "broker_url": "memory://"})
    app.loader.import_default_modules()  # what WorkController.__init__ does first
    hook = importlib.import_module("teachflow_airflow.celery_preload")
    assert calls == []
    worker_init.send(sender=None)  # what it does next, still before the pool forks
    assert calls == ["preload"]
    worker_init.disconnect(hook.preload_teachflow)


@pytest.mark.parametrize("module", ["executors.py", "celery_config.py", "celery_preload.py"])
def test_the_plugin_manager_does_not_import_the_modules_named_in_configuration(module):
    from airflow._shared.module_loading.file_discovery import find_path_from_directory

    found = {Path(p).name for p in find_path_from_directory(ROOT / "plugins", ".airflowignore", "glob")}
    assert "assets.py" in found  # the plugin modules are still found
    assert module not in found
