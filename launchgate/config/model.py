"""The typed shape of ``launchgate.yml``.

Pydantic models, frozen, ``extra="forbid"``: one declaration gives validation with
coercion of interpolated strings (``"5"`` from ``${N:-5}`` becomes 5), the errors we
map to file/line/key, and the JSON Schema we ship (``launchgate schema``). Hand-written
validators would have to be kept in step with a hand-written schema; this cannot drift.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from launchgate.config.hosts import (
    parse_address,
    parse_edge_url,
    parse_host_name,
    parse_resolve,
)
from launchgate.config.units import (
    DURATION_HELP,
    SIZE_HELP,
    parse_duration_s,
    parse_size_bytes,
)
from launchgate.results import Severity

__all__ = [
    "Capture",
    "Config",
    "EdgeSpec",
    "Expect",
    "GateSpec",
    "GenerateSpec",
    "JourneySpec",
    "ReadinessSpec",
    "StepSpec",
    "SubdomainSpec",
    "TargetSpec",
    "VersionCheck",
    "WebhookSpec",
]

Duration = Annotated[
    float,
    BeforeValidator(parse_duration_s),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(ms|s|m|h)\s*$"},
                {"type": "number", "minimum": 0},
            ],
            "description": DURATION_HELP,
        }
    ),
]
Size = Annotated[
    int,
    BeforeValidator(parse_size_bytes),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*$"},
                {"type": "integer", "minimum": 0},
            ],
            "description": SIZE_HELP,
        }
    ),
]


def _one_or_many(value: object) -> object:
    """``status: 200`` and ``status: [200, 303]`` both mean a list."""
    return value if isinstance(value, list) else [value]


_STATUS_HELP = "a status code such as 200, a class such as 2xx, or a list of them"


def _status_list(value: object) -> list[int]:
    items = value if isinstance(value, list) else [value]
    out: list[int] = []
    for item in items:
        text = str(item).strip().lower()
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise ValueError(f"expected {_STATUS_HELP}")
        if len(text) == 3 and text[0] in "12345" and text[1:] == "xx":
            base = int(text[0]) * 100  # "2xx" means any success
            out.extend(range(base, base + 100))
        elif text.isdigit() and 100 <= int(text) <= 599:
            out.append(int(text))
        else:
            raise ValueError(f"expected {_STATUS_HELP}")
    return out


StatusList = Annotated[
    list[int],
    BeforeValidator(_status_list),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 100, "maximum": 599},
                {"type": "string", "pattern": "^[1-5]xx$"},
                {
                    "type": "array",
                    "items": {
                        "anyOf": [
                            {"type": "integer", "minimum": 100, "maximum": 599},
                            {"type": "string", "pattern": "^[1-5]xx$"},
                        ]
                    },
                },
            ],
            "description": _STATUS_HELP,
        }
    ),
]
TextList = Annotated[
    list[str],
    BeforeValidator(_one_or_many),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}),
]
Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=64)]
VarName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
Method = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
SeverityName = Literal["blocker", "high", "medium"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TargetSpec(_Model):
    url: str | None = Field(
        None, description="Base URL of the app; --url and LAUNCHGATE_URL take precedence."
    )
    environment: str = Field("default", description="Names the environment in reports.")
    timeout: Duration = Field(10.0, description="Limit for one whole request, first byte to last.")
    deadline: Duration = Field(300.0, description="Limit for the whole run.")
    verify_tls: bool = Field(True, description="Verify certificates (never turn off in prod).")
    ca_bundle: str | None = Field(None, description="PEM file of extra trusted roots.")
    max_body: Size = Field(1024 * 1024, description="Largest response body read.")
    headers: dict[str, str] = Field(
        default_factory=dict, description="Headers sent with every request."
    )


class VersionCheck(_Model):
    path: str = Field("/version", description="Route that tells which version is serving.")
    contains: str = Field(..., description="Text its body must contain, e.g. ${GITHUB_SHA}.")


class ReadinessSpec(_Model):
    path: str = Field("/healthz", description="Route that answers 2xx once the app is up.")
    timeout: Duration = Field(60.0, description="How long to wait for readiness in all.")
    interval: Duration = Field(0.25, description="First wait between attempts; doubles.")
    max_interval: Duration = Field(5.0, description="Longest wait between attempts.")
    request_timeout: Duration = Field(5.0, description="Limit for one readiness request.")
    version: VersionCheck | None = Field(
        None, description="Also require the new version to be the one serving."
    )


class GateSpec(_Model):
    fail_on: SeverityName = Field(
        "blocker", description="Lowest severity that fails the gate and asks for a rollback."
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
        description="Mask the value in every output. Default: yes for cookies and for "
        "names like token, password, secret, key, session, csrf.",
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
    max_latency: Duration | None = Field(None, description="Slowest acceptable answer.")


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
    timeout: Duration | None = Field(None, description="Default: target.timeout.")
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


class WebhookSpec(_Model):
    title: str | None = None
    path: str = Field(..., pattern=r"^/")
    scheme: Literal["stripe", "standard"] = "stripe"
    secret: str = Field(..., min_length=1, description="Signing secret; use ${ENV}.")
    tolerance: Duration = Field(300.0, description="The receiver's timestamp tolerance.")
    severity: SeverityName = "blocker"
    payload: dict[str, Any] | None = Field(
        None, description="Event JSON; {{ event.id }} gives each attempt a fresh id."
    )
    headers: dict[str, str] = Field(default_factory=dict)
    checks: list[WebhookCheckName] | None = Field(
        None,
        description="Which defences to check. Default: all of them, except 'future' for "
        "the stripe scheme (Stripe's own libraries accept future timestamps).",
    )
    needs: list[Name] = Field(default_factory=list)


# -- edge --------------------------------------------------------------------------
# Kept as the strings the user wrote (so reports and errors quote them as written);
# validated here with the same parsers the edge checks use.


def _valid(parse: Any) -> Any:
    def check(value: str) -> str:
        parse(value)
        return value

    return AfterValidator(check)


def _nameserver(value: str) -> str:
    from launchgate.checks.dns import parse_nameserver  # dnspython, only when used

    parse_nameserver(value)
    return value


EdgeUrlText = Annotated[str, _valid(parse_edge_url)]
HostName = Annotated[str, _valid(parse_host_name)]
Address = Annotated[str, _valid(parse_address)]
ResolveText = Annotated[str, _valid(parse_resolve), Field(examples=["example.com:443:203.0.113.7"])]
NameserverText = Annotated[str, AfterValidator(_nameserver), Field(examples=["1.1.1.1"])]
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


def _name_only(value: object) -> object:
    """``- api.example.com`` is short for ``- name: api.example.com``."""
    return {"name": value} if isinstance(value, str) else value


Subdomain = Annotated[
    SubdomainSpec,
    BeforeValidator(_name_only),
    WithJsonSchema({"anyOf": [{"type": "string"}, SubdomainSpec.model_json_schema()]}),
]


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
    timeout: Duration | None = Field(
        None, description="Limit for one request or lookup; default: target.timeout."
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
    edge: EdgeSpec | None = Field(
        None, description="Edge readiness: DNS, redirects, HTTPS, headers, caching."
    )
