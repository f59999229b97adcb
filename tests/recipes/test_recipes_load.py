"""Every recipe in docs/recipes/ is a config launchgate loads as it stands (the Rails
one too, which no test can run against Rails), with the variables its header names."""

from __future__ import annotations

from pathlib import Path

import pytest

from launchgate.config import parse_config
from tests.recipes.gate import RECIPES

ENVIRON = {
    "LAUNCHGATE_URL": "https://staging.example.com",
    "LAUNCHGATE_PASSWORD": "placeholder-password",
    "LAUNCHGATE_EMAIL": "gate@example.com",
}
NAMES = sorted(p.name for p in RECIPES.iterdir() if p.is_dir())


def test_there_is_a_recipe_for_each_framework_the_docs_promise() -> None:
    assert NAMES == ["django", "fastapi", "flask", "rails"]
    index = (RECIPES / "README.md").read_text()
    for name in NAMES:
        assert f"({name}/README.md)" in index


@pytest.mark.parametrize("name", NAMES)
def test_the_recipe_loads_and_documents_itself(name: str) -> None:
    path = RECIPES / name / "launchgate.yml"
    loaded = parse_config(path.read_text(), Path(path.name), ENVIRON)
    config = loaded.config
    assert {"signup", "login"} <= set(config.journeys)
    # The login journey's password comes from the environment and is masked.
    assert "LAUNCHGATE_PASSWORD" in path.read_text()
    assert "placeholder-password" in loaded.secret_values
    assert "(launchgate.yml)" in (RECIPES / name / "README.md").read_text()
