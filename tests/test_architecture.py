"""The layout's rules, checked on the source: where imports may point, no cycles, and
modules small enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("domain", "activities", "workflows", "starter")
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> dict[str, Path]:
    files = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    files["worker"] = ROOT / "worker.py"
    return files


def project_imports(path: Path, known: set[str]) -> set[str]:
    """The project modules a file imports (anywhere in it), resolved to known modules."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


GRAPH = {
    name: project_imports(path, set(source_files())) - {name}
    for name, path in source_files().items()
}


def imports_of(prefix: str) -> set[tuple[str, str]]:
    return {(m, i) for m, deps in GRAPH.items() if m.startswith(prefix) for i in deps}


def test_domain_imports_nothing_upward() -> None:
    assert {(m, i) for m, i in imports_of("domain") if not i.startswith("domain")} == set()


def test_activities_import_only_the_domain() -> None:
    bad = {
        (m, i) for m, i in imports_of("activities") if not i.startswith(("domain", "activities"))
    }
    assert bad == set()


def test_workflows_never_import_the_edges() -> None:
    assert {
        (m, i) for m, i in imports_of("workflows") if i.startswith(("starter", "worker"))
    } == set()


@pytest.mark.parametrize("edge", ["starter.api", "starter.cli", "starter.up", "worker"])
def test_the_runtime_never_imports_an_edge(edge: str) -> None:
    assert {(m, i) for m, i in imports_of("starter.runtime") if i.startswith(edge)} == set()


def test_the_api_never_imports_the_cli() -> None:
    assert {(m, i) for m, i in imports_of("starter.api") if i.startswith("starter.cli")} == set()


def test_no_import_cycles() -> None:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(GRAPH.get(node, ())):
            if dep.startswith(node + "."):
                continue  # a package's __init__ importing its own modules
            if state.get(dep) == 1:
                cycles.append([*path[path.index(dep) :], dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[node] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_no_source_module_is_over_the_limit() -> None:
    long = {
        name: n
        for name, path in source_files().items()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
