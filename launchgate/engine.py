"""The one engine behind the CLI, the pytest plugin and the Action.

A :class:`Run` turns a loaded config into a plan of checks in dependency order and
executes them, one at a time or all together, under one overall deadline. The CLI
calls :meth:`Run.execute_all`; the plugin calls :meth:`Run.execute` once per pytest
item. Both end with :meth:`Run.report`, so both produce the same verdict.

What a check measured beyond its result (a :class:`Measured` outcome) is kept by check
id: the report reads its figures, and a face asks :meth:`Run.outcome` for the typed
value (the probe's measurement, for a baseline update).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

import certifi
import httpx

from launchgate import __version__
from launchgate.checks.bounded_body import ACCEPT_ENCODING
from launchgate.checks.browser import target_variables
from launchgate.checks.context import CheckContext
from launchgate.checks.edge import plan_edge
from launchgate.checks.email import plan_email
from launchgate.checks.journeys import plan_journeys
from launchgate.checks.learning import redaction_hooks
from launchgate.checks.login_rate_limit import plan_security
from launchgate.checks.logs import plan_logs
from launchgate.checks.pinning import Pinning, pinned_transport
from launchgate.checks.plan import CheckOutcome, Measured, PlannedCheck, Planner
from launchgate.checks.readiness import UNRESOLVED, plan_readiness
from launchgate.checks.secrets import plan_secret_scan
from launchgate.checks.webhooks import plan_webhooks
from launchgate.clock import Clock, SystemClock
from launchgate.config.load import LoadedConfig
from launchgate.config.model import Config
from launchgate.config.units import format_duration
from launchgate.errors import ConfigError, ConfigProblem, UsageError
from launchgate.eventloop import new_runner
from launchgate.hooks import hook_secrets
from launchgate.probe.check import plan_probe
from launchgate.redact import Redactor
from launchgate.results import CheckKind, CheckResult
from launchgate.runreport import RunReport
from launchgate.severities import SeverityRules
from launchgate.verdict import Verdict, decide

__all__ = [
    "OFFLINE_KINDS",
    "PLANNERS",
    "PlannedCheck",
    "Run",
    "known_secrets",
    "needs_target",
    "plan_checks",
]

log = logging.getLogger(__name__)

_Outcome = TypeVar("_Outcome")


PLANNERS: tuple[Planner, ...] = (
    plan_journeys,
    plan_webhooks,
    plan_probe,
    plan_edge,
    # Last of the checks on the app: its burst of wrong passwords locks the run's own
    # account, and nothing measured after it could be disturbed by that.
    plan_security,
    # After every check of the app, whatever their outcome: it reads what they made
    # the app write to its logs.
    plan_logs,
    plan_email,
    plan_secret_scan,
)
"""Each capability's planner, in the order its checks run (after readiness)."""


OFFLINE_KINDS: frozenset[CheckKind] = frozenset({"email", "secrets"})
"""Kinds of check that never talk to the app: a config of only these needs no URL."""


def plan_checks(config: Config) -> tuple[PlannedCheck, ...]:
    """Every planner's checks; readiness first, and only when some check waits for it
    (the email checks and the secret scan do not talk to the app)."""
    readiness = plan_readiness(config)
    base = tuple(p.check_id for p in readiness)
    rest = [check for planner in PLANNERS for check in planner(config, base)]
    needed = {need for check in rest for need in check.needs}
    plan = [*(p for p in readiness if p.check_id in needed), *rest]
    app = tuple(p.check_id for p in plan if p.kind not in OFFLINE_KINDS and not p.last)
    return tuple(dataclasses.replace(p, after=(*p.after, *app)) if p.last else p for p in plan)


def needs_target(config: Config) -> bool:
    """False when every planned check is offline (email, secret scan): no URL needed."""
    return _has_app_checks(plan_checks(config))


def _has_app_checks(plan: Sequence[PlannedCheck]) -> bool:
    return any(check.kind not in OFFLINE_KINDS for check in plan)


def known_secrets(loaded: LoadedConfig, target_url: str) -> tuple[str, ...]:
    """Every secret known before the run: the set ``secrets:`` variables, a password in
    the target URL or the control's (masked by position in URLs; registered, it is
    masked wherever else it shows up too), and the rollback webhook's secret and URL."""
    probe = loaded.config.probe
    urls = (target_url, probe.control_url if probe and probe.control_url else "")
    passwords = [password for password in map(_url_password, urls) if password]
    return (*loaded.secret_values, *passwords, *hook_secrets(loaded.config.on_fail))


def _severity_rules(loaded: LoadedConfig, plan: Sequence[PlannedCheck]) -> SeverityRules:
    gate = loaded.config.gate
    rules = SeverityRules.build(
        gate.severities,
        independent=gate.independent,
        gates_a_deploy=_has_app_checks(plan),
    )
    unmatched = rules.unmatched(p.check_id for p in plan)
    if unmatched:
        ids = ", ".join(p.check_id for p in plan[:8]) + (", …" if len(plan) > 8 else "")
        raise ConfigError(
            [
                ConfigProblem(
                    loaded.path,
                    loaded.locations.line_of(("gate", "severities", pattern), prefer_key=True),
                    f"gate.severities.{pattern}",
                    f"matches no check of this run (its checks: {ids})",
                )
                for pattern in unmatched
            ]
        )
    return rules


def _described_secrets(loaded: LoadedConfig, target_url: str) -> list[tuple[str, str]]:
    """(value, what it is) of the secrets known before the run, for the log check."""
    config = loaded.config
    probe = config.probe
    described = [
        (value, f"the value of ${name}")
        for value, name in zip(loaded.secret_values, loaded.secret_names, strict=False)
    ]
    urls = (("target", target_url), ("probe.compare", probe.control_url if probe else None))
    for where, url in urls:
        password = _url_password(url or "")
        if password:
            described.append((password, f"the password in the {where} URL"))
    described += [(value, "a secret of on_fail.webhook") for value in hook_secrets(config.on_fail)]
    for name, hook in config.webhooks.items():
        described.append((hook.secret, f"the signing secret of webhooks.{name}"))
    return described


def _url_password(url: str) -> str | None:
    try:
        password = urlsplit(url).password
    except ValueError:  # not a URL urlsplit can read; redact_url still masks its parts
        return None
    return unquote(password) if password else None


class Run:
    def __init__(
        self,
        loaded: LoadedConfig,
        *,
        target_url: str,
        redactor: Redactor | None = None,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        on_result: Callable[[CheckResult], None] | None = None,
        on_start: Callable[[PlannedCheck], None] | None = None,
        environ: Mapping[str, str] | None = None,
        workdir: Path | None = None,
        register_secrets: bool = True,
    ) -> None:
        """``register_secrets=False`` when ``redactor`` already holds every secret of
        :func:`known_secrets` (:meth:`launchgate.runplan.RunPlan.new_run`)."""
        self.loaded = loaded
        self.config = loaded.config
        self.target_url = target_url
        self.clock: Clock = clock or SystemClock()
        self.redactor = redactor or Redactor()
        if register_secrets:
            for value in known_secrets(loaded, target_url):
                self.redactor.add(value)
        # Described for the log check; a value registered above is only described, and
        # a webhook's signing secret written in the file is masked from now on too.
        for value, what in _described_secrets(loaded, target_url):
            self.redactor.describe(value, what)
        self.run_id = secrets.token_hex(4)
        password = secrets.token_urlsafe(15) + "aA1!"  # meets common complexity rules
        self.redactor.add(password)
        self.redactor.describe(password, "the throwaway signup password ({{ run.password }})")
        gen = self.config.generate
        self.variables = {
            "run.id": self.run_id,
            "run.email": f"{gen.email_prefix}-{self.run_id}@{gen.email_domain}",
            "run.password": password,
            **target_variables(target_url),
        }
        self._transport = transport
        self._on_result = on_result
        self._on_start = on_start
        self.ssl_verify = self._ssl_context()
        target = self.config.target
        self.pinning = Pinning.from_config(
            target.resolve, target.nameservers, timeout_s=target.timeout
        )
        self.environ = environ if environ is not None else {}
        self.ctx = CheckContext(
            base_url=target_url,
            target=self.config.target,
            redactor=self.redactor,
            variables=self.variables,
            clock=self.clock,
            make_client=self._make_client,
            # With pinning, the transport resolves (and names a DNS failure) itself.
            resolve_hosts=transport is None and self.pinning is None,
            pinning=self.pinning,
            user_agent=self.user_agent,
            ssl_verify=self.ssl_verify,
            environ=self.environ,
            workdir=workdir or Path.cwd(),
        )
        self.plan = self._plan()
        self._by_id = {p.check_id: p for p in self.plan}
        self.severities = _severity_rules(loaded, self.plan)
        self.results: dict[str, CheckResult] = {}
        self.outcomes: dict[str, CheckOutcome] = {}  # what checks measured, by check id
        self._started_at: datetime | None = None
        self._started_mono: float | None = None
        self._deadline: float | None = None
        self._stopped: str | None = None  # why the run ended early, and when
        self._runner: asyncio.Runner | None = None

    # -- the plan -------------------------------------------------------------------

    def _plan(self) -> tuple[PlannedCheck, ...]:
        return plan_checks(self.config)

    # -- executing --------------------------------------------------------------------

    def _start_clock(self) -> None:
        if self._started_mono is None:
            self._started_at = datetime.now(UTC)
            self._started_mono = self.clock.monotonic()
            self._deadline = self._started_mono + self.config.target.deadline
            for planned in self.plan:
                if planned.on_start is not None:
                    planned.on_start(self.ctx)

    def elapsed(self) -> float:
        """Seconds since the first check started; 0 before."""
        if self._started_mono is None:
            return 0.0
        return self.clock.monotonic() - self._started_mono

    def interrupted_by(self, signal_name: str) -> None:
        """Record that a signal stopped the run: the verdict's reason then says so."""
        self._note_stop(f"interrupted by {signal_name}")

    def _note_stop(self, what: str) -> None:
        if self._stopped is None:  # the first cause is the news; the rest follow from it
            self._stopped = f"{what} after {self.elapsed():.1f} s"

    async def execute(self, check_id: str) -> CheckResult:
        """Run one check (and, first, the checks it needs); each runs at most once."""
        self._start_clock()
        if check_id in self.results:
            return self.results[check_id]
        planned = self._by_id[check_id]
        for need in (*planned.needs, *planned.after):
            await self.execute(need)
        blocked = self._blockers(planned)
        if blocked:
            cause = self.results[blocked[0]]
            verb = {"failed": "failed", "error": "could not be decided"}.get(
                cause.status, "did not pass"
            )
            message = f"not run: prerequisite {blocked[0]} {verb}"
            if UNRESOLVED in cause.message:  # skipped *because* DNS failed: say so
                message += f" ({cause.message})"
            result = planned.result("skipped", message, blocked_by=blocked)
        else:
            result = self.severities.apply(await self._guarded(planned))
        self.results[check_id] = result
        if self._on_result is not None:
            self._on_result(result)
        return result

    def _blockers(self, planned: PlannedCheck) -> tuple[str, ...]:
        """The root causes among the prerequisites that did not pass."""
        roots: list[str] = []
        for need in planned.needs:
            result = self.results[need]
            if result.status == "passed":
                continue
            found = result.blocked_by if result.status == "skipped" else (need,)
            roots.extend(r for r in found if r not in roots)
        return tuple(roots)

    async def _guarded(self, planned: PlannedCheck) -> CheckResult:
        started = time.perf_counter()
        deadline = self._deadline if self._deadline is not None else self.clock.monotonic()
        remaining = deadline - self.clock.monotonic()
        deadline_text = format_duration(self.config.target.deadline)
        if remaining <= 0:
            self._note_stop(f"the run deadline ({deadline_text}, target.deadline) passed")
            return self._error(planned, f"not run: the run deadline ({deadline_text}) passed", 0.0)
        if self._on_start is not None:
            self._on_start(planned)
        try:
            async with asyncio.timeout(remaining):
                ran = await planned.run(self.ctx)
            if isinstance(ran, Measured):
                self.outcomes[planned.check_id] = ran.outcome
                return ran.result
            return ran
        except TimeoutError:
            self._note_stop(f"the run deadline ({deadline_text}, target.deadline) passed")
            return self._error(
                planned,
                f"the run deadline ({deadline_text}, target.deadline) passed during this check",
                time.perf_counter() - started,
            )
        except asyncio.CancelledError:
            self.results[planned.check_id] = self._error(
                planned, "interrupted before it finished", time.perf_counter() - started
            )
            raise
        except Exception as exc:  # a crashed check is could-not-decide, never a pass
            log.debug("check %s crashed", planned.check_id, exc_info=True)
            return self._error(
                planned,
                f"launchgate failed while running this check: {type(exc).__name__}: {exc}",
                time.perf_counter() - started,
            )

    def _error(self, planned: PlannedCheck, message: str, duration_s: float) -> CheckResult:
        return planned.result("error", self.redactor.redact(message), duration_s=duration_s)

    async def execute_all(self) -> list[CheckResult]:
        """Every check in plan order. Cancelled (SIGTERM), it still returns a result for
        every check: the interrupted one and those never started are errors."""
        self._start_clock()
        try:
            for planned in self.plan:
                await self.execute(planned.check_id)
        except asyncio.CancelledError:
            for planned in self.plan:
                if planned.check_id not in self.results:
                    self.results[planned.check_id] = self._error(
                        planned, "not run: the run was interrupted", 0.0
                    )
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
        return [self.results[p.check_id] for p in self.plan]

    def outcome(self, check_id: str, type_: type[_Outcome]) -> _Outcome | None:
        """What ``check_id`` measured, as ``type_``; None when it left nothing (not run,
        or stopped before it measured). Another type is a programming error: raises
        ``TypeError`` rather than reading as "nothing measured"."""
        found = self.outcomes.get(check_id)
        if found is None:
            return None
        if not isinstance(found, type_):
            raise TypeError(
                f"check {check_id} measured a {type(found).__name__}, not a {type_.__name__}"
            )
        return found

    # -- synchronous face, for the pytest plugin ---------------------------------------

    def execute_sync(self, check_id: str) -> CheckResult:
        if self._runner is None:
            self._runner = new_runner()
        return self._runner.run(self.execute(check_id))

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()
            self._runner = None

    # -- HTTP -------------------------------------------------------------------------

    @property
    def user_agent(self) -> str:
        return f"launchgate/{__version__} (run {self.run_id})"

    def _ssl_context(self) -> ssl.SSLContext | bool:
        target = self.config.target
        if not target.verify_tls:
            return False
        context = ssl.create_default_context(cafile=certifi.where())
        if target.ca_bundle:
            try:
                context.load_verify_locations(cafile=target.ca_bundle)
            except (OSError, ssl.SSLError) as exc:
                raise UsageError(f"target.ca_bundle {target.ca_bundle}: {exc}") from None
        return context

    def _make_client(self, cookies: httpx.Cookies | None) -> httpx.AsyncClient:
        target = self.config.target
        return httpx.AsyncClient(
            base_url=self.target_url,
            headers={
                "user-agent": self.user_agent,
                "accept-encoding": ACCEPT_ENCODING,
                **target.headers,
            },
            cookies=cookies,
            verify=self.ssl_verify,
            timeout=httpx.Timeout(target.timeout),
            # A transport of its own per client (closed with it); pinned, it connects
            # where target.resolve / target.nameservers say.
            transport=self._transport
            if self._transport is not None or self.pinning is None
            else pinned_transport(self.pinning, self.ssl_verify),
            # Proxies from the environment would send our traffic (and credentials)
            # somewhere the config does not name.
            trust_env=False,
            # checks.http.send follows redirects itself, through the redirect policy;
            # httpx's own following would send target.headers to any host.
            follow_redirects=False,
            event_hooks=redaction_hooks(self.redactor),
        )

    # -- the report -------------------------------------------------------------------

    def report(self) -> RunReport:
        results = tuple(self.results[p.check_id] for p in self.plan if p.check_id in self.results)
        outcomes = [self.outcomes[p.check_id] for p in self.plan if p.check_id in self.outcomes]
        started = self._started_at or datetime.now(UTC)
        duration = (
            self.clock.monotonic() - self._started_mono if self._started_mono is not None else 0.0
        )
        return RunReport(
            run_id=self.run_id,
            launchgate_version=__version__,
            target_url=self.redactor.redact_url(self.target_url),
            config_path=self.loaded.path,
            environment=self.config.target.environment,
            started_at=started,
            duration_s=duration,
            results=results,
            verdict=_name_the_stop(
                decide(results, fail_on=self.config.gate.fail_on_severity),
                self._stopped,
                len(self.plan),
            ),
            routes=tuple(route for o in outcomes for route in o.routes),
            baseline=next((o.baseline for o in outcomes if o.baseline is not None), None),
        )


def _name_the_stop(verdict: Verdict, stop: str | None, planned: int) -> Verdict:
    """A run cut short (a signal, the run deadline): that is the news of its verdict.
    Checks that errored only because of it would otherwise read as the cause."""
    if stop is None or verdict.outcome == "pass":
        return verdict
    if verdict.outcome == "fail":  # a blocker found before the stop still decides
        return dataclasses.replace(verdict, reason=f"{verdict.reason} (then {stop})")
    missing = len(verdict.undecided)
    reason = f"{stop}: nothing was decided ({missing} of {planned} checks did not complete)"
    return dataclasses.replace(verdict, reason=reason)
