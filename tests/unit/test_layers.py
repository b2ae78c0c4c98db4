"""The layers import in one direction: scoring <- data <- dashboard.

``scoring`` is the engine (pure pandas/numpy), ``data`` the database around it,
``dashboard`` the screens, API and commands. Inside ``dashboard``, the
``services`` (metrics, reports, mail, the scheduler, the intervention rules)
are shared by the screens, the API and the commands, so they import neither
Dash nor Flask nor anything of the screens, the API or the commands. An import
against that direction, at module level or inside a function, fails this test
with the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Packages each layer must never import.
FORBIDDEN = {
    "scoring": ("data", "dashboard"),
    "data": ("dashboard",),
    "dashboard/services": (
        "dash", "dash_bootstrap_components", "dash_ag_grid", "flask", "flask_login",
        "dashboard.admin", "dashboard.api", "dashboard.auth", "dashboard.cli",
        "dashboard.components", "dashboard.sessions", "dashboard.shell", "dashboard.tabs",
    ),
}  # fmt: skip


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every import in the file, relative ones resolved."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
    return found


def violations(layer: str) -> list[str]:
    banned = FORBIDDEN[layer]
    return [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / layer).rglob("*.py"))
        for line, module in imported_modules(path)
        if any(module == name or module.startswith(f"{name}.") for name in banned)
    ]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_the_layers_below(layer):
    assert violations(layer) == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    """A relative import climbing out of ``data`` into ``dashboard`` is caught too."""
    fake = tmp_path / "data" / "repositories"
    fake.mkdir(parents=True)
    (fake / "bad.py").write_text("from ...dashboard import theme\nimport numpy\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert violations("data") == ["data/repositories/bad.py:1 imports dashboard"]


def test_the_check_keeps_dash_flask_and_the_screens_out_of_the_services(tmp_path, monkeypatch):
    fake = tmp_path / "dashboard" / "services"
    fake.mkdir(parents=True)
    (fake / "bad.py").write_text(
        "from flask import g\n"
        "from dashboard.tabs.overview import layout\n"
        "from dashboard import formatting\n"
        "import dash_bootstrap_components as dbc\n"
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert violations("dashboard/services") == [
        "dashboard/services/bad.py:1 imports flask",
        "dashboard/services/bad.py:2 imports dashboard.tabs.overview",
        "dashboard/services/bad.py:4 imports dash_bootstrap_components",
    ]


def import_graph(package: str) -> dict[str, set[str]]:
    """Which modules of ``package`` each of its modules imports (module level or in a function)."""
    paths = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
        for path in (ROOT / package).rglob("*.py")
    }

    def known(module: str) -> str | None:
        while module and module not in paths:
            module = module.rpartition(".")[0]
        return module or None

    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        targets = set()
        for _line, module in imported_modules(path):
            targets.add(known(module))
        # ``from package import module`` names a module, not only the package.
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and not node.level and node.module:
                targets.update(
                    f"{node.module}.{alias.name}"
                    for alias in node.names
                    if f"{node.module}.{alias.name}" in paths
                )
        graph[name] = {target for target in targets if target and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other in a loop (strongly connected components)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in order:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], order[target])
        if low[node] == order[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in order:
            visit(node)
    return found


def test_no_import_cycle_in_the_dashboard():
    assert cycles(import_graph("dashboard")) == []


def test_the_cycle_check_sees_a_loop_through_a_function_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
