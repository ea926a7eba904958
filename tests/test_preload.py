"""Warm workers (issue 18): what a task needs is imported once, and the preloaded process forks safely.

Each check runs in a fresh interpreter: the preload is process-wide and what matters is what a
*new* process imports and which threads it has, not what earlier tests left in this one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from teachflow.preload import SINGLE_THREADED_ENV

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run_python(code: str, env: dict[str, str], cwd: Path) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


def test_a_process_forked_after_the_preload_finds_gx_built_and_starts_no_thread(tmp_path):
    out = run_python(
        """
        import os, sys, threading
        from teachflow.preload import preload
        done = preload()
        assert done.hazards == (), done.hazards
        pid = os.fork()
        if pid == 0:
            from teachflow.validation import gx_runner
            code = 0
            try:
                gx_runner.warm_up()  # finds the context built: no thread
                assert threading.active_count() == 1, threading.enumerate()
                assert gx_runner._batch_definition.cache_info().currsize == 1
                print("child ok", sys.modules["great_expectations"].__name__)
            except BaseException as err:
                print("child failed", repr(err))
                code = 1
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        print("child exit", os.waitstatus_to_exitcode(status))
        """,
        {**os.environ, **SINGLE_THREADED_ENV},
        tmp_path,
    )
    assert "child ok great_expectations" in out
    assert "child exit 0" in out


def test_without_the_library_settings_the_native_threads_are_named(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in SINGLE_THREADED_ENV}
    env["OPENBLAS_NUM_THREADS"] = "2"  # the pool OpenBLAS starts on a two-core machine
    out = run_python("from teachflow.preload import preload; print(preload().hazards)", env, tmp_path)
    assert "native thread" in out


def test_the_preload_imports_everything_an_ingestion_imports(tmp_path):
    """Ingest a small city the way the DAG's task does, after the preload: nothing heavy is left to import."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TEACHFLOW_")},
        **SINGLE_THREADED_ENV,
        "TEACHFLOW_DATA_DIR": str(tmp_path / "data"),
        "TEACHFLOW_ID_SECRET": "preload-test-secret-at-least-32-bytes",
        "TEACHFLOW_LANDING_QUIET_SECONDS": "0",
    }
    teachflow = str(BIN / "teachflow")
    for argv in (
        ["sample", "--out", str(tmp_path / "data"), "--counties", "2", "--teachers", "400", "--months", "1"],
        ["warehouse", "upgrade"],
        ["reference", "load", "--dir", str(tmp_path / "data" / "reference")],
    ):
        subprocess.run([teachflow, *argv], env=env, check=True, capture_output=True, timeout=300)
    out = run_python(
        """
        import sys
        from teachflow.preload import preload
        preload()
        before = set(sys.modules)
        from teachflow.ingestion.pipeline import discover, ingest_file
        from teachflow.settings import load_settings
        from teachflow.warehouse.engine import make_engine
        settings = load_settings()
        engine = make_engine(settings.warehouse_url)
        files = discover(engine, settings)
        outcomes = [ingest_file(engine, settings, f).status for f in files]
        print("formats", sorted({f.file_format for f in files}), "outcomes", sorted(set(outcomes)))
        print("new", sorted(set(sys.modules) - before))
        """,
        env,
        tmp_path,
    )
    assert "'csv', 'xlsx'" in out and "'accepted', 'rejected'" in out, out
    new = eval(out.split("new ", 1)[1])  # a printed list of module names
    heavy = ("teachflow", "pandas", "numpy", "pyarrow", "great_expectations", "scipy", "sqlalchemy", "psycopg")
    assert [m for m in new if m.split(".")[0] in heavy] == []
