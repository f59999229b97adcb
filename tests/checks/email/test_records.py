"""The pure record parsers and rules, table-driven, without DNS."""

from __future__ import annotations

import asyncio
import base64
import os

import pytest

from launchgate.checks.email.dkim import DkimKey, DkimProblem, parse_dkim
from launchgate.checks.email.dmarc import corrected_dmarc, parse_dmarc
from launchgate.checks.email.spf import corrected_all, parse_spf, walk_spf


@pytest.mark.parametrize(
    ("record", "error"),
    [
        ("v=spf1 ip4:192.0.2.0/24 -all", None),
        ("v=spf1 a/24 mx:mail.example.com//64 ?all", None),
        ("v=spf1 include:%{d}._spf.example.com -all", None),
        ("v=spf1 ip4:2001:db8::1 -all", "not an IPv4"),
        ("v=spf1 ip6:192.0.2.1 -all", "not an IPv6"),
        ("v=spf1 ip4:192.0.2.0/33 -all", "not an IPv4 network"),
        ("v=spf1 include -all", "needs a domain"),
        ("v=spf1 all:foo", "takes no value"),
        ("v=spf1 redirect=a.example redirect=b.example", "appears twice"),
        ("v=spf1 a:exa$mple.com -all", "is not a domain"),
    ],
)
def test_spf_syntax(record: str, error: str | None) -> None:
    errors = parse_spf(record).errors
    if error is None:
        assert errors == ()
    else:
        assert any(error in e for e in errors), errors


def test_corrected_all_moves_terms_written_after_all() -> None:
    record = parse_spf("v=spf1 +all ip4:192.0.2.1")
    assert corrected_all(record) == "v=spf1 ip4:192.0.2.1 ~all"


def test_walk_follows_redirect_for_the_effective_all() -> None:
    records = {"b.example": ["v=spf1 ip4:192.0.2.1 ?all"]}

    async def fetch(domain: str) -> list[str] | None:
        return records.get(domain)

    walk = asyncio.run(walk_spf("a.example", parse_spf("v=spf1 redirect=b.example"), fetch))
    assert walk.lookups == 1
    assert walk.effective_all is not None
    assert walk.effective_all.text == "?all"


def test_walk_reports_an_include_without_spf() -> None:
    async def fetch(domain: str) -> list[str] | None:
        return None

    walk = asyncio.run(walk_spf("a.example", parse_spf("v=spf1 include:gone.example -all"), fetch))
    assert walk.broken == [("a.example -> gone.example", walk.broken[0][1])]
    assert "no SPF record" in walk.broken[0][1]


def test_dkim_ed25519_and_flags() -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    parsed = parse_dkim(f"v=DKIM1; k=ed25519; t=y; h=sha1; p={key}")
    assert parsed == DkimKey("ed25519", 256, testing=True, sha1_only=True)
    short = parse_dkim("v=DKIM1; k=ed25519; p=" + base64.b64encode(b"x" * 16).decode())
    assert isinstance(short, DkimProblem)
    assert short.kind == "bad_key"


@pytest.mark.parametrize(
    ("record", "kind"),
    [
        ("k=rsa; v=DKIM1; p=", "syntax"),  # v= must come first
        ("v=DKIM1; k=rsa", "syntax"),
        ("v=DKIM1; p=@@@", "bad_key"),
        ("v=DKIM1; k=dsa; p=AAAA", "unknown_type"),
        ("v=DKIM1; p = ", "revoked"),
    ],
)
def test_dkim_problems(record: str, kind: str) -> None:
    parsed = parse_dkim(record)
    assert isinstance(parsed, DkimProblem)
    assert parsed.kind == kind


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ("v=DMARC1; p=reject", None),
        ("p=reject; v=DMARC1", "must start with v=DMARC1"),
        ("v=DMARC1; rua=mailto:a@b.example", "no p= tag"),
        ("v=DMARC1; p=block", "expected one of"),
        ("v=DMARC1; p=none; pct=150", "pct=150"),
        ("v=DMARC1; p=none; rua=a@b.example", "not a mailto"),
        ("v=DMARC1; p=none; p=reject", "appears twice"),
    ],
)
def test_dmarc_parse(record: str, problem: str | None) -> None:
    parsed = parse_dmarc(record)
    if problem is None:
        assert not isinstance(parsed, str)
    else:
        assert isinstance(parsed, str)
        assert problem in parsed


def test_corrected_dmarc_keeps_other_tags() -> None:
    parsed = parse_dmarc("v=DMARC1; p=none; sp=none; adkim=s; pct=20")
    assert not isinstance(parsed, str)
    assert corrected_dmarc(parsed, "example.com") == (
        "v=DMARC1; p=quarantine; adkim=s; rua=mailto:dmarc-reports@example.com"
    )
