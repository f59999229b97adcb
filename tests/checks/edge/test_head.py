"""The <head> rules, pure: which scripts block rendering, where the head ends, and
what a canonical link must name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from launchgate.checks.edge.head import (
    canonical_link_issues,
    is_first_party,
    read_head,
    render_blocking_issues,
)

PAGE_URL = "https://www.example.com/"
SITE = frozenset({"www.example.com", "example.com"})
CDN = "https://cdn.example.net/w.js"


@pytest.mark.parametrize(
    ("html", "blocking"),
    [
        (f'<head><script src="{CDN}"></script></head>', [CDN]),
        (f'<script src="{CDN}"></script>', [CDN]),  # no <head> tag: still the head
        (f'<head><script type="text/javascript" src="{CDN}"></script>', [CDN]),
        (f'<head><script defer src="{CDN}"></script>', []),
        (f'<head><script async src="{CDN}"></script>', []),
        (f'<head><script async="" src="{CDN}"></script>', []),
        (f'<head><script type="module" src="{CDN}"></script>', []),
        (f'<head><script type="application/ld+json" src="{CDN}"></script>', []),
        (f'<head></head><body><script src="{CDN}"></script></body>', []),
        (f'<title>x</title><h1>hi</h1><script src="{CDN}"></script>', []),  # h1 opens body
        ("<head><script>inline()</script></head>", []),  # nothing to wait for
        ('<head><base href="https://cdn.example.net/"><script src="w.js"></script>', [CDN]),
    ],
)
def test_which_scripts_block_rendering(html: str, blocking: list[str]) -> None:
    assert list(read_head(html, PAGE_URL).blocking_scripts) == blocking


def test_only_a_third_party_is_a_finding_one_per_host() -> None:
    html = (
        "<head>"
        '<script src="/app.js"></script>'
        '<script src="https://static.example.com/b.js"></script>'
        f'<script src="{CDN}"></script>'
        '<script src="https://cdn.example.net/x.js"></script>'
        '<script src="https://tags.vendor.test/t.js"></script>'
        "</head>"
    )
    issues = render_blocking_issues(read_head(html, PAGE_URL), SITE, "www.example.com")
    assert [i.severity.value for i in issues] == ["medium", "medium"]
    first, second = (i.title for i in issues)
    assert first.startswith("a script in <head> blocks rendering until cdn.example.net answers:")
    assert CDN in first and "https://cdn.example.net/x.js" in first
    assert "tags.vendor.test answers" in second
    assert all("defer" in i.remedy for i in issues)


def test_first_party_hosts() -> None:
    assert is_first_party("static.example.com", frozenset(), "www.example.com")
    assert is_first_party("example.com", frozenset(), "www.example.com")
    assert is_first_party("cdn.other.test", frozenset({"cdn.other.test"}), "example.com")
    assert not is_first_party("notexample.com", frozenset(), "example.com")
    assert not is_first_party("cdn.example.net", frozenset(), "www.example.com")


CANONICAL = "https://www.example.com"


@pytest.mark.parametrize(
    ("html", "phrase"),
    [
        ('<head><link rel="canonical" href="https://www.example.com/"></head>', None),
        ('<head><link rel="canonical" href="/"></head>', None),  # relative: the page's host
        ('<head><link rel="Canonical" href="https://www.example.com:443/"></head>', None),
        ("<head><title>x</title></head>", 'the homepage has no <link rel="canonical">'),
        (
            '<head></head><body><link rel="canonical" href="/"></body>',
            "(the 1 in <body> is ignored by search engines)",
        ),
        (
            '<head><link rel="canonical" href="https://example.com/"></head>',
            "names another host: https://example.com/, not www.example.com",
        ),
        (
            '<head><link rel="canonical" href="http://www.example.com/"></head>',
            "names http://, not https://",
        ),
        (
            '<head><link rel="canonical" href="/a"><link rel="canonical" href="/b"></head>',
            "names 2 different canonical URLs",
        ),
    ],
)
def test_the_canonical_link(html: str, phrase: str | None) -> None:
    issues = canonical_link_issues(read_head(html, PAGE_URL), CANONICAL)
    if phrase is None:
        assert issues == []
    else:
        (issue,) = issues
        assert issue.severity.value == "medium"
        assert phrase in issue.title
        assert 'rel="canonical" href="https://www.example.com/"' in issue.remedy


@given(st.text(max_size=300))
def test_reading_the_head_never_raises_on_any_text(text: str) -> None:
    facts = read_head(text, PAGE_URL)
    render_blocking_issues(facts, SITE, "www.example.com")
    canonical_link_issues(facts, CANONICAL)
