"""Every DAG loads, follows team policy, and stays cheap for the scheduler to parse.

Policy kept by tests, not by memory (after mozilla/telemetry-airflow): an owner who is not the
default, tags, a doc_md, retries; no heavy library imported at the top of a DAG file.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAG_FILES = sorted((ROOT / "dags").glob("*.py"))
HEAVY = ("pandas", "great_expectations", "sqlalchemy", "requests", "numpy", "openpyxl", "python_calamine")


@pytest.fixture(scope="module")
def timed_dagbag():
    from airflow.dag_processing.dagbag import DagBag

    start = time.perf_counter()
    bag = DagBag(dag_folder=str(ROOT / "dags"))
    return bag, time.perf_counter() - start


@pytest.fixture
def dagbag(timed_dagbag):
    return timed_dagbag[0]


def test_parse_time_of_all_dag_files_is_printed(timed_dagbag, capsys):
    bag, elapsed = timed_dagbag
    with capsys.disabled():  # shown in the CI log, not captured
        print(f"\n[dag parse] {len(DAG_FILES)} DAG file(s), {len(bag.dags)} DAG(s) parsed in {elapsed:.2f} s")
    assert len(bag.dags) >= len(DAG_FILES)  # every file defines at least one DAG


def test_dag_files_exist():
    assert [p.name for p in DAG_FILES if p.name != "__init__.py"], "dags/ holds no DAG file"


def test_every_dag_file_loads_without_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert {Path(d.fileloc).name for d in dagbag.dags.values()} == {p.name for p in DAG_FILES}


def test_every_dag_has_owner_tags_doc_and_retries(dagbag):
    problems = []
    for dag_id, dag in dagbag.dags.items():
        if not dag.tags:
            problems.append(f"{dag_id}: no tags")
        if not (dag.doc_md or "").strip():
            problems.append(f"{dag_id}: no doc_md")
        for t in dag.tasks:
            if t.owner in ("", "airflow"):
                problems.append(f"{dag_id}.{t.task_id}: default owner {t.owner!r}")
            if not t.retries:
                problems.append(f"{dag_id}.{t.task_id}: no retries")
    assert problems == []


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_no_heavy_import_at_module_top(path):
    """Top-level statements of the DAG file import none of the heavy libraries..."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            top_level += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            top_level.append(node.module)
    assert [m for m in top_level if m.split(".")[0] in (*HEAVY, "teachflow")] == []


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_parsing_a_dag_file_loads_no_heavy_library(path):
    """...and neither does anything they import (Airflow itself brings SQLAlchemy, so it is allowed here)."""
    code = (
        "import json, runpy, sys, time\n"
        f"sys.path.insert(0, {str(ROOT / 'plugins')!r})\n"
        "import airflow.sdk\n"
        "t = time.perf_counter()\n"
        f"runpy.run_path({str(path)!r})\n"
        "heavy = [m for m in ('pandas', 'great_expectations', 'requests', 'numpy', 'openpyxl',"
        " 'teachflow.ingestion.pipeline')"
        " if m in sys.modules]\n"
        "print(json.dumps({'heavy': heavy, 'seconds': time.perf_counter() - t}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{path.name}: parsed in {result['seconds']:.3f} s after airflow.sdk")
    assert result["heavy"] == []
