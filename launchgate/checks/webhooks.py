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
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from launchgate.checks.context import CheckContext
from launchgate.checks.http import Exchange, TransportFailure, body_excerpt, send
from launchgate.checks.ids import journey_id, webhook_id
from launchgate.checks.plan import PlannedCheck
from launchgate.config.model import ALL_WEBHOOK_CHECKS, Config, WebhookCheckName, WebhookSpec
from launchgate.config.template import render_value
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
        "record processed event ids and answer a duplicate with 409 (or another 4xx)",
    ),
}


def default_checks(spec: WebhookSpec) -> list[WebhookCheckName]:
    if spec.checks is not None:
        return list(dict.fromkeys(spec.checks))
    if spec.scheme == "stripe":
        return [c for c in ALL_WEBHOOK_CHECKS if c != "future"]
    return list(ALL_WEBHOOK_CHECKS)


def webhook_check_title(name: str, spec: WebhookSpec, which: WebhookCheckName) -> str:
    return f"{spec.title or f'{name} callback'} {_TITLES[which]}"


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
    counter: int = field(default=0)


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
        )
    record = _record(which, spec.path, outcome)
    label = spec.title or f"{name} callback"

    def result(problem: str | None, detail: str = "", remedy: str = "") -> CheckResult:
        duration = time.perf_counter() - started
        if problem is None:
            return CheckResult(
                check_id=check_id,
                kind="webhook",
                title=title,
                severity=severity,
                status="passed",
                duration_s=duration,
                steps=(record,),
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
            steps=(record,),
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
            return result(None)
        return result(
            f"refused a correctly signed event (answered {code})",
            detail,
            f"check the app verifies with the same secret as the gate ({spec.scheme} scheme) "
            "and answers 2xx to a valid event",
        )
    if 400 <= code < 500:
        return result(None)
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
    body = _payload(ctx, spec, event_id, timestamp)
    secret = _forged_secret(spec) if which == "forged" else spec.secret
    headers = sign(spec.scheme, secret, body, timestamp=timestamp, msg_id=msg_id)
    if which == "tampered":
        changed = event_id[:-1] + ("x" if event_id[-1] != "x" else "y")
        body = body.replace(event_id.encode(), changed.encode(), 1)
    if which == "unsigned":
        headers = {k: v for k, v in headers.items() if "signature" not in k.lower()}
    return headers, body


def _forged_secret(spec: WebhookSpec) -> str:
    # A well-formed secret that is not the endpoint's: only the key differs.
    key = base64.b64encode(secrets.token_bytes(24)).decode()
    return f"whsec_{key}"


def _payload(ctx: CheckContext, spec: WebhookSpec, event_id: str, timestamp: int) -> bytes:
    variables = {**ctx.variables, "event.id": event_id, "event.timestamp": str(timestamp)}
    if spec.payload is not None:
        document = render_value(spec.payload, variables)
        if isinstance(document, dict) and "{{" not in json.dumps(spec.payload):
            document = {**document, "id": event_id}  # each attempt needs a fresh id
    else:
        document = {
            "id": event_id,
            "object": "event",
            "type": "invoice.paid",
            "created": timestamp,
            "livemode": False,
            "data": {
                "object": {
                    "object": "invoice",
                    "id": f"in_lg_{variables.get('run.id', 'run')}",
                    "amount_paid": 2900,
                    "currency": "usd",
                    "status": "paid",
                }
            },
        }
    return json.dumps(document, separators=(",", ":")).encode()


def _record(which: str, path: str, outcome: Exchange | TransportFailure) -> StepRecord:
    if isinstance(outcome, TransportFailure):
        return StepRecord(
            name=which,
            method="POST",
            path=path,
            status_code=None,
            elapsed_ms=outcome.elapsed_s * 1000,
            ok=False,
            error=outcome.cause,
        )
    return StepRecord(
        name=which,
        method="POST",
        path=path,
        status_code=outcome.status_code,
        elapsed_ms=outcome.elapsed_s * 1000,
        ok=True,
    )
