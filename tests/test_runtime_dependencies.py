"""Every library launchgate imports at run time is one ``pip install launchgate``
installs: a module that arrives only with the test extras (yarl came with aiohttp)
works in CI and crashes for a user."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import launchgate

PACKAGE = Path(launchgate.__file__).parent


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _runtime_requirements() -> set[str]:
    requirements = importlib.metadata.requires("launchgate") or []
    return {
        _canonical(re.split(r"[ ;<>=!~\[]", req, maxsplit=1)[0])
        for req in requirements
        if "extra ==" not in req
    }


def _imported_top_level_modules() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"launchgate", "__future__"}


OPTIONAL = {
    # Imported only inside launchgate/plugin/xdist.py's hooks, which pytest-xdist itself
    # calls: a session without xdist never reaches the import.
    "xdist": "plugin/xdist.py",
}


def _module_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_optional_integrations_are_never_imported_at_module_level() -> None:
    for module, filename in OPTIONAL.items():
        for path in PACKAGE.rglob("*.py"):
            assert module not in _module_level_imports(path), (path, module)
        assert (PACKAGE / filename).exists()


def test_every_third_party_import_is_a_declared_runtime_dependency() -> None:
    declared = _runtime_requirements()
    distributions = importlib.metadata.packages_distributions()
    undeclared = {
        module
        for module in _imported_top_level_modules() - set(OPTIONAL)
        if not any(_canonical(d) in declared for d in distributions.get(module, []))
    }
    assert undeclared == set(), f"imported but not in [project].dependencies: {undeclared}"
