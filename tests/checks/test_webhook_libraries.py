"""Webhook checks against receivers built on the providers' official libraries
(``stripe`` and ``standardwebhooks``), served on loopback: the correct receivers pass,
each broken one (accepts anything, no timestamp tolerance, no dedup) fails the defence
it lacks with a message that says what went wrong."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import standardwebhooks
import stripe

from launchgate.config import parse_config
from launchgate.engine import Run
from launchgate.reports import render_json, render_junit

from ..servers import handler_server

STRIPE_SECRET = "whsec_test_library_receiver"
STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SECRETS = {"stripe": STRIPE_SECRET, "standard": STANDARD_SECRET}


class Receiver:
    """What one receiver saw: how often it processed each event, and the events."""

    def __init__(self, scheme: str, flaw: str, duplicate: str) -> None:
        self.scheme, self.flaw, self.duplicate = scheme, flaw, duplicate
        self.processed: dict[str, int] = {}
        self.events: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def verify(self, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        """The parsed event, or ValueError when the library refuses it."""
        if self.flaw == "accepts anything":
            parsed: dict[str, Any] = json.loads(body)
            return parsed
        if self.scheme == "stripe":
            tolerance = 0 if self.flaw == "no tolerance" else 300  # 0: the library skips the check
            try:
                event = stripe.Webhook.construct_event(
                    body.decode(), headers.get("stripe-signature", ""), STRIPE_SECRET, tolerance
                )
            except stripe.SignatureVerificationError as exc:
                raise ValueError(str(exc)) from exc
            return dict(json.loads(body), id=event.id)
        try:
            standardwebhooks.Webhook(STANDARD_SECRET).verify(body, headers)
        except standardwebhooks.WebhookVerificationError as exc:
            if not (self.flaw == "no tolerance" and "timestamp" in str(exc)):
                raise ValueError(str(exc)) from exc
        parsed = json.loads(body)
        return parsed

    def handle(self, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        try:
            event = self.verify(body, headers)
        except ValueError as exc:
            return 400, {"error": str(exc)}
        key = str(event.get("id"))
        with self.lock:
            self.events.append(event)
            if key in self.processed and self.flaw not in ("no dedup", "accepts anything"):
                if self.duplicate == "reject":
                    return 409, {"error": "duplicate"}
                return 200, {"received": True, "duplicate": True}
            self.processed[key] = self.processed.get(key, 0) + 1
        return 200, {"received": True}


@pytest.fixture
def serve() -> Iterator[Any]:
    stack: list[Any] = []

    def start(receiver: Receiver) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                self._send(*receiver.handle(body, headers))

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                event_id = parse_qs(url.query).get("id", [""])[0]
                with receiver.lock:
                    count = receiver.processed.get(event_id, 0)
                self._send(200, {"id": event_id, "count": count})

            def _send(self, code: int, document: dict[str, Any]) -> None:
                data = json.dumps(document).encode()
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        context = handler_server(Handler)
        port = context.__enter__()
        stack.append(context)
        return f"http://127.0.0.1:{port}"

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


async def run_hooks(url: str, scheme: str, extra: str = "") -> Run:
    text = (
        "readiness: null\n"
        f"webhooks:\n  billing:\n    path: /hook\n    scheme: {scheme}\n"
        f"    secret: {SECRETS[scheme]}\n{extra}"
    )
    run = Run(parse_config(text, Path("launchgate.yml"), {}), target_url=url)
    await run.execute_all()
    return run


def outcome(run: Run) -> dict[str, str]:
    return {cid.rsplit("::", 1)[1]: r.status for cid, r in run.results.items()}


def message(run: Run, which: str) -> str:
    return run.results[f"webhook::billing::{which}"].message


ACKNOWLEDGE = (
    "    replay:\n      expect: acknowledge\n"
    "      verify:\n        path: /processed?id={{ event.id }}\n        count: $.count\n"
)
SCHEMES = ["stripe", "standard"]


def defences(scheme: str) -> set[str]:
    base = {"signed", "forged", "tampered", "unsigned", "stale", "replay"}
    return base | {"future"} if scheme == "standard" else base


@pytest.mark.asyncio
@pytest.mark.parametrize("scheme", SCHEMES)
async def test_a_correct_rejecting_receiver_passes_and_gets_a_stripe_shaped_event(serve, scheme):
    receiver = Receiver(scheme, "", duplicate="reject")
    run = await run_hooks(serve(receiver), scheme)
    assert outcome(run) == dict.fromkeys(defences(scheme), "passed")
    event = receiver.events[0]
    assert event["object"] == "event"
    assert isinstance(event["api_version"], str)
    assert isinstance(event["created"], int)
    assert event["livemode"] is False
    assert event["data"]["object"]["customer"].startswith("cus_")
    assert list(receiver.processed.values()) == [1]


@pytest.mark.asyncio
@pytest.mark.parametrize("scheme", SCHEMES)
async def test_a_correct_acknowledging_receiver_passes_with_replay_verify(serve, scheme):
    receiver = Receiver(scheme, "", duplicate="acknowledge")
    run = await run_hooks(serve(receiver), scheme, ACKNOWLEDGE)
    assert outcome(run) == dict.fromkeys(defences(scheme), "passed")
    steps = run.results["webhook::billing::replay"].steps
    assert [s.method for s in steps] == ["POST", "GET"]


@pytest.mark.asyncio
async def test_acknowledge_without_verify_passes_but_says_it_could_not_verify(serve):
    receiver = Receiver("stripe", "", duplicate="acknowledge")
    run = await run_hooks(serve(receiver), "stripe", "    replay:\n      expect: acknowledge\n")
    assert outcome(run)["replay"] == "passed"
    assert "could not be verified" in message(run, "replay")
    report = run.report()
    said = {c["id"]: c["message"] for c in json.loads(render_json(report))["checks"]}
    assert "could not be verified" in said["webhook::billing::replay"]
    assert "note: acknowledged the duplicate (200)" in render_junit(report)


@pytest.mark.asyncio
async def test_an_acknowledging_receiver_fails_reject_and_is_told_about_acknowledge(serve):
    receiver = Receiver("stripe", "", duplicate="acknowledge")
    run = await run_hooks(serve(receiver), "stripe")
    assert outcome(run)["replay"] == "failed"
    finding = run.results["webhook::billing::replay"].findings[0]
    assert "accepted the same event twice" in finding.title
    assert "replay.expect: acknowledge" in finding.remedy


BROKEN = [
    ("accepts anything", {"forged", "tampered", "unsigned", "stale", "replay"}),
    ("no tolerance", {"stale"}),
    ("no dedup", {"replay"}),
]


@pytest.mark.asyncio
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize(("flaw", "failing"), BROKEN, ids=[b[0] for b in BROKEN])
async def test_each_broken_receiver_fails_its_missing_defence(serve, scheme, flaw, failing):
    if scheme == "standard" and flaw != "no dedup":
        failing = failing | {"future"}
    receiver = Receiver(scheme, flaw, duplicate="acknowledge")
    run = await run_hooks(serve(receiver), scheme, ACKNOWLEDGE)
    got = outcome(run)
    assert {k for k, v in got.items() if v == "failed"} == failing
    assert {k for k, v in got.items() if v == "passed"} == defences(scheme) - failing
    if "replay" in failing:
        assert "processed the replayed event 2 times (expected once)" in message(run, "replay")
    if "stale" in failing:
        assert "accepted an event signed long ago" in message(run, "stale")
    if "tampered" in failing:
        assert "body changed after signing" in message(run, "tampered")


CUSTOM = (
    "    payload:\n      id: evt_fixed_1\n      object: event\n      type: customer.created\n"
    "      created: '{{ event.timestamp }}'\n      amount: 2900\n"
    "      data:\n        object:\n          customer: cus_1\n"
)


@pytest.mark.asyncio
async def test_a_custom_payload_without_event_id_is_still_tampered_and_keeps_its_types(serve):
    correct = Receiver("stripe", "", duplicate="reject")
    run = await run_hooks(serve(correct), "stripe", CUSTOM)
    assert outcome(run)["tampered"] == "passed"
    assert isinstance(correct.events[0]["created"], int)
    assert correct.events[0]["amount"] == 2900
    # Without dedup, only a body that really changed can be refused: an unchanged body
    # with a valid signature would be accepted (a false failure of a correct check).
    undeduped = Receiver("stripe", "no dedup", duplicate="reject")
    run = await run_hooks(serve(undeduped), "stripe", CUSTOM)
    assert outcome(run)["tampered"] == "passed"
    broken = Receiver("stripe", "accepts anything", duplicate="reject")
    run = await run_hooks(serve(broken), "stripe", CUSTOM)
    assert outcome(run)["tampered"] == "failed"
