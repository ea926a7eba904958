"""The shape of the package: who may import whom (issue 11).

Read from the source with ``ast`` (imports inside functions count too), so a lazy import cannot
hide a cycle or a dependency the layout forbids.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "include" / "teachflow"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every teachflow module ``path`` imports, at any depth of the code."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("teachflow")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("teachflow"):
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def graph(under: str = "") -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
    return {
        name: {i for i in imports_of(path) if i in modules and i != name}
        for name, path in modules.items()
        if name.startswith(under)
    }


def test_the_ingestion_modules_import_each_other_without_a_cycle():
    edges = graph("teachflow.ingestion")
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                pytest.fail("import cycle: " + " -> ".join([*trail, node, nxt]))
            if nxt not in state and nxt in edges:
                visit(nxt, [*trail, node])
        state[node] = "done"

    for name in sorted(edges):
        if name not in state:
            visit(name, [])


def test_ingestion_imports_neither_reports_nor_scoring():
    """Rated-indicator codes reach validation from the caller; months come from teachflow.calendar."""
    forbidden = ("teachflow.reports", "teachflow.scoring", "teachflow.sample", "teachflow.pull")
    for under in ("teachflow.ingestion", "teachflow.validation", "teachflow.contract"):
        for name, imports in graph(under).items():
            assert not [i for i in imports if i.startswith(forbidden)], name


def test_the_generator_and_the_demo_server_are_commands_not_product():
    """The synthetic city and the reference county API server are reached only through their commands."""
    tools = ("teachflow.sample", "teachflow.pull.server", "teachflow.pull.demo")
    allowed = ("teachflow.commands.sample", "teachflow.commands.pull", *tools)
    for name, imports in graph().items():
        if not name.startswith(allowed):
            assert not [i for i in imports if i.startswith(tools)], name


def test_one_pattern_of_a_month():
    """YYYY-MM is written once, in teachflow.calendar (strict ASCII, nothing after it)."""
    month = re.compile(r"0\[1-9\]\|1\[0-2\]")
    writers = sorted(
        str(path.relative_to(PACKAGE.parents[1]))
        for folder in (PACKAGE, PACKAGE.parents[1] / "dags", PACKAGE.parents[1] / "plugins")
        for path in folder.rglob("*.py")
        if month.search(path.read_text(encoding="utf-8"))
    )
    assert writers == ["include/teachflow/calendar.py"]


def test_the_resident_ids_journey_lives_in_one_module():
    """Reading (full-width repair), the check character and the hashing into teacher_key: resident_id.py."""
    markers = re.compile(r"def teacher_keys?\(|10X98765432|0xFEE0.*None|CHECK_WEIGHTS\s*=")
    holders = sorted(
        str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py") if markers.search(path.read_text("utf-8"))
    )
    assert holders == ["resident_id.py"]
