"""The server runner: a real uvicorn subprocess, its secrets kept out of every output,
and a stop that leaves nothing behind."""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import urllib.parse
import uuid
from urllib.parse import urlsplit

import httpx
import pytest

from launchgate.demo import DemoServer


def leaked_forms(secret: str) -> list[str]:
    """The secret as it could show up: raw, base64, URL-encoded and JSON-escaped."""
    return [
        secret,
        base64.b64encode(secret.encode()).decode(),
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        json.dumps(secret)[1:-1],
    ]


def test_env_password_works_and_never_reaches_any_output(demo_server, browser, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    sentinel = f"Sentinel-{uuid.uuid4().hex}/+=&!"
    # A fault makes the app log a warning, so the capture is shown to be non-empty.
    server = demo_server(["webhook-unsigned"], extra_env={"LAUNCHGATE_DEMO_PASSWORD": sentinel})
    assert server.password == sentinel
    b = browser(server)
    assert b.login(server.email, sentinel).status_code == 303
    assert b.client.get("/dashboard").status_code == 200
    assert b.login(server.email, sentinel + "x").status_code == 401
    server.stop()

    output = server.output()
    assert "demo faults injected: webhook-unsigned" in output
    captured = capfd.readouterr()
    for place, text in {
        "server output": output,
        "stdout": captured.out,
        "stderr": captured.err,
        "logs": caplog.text,
        "repr": repr(server),
    }.items():
        for form in leaked_forms(sentinel):
            assert form not in text, f"the password leaked into {place}"


def test_a_server_that_cannot_start_says_why_without_leaking(tmp_path):
    sentinel = f"Sentinel-{uuid.uuid4().hex}"
    server = DemoServer(
        password=sentinel,
        users=5,
        extra_env={"LAUNCHGATE_DEMO_DB": str(tmp_path / "missing-dir" / "demo.sqlite3")},
    )
    with pytest.raises(RuntimeError, match="exited with code") as caught:
        server.__enter__()
    message = str(caught.value)
    assert "unable to open database file" in message  # the tail of its stderr
    assert sentinel not in message
    with pytest.raises(ProcessLookupError):
        os.kill(server.pid, 0)


def test_stop_leaves_the_pid_gone_and_the_port_closed(demo_server):
    server = demo_server()
    pid, port = server.pid, urlsplit(server.url).port
    assert port is not None
    os.kill(pid, 0)  # alive

    server.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    server.stop()  # idempotent


def test_context_manager_starts_ready_and_stops():
    with DemoServer(users=5, invoices_per_user=1) as server:
        health = httpx.get(server.url + "/healthz", timeout=10)
        assert health.json() == {"status": "ok"}
        pid = server.pid
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_inherited_demo_variables_do_not_leak_into_the_child(demo_server, browser, monkeypatch):
    # A fault left in a shell must not silently break a run; a proxy must not matter.
    monkeypatch.setenv("LAUNCHGATE_DEMO_FAULTS", "login-500")
    monkeypatch.setenv("LAUNCHGATE_DEMO_EMAIL", "someone-else@example.test")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    server = demo_server()
    assert server.faults == frozenset()
    assert server.email == "demo@launchgate.test"
    assert browser(server).login(server.email, server.password).status_code == 303


def test_explicit_arguments_win_over_extra_env():
    env = {"LAUNCHGATE_DEMO_PASSWORD": "from-env-1", "LAUNCHGATE_DEMO_FAULTS": "login-500"}
    assert DemoServer(password="explicit-1", extra_env=env).password == "explicit-1"
    from_env = DemoServer(extra_env=env)
    assert from_env.password == "from-env-1"
    assert from_env.faults == {"login-500"}
    assert DemoServer(["signup-broken"], extra_env=env).faults == {"signup-broken"}


def test_settings_are_reported_from_the_environment_the_child_gets():
    server = DemoServer(
        extra_env={
            "LAUNCHGATE_DEMO_EMAIL": "Owner@Example.test",
            "LAUNCHGATE_DEMO_WEBHOOK_SECRET": "whsec_custom",
        }
    )
    assert server.email == "owner@example.test"
    assert server.webhook_secret == "whsec_custom"
    assert server.standard_secret.startswith("whsec_")


def test_generated_passwords_differ_and_stay_out_of_repr():
    first, second = DemoServer(), DemoServer()
    assert first.password
    assert first.password != second.password
    assert first.password not in repr(first)


def test_bad_settings_are_refused_before_anything_starts():
    with pytest.raises(ValueError, match="LAUNCHGATE_DEMO_USERS"):
        DemoServer(extra_env={"LAUNCHGATE_DEMO_USERS": "many"})
    with pytest.raises(ValueError, match="LAUNCHGATE_DEMO_USERS"):
        DemoServer(users=0)


def test_a_single_string_is_not_taken_for_a_list_of_faults():
    with pytest.raises(TypeError, match="list of fault names"):
        DemoServer("login-500")


def test_using_a_server_before_start_is_a_clear_error():
    server = DemoServer()
    for use in (lambda: server.url, lambda: server.pid, server.wait_ready):
        with pytest.raises(RuntimeError, match="not been started"):
            use()
    server.stop()  # harmless
