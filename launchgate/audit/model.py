"""The audit as one frozen value: what the renderers show, built by
:func:`launchgate.audit.build.build_audit`. Plain text and tuples only, so the JSON
renderer is ``dataclasses.asdict`` and the redaction walk sees every string."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Audit",
    "Channel",
    "Environment",
    "Host",
    "MailSender",
    "Payment",
    "Risk",
    "Rollback",
    "RunInfo",
    "ScanFinding",
    "SecretEntry",
    "Undecided",
]


@dataclass(frozen=True)
class RunInfo:
    source: str  # "this run" or the report.json it was read from
    run_id: str
    verdict: str  # pass, fail, error
    reason: str
    target: str  # the URL checked, as the report shows it (redacted)
    environment: str
    started_at: str
    config: str


@dataclass(frozen=True)
class Risk:
    severity: str  # blocker, high, medium
    check: str
    title: str
    remedy: str
    blocking: bool  # fails the gate at its fail_on


@dataclass(frozen=True)
class Undecided:
    check: str
    message: str


@dataclass(frozen=True)
class Host:
    name: str
    roles: tuple[str, ...]  # canonical, alias, subdomain, app
    answer: str  # the DNS answer in one line, or why there is none
    served_by: str  # "Vercel (CNAME cname.vercel-dns.com)", or "not recognised"
    owner: str  # from owners.domains, "" when none


@dataclass(frozen=True)
class Environment:
    name: str
    url: str  # "" when no run of it is known here
    baseline: str  # the baseline file and its entries, or that there is none
    current: bool  # the environment this audit's run checked


@dataclass(frozen=True)
class MailSender:
    domain: str
    providers: tuple[str, ...]  # each with what told it
    spf: str
    mx: str
    dkim: tuple[str, ...]  # "selector: answer (provider)"


@dataclass(frozen=True)
class Payment:
    name: str
    path: str
    provider: str


@dataclass(frozen=True)
class Channel:
    name: str
    kind: str
    reaches: str
    alerts: str  # which severities it gets


@dataclass(frozen=True)
class SecretEntry:
    name: str
    used_at: tuple[str, ...]  # config keys that read it
    set_here: bool  # the variable was set where the audit ran (its value is never shown)
    owner: str
    rotate: str
    note: str


@dataclass(frozen=True)
class ScanFinding:
    status: str  # "rotate", or "move out" for one not committed yet
    title: str  # carries the masked value only
    remedy: str


@dataclass(frozen=True)
class Rollback:
    hooks: tuple[str, ...]  # each on_fail hook in plain words; empty when none
    when: str
    gate_command: str
    fails_on: str


@dataclass(frozen=True)
class Audit:
    run: RunInfo
    risks: tuple[Risk, ...]  # worst first: blocker, high, medium
    undecided: tuple[Undecided, ...]
    hosts: tuple[Host, ...]
    environments: tuple[Environment, ...]
    mail: MailSender | None
    payments: tuple[Payment, ...]
    channels: tuple[Channel, ...]
    monitoring_owner: str
    secrets: tuple[SecretEntry, ...]
    scan: str  # what the secret scan says overall: ran, found, could not decide, not set up
    scan_findings: tuple[ScanFinding, ...]
    rollback: Rollback

    @property
    def later(self) -> tuple[Risk, ...]:
        """The do-later list: the medium findings."""
        return tuple(r for r in self.risks if r.severity == "medium")
