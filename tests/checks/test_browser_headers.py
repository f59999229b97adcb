"""Journeys send what a browser sends with a form: ``Origin`` on unsafe methods, and the
``Referer`` of the page the previous GET fetched; and ``{{ target.* }}`` templates.

Client-side rules, with an injected transport; that a real Django over HTTPS accepts
the result is tests/recipes/test_django_recipe.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from launchgate.checks.browser import browser_headers, target_variables
from launchgate.config import parse_config
from launchgate.engine import Run
from launchgate.errors import ConfigError


class Recorder:
    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.url.path == "/old-form":
            return httpx.Response(302, headers={"location": "/form?step=2"})
        return httpx.Response(200, text="ok")

    def sent(self, method: str) -> list[httpx.Request]:
        return [r for r in self.seen if r.method == method]


async def run_config(text: str, target_url: str = "http://app.test") -> Recorder:
    app = Recorder()
    loaded = parse_config("readiness: null\n" + text, Path("launchgate.yml"), {})
    run = Run(loaded, target_url=target_url, transport=httpx.MockTransport(app))
    results = await run.execute_all()
    assert [r.status for r in results] == ["passed"] * len(results), [r.message for r in results]
    return app


FORM = """\
journeys:
  form:
    steps:
      - {method: POST, path: /first}
      - {path: "/form?next=/home"}
      - {method: POST, path: /form, form: {a: b}}
      - {method: PUT, path: /api/thing}
      - {method: DELETE, path: /api/thing}
"""


@pytest.mark.asyncio
async def test_unsafe_steps_send_origin_and_the_referer_of_the_last_page_fetched() -> None:
    app = await run_config(FORM)
    first, form = app.sent("POST")
    assert first.headers["origin"] == "http://app.test"
    assert "referer" not in first.headers  # no page yet: a browser would send none either
    assert form.headers["origin"] == "http://app.test"
    assert form.headers["referer"] == "http://app.test/form?next=/home"
    for request in (*app.sent("PUT"), *app.sent("DELETE")):
        assert request.headers["origin"] == "http://app.test"
        assert request.headers["referer"] == "http://app.test/form?next=/home"
    (get,) = app.sent("GET")
    assert "origin" not in get.headers
    assert "referer" not in get.headers


@pytest.mark.asyncio
async def test_the_referer_is_the_page_a_followed_redirect_ended_on() -> None:
    app = await run_config(
        "journeys:\n  j:\n    steps:\n"
        "      - {path: /old-form, follow_redirects: true}\n"
        "      - {method: POST, path: /form}\n"
    )
    (post,) = app.sent("POST")
    assert post.headers["referer"] == "http://app.test/form?step=2"


@pytest.mark.asyncio
async def test_a_step_or_the_target_that_sets_them_itself_wins() -> None:
    app = await run_config(
        "target: {headers: {Referer: https://from-target.test/}}\n"
        "journeys:\n  j:\n    steps:\n"
        "      - {path: /form}\n"
        "      - {method: POST, path: /form, headers: {ORIGIN: 'null'}}\n"
    )
    (post,) = app.sent("POST")
    assert post.headers.get_list("origin") == ["null"]
    assert post.headers.get_list("referer") == ["https://from-target.test/"]


@pytest.mark.asyncio
async def test_a_journey_started_from_a_session_has_no_page_yet() -> None:
    app = await run_config(
        "journeys:\n"
        "  login:\n    steps: [{path: /login}, {method: POST, path: /login}]\n"
        "  next:\n    session: login\n    steps: [{method: POST, path: /api/do}]\n"
    )
    login_post, do_post = app.sent("POST")
    assert login_post.headers["referer"] == "http://app.test/login"
    assert do_post.headers["origin"] == "http://app.test"
    assert "referer" not in do_post.headers


@pytest.mark.asyncio
async def test_target_templates_name_the_target_without_its_credentials() -> None:
    app = await run_config(
        "journeys:\n  j:\n    steps:\n"
        "      - method: POST\n"
        "        path: /echo\n"
        "        headers: {X-Url: '{{ target.url }}', X-Host: '{{ target.host }}'}\n"
        "        json: {origin: '{{ target.origin }}', back: '{{ target.url }}/done'}\n",
        target_url="https://gate:Pass-Word-77@app.test:8443/base/",
    )
    (post,) = app.sent("POST")
    assert post.headers["x-url"] == "https://app.test:8443/base"
    assert post.headers["x-host"] == "app.test:8443"
    assert post.headers["origin"] == "https://app.test:8443"
    assert json.loads(post.read()) == {
        "origin": "https://app.test:8443",
        "back": "https://app.test:8443/base/done",
    }
    assert "Pass-Word-77" not in post.headers["x-url"]


def test_target_variables_leave_out_default_ports_and_bracket_ipv6() -> None:
    assert target_variables("https://app.test:443") == {
        "target.url": "https://app.test",
        "target.origin": "https://app.test",
        "target.host": "app.test",
    }
    assert target_variables("http://[::1]:8000/")["target.origin"] == "http://[::1]:8000"


def test_the_referer_follows_strict_origin_when_cross_origin() -> None:
    url = httpx.URL("https://app.test/form")

    def referer(page: str, to: httpx.URL = url) -> str | None:
        return browser_headers("POST", to, httpx.URL(page), ()).get("referer")

    assert referer("https://app.test/a?b=1#frag") == "https://app.test/a?b=1"
    assert referer("https://u:p@app.test/a") == "https://app.test/a"
    assert referer("https://www.app.test/a?b=1") == "https://www.app.test/"
    assert referer("https://app.test/a", httpx.URL("http://app.test/form")) is None
    assert browser_headers("GET", url, httpx.URL("https://app.test/a"), ()) == {}


def test_a_misspelt_target_template_is_a_config_error_naming_the_key() -> None:
    parse_config(
        "journeys: {j: {steps: [{path: /, headers: {X: '{{ target.origin }}'}}]}}",
        Path("launchgate.yml"),
        {},
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(
            "journeys: {j: {steps: [{path: /, headers: {X: '{{ target.orign }}'}}]}}",
            Path("launchgate.yml"),
            {},
        )
    text = str(caught.value)
    assert "target.orign" in text
    assert "target.origin" in text  # among the names it could have meant
    assert "headers" in text
