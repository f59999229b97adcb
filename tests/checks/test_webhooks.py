"""Billing callback checks against receivers with one flaw each, and the real demo.

The flawed receivers are small ASGI apps verified with launchgate's own `verify`
(itself pinned to published vectors); each must fail exactly the defence it lacks.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from launchgate.config import parse_config
from launchgate.demo import DemoServer
from launchgate.engine import Run
from launchgate.signing import verify

STRIPE_SECRET = "whsec_test_receiver_secret"
STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def receiver(
    scheme: str,
    secret: str,
    *,
    check_signature: bool = True,
    check_time: bool = True,
    dedupe: bool = True,
    status_on_reject: int = 400,
) -> Starlette:
    seen: set[str] = set()

    async def hook(request: Request) -> JSONResponse:
        body = await request.body()
        headers = dict(request.headers)
        now = int(time.time())
        result = verify(scheme, secret, body, headers, now=now)  # type: ignore[arg-type]
        if not result.ok:
            signature_problem = result.reason in (
                "missing_header", "malformed_header", "bad_signature",
            )  # fmt: skip
            if (signature_problem and check_signature) or (not signature_problem and check_time):
                return JSONResponse({"error": result.reason}, status_code=status_on_reject)
        key = headers.get("webhook-id") or json.loads(body)["id"]
        if dedupe and key in seen:
            return JSONResponse({"error": "duplicate"}, status_code=409)
        seen.add(key)
        return JSONResponse({"received": True})

    return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


def run_against(app: Starlette, scheme: str, secret: str, checks: str = "") -> Run:
    text = (
        "readiness: null\n"
        f"webhooks:\n  billing:\n    path: /hook\n    scheme: {scheme}\n    secret: {secret}\n"
        + (f"    checks: {checks}\n" if checks else "")
    )
    loaded = parse_config(text, Path("launchgate.yml"), {})
    transport = httpx.ASGITransport(app=app)
    return Run(loaded, target_url="http://receiver.test", transport=transport)


def statuses(run: Run) -> dict[str, str]:
    return {cid.rsplit("::", 1)[1]: r.status for cid, r in run.results.items()}


SCHEMES = [("stripe", STRIPE_SECRET), ("standard", STANDARD_SECRET)]


@pytest.mark.asyncio
@pytest.mark.parametrize(("scheme", "secret"), SCHEMES)
async def test_a_correct_receiver_passes_every_defence(scheme, secret):
    run = run_against(receiver(scheme, secret), scheme, secret)
    await run.execute_all()
    expected = {"signed", "forged", "tampered", "unsigned", "stale", "replay"}
    if scheme == "standard":
        expected.add("future")
    assert statuses(run) == dict.fromkeys(expected, "passed")
    assert run.report().verdict.outcome == "pass"


FLAWS: list[tuple[str, dict[str, bool], set[str]]] = [
    ("accepts anything", {"check_signature": False, "check_time": False, "dedupe": False},
     {"forged", "tampered", "unsigned", "stale", "future", "replay"}),
    ("skips the signature", {"check_signature": False},
     {"forged", "tampered", "unsigned"}),
    ("skips the timestamp", {"check_time": False}, {"stale", "future"}),
    ("skips dedup", {"dedupe": False}, {"replay"}),
]  # fmt: skip


@pytest.mark.asyncio
@pytest.mark.parametrize(("scheme", "secret"), SCHEMES)
@pytest.mark.parametrize(("flaw", "options", "failing"), FLAWS, ids=[f[0] for f in FLAWS])
async def test_each_flawed_receiver_fails_exactly_its_missing_defence(
    scheme, secret, flaw, options, failing
):
    run = run_against(
        receiver(scheme, secret, **options),
        scheme,
        secret,
        checks="[signed, forged, tampered, unsigned, stale, future, replay]",
    )
    await run.execute_all()
    failed = {name for name, status in statuses(run).items() if status == "failed"}
    assert failed == failing, flaw
    for name in failing:
        finding = run.results[f"webhook::billing::{name}"].findings[0]
        assert "expected a 4xx" in finding.title
        assert finding.remedy
    assert run.report().verdict.outcome == "fail"


@pytest.mark.asyncio
async def test_a_receiver_with_another_secret_fails_signed_and_skips_the_rest():
    run = run_against(receiver("stripe", "whsec_some_other_secret"), "stripe", STRIPE_SECRET)
    await run.execute_all()
    signed = run.results["webhook::billing::signed"]
    assert signed.status == "failed"
    assert "refused a correctly signed event (answered 400)" in signed.message
    others = [r for cid, r in run.results.items() if not cid.endswith("signed")]
    assert others
    assert all(r.status == "skipped" for r in others)
    assert all(r.blocked_by == ("webhook::billing::signed",) for r in others)
    assert run.report().verdict.outcome == "fail"


@pytest.mark.asyncio
async def test_a_receiver_that_crashes_on_bad_input_is_named():
    run = run_against(
        receiver("stripe", STRIPE_SECRET, status_on_reject=500), "stripe", STRIPE_SECRET
    )
    await run.execute_all()
    forged = run.results["webhook::billing::forged"]
    assert forged.status == "failed"
    assert "crashed on an event it should reject (answered 500" in forged.message


@pytest.mark.asyncio
async def test_the_secret_never_reaches_the_report():
    from launchgate.reports import render_json, render_junit, render_summary

    run = run_against(
        receiver("stripe", STRIPE_SECRET, check_signature=False), "stripe", STRIPE_SECRET
    )
    run.redactor.add(STRIPE_SECRET)  # as `secrets:` would
    await run.execute_all()
    report = run.report()
    for text in (render_json(report), render_junit(report), render_summary(report)):
        assert STRIPE_SECRET not in text


@pytest.mark.asyncio
async def test_standard_webhooks_against_the_real_demo(demo_server: Callable[..., DemoServer]):
    server = demo_server()
    text = (
        "readiness: {timeout: 10s}\n"
        "webhooks:\n  standard:\n    path: /webhooks/standard\n    scheme: standard\n"
        f"    secret: {server.standard_secret}\n"
    )
    loaded = parse_config(text, Path("launchgate.yml"), {})
    run = Run(loaded, target_url=server.url)
    await run.execute_all()
    assert {r.status for r in run.results.values()} == {"passed"}
    assert len(run.results) == 8  # readiness + seven defences
