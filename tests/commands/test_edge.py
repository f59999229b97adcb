"""``launchgate edge URL``: the edge checks from the command line, end to end, as in a
pre-cutover check of a new origin (``--resolve``) at the authoritative nameserver
(``--nameserver``)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from launchgate.cli import main
from tests.checks.edge.world import CANONICAL, WWW, World, world

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[World]:
    with world(tmp_path) as w:
        yield w


def edge_args(site: World, out: Path, *extra: str) -> list[str]:
    return [
        "edge",
        site.canonical,
        "--alias",
        site.http(CANONICAL),
        "--alias",
        site.https(WWW),
        "--nameserver",
        site.dns.address,
        "--resolve",
        f"{CANONICAL}:{site.https_port}:127.0.0.1",
        "--resolve",
        f"{CANONICAL}:{site.http_port}:127.0.0.1",
        "--resolve",
        f"{WWW}:{site.https_port}:127.0.0.1",
        "--ca-bundle",
        str(site.ca_file),
        "--timeout",
        "1s",
        "--out",
        str(out),
        *extra,
    ]


def test_a_clean_edge_passes_and_writes_the_reports(
    site: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(edge_args(site, out, "--subdomain", f"api.{CANONICAL}=127.0.0.1"), {})

    terminal = capsys.readouterr().out
    assert code == 0, terminal
    assert "PASS (exit 0)" in terminal
    report = json.loads((out / "report.json").read_text())
    assert report["verdict"] == "pass"
    ids = {c["id"] for c in report["checks"]}
    assert {"edge::tls", "edge::https", f"edge::dns::api.{CANONICAL}"} <= ids
    assert f"edge::alias::https://{WWW}:{site.https_port}" in ids
    assert {c["status"] for c in report["checks"]} == {"passed"}
    junit = ET.fromstring((out / "junit.xml").read_text())
    assert len(junit.findall(".//testcase")) == len(report["checks"])
    assert (out / "summary.md").read_text().startswith("## launchgate: PASS")


def test_before_the_cutover_dns_still_pointing_at_the_old_origin_fails(
    site: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The new origin answers correctly through --resolve; the nameserver still gives
    the old address: the run says exactly that, and nothing else fails."""
    out = tmp_path / "out"
    code = main(edge_args(site, out, "--subdomain", f"old.{CANONICAL}=127.0.0.1"), {})

    terminal = capsys.readouterr().out
    assert code == 1, terminal
    report = json.loads((out / "report.json").read_text())
    failed = {c["id"] for c in report["checks"] if c["status"] == "failed"}
    assert failed == {f"edge::dns::old.{CANONICAL}"}
    assert "resolves to 192.0.2.1, expected 127.0.0.1" in terminal


def test_fail_on_high_fails_for_a_missing_hsts_header(site: World, tmp_path: Path) -> None:
    site.rules.headers["Strict-Transport-Security"] = None
    assert main(edge_args(site, tmp_path / "a"), {}) == 0  # high: reported, not blocking
    assert main(edge_args(site, tmp_path / "b", "--fail-on", "high"), {}) == 1


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["edge", "ftp://example.com"], "URL: expected an http:// or https:// URL"),
        (["edge", "https://example.com", "--resolve", "example.com:443"], "--resolve: expected"),
        (["edge", "https://example.com", "--nameserver", "1.1.1.1:x"], "--nameserver: bad port"),
        (["edge", "https://example.com", "--subdomain", "a..b"], "--subdomain: not a valid"),
        (["edge", "https://example.com", "--subdomain", "a.com=1.2.3.4,x"], "--subdomain"),
        (["edge", "https://example.com", "--timeout", "soon"], "--timeout"),
        (["edge", "https://example.com", "--alias", "https://example.com/"], "canonical URL"),
        (["edge", "https://example.com", "--ca-bundle", "/no/such/ca.pem"], "edge.ca_bundle"),
    ],
)
def test_bad_flags_are_usage_errors(
    args: list[str], phrase: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*args, "--out", str(tmp_path / "out")], {})

    captured = capsys.readouterr()
    assert code == 2, captured.out + captured.err
    assert phrase in captured.err
    assert "Traceback" not in captured.err
    assert not (tmp_path / "out" / "report.json").exists()


def test_a_token_in_an_edge_url_never_reaches_an_output(
    site: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = "Tok3n" + "q" * 20
    site.rules.www = "duplicate"  # so the finding quotes the alias URL
    out = tmp_path / "out"
    args = edge_args(site, out)
    args[args.index(site.https(WWW))] = f"{site.https(WWW)}/?token={token}&page=1"

    code = main(args, {})

    terminal = capsys.readouterr()
    assert code == 0  # a duplicate site is high: reported, not blocking
    assert "token=[redacted]&page=1" in terminal.out
    for text in (terminal.out, terminal.err, *(p.read_text() for p in out.iterdir())):
        assert token not in text
