"""`launchgate init --from URL` against real running apps: the demo and the stock
Django (over HTTPS), Flask and FastAPI apps of the recipes. The config it writes is
run unchanged, with only the password variable set, and must pass; with a wrong
password it must fail, so a pass is not the generator writing journeys that check
nothing. A host that is down, a redirect loop and a page without forms each give a
clear message and a config that loads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from launchgate.cli import main
from launchgate.config.load import load_config
from launchgate.demo.server import DemoServer
from launchgate.initfrom.inspect import MAX_REQUESTS
from tests.recipes.gate import GateRun, run_gate
from tests.recipes.servers import USERNAME, AppServer
from tests.servers import MisbehavingServer, answer, closed_port, redirect_loop, routes

pytestmark = pytest.mark.timeout(120)


def init_from(
    tmp_path: Path, url: str, *extra: str, capsys: pytest.CaptureFixture[str]
) -> tuple[str, str]:
    path = tmp_path / "generated.yml"
    code = main(["init", str(path), "--from", url, *extra], environ={})
    assert code == 0
    out = capsys.readouterr().out
    return path.read_text(), out


def loads(tmp_path: Path, text: str) -> None:
    """The written config is valid as it stands (password set, nothing else)."""
    path = tmp_path / "check.yml"
    path.write_text(text)
    load_config(path, {"LAUNCHGATE_PASSWORD": "x"})


@pytest.fixture(scope="module")
def django_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    workdir = tmp_path_factory.mktemp("django-init")
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


@pytest.fixture(scope="module")
def flask_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    workdir = tmp_path_factory.mktemp("flask-init")
    with AppServer("tests.recipes.apps.flask_app:asgi_app", workdir, ready_path="/login") as s:
        yield s


@pytest.fixture(scope="module")
def fastapi_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    workdir = tmp_path_factory.mktemp("fastapi-init")
    with AppServer("tests.recipes.apps.fastapi_app:app", workdir, ready_path="/health") as s:
        yield s


def assert_passes(run: GateRun, expected: set[str]) -> None:
    assert run.statuses() == dict.fromkeys(expected, "passed"), [
        c["message"] for c in run.report["checks"]
    ]
    assert run.code == 0


def test_django_over_https(django_site: AppServer, tmp_path: Path, capsys) -> None:
    assert django_site.ca_bundle is not None
    text, out = init_from(
        tmp_path,
        django_site.url,
        "--username",
        USERNAME,
        "--ca-bundle",
        str(django_site.ca_bundle),
        capsys=capsys,
    )
    assert "login form /accounts/login/" in out
    assert "signup form /accounts/signup/" in out
    assert "page behind the login /dashboard/" in out
    assert "csrfmiddlewaretoken" in text
    assert "set LAUNCHGATE_PASSWORD" in out
    ids = {"readiness", "journey::homepage", "journey::signup", "journey::login"}
    assert_passes(run_gate(tmp_path, django_site.url, config=text), ids | {"journey::dashboard"})
    wrong = run_gate(tmp_path, django_site.url, config=text, password="not-the-password")
    assert wrong.code == 1
    assert wrong.check("journey::login")["status"] == "failed"
    assert wrong.check("journey::dashboard")["status"] == "skipped"


def test_flask_with_flask_wtf(flask_app: AppServer, tmp_path: Path, capsys) -> None:
    text, out = init_from(tmp_path, flask_app.url, "--username", USERNAME, capsys=capsys)
    assert "login form /login" in out
    assert "TODO: no health route answered" in text
    ids = {"readiness", "journey::homepage", "journey::signup", "journey::login"}
    assert_passes(run_gate(tmp_path, flask_app.url, config=text), ids | {"journey::dashboard"})
    wrong = run_gate(tmp_path, flask_app.url, config=text, password="not-the-password")
    assert wrong.check("journey::login")["message"].startswith(
        "step 2/2 'submit the login form' answered 200"
    )


def test_fastapi_oauth2_password_flow(fastapi_app: AppServer, tmp_path: Path, capsys) -> None:
    text, out = init_from(tmp_path, fastapi_app.url, "--username", USERNAME, capsys=capsys)
    assert "health /health" in out
    assert "OpenAPI /openapi.json" in out
    assert "TODO: / answered 404" in text
    ids = {"readiness", "journey::signup", "journey::login", "journey::account"}
    assert_passes(run_gate(tmp_path, fastapi_app.url, config=text), ids)
    wrong = run_gate(tmp_path, fastapi_app.url, config=text, password="not-the-password")
    assert wrong.check("journey::login")["message"].startswith(
        "step 1/1 'get a token' answered 400, expected 200"
    )
    assert wrong.check("journey::account")["status"] == "skipped"


def test_the_demo(clean_demo: DemoServer, tmp_path: Path, capsys) -> None:
    text, out = init_from(
        tmp_path, clean_demo.url, "--username", "demo@launchgate.test", capsys=capsys
    )
    assert "health /healthz" in out
    assert "#   path: /version" in text  # offered, commented: its value is the user's
    ids = {"readiness", "journey::homepage", "journey::signup", "journey::login"}
    run = run_gate(tmp_path, clean_demo.url, config=text, password=clean_demo.password)
    assert_passes(run, ids | {"journey::dashboard"})


def test_without_username_the_config_says_what_to_set(
    flask_app: AppServer, tmp_path: Path, capsys
) -> None:
    text, out = init_from(tmp_path, flask_app.url, capsys=capsys)
    assert "(and LAUNCHGATE_USERNAME)" in out
    assert "TODO: pass --username, or set LAUNCHGATE_USERNAME" in text
    loads(tmp_path, text)
    run = run_gate(
        tmp_path, flask_app.url, config=text, extra_env={"LAUNCHGATE_USERNAME": USERNAME}
    )
    assert run.code == 0


def test_a_host_that_is_down(tmp_path: Path, capsys) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    text, out = init_from(tmp_path, url, capsys=capsys)
    assert out.startswith(f"could not reach {url}: connection refused")
    assert "Traceback" not in out
    assert f"url: ${{LAUNCHGATE_URL:-{url}}}" in text
    assert "TODO" in text
    loads(tmp_path, text)


def test_a_redirect_loop(tmp_path: Path, capsys) -> None:
    with MisbehavingServer(redirect_loop()) as app:
        text, out = init_from(tmp_path, app.url, capsys=capsys)
        requests = app.requests
    assert f"GET {app.url}/ redirects in a loop: / → /b → /a → /b" in out
    assert "# TODO: GET" in text
    loads(tmp_path, text)
    assert {r.method for r in requests} == {"GET"}
    assert len(requests) <= MAX_REQUESTS


def test_a_page_without_forms(tmp_path: Path, capsys) -> None:
    html = [("Content-Type", "text/html; charset=utf-8")]
    page = "<!doctype html><title>Plain site</title><p>Nothing to log in to.</p>"
    with MisbehavingServer(routes({"/": answer(200, page, html)})) as app:
        text, out = init_from(tmp_path, app.url, capsys=capsys)
        assert "no health route, login or signup form found" in out
        assert "TODO: no login form found" in text
        assert 'body_contains: "Plain site"' in text
        run = run_gate(tmp_path, app.url, config=text)
        requests = app.requests
    assert_passes(run, {"readiness", "journey::homepage"})
    assert {r.method for r in requests} == {"GET"}


def test_a_url_with_a_path_is_refused(tmp_path: Path) -> None:
    code = main(["init", str(tmp_path / "x.yml"), "--from", "http://127.0.0.1/app"], environ={})
    assert code != 0
    assert not (tmp_path / "x.yml").exists()
