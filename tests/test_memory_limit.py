"""A file that needs more memory than its process may have fails cleanly, and is taken again later.

Issue 18, part 4: workers run under a memory limit (compose ``mem_limit``, a cgroup; natively e.g.
systemd's ``MemoryMax``). Here the limit is the OS's ``RLIMIT_AS`` on the process that ingests,
set after teachflow is preloaded (as in a warm worker's task process) to 200 MiB more than it has
mapped: far less than a 400,000-row training file needs. The training file must fail (not be
accepted half-loaded), nothing of it may reach the warehouse, and the next run, without the limit,
takes every file whole (a smaller file may fail too under the limit, memory the process has not
given back counts against it; it is then taken again in the same way). The process either reports
the failure (Python's ``MemoryError``) or dies (C++ ``std::bad_alloc`` in an Arrow thread aborts it,
as a cgroup's OOM killer would kill it): the test accepts both, and checks what matters, that the
open transaction never committed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from teachflow.preload import SINGLE_THREADED_ENV

pytestmark = pytest.mark.postgres

BIN = Path(sys.executable).parent
ROWS = 400_000
HEADROOM_MIB = 200

INGEST_UNDER_LIMIT = textwrap.dedent(
    """
    import resource, sys
    from teachflow.preload import preload
    preload()
    headroom = int(sys.argv[1]) * 2**20
    if headroom:
        mapped = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmSize"))
        resource.setrlimit(resource.RLIMIT_AS, (mapped + headroom, mapped + headroom))
    from teachflow.cli import main
    sys.exit(main(["ingest"]))
    """
)


def test_a_file_over_the_memory_limit_fails_cleanly_and_is_taken_whole_afterwards(tmp_path, pg_database):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TEACHFLOW_")},
        **SINGLE_THREADED_ENV,
        "TEACHFLOW_DATA_DIR": str(tmp_path / "data"),
        "TEACHFLOW_WAREHOUSE_URL": pg_database,
        "TEACHFLOW_ID_SECRET": "memory-limit-test-secret-at-least-32-bytes",
        "TEACHFLOW_LANDING_QUIET_SECONDS": "0",
    }
    teachflow = str(BIN / "teachflow")
    sample = ["--counties", "1", "--months", "1", "--training-records", str(ROWS), "--format", "csv", "--no-mistakes"]
    for argv in (
        ["sample", "--out", str(tmp_path / "data"), *sample],
        ["warehouse", "upgrade"],
        ["reference", "load", "--dir", str(tmp_path / "data" / "reference")],
    ):
        subprocess.run([teachflow, *argv], env=env, check=True, capture_output=True, timeout=300)

    def ingest(headroom_mib: int) -> subprocess.CompletedProcess:
        argv = [sys.executable, "-c", INGEST_UNDER_LIMIT, str(headroom_mib)]
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)

    engine = create_engine(pg_database.replace("postgresql://", "postgresql+psycopg://", 1))

    def warehouse() -> tuple[set[str], int]:
        """The datasets with an accepted submission, and the training rows in the warehouse."""
        with engine.connect() as conn:
            accepted = set(conn.execute(text("SELECT dataset FROM submissions WHERE status = 'accepted'")).scalars())
            return accepted, conn.execute(text("SELECT count(*) FROM training_records")).scalar_one()

    try:
        limited = ingest(HEADROOM_MIB)
        # Python's MemoryError (the command reports the file failed, exit code 1), Arrow's C++
        # std::bad_alloc in one of its threads (abort), or glibc unable to start a thread (exit 127):
        # which one depends on where the limit bites. Like a cgroup's OOM kill, none may commit.
        assert limited.returncode != 0, limited.stdout
        accepted, training_rows = warehouse()
        assert training_rows == 0  # nothing half-loaded
        assert "training_records" not in accepted  # a failed take (or a killed one): taken again next run

        again = ingest(0)
        assert again.returncode == 0, again.stdout + again.stderr[-2000:]
        accepted, training_rows = warehouse()
        assert accepted == {
            "assessment_ratings",
            "pairings",
            "support_activities",
            "teacher_flows",
            "teachers",
            "training_records",
        }
        assert training_rows == ROWS
    finally:
        engine.dispose()
