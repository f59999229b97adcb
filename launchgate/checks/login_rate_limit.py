"""``security::login-rate-limit``: does anything slow a password-guessing attack down?

Once the journey that signs up the run's throwaway account has passed, its login step
is replayed with wrong passwords, one attempt after another, for that account only
(the config rules make sure the step sends ``{{ run.email }}``). Each attempt starts
from a fresh cookie jar and fetches the login form first (the GET steps right before
the login step), as a guessing script does: a limit kept in the session would stop no
one. Before the burst, the same replay logs in with the right password once: a
replay that cannot log in at all would make every guess look refused.

The check passes at the first answer that says "slow down" (429, 423, or the
configured status or text), or when the right password is refused right after the
burst (a silent lockout), and fails (high) when every attempt of the burst was simply
refused and the right password still logs in. When the burst cannot be judged (no
answer, the window ran out, a wrong password meets the login step's expectations, the
replay cannot log in) it is could-not-decide, never a pass.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import httpx

from launchgate.checks.context import CheckContext
from launchgate.checks.expectations import CaptureError, capture_value, check_expectations
from launchgate.checks.http import Exchange, TransportFailure, send
from launchgate.checks.ids import journey_id, security_id
from launchgate.checks.journeys import build_step_request
from launchgate.checks.plan import PlannedCheck
from launchgate.config.model import Config, StepSpec
from launchgate.config.security_model import LoginRateLimitSpec
from launchgate.config.security_rules import login_lead_in, login_step
from launchgate.config.units import format_duration
from launchgate.results import CheckResult, CheckStatus, Finding, Severity, StepRecord

__all__ = ["ALWAYS_SIGNAL", "CHECK_ID", "plan_security"]

CHECK_ID = security_id("login-rate-limit")
ALWAYS_SIGNAL = frozenset({429, 423})  # Too Many Requests, Locked
_SEVERITY = Severity.HIGH
_NEVER = float("inf")  # no window: the logins around the burst are not part of it


def plan_security(config: Config, base: Sequence[str]) -> list[PlannedCheck]:
    spec = config.security.login_rate_limit
    if spec is None:
        return []
    index = login_step(config, spec)
    if index is None:  # the config rules refuse such a file at load time
        raise RuntimeError(f"journey {spec.journey} has no login step")
    step = config.journeys[spec.journey].steps[index]
    lead_in = tuple(login_lead_in(config, spec, index))
    return [
        PlannedCheck(
            check_id=CHECK_ID,
            kind="security",
            title=_title(spec),
            severity=_SEVERITY,
            needs=(*base, journey_id(spec.journey)),
            run=partial(check_login_rate_limit, spec=spec, steps=(*lead_in, step)),
        )
    ]


@dataclass(frozen=True)
class _Tried:
    """One attempt: the answer of the last step sent, and whether it was the login."""

    outcome: Exchange | TransportFailure
    step: StepSpec
    reached_login: bool
    problem: str = ""  # a lead-in step that did not give what the login needs


class _Burst:
    def __init__(self, ctx: CheckContext, spec: LoginRateLimitSpec, steps: Sequence[StepSpec]):
        self.ctx = ctx
        self.spec = spec
        self.steps = steps
        self.records: list[StepRecord] = []
        self.statuses = ALWAYS_SIGNAL | set(spec.signal.status)
        self.started = time.perf_counter()

    async def attempt(self, name: str, variables: dict[str, str], deadline: float) -> _Tried:
        """The lead-in steps and the login step, in a fresh cookie jar."""
        ctx = self.ctx
        async with ctx.client(None) as client:
            page: httpx.URL | None = None  # the Referer of the login POST, as in the journey
            for position, step in enumerate(self.steps):
                is_login = position == len(self.steps) - 1
                limit = step.timeout if step.timeout is not None else ctx.target.timeout
                remaining = deadline - ctx.clock.monotonic()
                request = build_step_request(ctx, client, step, variables, page)
                outcome = await send(
                    client,
                    request,
                    timeout_s=max(min(limit, remaining), 0.001),
                    max_body=ctx.target.max_body,
                    resolve_host=ctx.resolve_hosts,
                    pinning=ctx.pinning,
                    follow_redirects=step.follow_redirects,
                )
                self._record(name, step, request.url.raw_path.decode("ascii"), outcome)
                if isinstance(outcome, TransportFailure) or is_login or self.signal(outcome):
                    return _Tried(outcome, step, is_login)
                if step.method == "GET":
                    page = httpx.URL(outcome.url)
                mismatches = check_expectations(
                    step.expect,
                    outcome,
                    variables,
                    follow_redirects=step.follow_redirects,
                    redact=ctx.redactor.redact,
                )
                if mismatches:
                    return _Tried(outcome, step, False, mismatches[0].sentence())
                for var, capture in step.capture.items():
                    try:
                        value = capture_value(capture, outcome)
                    except CaptureError as exc:
                        return _Tried(outcome, step, False, f"could not capture {var}: {exc}")
                    if capture.secret is not False:
                        ctx.redactor.add(value)
                    variables[var] = value
        raise AssertionError("unreachable: the last step is the login")

    def signal(self, outcome: Exchange) -> str | None:
        """What in this answer says "slow down", or None."""
        if outcome.status_code in self.statuses:
            after = outcome.headers.get("retry-after")
            return f"answered {outcome.status_code}" + (f" (Retry-After: {after})" if after else "")
        text = outcome.text
        for phrase in self.spec.signal.body_contains:
            if phrase in text:
                return f"said {phrase!r}"
        return None

    def logged_in(self, tried: _Tried, variables: dict[str, str]) -> bool:
        outcome = tried.outcome
        if isinstance(outcome, TransportFailure):
            return False
        step = tried.step
        return not check_expectations(
            step.expect, outcome, variables, follow_redirects=step.follow_redirects
        )

    def _record(
        self, name: str, step: StepSpec, path: str, outcome: Exchange | TransportFailure
    ) -> None:
        redact = self.ctx.redactor
        shown = redact.redact_url(path)
        label = redact.redact(f"{name}: {step.label}")
        if isinstance(outcome, TransportFailure):
            record = StepRecord(
                name=label,
                method=step.method,
                path=shown,
                status_code=None,
                elapsed_ms=outcome.elapsed_s * 1000,
                ok=False,
                error=redact.redact(outcome.cause),
            )
        else:
            record = StepRecord(
                name=label,
                method=step.method,
                path=shown,
                status_code=outcome.status_code,
                elapsed_ms=outcome.elapsed_s * 1000,
                ok=outcome.status_code < 500,
            )
        self.records.append(record)

    def _result(
        self, status: CheckStatus, message: str, findings: tuple[Finding, ...]
    ) -> CheckResult:
        return CheckResult(
            check_id=CHECK_ID,
            kind="security",
            title=_title(self.spec),
            severity=_SEVERITY,
            status=status,
            duration_s=time.perf_counter() - self.started,
            findings=findings,
            message=self.ctx.redactor.redact(message),
            steps=tuple(self.records),
        )

    def passed(self) -> CheckResult:
        return self._result("passed", "", ())

    def undecided(self, message: str) -> CheckResult:
        return self._result("error", message, ())

    def failed(self, finding: Finding) -> CheckResult:
        redact = self.ctx.redactor.redact
        shown = dataclasses.replace(
            finding, title=redact(finding.title), detail=redact(finding.detail)
        )
        return self._result("failed", shown.title, (shown,))


def _title(spec: LoginRateLimitSpec) -> str:
    return (
        f"Wrong-password logins are slowed down ({spec.attempts} within "
        f"{format_duration(spec.within)})"
    )


async def check_login_rate_limit(
    ctx: CheckContext, *, spec: LoginRateLimitSpec, steps: Sequence[StepSpec]
) -> CheckResult:
    session = ctx.sessions.get(spec.journey)
    if session is None:
        raise RuntimeError(f"journey {spec.journey} passed but left no session")
    burst = _Burst(ctx, spec, steps)
    right = {**ctx.variables, **session.captures}
    # First the right password, replayed exactly as each guess will be: proof that a
    # refused guess is refused for its password, not for a replay that cannot log in
    # (a form token from elsewhere, a cookie the fresh jar lacks).
    control = await burst.attempt("before the burst, the right password", dict(right), _NEVER)
    if isinstance(control.outcome, TransportFailure):
        return burst.undecided(
            f"before the burst, the login with the right password got no answer: "
            f"{control.outcome.cause}"
        )
    if burst.signal(control.outcome):
        return burst.passed()  # already slowed down: this address, or the account
    if not burst.logged_in(control, right):
        return burst.undecided(
            f"the login step, replayed from a fresh cookie jar after the GET steps right "
            f"before it, does not log in even with the right password (answered "
            f"{control.outcome.status_code}{_because(control)}), so a refused guess "
            "would prove nothing: put the steps that fetch what the login needs (its "
            "form and token) right before it in the journey"
        )
    wrong_base = secrets.token_urlsafe(12)
    begun = ctx.clock.monotonic()
    deadline = begun + spec.within
    refused: list[int] = []
    for attempt in range(1, spec.attempts + 1):
        if ctx.clock.monotonic() >= deadline:
            return burst.undecided(_window_ran_out(spec, len(refused)))
        variables = {**right, "run.password": f"{wrong_base}-{attempt:03d}"}
        tried = await burst.attempt(f"attempt {attempt}", variables, deadline)
        where = f"attempt {attempt} of {spec.attempts}"
        outcome = tried.outcome
        if isinstance(outcome, TransportFailure):
            if ctx.clock.monotonic() >= deadline:
                return burst.undecided(_window_ran_out(spec, len(refused)))
            return burst.undecided(
                f"{where}: {tried.step.label} got no answer: {outcome.cause}; a firewall "
                "that drops a guessing client looks like this, and so does a crashed app: "
                "check the app, or name the firewall's answer under "
                "security.login_rate_limit.signal",
            )
        if burst.signal(outcome):
            return burst.passed()
        if not tried.reached_login:
            return burst.undecided(
                f"{where}: '{tried.step.label}' answered {outcome.status_code}: "
                f"{tried.problem}, so the login could not be tried",
            )
        if burst.logged_in(tried, variables):
            return burst.undecided(
                f"{where}: the login step's expectations hold for a wrong password too "
                f"(answered {outcome.status_code}), so a refused login cannot be told "
                "from an accepted one: make the step's expect tell them apart (the "
                "redirect to the signed-in page, or text only it shows)",
            )
        refused.append(outcome.status_code)
    elapsed = ctx.clock.monotonic() - begun
    # Nothing said "slow down": a silent lockout refuses the right password now.
    after = await burst.attempt("after the burst, the right password", dict(right), _NEVER)
    if isinstance(after.outcome, TransportFailure):
        return burst.undecided(
            f"after the burst, the login with the right password got no answer: "
            f"{after.outcome.cause}",
        )
    if burst.signal(after.outcome) or not burst.logged_in(after, right):
        return burst.passed()  # locked, silently: the right password is refused
    return burst.failed(_finding(spec, refused, elapsed, after.outcome, right))


def _because(tried: _Tried) -> str:
    return f": {tried.problem}" if tried.problem else ""


def _window_ran_out(spec: LoginRateLimitSpec, answered: int) -> str:
    return (
        f"only {answered} of {spec.attempts} wrong-password attempts were answered within "
        f"{format_duration(spec.within)}, none of them slowed down or refused for it: "
        "raise security.login_rate_limit.within or lower attempts (an app that slows "
        "guessers down on purpose says so with a 429 or its signal)"
    )


def _answered(statuses: Sequence[int]) -> str:
    counts = Counter(statuses)
    if len(counts) == 1:
        return str(statuses[0])
    return " or ".join(f"{code} ({n})" for code, n in counts.most_common())


def _finding(
    spec: LoginRateLimitSpec,
    refused: Sequence[int],
    elapsed_s: float,
    after: Exchange,
    variables: dict[str, str],
) -> Finding:
    signals = ", ".join(str(s) for s in sorted(ALWAYS_SIGNAL | set(spec.signal.status)))
    phrases = "".join(f", nor {p!r}" for p in spec.signal.body_contains)
    detail = (
        f"account: {variables.get('run.email', '?')} (this run's own, from journey "
        f"{spec.journey})\n"
        f"no answer was {signals}{phrases}; right after the burst the right password "
        f"still logged in (answered {after.status_code}), so the account was not locked"
    )
    return Finding(
        check_id=CHECK_ID,
        severity=_SEVERITY,
        title=f"{len(refused)} wrong passwords in {elapsed_s:.1f} s were all answered "
        f"{_answered(refused)}: nothing slows a password-guessing attack",
        detail=detail,
        remedy="limit failed logins per account and per client address: answer 429 "
        "(with Retry-After) once either has failed a few times in a minute, or lock the "
        "account for a while; if the app already slows guessers down another way, name "
        "its answer under security.login_rate_limit.signal",
    )
