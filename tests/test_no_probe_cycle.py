"""The generic layers do not reach into the probe: the checks' package never imports
``launchgate.probe`` (the probe is one capability among the checks, not their base),
and the config never imports the checks or the probe (it is what they read)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import launchgate

PACKAGE = Path(launchgate.__file__).parent


def _imports(path: Path) -> set[str]:
    """Every module an ``import`` or ``from … import`` names, lazy ones included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _reaching(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in (PACKAGE / folder).rglob("*.py")
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    )


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("checks", ("launchgate.probe",)),
        ("config", ("launchgate.checks", "launchgate.probe")),
    ],
)
def test_no_import_reaches_back(folder: str, forbidden: tuple[str, ...]):
    assert (PACKAGE / folder).is_dir()
    assert _reaching(folder, forbidden) == []


def test_the_scan_sees_lazy_imports(tmp_path: Path):
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    from launchgate.probe.check import PROBE_ID\n")
    assert "launchgate.probe.check" in _imports(module)
