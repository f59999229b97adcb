"""Billing callback security: the gate plays the payment provider.

It signs events with the endpoint's secret and checks each defence on its own: a
correctly signed event is accepted, and a forged signature, a one-byte body change,
a missing signature, a stale or future timestamp and a replay are each rejected with
a 4xx. Every attack check needs the signed check to pass first: an endpoint that
rejects everything (a 404, a wrong secret) must not "pass" the attack checks.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from launchgate.checks.context import CheckContext
from launchgate.checks.http import Exchange, TransportFailure, body_excerpt, send
from launchgate.checks.ids import journey_id, webhook_id
from launchgate.checks.plan import PlannedCheck
from launchgate.config.jsonpath import find
from launchgate.config.model import (
    ALL_WEBHOOK_CHECKS,
    Config,
    ReplayVerifySpec,
    WebhookCheckName,
    WebhookSpec,
)
from launchgate.config.template import render, render_value
from launchgate.results import CheckResult, Finding, Severity, StepRecord
from launchgate.signing import sign

__all__ = [
    "WebhookState",
    "default_checks",
    "plan_webhooks",
    "run_webhook_check",
    "webhook_check_title",
]

_TITLES: dict[WebhookCheckName, str] = {
    "signed": "accepts a correctly signed event",
    "forged": "rejects a forged signature",
    "tampered": "rejects a body changed after signing",
    "unsigned": "rejects an event without a signature",
    "stale": "rejects a stale timestamp",
    "future": "rejects a timestamp from the future",
    "replay": "rejects a replayed event",
}

_FAILURES: dict[WebhookCheckName, tuple[str, str]] = {
    # (what went wrong, what to do)
    "forged": (
        "accepted an event signed with the wrong secret",
        "verify the signature with the endpoint's signing secret (constant-time compare) "
        "and answer 400 when it does not match",
    ),
    "tampered": (
        "accepted an event whose body changed after signing",
        "compute the signature over the raw request body, before parsing it",
    ),
    "unsigned": (
        "accepted an event without a signature header",
        "reject requests that carry no signature header with 400",
    ),
    "stale": (
        "accepted an event signed long ago (outside the timestamp tolerance)",
        "reject timestamps older than the tolerance (Stripe: 300 s) to stop replays",
    ),
    "future": (
        "accepted an event with a timestamp from the future",
        "reject timestamps further ahead than the tolerance",
    ),
    "replay": (
        "accepted the same event twice",
        "record processed event ids and answer a duplicate with 409 (or another 4xx); "
        "if the app acknowledges a duplicate with 2xx without processing it again (what "
        "Stripe expects: it retries any non-2xx), set replay.expect: acknowledge",
    ),
}

_UNVERIFIED = (
    "acknowledged the duplicate ({code}); whether it was processed a second time could "
    "not be verified (add replay.verify to check)"
)


def default_checks(spec: WebhookSpec) -> list[WebhookCheckName]:
    if spec.checks is not None:
        return list(dict.fromkeys(spec.checks))
    if spec.scheme == "stripe":
        return [c for c in ALL_WEBHOOK_CHECKS if c != "future"]
    return list(ALL_WEBHOOK_CHECKS)


def webhook_check_title(name: str, spec: WebhookSpec, which: WebhookCheckName) -> str:
    what = _TITLES[which]
    if which == "replay" and spec.replay.expect == "acknowledge":
        what = "does not process a replayed event twice"
    return f"{spec.title or f'{name} callback'} {what}"


def plan_webhooks(config: Config, base: Sequence[str]) -> list[PlannedCheck]:
    """One check per defence of each webhook; every defence needs ``signed`` first."""
    planned: list[PlannedCheck] = []
    for name, hook in config.webhooks.items():
        needs = (*base, *(journey_id(d) for d in hook.needs))
        signed = webhook_id(name, "signed")
        state = WebhookState()  # one per run: planning happens once per Run
        for which in default_checks(hook):
            planned.append(
                PlannedCheck(
                    check_id=webhook_id(name, which),
                    kind="webhook",
                    title=webhook_check_title(name, hook, which),
                    severity=Severity(hook.severity),
                    needs=needs if which == "signed" else (*needs, signed),
                    run=partial(_run, name=name, spec=hook, which=which, state=state),
                )
            )
    return planned


async def _run(
    ctx: CheckContext,
    *,
    name: str,
    spec: WebhookSpec,
    which: WebhookCheckName,
    state: WebhookState,
) -> CheckResult:
    return await run_webhook_check(ctx, name, spec, which, state)


@dataclass
class WebhookState:
    """Shared by one webhook's checks: the accepted event, for the replay check."""

    accepted: tuple[dict[str, str], bytes] | None = None
    accepted_id: str = ""
    counter: int = field(default=0)
    last_id: str = ""


async def run_webhook_check(
    ctx: CheckContext,
    name: str,
    spec: WebhookSpec,
    which: WebhookCheckName,
    state: WebhookState,
) -> CheckResult:
    check_id = webhook_id(name, which)
    title = webhook_check_title(name, spec, which)
    severity = Severity(spec.severity)
    started = time.perf_counter()
    headers, body = _attack(ctx, spec, which, state)
    async with ctx.client() as client:
        request = client.build_request(
            "POST",
            spec.path,
            content=body,
            headers={"content-type": "application/json", **spec.headers, **headers},
        )
        outcome = await send(
            client,
            request,
            timeout_s=ctx.target.timeout,
            max_body=ctx.target.max_body,
            resolve_host=ctx.resolve_hosts,
            pinning=ctx.pinning,
        )
    record = _record(which, spec.path, outcome)
    label = spec.title or f"{name} callback"

    records = [record]

    def result(
        problem: str | None, detail: str = "", remedy: str = "", note: str = ""
    ) -> CheckResult:
        duration = time.perf_counter() - started
        if problem is None:
            return CheckResult(
                check_id=check_id,
                kind="webhook",
                title=title,
                severity=severity,
                status="passed",
                duration_s=duration,
                message=note,
                steps=tuple(records),
            )
        finding = Finding(
            check_id=check_id,
            severity=severity,
            title=ctx.redactor.redact(f"{label} {problem}"),
            detail=ctx.redactor.redact(detail),
            remedy=remedy,
        )
        return CheckResult(
            check_id=check_id,
            kind="webhook",
            title=title,
            severity=severity,
            status="failed",
            duration_s=duration,
            findings=(finding,),
            message=finding.title,
            steps=tuple(records),
        )

    if isinstance(outcome, TransportFailure):
        return result(f"got no answer: {outcome.cause}", f"POST {spec.path}: {outcome.cause}")
    answered = f"POST {spec.path} -> {outcome.status_code} {outcome.reason}"
    excerpt = body_excerpt(outcome, 200, redact=ctx.redactor.redact)
    detail = f"{answered}\nbody: {excerpt}" if excerpt else answered
    code = outcome.status_code
    if which == "signed":
        if 200 <= code < 300:
            state.accepted = (headers, body)
            state.accepted_id = state.last_id
            return result(None)
        return result(
            f"refused a correctly signed event (answered {code})",
            detail,
            f"check the app verifies with the same secret as the gate ({spec.scheme} scheme) "
            "and answers 2xx to a valid event",
        )
    if 400 <= code < 500:
        return result(None)
    if which == "replay" and spec.replay.expect == "acknowledge" and 200 <= code < 300:
        verify = spec.replay.verify
        if verify is None:
            return result(None, note=_UNVERIFIED.format(code=code))
        problem, why = await _processed_once(ctx, spec, verify, state.accepted_id, records)
        if problem is None:
            return result(None)
        return result(
            problem,
            f"{detail}\n{why}",
            "record processed event ids and skip an event already processed, in the same "
            "transaction as its effect, so a retried delivery changes nothing",
        )
    what, remedy = _FAILURES[which]
    if code >= 500:
        return result(
            f"crashed on an event it should reject (answered {code}; expected a 4xx)",
            detail,
            "reject invalid events with a 4xx instead of failing on them",
        )
    return result(f"{what} (answered {code}; expected a 4xx)", detail, remedy)


def _attack(
    ctx: CheckContext, spec: WebhookSpec, which: WebhookCheckName, state: WebhookState
) -> tuple[dict[str, str], bytes]:
    """The headers and body to send for one check."""
    if which == "replay" and state.accepted is not None:
        state.last_id = state.accepted_id
        return state.accepted
    state.counter += 1
    now = int(ctx.clock.time())
    timestamp = {
        "stale": now - int(spec.tolerance) - 60,
        "future": now + int(spec.tolerance) + 60,
    }.get(which, now)
    run_id = ctx.variables.get("run.id", "run")
    event_id = f"evt_lg_{run_id}_{state.counter}"
    msg_id = f"msg_lg_{run_id}_{state.counter}"
    document = _document(ctx, spec, event_id, timestamp)
    state.last_id = _event_id(document, msg_id if spec.scheme == "standard" else event_id)
    body = _encode(document)
    secret = _forged_secret(spec) if which == "forged" else spec.secret
    headers = sign(spec.scheme, secret, body, timestamp=timestamp, msg_id=msg_id)
    if which == "tampered":
        body = _tampered(document, body)
    if which == "unsigned":
        headers = {k: v for k, v in headers.items() if "signature" not in k.lower()}
    return headers, body


def _forged_secret(spec: WebhookSpec) -> str:
    # A well-formed secret that is not the endpoint's: only the key differs.
    key = base64.b64encode(secrets.token_bytes(24)).decode()
    return f"whsec_{key}"


# The API version of the default event: a receiver built on Stripe's library parses it.
STRIPE_API_VERSION = "2024-06-20"


def _document(ctx: CheckContext, spec: WebhookSpec, event_id: str, timestamp: int) -> object:
    variables = {**ctx.variables, "event.id": event_id, "event.timestamp": str(timestamp)}
    if spec.payload is not None:
        # A value that is only {{ event.timestamp }} stays an integer, as Stripe's
        # "created" is: a receiver that reads it as a number must not get a string.
        document = _render_typed(spec.payload, variables, {"event.timestamp": timestamp})
        if isinstance(document, dict) and "{{" not in json.dumps(spec.payload):
            document = {**document, "id": event_id}  # each attempt needs a fresh id
        return document
    run_id = variables.get("run.id", "run")
    return {
        "id": event_id,
        "object": "event",
        "api_version": STRIPE_API_VERSION,
        "created": timestamp,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": "invoice.paid",
        "data": {
            "object": {
                "object": "invoice",
                "id": f"in_lg_{run_id}",
                "customer": f"cus_lg_{run_id}",
                "amount_paid": 2900,
                "currency": "usd",
                "status": "paid",
            }
        },
    }


def _render_typed(value: object, variables: dict[str, str], typed: dict[str, object]) -> object:
    if isinstance(value, str):
        whole = _WHOLE.fullmatch(value)
        if whole is not None and whole.group(1) in typed:
            return typed[whole.group(1)]
        return render_value(value, variables)
    if isinstance(value, dict):
        return {
            str(render_value(str(k), variables)): _render_typed(v, variables, typed)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_render_typed(v, variables, typed) for v in value]
    return value


_WHOLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")


def _encode(document: object) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def _event_id(document: object, fallback: str) -> str:
    if isinstance(document, dict) and isinstance(document.get("id"), str):
        return str(document["id"])
    return fallback


def _tampered(document: object, signed: bytes) -> bytes:
    """The signed event with one value changed after signing, whatever the template:
    the id when there is one (a receiver keyed on it sees a new event), else an extra
    field, else trailing whitespace. Never equal to the signed bytes."""
    changed: bytes
    if isinstance(document, dict):
        current = document.get("id")
        if isinstance(current, str) and current:
            flipped = current[:-1] + ("x" if current[-1] != "x" else "y")
            changed = _encode({**document, "id": flipped})
        else:
            changed = _encode({**document, "lg_tampered": True})
    else:
        changed = signed + b" "
    return changed if changed != signed else signed + b" "


async def _processed_once(
    ctx: CheckContext,
    spec: WebhookSpec,
    verify: ReplayVerifySpec,
    event_id: str,
    records: list[StepRecord],
) -> tuple[str | None, str]:
    """(problem, detail) from the app's own count of how often it processed the event."""
    variables = {**ctx.variables, "event.id": event_id, "event.timestamp": "0"}
    path = render(verify.path, variables)
    headers = {k: render(v, variables) for k, v in verify.headers.items()}
    async with ctx.client() as client:
        outcome = await send(
            client,
            client.build_request("GET", path, headers=headers),
            timeout_s=ctx.target.timeout,
            max_body=ctx.target.max_body,
            resolve_host=ctx.resolve_hosts,
            pinning=ctx.pinning,
        )
    records.append(_record("replay.verify", path, outcome, method="GET"))
    if isinstance(outcome, TransportFailure):
        return "could not be checked: replay.verify got no answer", f"GET {path}: {outcome.cause}"
    answered = f"GET {path} -> {outcome.status_code} {outcome.reason}"
    if not 200 <= outcome.status_code < 300:
        return f"could not be checked: replay.verify answered {outcome.status_code}", answered
    try:
        found = find(verify.count, json.loads(outcome.body))
    except ValueError:
        return "could not be checked: replay.verify did not answer JSON", answered
    count = found[0] if found else None
    if isinstance(count, bool) or not isinstance(count, int | float):
        return f"could not be checked: {verify.count} is not a number in the answer", answered
    if count == 1:
        return None, answered
    return f"processed the replayed event {count:g} times (expected once)", answered


def _record(
    which: str, path: str, outcome: Exchange | TransportFailure, *, method: str = "POST"
) -> StepRecord:
    if isinstance(outcome, TransportFailure):
        return StepRecord(
            name=which,
            method=method,
            path=path,
            status_code=None,
            elapsed_ms=outcome.elapsed_s * 1000,
            ok=False,
            error=outcome.cause,
        )
    return StepRecord(
        name=which,
        method=method,
        path=path,
        status_code=outcome.status_code,
        elapsed_ms=outcome.elapsed_s * 1000,
        ok=True,
    )
