"""Smoke journeys: named sequences of requests with expectations and captures.

A journey stops at its first failing step and says, for a person, which step, what
was sent, what was expected, what came back, and an excerpt of the body, redacted.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import partial

import httpx

from launchgate.checks.browser import browser_headers
from launchgate.checks.context import CheckContext, SessionState
from launchgate.checks.expectations import (
    CaptureError,
    Mismatch,
    capture_value,
    check_expectations,
)
from launchgate.checks.http import Exchange, TransportFailure, body_excerpt, remedy_for, send
from launchgate.checks.ids import journey_id
from launchgate.checks.plan import PlannedCheck
from launchgate.config.model import Config, JourneySpec, StepSpec
from launchgate.config.semantics import journey_order
from launchgate.config.template import render, render_value
from launchgate.redact import looks_secret_name
from launchgate.results import CheckResult, Finding, Severity, StepRecord

__all__ = ["build_step_request", "plan_journeys", "run_journey"]

_SENSITIVE_REQUEST_HEADERS = {"authorization", "proxy-authorization", "cookie", "x-api-key"}


def plan_journeys(config: Config, base: Sequence[str]) -> list[PlannedCheck]:
    """One check per journey, after the journeys it starts from or needs."""
    planned: list[PlannedCheck] = []
    for name in journey_order(config):
        spec = config.journeys[name]
        deps = [spec.session] if spec.session else []
        deps += [n for n in spec.needs if n not in deps]
        planned.append(
            PlannedCheck(
                check_id=journey_id(name),
                kind="journey",
                title=spec.title or f"{name} journey",
                severity=Severity(spec.severity),
                needs=(*base, *(journey_id(d) for d in deps)),
                run=partial(_run_and_keep_session, name=name, spec=spec),
            )
        )
    return planned


async def _run_and_keep_session(ctx: CheckContext, *, name: str, spec: JourneySpec) -> CheckResult:
    result, session = await run_journey(ctx, name, spec, ctx.sessions.get(spec.session or ""))
    if session is not None:
        ctx.sessions[name] = session
    return result


async def run_journey(
    ctx: CheckContext, name: str, spec: JourneySpec, start: SessionState | None
) -> tuple[CheckResult, SessionState | None]:
    check_id = journey_id(name)
    title = spec.title or f"{name} journey"
    severity = Severity(spec.severity)
    started = time.perf_counter()
    captures = dict(start.captures) if start else {}
    records: list[StepRecord] = []
    page: httpx.URL | None = None  # the last page a GET fetched: a form's Referer

    def fail(finding_title: str, detail: str, remedy: str = "") -> CheckResult:
        finding = Finding(
            check_id=check_id,
            severity=severity,
            title=ctx.redactor.redact(finding_title),
            detail=ctx.redactor.redact(detail),
            remedy=remedy,
        )
        return CheckResult(
            check_id=check_id,
            kind="journey",
            title=title,
            severity=severity,
            status="failed",
            duration_s=time.perf_counter() - started,
            findings=(finding,),
            message=finding.title,
            steps=tuple(records),
        )

    client = ctx.client(httpx.Cookies(start.cookies) if start else None)
    async with client:
        for index, step in enumerate(spec.steps, start=1):
            variables = {**ctx.variables, **captures}
            request = build_step_request(ctx, client, step, variables, page)
            shown_path = ctx.redactor.redact_url(str(request.url.raw_path.decode("ascii")))
            where = f"step {index}/{len(spec.steps)} '{step.label}'"
            outcome = await send(
                client,
                request,
                timeout_s=step.timeout if step.timeout is not None else ctx.target.timeout,
                max_body=ctx.target.max_body,
                resolve_host=ctx.resolve_hosts,
                pinning=ctx.pinning,
                follow_redirects=step.follow_redirects,
            )
            if isinstance(outcome, TransportFailure):
                records.append(
                    StepRecord(
                        name=ctx.redactor.redact(step.label),
                        method=step.method,
                        path=shown_path,
                        status_code=None,
                        elapsed_ms=outcome.elapsed_s * 1000,
                        ok=False,
                        error=outcome.cause,
                    )
                )
                said = ":" if outcome.kind == "redirect_refused" else " got no answer:"
                return fail(
                    f"{where}{said} {outcome.cause}",
                    f"{step.method} {shown_path}: {outcome.cause} "
                    f"after {outcome.elapsed_s * 1000:.0f} ms",
                    remedy_for(outcome.kind),
                ), None
            for value in outcome.set_cookies.values():
                ctx.redactor.add(value)
            if step.method == "GET":
                page = httpx.URL(outcome.url)
            if outcome.downgrade:
                records.append(
                    StepRecord(
                        name=step.label,
                        method=step.method,
                        path=shown_path,
                        status_code=outcome.status_code,
                        elapsed_ms=outcome.elapsed_s * 1000,
                        ok=False,
                        error=f"redirected from https to plain http: {outcome.downgrade}",
                    )
                )
                return fail(
                    f"{where} was redirected from https to plain http",
                    f"{step.method} {shown_path}: {outcome.downgrade}; followed without "
                    "cookies, configured headers or body",
                    "redirect to https:// URLs only (behind a proxy, make the app see the "
                    "original scheme, e.g. from X-Forwarded-Proto)",
                ), None
            mismatches = check_expectations(
                step.expect,
                outcome,
                variables,
                follow_redirects=step.follow_redirects,
                redact=ctx.redactor.redact,
            )
            records.append(
                StepRecord(
                    name=ctx.redactor.redact(step.label),
                    method=step.method,
                    path=shown_path,
                    status_code=outcome.status_code,
                    elapsed_ms=outcome.elapsed_s * 1000,
                    ok=not mismatches,
                )
            )
            if mismatches:
                return fail(
                    f"{where} {_summary(mismatches, outcome)}",
                    _detail(step, shown_path, outcome, mismatches, ctx),
                    _remedy(step, outcome),
                ), None
            for var, spec_capture in step.capture.items():
                try:
                    value = capture_value(spec_capture, outcome)
                except CaptureError as exc:
                    return fail(
                        f"{where}: could not capture {var}: {exc}",
                        f"{step.method} {shown_path} -> {outcome.status_code}\n"
                        f"body: {body_excerpt(outcome, redact=ctx.redactor.redact)}",
                        "the page changed shape, or the capture no longer matches it",
                    ), None
                # Every captured value is secret unless the config says otherwise: a
                # capture is what the app hands back for the next request (a token, a
                # signed link, a CSRF value), and its name says nothing reliable.
                if spec_capture.secret is not False:
                    ctx.redactor.add(value, warn_if_short=spec_capture.secret is True)
                captures[var] = value
        session = SessionState(httpx.Cookies(client.cookies), captures)
    result = CheckResult(
        check_id=check_id,
        kind="journey",
        title=title,
        severity=severity,
        status="passed",
        duration_s=time.perf_counter() - started,
        steps=tuple(records),
    )
    return result, session


def build_step_request(
    ctx: CheckContext,
    client: httpx.AsyncClient,
    step: StepSpec,
    variables: dict[str, str],
    page: httpx.URL | None = None,
) -> httpx.Request:
    """The step's request with its ``{{ vars }}`` filled in; the credentials it carries
    are registered with the redactor before anything could show them. ``page``: the
    URL the journey's last GET fetched, the ``Referer`` of an unsafe step."""
    headers = {k: render(v, variables) for k, v in step.headers.items()}
    for key, value in headers.items():
        if key.lower() in _SENSITIVE_REQUEST_HEADERS:
            # The token itself, without its scheme word, so it is masked wherever it shows up.
            ctx.redactor.add(value.split(" ", 1)[-1])
    form = {k: render(v, variables) for k, v in step.form.items()} if step.form else None
    for key, value in (form or {}).items():
        if looks_secret_name(key):
            ctx.redactor.add(value)
    request = client.build_request(
        step.method,
        render(step.path, variables),
        params={k: render(v, variables) for k, v in step.query.items()} or None,
        headers=headers or None,
        data=form,
        json=render_value(step.json_body, variables) if step.json_body is not None else None,
        content=render(step.body, variables) if step.body is not None else None,
    )
    given = (*step.headers, *ctx.target.headers)
    request.headers.update(browser_headers(step.method, request.url, page, given))
    return request


def _summary(mismatches: list[Mismatch], outcome: Exchange) -> str:
    text = mismatches[0].sentence()
    if len(mismatches) > 1:
        more = len(mismatches) - 1
        text += f" (+{more} more mismatch{'es' if more > 1 else ''})"
    return text


def _detail(
    step: StepSpec,
    shown_path: str,
    outcome: Exchange,
    mismatches: list[Mismatch],
    ctx: CheckContext,
) -> str:
    lines = [
        f"{step.method} {shown_path} -> {outcome.status_code} {outcome.reason} "
        f"({outcome.elapsed_s * 1000:.0f} ms)"
    ]
    lines += [f"also: {m.sentence()}" for m in mismatches[1:]]
    location = outcome.headers.get("location")
    if location:
        lines.append(f"location: {ctx.redactor.redact_url(location)}")
    excerpt = body_excerpt(outcome, redact=ctx.redactor.redact)
    if excerpt:
        lines.append(f"body: {excerpt}")
    return "\n".join(lines)


def _remedy(step: StepSpec, outcome: Exchange) -> str:
    code = outcome.status_code
    if code >= 500:
        return "the app failed on this route: look at its error log for this request"
    if code in (401, 403):
        return "the app refused the request: check the credentials, session or CSRF token"
    if code == 404:
        return "the route is missing: check the path and that the deploy includes it"
    return ""
