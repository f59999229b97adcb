"""docs/recipes/django against a stock Django site (contrib.auth LoginView, a
UserCreationForm signup, a @login_required dashboard, CsrfViewMiddleware) served
over HTTPS by uvicorn with a trustme certificate.

Over HTTPS Django refuses a POST without an Origin or Referer of its own site: the
recipe passes only because journeys send them as a browser does (the last test shows
the refusal a gate without them meets).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from launchgate.checks import journeys
from tests.recipes.gate import GateRun, recipe_text, run_gate
from tests.recipes.servers import PASSWORD, AppServer

pytestmark = pytest.mark.timeout(120)


def without_login_token(text: str) -> str:
    """The recipe with the login journey's token line gone: a config that forgot it."""
    before, _, after = text.rpartition(TOKEN_FIELD)
    return before + after


TOKEN_FIELD = '          csrfmiddlewaretoken: "{{ csrf }}"\n'


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    workdir = tmp_path_factory.mktemp("django-site")
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.recipes.apps.django_site.settings",
        "RECIPE_DB": str(workdir / "db.sqlite3"),
    }
    with AppServer(
        "django.core.asgi:get_asgi_application",
        workdir,
        factory=True,
        tls=True,
        env=env,
        ready_path="/accounts/login/",
        before=("tests.recipes.apps.django_site.setup_db",),
    ) as server:
        yield server


def gate(
    site: AppServer, tmp_path: Path, config: str | None = None, password: str = PASSWORD
) -> GateRun:
    assert site.ca_bundle is not None
    return run_gate(
        tmp_path,
        site.url,
        config=config if config is not None else recipe_text("django"),
        extra_env={"LAUNCHGATE_CA_BUNDLE": str(site.ca_bundle)},
        password=password,
    )


def test_the_recipe_passes_unchanged_over_https(site: AppServer, tmp_path: Path) -> None:
    run = gate(site, tmp_path)
    assert run.statuses() == {
        "readiness": "passed",
        "journey::signup": "passed",
        "journey::login": "passed",
        "journey::dashboard": "passed",
    }, [c["message"] for c in run.report["checks"]]
    assert run.code == 0
    assert site.url.startswith("https://")


def test_a_wrong_password_fails_the_login_step_by_name(site: AppServer, tmp_path: Path) -> None:
    run = gate(site, tmp_path, password="not-the-password")
    assert run.code == 1
    assert "not-the-password" not in str(run.report)  # a secret: masked even when wrong
    login = run.check("journey::login")
    assert login.get("status") == "failed"
    assert login["message"].startswith("step 2/2 'log in' answered 200, expected 302")
    assert "Please enter a correct username and password" in login["findings"][0]["detail"]
    assert run.check("journey::dashboard")["status"] == "skipped"
    assert run.check("journey::signup")["status"] == "passed"


def test_a_dropped_csrf_token_fails_with_djangos_refusal(site: AppServer, tmp_path: Path) -> None:
    text = recipe_text("django")
    assert text.count(TOKEN_FIELD) == 2  # the signup journey's, then the login journey's
    run = gate(site, tmp_path, config=without_login_token(text))
    assert run.code == 1
    login = run.check("journey::login")
    assert login["message"].startswith("step 2/2 'log in' answered 403, expected 302")
    finding = login["findings"][0]
    assert "CSRF verification failed" in finding["detail"]
    assert "CSRF token" in finding["remedy"]


def test_without_origin_and_referer_django_refuses_every_post(
    site: AppServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the recipe met before journeys sent them: a 403 on the first POST."""
    monkeypatch.setattr(journeys, "browser_headers", lambda *args: {})
    run = gate(site, tmp_path)
    assert run.code == 1
    login = run.check("journey::login")
    assert login["message"].startswith("step 2/2 'log in' answered 403, expected 302")
    assert "CSRF verification failed" in login["findings"][0]["detail"]
