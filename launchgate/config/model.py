"""The typed shape of ``launchgate.yml``.

Pydantic models, frozen, ``extra="forbid"``: one declaration gives validation with
coercion of interpolated strings (``"5"`` from ``${N:-5}`` becomes 5), the errors we
map to file/line/key, and the JSON Schema we ship (``launchgate schema``). Hand-written
validators would have to be kept in step with a hand-written schema; this cannot drift.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from launchgate.config.fields import (
    Duration,
    Name,
    Percent,
    PositiveDuration,
    Rate,
    Size,
    StatusList,
    TextList,
    VarName,
    shorthand,
    string_or,
)
from launchgate.config.hooks_model import OnFailSpec
from launchgate.config.hosts import (
    parse_address,
    parse_edge_url,
    parse_host_name,
    parse_nameserver,
    parse_resolve,
    parse_target_url,
)
from launchgate.config.logs_model import LogsSpec
from launchgate.config.owners_model import OwnersSpec
from launchgate.config.security_model import SecuritySpec
from launchgate.config.watch_model import WatchSpec
from launchgate.results import Severity

__all__ = [
    "Capture",
    "CompareSpec",
    "Config",
    "EdgeSpec",
    "EmailSpec",
    "Expect",
    "GateSpec",
    "GenerateSpec",
    "JourneySpec",
    "ReadinessSpec",
    "ReplaySpec",
    "ReplayVerifySpec",
    "SecretScanSpec",
    "StepSpec",
    "SubdomainSpec",
    "TargetSpec",
    "VersionCheck",
    "WebhookSpec",
]

Method = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
SeverityName = Literal["blocker", "high", "medium"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _target_url(value: str) -> str:
    # Empty (``${URL:-}``) means "not given here", as --url and LAUNCHGATE_URL treat it.
    return parse_target_url(value) if value else value


class TargetSpec(_Model):
    url: Annotated[str, AfterValidator(_target_url)] | None = Field(
        None, description="Base URL of the app; --url and LAUNCHGATE_URL take precedence."
    )
    environment: str = Field("default", description="Names the environment in reports.")
    timeout: PositiveDuration = Field(
        10.0, description="Limit for one whole request, first byte to last."
    )
    deadline: PositiveDuration = Field(300.0, description="Limit for the whole run.")
    verify_tls: bool = Field(True, description="Verify certificates (never turn off in prod).")
    ca_bundle: str | None = Field(None, description="PEM file of extra trusted roots.")
    max_body: Size = Field(1024 * 1024, description="Largest response body read.")
    headers: dict[str, str] = Field(
        default_factory=dict, description="Headers sent with every request."
    )
    resolve: list[ResolveText] = Field(
        default_factory=list,
        description="curl-style HOST:PORT:ADDRESS: the app checks (readiness, journeys, "
        "webhooks, the probe) and the edge connect there; SNI, Host and cookies stay under "
        "the name. Test a new origin before the DNS cutover.",
    )
    nameservers: list[NameserverText] = Field(
        default_factory=list,
        description="Ask these DNS servers (IP[:PORT]) for the target's names instead of "
        "the system resolver; the edge uses them too unless edge.nameservers is set.",
    )


class VersionCheck(_Model):
    path: str = Field("/version", description="Route that tells which version is serving.")
    contains: str = Field(..., description="Text its body must contain, e.g. ${GITHUB_SHA}.")


class ReadinessSpec(_Model):
    path: str = Field("/healthz", description="Route that answers 2xx once the app is up.")
    timeout: PositiveDuration = Field(60.0, description="How long to wait for readiness in all.")
    interval: PositiveDuration = Field(0.25, description="First wait between attempts; doubles.")
    max_interval: PositiveDuration = Field(5.0, description="Longest wait between attempts.")
    request_timeout: PositiveDuration = Field(5.0, description="Limit for one readiness request.")
    version: VersionCheck | None = Field(
        None, description="Also require the new version to be the one serving."
    )


# A check id or a glob of them: letters, digits and the id's own punctuation, with
# fnmatch's * ? [ ] (launchgate/severities.py).
CheckPattern = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:/@*?\[\]!-]+$")]


class GateSpec(_Model):
    fail_on: SeverityName = Field(
        "blocker", description="Lowest severity that fails the gate and asks for a rollback."
    )
    severities: dict[CheckPattern, SeverityName] = Field(
        default_factory=dict,
        description="Check id or glob -> the severity of its findings, e.g. "
        "'email::*': medium. An exact id wins over a glob, a longer glob over a shorter.",
    )
    independent: Literal["report", "block"] = Field(
        "report",
        description="Findings of checks a deploy cannot change (email::*) in a run that "
        "gates a deploy: report them at their severity without rolling back, or block "
        "like any other. `launchgate email` alone always blocks.",
    )

    @property
    def fail_on_severity(self) -> Severity:
        return Severity(self.fail_on)


class GenerateSpec(_Model):
    email_domain: str = Field(
        "example.com", description="Domain of {{ run.email }}, the fresh signup address."
    )
    email_prefix: str = Field("launchgate", description="Local part prefix of {{ run.email }}.")


CaptureSource = Literal["json", "header", "cookie", "regex"]


class Capture(_Model):
    json_path: str | None = Field(None, alias="json", description="A JSON path: $.user.id")
    header: str | None = Field(None, description="A response header name.")
    cookie: str | None = Field(None, description="A cookie set by the response.")
    regex: str | None = Field(None, description="A regex over the body; group 1 if any.")
    secret: bool | None = Field(
        None,
        description="Mask the value in every output. Default: yes; `false` for a value "
        "that may be shown (a plan name, a page title).",
    )

    @model_validator(mode="after")
    def _exactly_one_source(self) -> Capture:
        if len(self._given()) != 1:
            raise ValueError("give exactly one of json, header, cookie or regex")
        return self

    def _given(self) -> list[tuple[CaptureSource, str]]:
        candidates: list[tuple[CaptureSource, str | None]] = [
            ("json", self.json_path),
            ("header", self.header),
            ("cookie", self.cookie),
            ("regex", self.regex),
        ]
        return [(kind, value) for kind, value in candidates if value is not None]

    def source(self) -> tuple[CaptureSource, str]:
        """Where the value comes from: validated to be exactly one place."""
        return self._given()[0]


class Expect(_Model):
    status: StatusList | None = Field(
        None, description="Expected status; default: any 2xx, or 3xx if not following."
    )
    headers: dict[str, str] = Field(
        default_factory=dict, description="Header name -> text its value must contain."
    )
    body_contains: TextList = Field(default_factory=list)
    body_not_contains: TextList = Field(default_factory=list)
    json_values: dict[str, Any] = Field(
        default_factory=dict, alias="json", description="JSON path -> the value it must equal."
    )
    max_latency: PositiveDuration | None = Field(None, description="Slowest acceptable answer.")


class StepSpec(_Model):
    name: str | None = Field(None, description="Shown in reports; default: METHOD path.")
    method: Method = "GET"
    path: str = Field(..., pattern=r"^/", description="Path on the target, with {{ vars }}.")
    query: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    form: dict[str, str] | None = Field(None, description="URL-encoded form body.")
    json_body: Any = Field(None, alias="json", description="JSON body.")
    body: str | None = Field(None, description="Raw body.")
    follow_redirects: bool = False
    timeout: PositiveDuration | None = Field(None, description="Default: target.timeout.")
    expect: Expect = Field(default_factory=Expect)
    capture: dict[VarName, Capture] = Field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.name or f"{self.method} {self.path}"

    @model_validator(mode="after")
    def _one_body(self) -> StepSpec:
        given = [
            key
            for key, value in (("form", self.form), ("json", self.json_body), ("body", self.body))
            if value is not None
        ]
        if len(given) > 1:
            raise ValueError(f"give one request body, not {' and '.join(given)}")
        return self


class JourneySpec(_Model):
    title: str | None = None
    severity: SeverityName = "blocker"
    session: Name | None = Field(
        None, description="Start from this journey's cookies and captures."
    )
    needs: list[Name] = Field(default_factory=list, description="Run after these journeys.")
    steps: list[StepSpec] = Field(..., min_length=1)


WebhookCheckName = Literal["signed", "forged", "tampered", "unsigned", "stale", "future", "replay"]
ALL_WEBHOOK_CHECKS: tuple[WebhookCheckName, ...] = (
    "signed",
    "forged",
    "tampered",
    "unsigned",
    "stale",
    "future",
    "replay",
)


class ReplayVerifySpec(_Model):
    """A read-only request that tells how often the app processed an event."""

    path: str = Field(
        ...,
        pattern=r"^/",
        description="GET this path after the replay; {{ event.id }} names the replayed event.",
    )
    headers: dict[str, str] = Field(default_factory=dict)
    count: str = Field(
        ...,
        min_length=1,
        description="JSONPath to the number of times the event was processed (e.g. $.count); "
        "it must be 1.",
    )


class ReplaySpec(_Model):
    expect: Literal["reject", "acknowledge"] = Field(
        "reject",
        description="reject: a duplicate must get a 4xx. acknowledge: a 2xx is fine (Stripe "
        "retries any non-2xx), as long as the event is not processed twice.",
    )
    verify: ReplayVerifySpec | None = Field(
        None,
        description="With expect: acknowledge, how to check the event was processed once; "
        "without it the report says the second processing could not be verified.",
    )

    @model_validator(mode="after")
    def _verify_needs_acknowledge(self) -> ReplaySpec:
        if self.verify is not None and self.expect != "acknowledge":
            raise ValueError("replay.verify applies to expect: acknowledge only")
        return self


class WebhookSpec(_Model):
    title: str | None = None
    path: str = Field(..., pattern=r"^/")
    scheme: Literal["stripe", "standard"] = "stripe"
    secret: str = Field(..., min_length=1, description="Signing secret; use ${ENV}.")
    tolerance: PositiveDuration = Field(300.0, description="The receiver's timestamp tolerance.")
    severity: SeverityName = "blocker"
    payload: dict[str, Any] | None = Field(
        None, description="Event JSON; {{ event.id }} gives each attempt a fresh id."
    )
    headers: dict[str, str] = Field(default_factory=dict)
    replay: ReplaySpec = Field(
        default_factory=ReplaySpec, description="What a correct answer to a duplicate is."
    )
    checks: list[WebhookCheckName] | None = Field(
        None,
        description="Which defences to check. Default: all of them, except 'future' for "
        "the stripe scheme (Stripe's own libraries accept future timestamps).",
    )
    needs: list[Name] = Field(default_factory=list)


# Hard caps on the load probe: a config may lower them, never exceed them. A gate
# that can be talked into a load test of someone else's site is a weapon.
MAX_RATE_PER_S = 2000.0
MAX_DURATION_S = 600.0
MAX_CONCURRENCY = 1000
MAX_REQUESTS = 1_000_000
MAX_TIMEOUT_S = 60.0


def _capped(value: float, cap: float, what: str) -> float:
    if value > cap:
        raise ValueError(f"{what} is capped at {cap:g}: launchgate refuses heavier load")
    return value


class ProbeRouteSpec(_Model):
    path: str = Field(..., pattern=r"^/", description="Path on the target to measure.")
    method: Literal["GET", "HEAD"] = Field("GET", description="Only safe methods are probed.")
    session: Name | None = Field(
        None, description="Measure as the customer this journey logged in (its cookies)."
    )
    headers: dict[str, str] = Field(default_factory=dict)
    rate: Rate | None = Field(None, description="Requests per second; default: probe.rate.")
    p95: PositiveDuration | None = Field(None, description="p95 target; default: probe.gates.p95.")
    expect_status: StatusList | None = Field(
        None,
        description="Statuses that count as served; default: 2xx. On a route with a "
        "session, a redirect to another page is always the session lost.",
    )

    @model_validator(mode="after")
    def _rate_cap(self) -> ProbeRouteSpec:
        if self.rate is not None:
            _capped(self.rate, MAX_RATE_PER_S, "rate (per second)")
        return self


class GatesSpec(_Model):
    p95: PositiveDuration = Field(0.5, description="p95 latency target per route.")
    error_budget: Percent = Field(1.0, description="Largest acceptable error rate.")
    regression: Percent = Field(
        20.0, description="Fail when p95 is this much worse than the baseline (and not noise)."
    )
    regression_floor: Duration = Field(
        0.001,
        description="The probe's timing resolution: smaller p95 differences never count as "
        "regressions; the history's run-to-run spread raises the floor further.",
    )
    drift: Percent = Field(
        20.0,
        description="A finding when p95 is this much worse than the baseline drift_window "
        "deploys ago: a regression that arrived a little at a time.",
    )
    drift_window: int = Field(
        5, ge=2, description="How many baselines back the drift decision compares with."
    )
    drift_severity: SeverityName = Field(
        "high", description="Severity of a drift finding; blocker makes drift fail the gate."
    )
    confidence: Percent = Field(
        95.0, description="Confidence that a regression is real, not sampling noise."
    )
    min_samples: int = Field(
        200, ge=20, description="Fewest measured requests for a stable p95 per route."
    )

    @field_validator("confidence")
    @classmethod
    def _confidence(cls, value: float) -> float:
        # 100 % has no finite interval (the normal quantile of 1 is infinite).
        if not 0 < value < 100:
            raise ValueError("expected a percentage above 0% and below 100%, such as 95%")
        return value

    @field_validator("error_budget")
    @classmethod
    def _budget(cls, value: float) -> float:
        if value > 100:
            raise ValueError("expected a percentage of at most 100%")
        return value


class CompareSpec(_Model):
    url: Annotated[str, AfterValidator(_target_url)] | None = Field(
        None,
        description="The control: the previous deployment's own URL, or the base "
        "branch's build; probed beside the target, interleaved, and each route's "
        "regression decided against it. --compare-url takes precedence; empty: no control.",
    )
    limit: Percent | None = Field(
        None,
        description="Fail when a route's p95 is this much worse than the control's "
        "(and not noise); default: probe.gates.regression.",
    )
    # Half a millisecond: twice what one wake-up of the probe's client costs on a KVM
    # guest (docs/benchmarks.md, wakeup_floor.py), and under a +30 % change of a 2 ms
    # route. At 1 ms, +30 % of the demo's 3 ms dashboard could never count.
    floor: Duration = Field(
        0.0005,
        description="The timing resolution: smaller p95 differences from the control "
        "never count. Noise across runs cancels here, so this is not probe.gates."
        "regression_floor, which may be set higher to absorb it.",
    )
    margin: Percent = Field(
        5.0,
        description="How much slower than the control the interval must show, beyond "
        "noise: two processes of the same build differ by a few percent for a whole "
        "run, which pairing cannot cancel.",
    )


class ProbeSpec(_Model):
    rate: Rate = Field(20.0, description="Requests per second per route (open model).")
    duration: PositiveDuration = Field(20.0, description="Measuring time, after the warm-up.")
    warmup: Duration = Field(3.0, description="Sent but not measured: caches, pools, JIT.")
    ramp: Duration = Field(1.0, description="Rise to the full rate within the warm-up.")
    concurrency: int = Field(32, ge=1, description="Most requests in flight per route.")
    timeout: PositiveDuration = Field(5.0, description="Limit for one request; past it, an error.")
    max_requests: int = Field(20_000, ge=1, description="Most requests in one run, all routes.")
    max_extend: Duration = Field(
        20.0, description="Extra measuring time when the figures are still inconclusive."
    )
    max_client_lag: Duration = Field(
        0.05,
        description="Client lag (p99) past which the run is invalid: the load generator "
        "could not keep its own schedule, so its figures are not the app's.",
    )
    routes: dict[Name, ProbeRouteSpec] = Field(..., min_length=1)
    gates: GatesSpec = Field(default_factory=GatesSpec)
    compare: CompareSpec | None = Field(
        None, description="A live A/B: the target against a control in the same window."
    )

    @model_validator(mode="after")
    def _caps(self) -> ProbeSpec:
        _capped(self.rate, MAX_RATE_PER_S, "probe.rate (per second)")
        _capped(self.duration + self.warmup + self.max_extend, MAX_DURATION_S, "probe time")
        _capped(self.concurrency, MAX_CONCURRENCY, "probe.concurrency")
        _capped(self.max_requests, MAX_REQUESTS, "probe.max_requests")
        _capped(self.timeout, MAX_TIMEOUT_S, "probe.timeout (seconds)")
        if self.ramp > self.warmup:
            raise ValueError("probe.ramp must fit inside probe.warmup (the ramp is not measured)")
        return self

    @property
    def control_url(self) -> str | None:
        """The live comparison's control, when one is set (an empty URL sets none)."""
        return self.compare.url.rstrip("/") if self.compare and self.compare.url else None


class BaselineSpec(_Model):
    dir: str = Field("baselines", description="Folder of baseline files, one per environment.")
    history: int = Field(20, ge=1, le=1000, description="Earlier entries kept for trends.")
    branches: list[str] = Field(
        default_factory=list,
        description="Branches allowed to update it; default: the repository's default branch.",
    )


def _nameserver(value: str) -> str:
    ns = parse_nameserver(value)
    try:
        ipaddress.ip_address(ns.address)
    except ValueError:
        raise ValueError("expected an IP address with an optional port: IP[:PORT]") from None
    return value


Hostname = Annotated[
    str,
    Field(
        pattern=r"^([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,62}$",
        max_length=253,
    ),
]
NameserverText = Annotated[str, AfterValidator(_nameserver)]


class EmailSpec(_Model):
    domain: Hostname = Field(..., description="The domain your mail is sent from (From: …@domain).")
    dkim_selectors: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")]] = Field(
        default_factory=list,
        description="DKIM selectors your provider signs with (the s= of a DKIM-Signature).",
    )
    nameservers: list[NameserverText] = Field(
        default_factory=list,
        description="Ask these nameservers (IP[:PORT]) instead of the system resolver, "
        "e.g. your authoritative servers, to check a change before it propagates.",
    )
    timeout: PositiveDuration = Field(5.0, description="Limit for one DNS lookup.")


class SecretScanSpec(_Model):
    path: str = Field(".", description="Folder to scan: a git work tree or any folder.")
    history: bool = Field(
        True,
        description="Also scan every commit reachable from any ref. A shallow clone then "
        "cannot be judged: fetch the whole history (actions/checkout fetch-depth: 0).",
    )
    allowlist: str | None = Field(
        None, description="Reviewed false positives; default: PATH/.launchgate-allow.yml."
    )


# -- edge --------------------------------------------------------------------------
# Kept as the strings the user wrote (so reports and errors quote them as written);
# validated here with the same parsers the edge checks use.


def _valid(parse: Any) -> Any:
    def check(value: str) -> str:
        parse(value)
        return value

    return AfterValidator(check)


EdgeUrlText = Annotated[str, _valid(parse_edge_url)]
HostName = Annotated[str, _valid(parse_host_name)]
Address = Annotated[str, _valid(parse_address)]
ResolveText = Annotated[str, _valid(parse_resolve), Field(examples=["example.com:443:203.0.113.7"])]
PagePath = Annotated[str, Field(pattern=r"^/")]


class SubdomainSpec(_Model):
    name: HostName = Field(..., description="A host name that must resolve (A/AAAA).")
    addresses: list[Address] = Field(
        default_factory=list,
        description="If given, the name must resolve to exactly these addresses.",
    )
    cname: HostName | None = Field(
        None, description="If given, this name must appear in its CNAME chain."
    )


# ``- api.example.com`` is short for ``- name: api.example.com``.
Subdomain = Annotated[SubdomainSpec, shorthand("name"), string_or(SubdomainSpec)]


class CertExpirySpec(_Model):
    blocker: Duration = Field(
        7 * 86400.0, description="A certificate that expires sooner is a blocker."
    )
    high: Duration = Field(21 * 86400.0, description="One that expires sooner is high.")

    @model_validator(mode="after")
    def _blocker_first(self) -> CertExpirySpec:
        if self.blocker > self.high:
            raise ValueError("blocker must not be longer than high (7d and 21d by default)")
        return self


class EdgeSpec(_Model):
    url: EdgeUrlText = Field(
        ..., description="The canonical URL customers use, e.g. https://example.com."
    )
    aliases: list[EdgeUrlText] = Field(
        default_factory=list,
        description="URLs that must reach the canonical URL in one permanent redirect.",
    )
    subdomains: list[Subdomain] = Field(
        default_factory=list,
        description="Names that must resolve; a mapping adds an expected address or CNAME.",
    )
    nameservers: list[NameserverText] = Field(
        default_factory=list,
        description="Ask these DNS servers (IP[:PORT]) instead of the system resolver.",
    )
    resolve: list[ResolveText] = Field(
        default_factory=list,
        description="curl-style HOST:PORT:ADDRESS: connect there, with the name in SNI and Host.",
    )
    ca_bundle: str | None = Field(None, description="PEM file of extra trusted roots.")
    timeout: PositiveDuration | None = Field(
        None, description="Limit for one request or lookup; default: target.timeout."
    )
    cert_expiry: CertExpirySpec = Field(
        default_factory=CertExpirySpec,
        description="How close to expiry the certificate may be: blocker and high.",
    )
    private_pages: dict[Name, list[PagePath]] = Field(
        default_factory=dict,
        description="Journey -> more paths that must never be publicly cacheable with "
        "its session (the GET steps of journeys that use a session are checked anyway).",
    )


class Config(_Model):
    version: Literal[1] = 1
    target: TargetSpec = Field(default_factory=TargetSpec)
    secrets: list[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]] = Field(
        default_factory=list, description="Environment variables whose values are never shown."
    )
    readiness: ReadinessSpec | None = Field(default_factory=ReadinessSpec)
    gate: GateSpec = Field(default_factory=GateSpec)
    generate: GenerateSpec = Field(default_factory=GenerateSpec)
    journeys: dict[Name, JourneySpec] = Field(default_factory=dict)
    webhooks: dict[Name, WebhookSpec] = Field(default_factory=dict)
    probe: ProbeSpec | None = Field(None, description="The load probe and its gates.")
    baseline: BaselineSpec = Field(default_factory=BaselineSpec)
    email: EmailSpec | None = Field(None, description="SPF, DKIM and DMARC of a sending domain.")
    secret_scan: SecretScanSpec | None = Field(
        None, description="Scan the repository (and its history) for committed credentials."
    )
    watch: WatchSpec | None = Field(
        None, description="`launchgate watch`: checks, interval, thresholds, channels, logs."
    )
    edge: EdgeSpec | None = Field(
        None, description="Edge readiness: DNS, redirects, HTTPS, headers, caching."
    )
    security: SecuritySpec = Field(
        default_factory=SecuritySpec,
        description="Checks of the app's own defences (off unless configured).",
    )
    logs: LogsSpec | None = Field(
        None,
        description="The app's logs for the run: after the journeys and the probe they "
        "are searched for every secret the run used (log hygiene, by canary).",
    )
    on_fail: OnFailSpec | None = Field(
        None,
        description="Rollback hooks, run when the gate fails or cannot decide: a command, "
        "a webhook, or both.",
    )
    owners: OwnersSpec | None = Field(
        None,
        description="`launchgate audit`: who owns and rotates each secret, each domain and "
        "the monitoring.",
    )
