"""`launchgate run` with a recipe's config, as a user runs it: the config file from
docs/recipes/ unchanged, the URL and the password from the environment."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from launchgate.cli import main
from tests.recipes.servers import PASSWORD, REPO

RECIPES = REPO / "docs" / "recipes"


@dataclass(frozen=True)
class GateRun:
    code: int
    report: dict[str, Any]

    def check(self, check_id: str) -> dict[str, Any]:
        return next(c for c in self.report["checks"] if c["id"] == check_id)

    def statuses(self) -> dict[str, str]:
        return {c["id"]: c["status"] for c in self.report["checks"]}


def recipe_text(name: str) -> str:
    return (RECIPES / name / "launchgate.yml").read_text()


def run_gate(
    tmp_path: Path,
    url: str,
    *,
    config: str,
    password: str = PASSWORD,
    extra_env: dict[str, str] | None = None,
) -> GateRun:
    cfg = tmp_path / "launchgate.yml"
    cfg.write_text(config)
    out = tmp_path / "out"
    environ = {"LAUNCHGATE_URL": url, "LAUNCHGATE_PASSWORD": password, **(extra_env or {})}
    code = main(["run", "--config", str(cfg), "--out", str(out)], environ=environ)
    return GateRun(code, json.loads((out / "report.json").read_text()))
