"""The layers import in one direction: scoring <- data <- dashboard.

``scoring`` is the engine (pure pandas/numpy), ``data`` the database around it,
``dashboard`` the screens, API and commands. An import against that direction,
at module level or inside a function, fails this test with the file and line.
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
}


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
        if module.split(".")[0] in banned
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
