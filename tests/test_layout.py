"""The code's layout holds: no import cycle between the project's modules (module-level
imports; an import inside a function is a deliberate late binding and is allowed), and the
shared helpers in common/ import no app."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

PACKAGES = ("accounts", "bench", "common", "config", "demo", "home", "imports", "indicators",
            "jobs", "members", "programs", "reports")  # fmt: skip


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(settings.BASE_DIR).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (settings.BASE_DIR / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


def _top_level_imports(path: Path, known: set[str]) -> set[str]:
    """Project modules imported at module level (not inside functions or TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in names if name in known}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _top_level_imports(path, known) - {name} for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_module_imports_itself_through_others() -> None:
    assert _cycle(_graph()) is None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_common_helpers_import_no_app() -> None:
    graph = _graph()
    for name, targets in graph.items():
        if name.startswith("common"):
            assert {t for t in targets if not t.startswith("common")} == set(), name


def test_indicators_is_cut_by_concern() -> None:
    flat = sorted(p.name for p in (settings.BASE_DIR / "indicators").glob("*.py"))
    assert flat == [
        "__init__.py", "admin.py", "apps.py", "models.py", "resources.py", "selectors.py",
        "urls.py",
    ]  # fmt: skip
