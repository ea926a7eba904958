"""The shape of the package: who may import whom (issue 11).

Read from the source with ``ast`` (imports inside functions count too), so a lazy import cannot
hide a cycle or a dependency the layout forbids.
"""

from __future__ import annotations

import ast
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
