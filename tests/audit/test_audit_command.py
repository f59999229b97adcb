"""``launchgate audit --report``: the audit of a config and a report.json, with the map
asked of a real DNS server on loopback, and a planted secret that must appear nowhere."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from launchgate.audit.markdown import SECTIONS
from launchgate.cli import main
from tests.checks.email.zones import rsa_key_b64, txt
from tests.dns_server import DnsServer

SENTINEL = "Sentinel-Audit-Value-7731"
UNLISTED = "Unlisted-Token-Value-5519"  # read by the config, not listed under secrets:


def zone() -> str:
    key = rsa_key_b64(1024)
    return "\n".join(
        [
            "example.test. 60 IN A 203.0.113.10",
            "10.113.0.203.in-addr.arpa. 60 IN PTR server-203-0-113-10.fra56.r.cloudfront.net.",
            "www.example.test. 60 IN CNAME example-site.netlify.app.",
            "example-site.netlify.app. 60 IN A 75.2.60.5",
            "app.example.test. 60 IN CNAME cname.vercel-dns.com.",
            "cname.vercel-dns.com. 60 IN A 76.76.21.21",
            "docs.example.test. 60 IN CNAME example.github.io.",
            "example.github.io. 60 IN A 185.199.108.153",
            "api.example.test. 60 IN CNAME shiny-1234.herokudns.com.",
            "shiny-1234.herokudns.com. 60 IN A 198.51.100.7",
            txt("example.test", "v=spf1 include:_spf.google.com include:sendgrid.net -all"),
            "example.test. 60 IN MX 10 aspmx.l.google.com.",
            "s1._domainkey.example.test. 60 IN CNAME s1.domainkey.u123.wl.sendgrid.net.",
            txt("s1.domainkey.u123.wl.sendgrid.net", f"v=DKIM1; k=rsa; p={key}"),
            txt("google._domainkey.example.test", f"v=DKIM1; k=rsa; p={key}"),
        ]
    )


@pytest.fixture(scope="module")
def dns() -> Iterator[DnsServer]:
    with DnsServer(zone()) as server:
        yield server


def config_text(nameserver: str, *, extra: str = "") -> str:
    return f"""
version: 1
target:
  url: https://example.test
  environment: production
secrets: [AUDIT_SENTINEL, STRIPE_WEBHOOK_SECRET]
readiness: null
journeys:
  login:
    steps:
      - path: /login
        headers: {{Authorization: "Bearer ${{AUDIT_SENTINEL}}"}}
webhooks:
  billing:
    path: /webhooks/stripe
    scheme: stripe
    secret: ${{STRIPE_WEBHOOK_SECRET}}
edge:
  url: https://example.test
  aliases: [https://www.example.test]
  subdomains: [app.example.test, docs.example.test, api.example.test, gone.example.test]
  nameservers: ["{nameserver}"]
  timeout: 2s
email:
  domain: example.test
  dkim_selectors: [s1, google]
  nameservers: ["{nameserver}"]
  timeout: 2s
watch:
  channels:
    team:
      type: slack
      url: https://hooks.slack.com/services/${{AUDIT_SENTINEL}}
    pager:
      type: email
      host: smtp.example.test
      from: alerts@example.test
      to: [oncall@example.test]
      min_severity: critical
on_fail:
  command: ./rollback.sh --token ${{AUDIT_SENTINEL}}
  webhook:
    url: https://deploy.example.test/hooks/${{UNLISTED_TOKEN}}
owners:
  secrets:
    AUDIT_SENTINEL: {{owner: Dana (CTO), rotate: every 90 days}}
    STRIPE_WEBHOOK_SECRET: Sam
  domains:
    example.test: {{owner: Dana, note: the registrar is Namecheap}}
  monitoring: the on-call rotation
{extra}"""


def finding(check: str, severity: str, title: str, remedy: str) -> dict[str, Any]:
    return {
        "check": check,
        "severity": severity,
        "blocking": severity == "blocker",
        "advisory": False,
        "title": title,
        "detail": "",
        "remedy": remedy,
    }


SCAN = finding(
    "secrets::scan",
    "blocker",
    "Stripe secret key (stripe-secret-key) committed in app/settings.py:3: sk_l…",
    "rotate it now (roll the key in the Stripe dashboard, Developers, API keys)",
)
SLOW = finding(
    "edge::page",
    "medium",
    "a script in <head> blocks rendering until cdn.example.net answers",
    "add defer to the script tag",
)
GUESS = finding(
    "security::login_rate_limit",
    "high",
    "20 wrong passwords in 10 s were all answered 401",
    "rate-limit logins per account and address",
)
REPORT = {
    "schema_version": 1,
    "run_id": "r1a2b3",
    "verdict": "fail",
    "reason": "1 blocker",
    "target": "https://example.test",
    "environment": "production",
    "started_at": "2026-12-03T16:00:00.000Z",
    # In the order the checks ran: the audit ranks them.
    "findings": [SCAN, SLOW, GUESS],
    "checks": [
        {"id": "secrets::scan", "status": "failed", "message": SCAN["title"], "findings": [SCAN]},
        {"id": "edge::tls", "status": "error", "message": "no answer within 2s"},
    ],
}


def baseline_file(environment: str) -> dict[str, Any]:
    entry = {
        "created_at": "2026-12-01T10:00:00Z",
        "launchgate_version": "0",
        "config_fingerprint": "f",
        "routes": {},
    }
    return {"schema_version": 1, "environment": environment, "entries": [entry, entry]}


@pytest.fixture
def project(tmp_path: Path, dns: DnsServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "launchgate.yml").write_text(config_text(dns.address), "utf-8")
    (tmp_path / "report.json").write_text(json.dumps(REPORT), "utf-8")
    (tmp_path / "baselines").mkdir()
    (tmp_path / "baselines" / "production.json").write_text(
        json.dumps(baseline_file("production")), "utf-8"
    )
    (tmp_path / "baselines" / "staging.json").write_text("{", "utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


ENV = {
    "AUDIT_SENTINEL": SENTINEL,
    "STRIPE_WEBHOOK_SECRET": "whsec_Stripe-Audit-Secret-8812",
    "UNLISTED_TOKEN": UNLISTED,
}


def audit(
    project: Path, capsys: pytest.CaptureFixture[str], env: dict[str, str] | None = None
) -> tuple[int, str, dict[str, Any], str]:
    code = main(["audit", "--report", "report.json", "--out", "out"], environ=env or ENV)
    captured = capsys.readouterr()
    out = project / "out"
    md = (out / "audit.md").read_text("utf-8") if (out / "audit.md").exists() else ""
    data = (
        json.loads((out / "audit.json").read_text("utf-8")) if (out / "audit.json").exists() else {}
    )
    return code, md, data, captured.out + captured.err


def test_the_audit_has_its_five_sections_in_order(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, md, data, terminal = audit(project, capsys)
    assert code == 0, terminal
    assert md.startswith("# Launch audit: https://example.test")
    positions = [md.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    assert "audit: 1 blocker, 1 high, 1 medium; wrote out/audit.md, out/audit.json" in terminal
    assert data["schema_version"] == 1


def test_the_risk_list_is_ranked_and_the_medium_ones_are_for_later(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, md, data, _ = audit(project, capsys)
    assert [r["severity"] for r in data["risks"]] == ["blocker", "high", "medium"]
    assert data["risks"][0]["remedy"].startswith("rotate it now")
    assert [r["title"] for r in data["later"]] == [SLOW["title"]]
    later = md[md.index(SECTIONS[4]) :]
    assert "blocks rendering until cdn.example.net answers: add defer" in later
    risks = md[md.index(SECTIONS[0]) : md.index(SECTIONS[1])]
    assert "blocks rendering" not in risks  # the medium waits under Do later
    assert "`edge::tls`: no answer within 2s" in risks  # could not decide


def test_who_serves_each_host_is_told_from_cname_and_address_owner(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, md, data, _ = audit(project, capsys)
    served = {h["name"]: h["served_by"] for h in data["hosts"]}
    assert served == {
        # No CNAME: the address's reverse name tells who owns it.
        "example.test": "Amazon CloudFront (address 203.0.113.10 is "
        "server-203-0-113-10.fra56.r.cloudfront.net)",
        "www.example.test": "Netlify (CNAME example-site.netlify.app)",
        "app.example.test": "Vercel (CNAME cname.vercel-dns.com)",
        "docs.example.test": "GitHub Pages (CNAME example.github.io)",
        "api.example.test": "Heroku (CNAME shiny-1234.herokudns.com)",
        "gone.example.test": "nobody: the name does not resolve",
    }
    hosts = {h["name"]: h for h in data["hosts"]}
    assert hosts["example.test"]["roles"] == ["canonical", "app (target URL)"]
    assert hosts["www.example.test"]["answer"] == "CNAME example-site.netlify.app; 75.2.60.5"
    assert "does not exist (NXDOMAIN)" in hosts["gone.example.test"]["answer"]
    # owners.domains covers the subdomains of the domain it names.
    assert {h["owner"] for h in data["hosts"]} == {"Dana"}
    assert "| `app.example.test` | subdomain | CNAME cname.vercel-dns.com; 76.76.21.21 |" in md


def test_the_mail_sender_payments_and_monitoring_are_named(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, md, data, _ = audit(project, capsys)
    mail = data["mail"]
    assert mail["providers"] == [
        "Google Workspace (from SPF include:_spf.google.com)",
        "SendGrid (from SPF include:sendgrid.net)",
    ]
    assert mail["mx"] == "aspmx.l.google.com"
    assert mail["dkim"] == [
        "s1: key published via CNAME s1.domainkey.u123.wl.sendgrid.net (SendGrid)",
        "google: key published (Google Workspace)",
    ]
    assert data["payments"][0]["provider"].startswith("Stripe")
    channels = {c["name"]: c for c in data["channels"]}
    assert channels["team"]["reaches"] == (
        "a Slack channel, by incoming webhook `https://hooks.slack.com/services/${AUDIT_SENTINEL}`"
    )
    assert channels["pager"]["reaches"] == "email to oncall@example.test via smtp.example.test:587"
    assert channels["pager"]["alerts"] == "critical only"
    assert "Monitoring is owned by the on-call rotation" in md


def test_environments_come_from_the_baselines_and_the_run(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, data, _ = audit(project, capsys)
    envs = {e["name"]: e for e in data["environments"]}
    assert envs["production"]["current"] and envs["production"]["url"] == "https://example.test"
    assert "2 entries, newest 2026-12-01T10:00:00Z" in envs["production"]["baseline"]
    assert "not valid JSON" in envs["staging"]["baseline"]
    assert not envs["staging"]["current"]


def test_the_secrets_inventory_names_places_owners_and_the_scan(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, md, data, _ = audit(project, capsys)
    entries = {s["name"]: s for s in data["secrets"]}
    assert entries["AUDIT_SENTINEL"]["used_at"] == [
        "journeys.login.steps[0].headers.Authorization",
        "watch.channels.team.url",
        "on_fail.command",
    ]
    assert entries["AUDIT_SENTINEL"]["owner"] == "Dana (CTO)"
    assert entries["AUDIT_SENTINEL"]["rotate"] == "every 90 days"
    assert entries["STRIPE_WEBHOOK_SECRET"]["used_at"] == ["webhooks.billing.secret"]
    assert entries["STRIPE_WEBHOOK_SECRET"]["owner"] == "Sam"
    assert all(s["set_here"] for s in data["secrets"])
    assert [f["status"] for f in data["scan_findings"]] == ["rotate"]
    assert "**rotate**: Stripe secret key (stripe-secret-key) committed" in md


def test_the_rollback_path_and_the_gate_command(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, md, data, _ = audit(project, capsys)
    rollback = data["rollback"]
    assert rollback["hooks"][0].startswith("runs `./rollback.sh --token ${AUDIT_SENTINEL}`")
    assert rollback["hooks"][1].startswith(
        "POSTs report.json to `https://deploy.example.test/hooks/${UNLISTED_TOKEN}`, unsigned"
    )
    assert rollback["gate_command"] == "launchgate run --config launchgate.yml"
    assert "```sh\nlaunchgate run --config launchgate.yml\n```" in md


def test_no_secret_value_appears_in_any_output(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, md, data, terminal = audit(project, capsys)
    assert code == 0 and md and data
    text = json.dumps(data)
    for value in (SENTINEL, UNLISTED, ENV["STRIPE_WEBHOOK_SECRET"]):
        assert value not in md
        assert value not in text
        assert value not in terminal


def test_in_github_actions_the_page_goes_to_the_step_summary(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = project / "step-summary.md"
    summary.write_text("## an earlier step\n", "utf-8")
    env = {**ENV, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    code, md, _, _ = audit(project, capsys, env)
    assert code == 0
    text = summary.read_text("utf-8")
    assert text == "## an earlier step\n\n" + md
    assert SENTINEL not in text


def test_an_owner_for_a_name_not_under_secrets_is_a_config_error(
    tmp_path: Path,
    dns: DnsServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = config_text(dns.address).replace(
        "    STRIPE_WEBHOOK_SECRET: Sam", "    STRIPE_WEBHOK: Sam"
    )
    (tmp_path / "launchgate.yml").write_text(text, "utf-8")
    (tmp_path / "report.json").write_text(json.dumps(REPORT), "utf-8")
    monkeypatch.chdir(tmp_path)
    code = main(["audit", "--report", "report.json"], environ=ENV)
    err = capsys.readouterr().err
    assert code == 2
    assert "owners.secrets.STRIPE_WEBHOK" in err and "not listed under secrets:" in err
    assert not (tmp_path / "launchgate-results" / "audit.md").exists()


def test_a_file_that_is_not_a_report_is_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "report.json").write_text('{"verdict": "pass"}', "utf-8")
    code, md, _, terminal = audit(project, capsys)
    assert code == 2
    assert "not a launchgate report.json" in terminal
    assert md == ""
