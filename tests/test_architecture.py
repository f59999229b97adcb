"""The import rules of docs/architecture.md, checked on the source.

The graph is read with :mod:`ast`, not by importing, and counts every import: at module
level, inside functions (a lazy import is still a dependency; a cycle hidden in one is
still a cycle) and under ``TYPE_CHECKING``. It is collapsed to packages: each
subpackage of ``launchgate`` (``checks``, ``probe``, ``reports`` …) is one node, and each
top-level module (``engine``, ``verdict`` …) is its own node. The root package is the
public facade (it re-exports names lazily) and is not a node; internal modules may take
only ``__version__`` from it.
"""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Iterator
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "launchgate"

#: Who starts a run: nothing below them may import them.
FACES = frozenset({"cli", "commands", "action", "plugin"})
#: The values every layer hands on; they import no layer that makes or reads them.
VALUES = frozenset({"errors", "results", "verdict", "runreport"})
#: What runs checks or renders their results; the config layer sits below all of it.
ABOVE_CONFIG = frozenset({"checks", "probe", "engine", "gate", "reports", "hooks", "watch"})
#: What runs checks; reports render what it produced and import none of it.
RUNS_CHECKS = ABOVE_CONFIG - {"reports"}


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(
    tree: ast.AST, module: str, is_package: bool
) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(module, names) for every import in ``tree``, relative ones resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = module.split(".") if is_package else module.split(".")[:-1]
                anchor = here[: len(here) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base, tuple(alias.name for alias in node.names)


def _node(module: str, root: Path) -> str | None:
    """The graph node a dotted module belongs to; None for the facade and outsiders."""
    parts = module.split(".")
    if parts[0] != root.name or len(parts) < 2:
        return None
    return parts[1]


def import_graph(root: Path) -> tuple[dict[str, set[str]], list[str]]:
    """The package graph of the source tree at ``root``, and every import that takes
    something other than ``__version__`` from the root facade."""
    graph: dict[str, set[str]] = {}
    facade_uses: list[str] = []
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        source = _node(module, root)
        if source is None:
            continue
        graph.setdefault(source, set())
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        for target, names in _imported(tree, module, path.name == "__init__.py"):
            if target == root.name:
                submodules = {
                    n for n in names if (root / n).is_dir() or (root / f"{n}.py").is_file()
                }
                for name in submodules:
                    if name != source:
                        graph[source].add(name)
                if set(names) - submodules - {"__version__"}:
                    facade_uses.append(
                        f"{path.relative_to(root.parent)}: from {target} import {', '.join(names)}"
                    )
                continue
            node = _node(target, root)
            if node is not None and node != source:
                graph[source].add(node)
    return graph, facade_uses


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as err:
        return list(err.args[1])
    return None


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(SOURCE)[0]


def test_no_package_import_cycle(graph: dict[str, set[str]]) -> None:
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_internal_modules_take_only_the_version_from_the_facade() -> None:
    assert import_graph(SOURCE)[1] == []


def test_checks_and_the_probe_never_import_reports(graph: dict[str, set[str]]) -> None:
    assert "reports" not in graph["checks"]
    assert "reports" not in graph["probe"]


def test_the_probe_is_a_check_kind_the_checks_do_not_know(graph: dict[str, set[str]]) -> None:
    # The probe builds on checks/ (plan, context, ids); checks/ reaching back would
    # let the generic context grow probe-specific slots again.
    assert "checks" in graph["probe"]
    assert "probe" not in graph["checks"]


def test_hooks_and_watch_need_nothing_from_the_checks(graph: dict[str, set[str]]) -> None:
    # Signatures and the clock live at the top level so that neither reaches into
    # checks/ for a shared tool.
    assert "checks" not in graph["hooks"]
    assert {"signing", "clock"} <= graph["watch"]


def test_reports_render_values_and_run_nothing(graph: dict[str, set[str]]) -> None:
    assert graph["reports"] & RUNS_CHECKS == set()


def test_config_imports_nothing_that_runs_checks(graph: dict[str, set[str]]) -> None:
    assert graph["config"] & ABOVE_CONFIG == set()


def test_values_import_no_layer(graph: dict[str, set[str]]) -> None:
    for value in VALUES:
        assert graph[value] <= VALUES, f"{value} imports {sorted(graph[value] - VALUES)}"


def test_only_the_demo_command_imports_the_demo(graph: dict[str, set[str]]) -> None:
    importers = {node for node, targets in graph.items() if "demo" in targets}
    assert importers <= {"commands"}, sorted(importers)


def test_faces_are_imported_only_by_faces(graph: dict[str, set[str]]) -> None:
    for node, targets in graph.items():
        if node not in FACES:
            assert targets & FACES == set(), f"{node} imports the face(s) {sorted(targets & FACES)}"


def test_the_graph_sees_the_known_edges(graph: dict[str, set[str]]) -> None:
    # Guards the checker itself: a parser that missed imports would pass every rule.
    assert {"checks", "config", "verdict", "reports"} <= graph["engine"] | graph["gate"]
    assert "results" in graph["verdict"]
    assert "commands" in graph["cli"]


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")


def test_a_cycle_through_a_lazy_relative_import_is_found(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    _write(
        root,
        {
            "__init__.py": "",
            "a/__init__.py": "",
            "a/one.py": "from pkg.b.two import thing\n",
            "b/__init__.py": "",
            "b/two.py": "def f():\n    from ..c import other\n",
            "c.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import one\n"
            ),
        },
    )
    graph, _ = import_graph(root)
    assert graph == {"a": {"b"}, "b": {"c"}, "c": {"a"}}
    cycle = find_cycle(graph)
    assert cycle is not None and set(cycle) == {"a", "b", "c"}


def test_an_acyclic_tree_passes_and_facade_use_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    _write(
        root,
        {
            "__init__.py": "",
            "core.py": "from pkg import __version__\n",
            "top.py": "from pkg import core, Thing\n",
        },
    )
    graph, facade_uses = import_graph(root)
    assert graph == {"core": set(), "top": {"core"}}
    assert find_cycle(graph) is None
    assert facade_uses == ["pkg/top.py: from pkg import core, Thing"]
