"""docs/recipes/fastapi against a stock FastAPI app (OAuth2PasswordRequestForm at
/token, a bearer token on /users/me) served by uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.recipes.gate import GateRun, recipe_text, run_gate
from tests.recipes.servers import PASSWORD, AppServer

pytestmark = pytest.mark.timeout(120)

BEARER = '        headers: {Authorization: "Bearer {{ token }}"}\n'


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    workdir = tmp_path_factory.mktemp("fastapi-app")
    with AppServer("tests.recipes.apps.fastapi_app:app", workdir, ready_path="/health") as server:
        yield server


def gate(
    app: AppServer, tmp_path: Path, config: str | None = None, password: str = PASSWORD
) -> GateRun:
    text = config if config is not None else recipe_text("fastapi")
    return run_gate(tmp_path, app.url, config=text, password=password)


def test_the_recipe_passes_unchanged(app: AppServer, tmp_path: Path) -> None:
    run = gate(app, tmp_path)
    assert run.statuses() == {
        "readiness": "passed",
        "journey::signup": "passed",
        "journey::login": "passed",
        "journey::account": "passed",
    }, [c["message"] for c in run.report["checks"]]
    assert run.code == 0


def test_a_wrong_password_fails_the_token_step_by_name(app: AppServer, tmp_path: Path) -> None:
    run = gate(app, tmp_path, password="not-the-password")
    assert run.code == 1
    login = run.check("journey::login")
    assert login["message"].startswith("step 1/1 'get a token' answered 400, expected 200")
    assert "Incorrect username or password" in login["findings"][0]["detail"]
    assert run.check("journey::account")["status"] == "skipped"


def test_a_token_not_sent_fails_the_api_step_by_name(app: AppServer, tmp_path: Path) -> None:
    text = recipe_text("fastapi")
    assert text.count(BEARER) == 2
    run = gate(app, tmp_path, config=text.replace(BEARER, ""))
    assert run.code == 1
    account = run.check("journey::account")
    assert account["message"].startswith(
        "step 1/1 'read the account with the token' answered 401, expected 200"
    )
    assert "Not authenticated" in account["findings"][0]["detail"]
    assert PASSWORD not in str(run.report)
