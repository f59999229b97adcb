"""docs/recipes/flask against a stock Flask app (Flask-Login, Flask-WTF forms under
CSRFProtect) served by uvicorn through asgiref's WSGI adapter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.recipes.gate import GateRun, recipe_text, run_gate
from tests.recipes.servers import PASSWORD, AppServer

pytestmark = pytest.mark.timeout(120)


def without_login_token(text: str) -> str:
    """The recipe with the login journey's token line gone: a config that forgot it."""
    before, _, after = text.rpartition(TOKEN_FIELD)
    return before + after


TOKEN_FIELD = '          csrf_token: "{{ csrf }}"\n'


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    workdir = tmp_path_factory.mktemp("flask-app")
    with AppServer("tests.recipes.apps.flask_app:asgi_app", workdir, ready_path="/login") as server:
        yield server


def gate(
    app: AppServer, tmp_path: Path, config: str | None = None, password: str = PASSWORD
) -> GateRun:
    text = config if config is not None else recipe_text("flask")
    return run_gate(tmp_path, app.url, config=text, password=password)


def test_the_recipe_passes_unchanged(app: AppServer, tmp_path: Path) -> None:
    run = gate(app, tmp_path)
    assert run.statuses() == {
        "readiness": "passed",
        "journey::signup": "passed",
        "journey::login": "passed",
        "journey::dashboard": "passed",
    }, [c["message"] for c in run.report["checks"]]
    assert run.code == 0


def test_a_wrong_password_fails_the_login_step_by_name(app: AppServer, tmp_path: Path) -> None:
    run = gate(app, tmp_path, password="not-the-password")
    assert run.code == 1
    assert "not-the-password" not in str(run.report)  # a secret: masked even when wrong
    login = run.check("journey::login")
    assert login["message"].startswith("step 2/2 'log in' answered 200, expected 302")
    assert "Invalid username or password" in login["findings"][0]["detail"]
    assert run.check("journey::dashboard")["status"] == "skipped"


def test_a_dropped_csrf_token_fails_with_flask_wtfs_refusal(app: AppServer, tmp_path: Path) -> None:
    text = recipe_text("flask")
    assert text.count(TOKEN_FIELD) == 2  # the signup journey's, then the login journey's
    run = gate(app, tmp_path, config=without_login_token(text))
    assert run.code == 1
    login = run.check("journey::login")
    assert login["message"].startswith("step 2/2 'log in' answered 400, expected 302")
    assert "The CSRF token is missing" in login["findings"][0]["detail"]
