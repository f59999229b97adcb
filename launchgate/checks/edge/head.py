"""What the canonical page's ``<head>`` holds that search engines and first paint
depend on: scripts that block rendering, and the ``<link rel="canonical">``. Pure.

Read with the standard library's HTML parser, as ``pages.py`` reads assets: it never
raises on broken markup, needs no dependency, and start and end tags with their
attributes are all these rules look at. It builds no tree, so where ``<head>`` ends is
followed as a browser's tree builder decides it (HTML's "in head" insertion mode):
at ``</head>``, at ``<body>``, or at the first element that cannot be in a head,
whether or not the page wrote its ``<head>`` tags at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from launchgate.checks.edge.issues import Issue
from launchgate.results import Severity

__all__ = [
    "HeadFacts",
    "canonical_link_issues",
    "is_first_party",
    "read_head",
    "render_blocking_issues",
]

# Elements a head may hold; any other start tag opens the body.
_HEAD_ELEMENTS = frozenset(
    {"html", "head", "meta", "link", "title", "style", "script", "base", "noscript", "template"}
)
# Types that a browser runs as a classic script: only these block the parser.
_CLASSIC = frozenset(
    {
        "",
        "text/javascript",
        "application/javascript",
        "application/ecmascript",
        "text/ecmascript",
        "application/x-javascript",
        "text/jscript",
    }
)


@dataclass(frozen=True)
class HeadFacts:
    blocking_scripts: tuple[str, ...]  # absolute URLs of classic, synchronous <script src>
    canonicals: tuple[str, ...]  # absolute hrefs of <link rel=canonical> in the head
    canonicals_in_body: int  # search engines ignore these


class _HeadReader(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = page_url
        self.in_head = True
        self.scripts: list[str] = []
        self.canonicals: list[str] = []
        self.body_canonicals = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body" or tag not in _HEAD_ELEMENTS:
            self.in_head = False
        values = {name: (value or "") for name, value in attrs}
        if tag == "base" and values.get("href"):
            self.base = _join(self.base, values["href"]) or self.base
        elif tag == "link" and "canonical" in values.get("rel", "").lower().split():
            href = _join(self.base, values.get("href", ""))
            if not self.in_head:
                self.body_canonicals += 1
            elif href:
                self.canonicals.append(href)
        elif tag == "script" and self.in_head:
            kind = values.get("type", "").split(";")[0].strip().lower()
            if "async" in values or "defer" in values or kind not in _CLASSIC:
                return  # deferred, a module (deferred by default), or not a script at all
            src = _join(self.base, values.get("src", ""))
            if src:
                self.scripts.append(src)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "body", "html"):
            self.in_head = False


def _join(base: str, href: str) -> str | None:
    """``href`` made absolute; None when empty or not a URL (``http://[``)."""
    if not href.strip():
        return None
    try:
        return urljoin(base, href.strip())
    except ValueError:
        return None


def read_head(html: str, page_url: str) -> HeadFacts:
    reader = _HeadReader(page_url)
    reader.feed(html)
    reader.close()
    return HeadFacts(tuple(reader.scripts), tuple(reader.canonicals), reader.body_canonicals)


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def is_first_party(host: str, site_hosts: frozenset[str], canonical_host: str) -> bool:
    """The site's own: a host the edge config names, or one under the canonical domain
    (``static.example.com`` for ``www.example.com`` or ``example.com``)."""
    if host in site_hosts:
        return True
    root = canonical_host.removeprefix("www.")
    return host == root or host.endswith("." + root)


def render_blocking_issues(
    facts: HeadFacts, site_hosts: frozenset[str], canonical_host: str
) -> list[Issue]:
    """A third party's synchronous script in ``<head>``: one medium issue per host."""
    by_host: dict[str, list[str]] = {}
    for url in facts.blocking_scripts:
        host = _host(url)
        if host and not is_first_party(host, site_hosts, canonical_host):
            by_host.setdefault(host, []).append(url)
    return [
        Issue(
            Severity.MEDIUM,
            f"a script in <head> blocks rendering until {host} answers: "
            + ", ".join(urls)
            + " (no async, defer or type=module)",
            "add `defer` to the <script> tag (or `async` when nothing waits for it), or "
            "move it to the end of <body>: a slow or failing third party then no longer "
            "holds up the whole page",
        )
        for host, urls in by_host.items()
    ]


def canonical_link_issues(facts: HeadFacts, canonical_url: str) -> list[Issue]:
    """The homepage names one canonical URL, on the canonical host and scheme (medium)."""
    canonical = urlsplit(canonical_url)
    remedy = (
        f'add <link rel="canonical" href="{canonical.scheme}://{canonical.netloc}/"> to the '
        "homepage's <head> (and each page's own URL on the canonical host to every other "
        "page), so search engines index one copy instead of every alias"
    )
    hrefs: Sequence[str] = sorted(set(facts.canonicals))
    if not hrefs:
        ignored = (
            f" (the {facts.canonicals_in_body} in <body> is ignored by search engines)"
            if facts.canonicals_in_body
            else ""
        )
        return [
            Issue(Severity.MEDIUM, f'the homepage has no <link rel="canonical">{ignored}', remedy)
        ]
    if len(hrefs) > 1:
        return [
            Issue(
                Severity.MEDIUM,
                f"the homepage names {len(hrefs)} different canonical URLs: "
                + ", ".join(hrefs)
                + " (search engines then ignore them all)",
                remedy,
            )
        ]
    href = hrefs[0]
    try:
        named = urlsplit(href)
        host = (named.hostname or "").lower()
    except ValueError:
        named, host = None, ""
    if named is None or named.scheme not in ("http", "https") or not host:
        return [
            Issue(Severity.MEDIUM, f"the homepage's canonical link is not a URL: {href}", remedy)
        ]
    if host != (canonical.hostname or "").lower():
        return [
            Issue(
                Severity.MEDIUM,
                f"the homepage's canonical link names another host: {href}, not "
                f"{canonical.hostname}",
                remedy,
            )
        ]
    if named.scheme != canonical.scheme:
        return [
            Issue(
                Severity.MEDIUM,
                f"the homepage's canonical link names {named.scheme}://, not "
                f"{canonical.scheme}://: {href}",
                remedy,
            )
        ]
    return []
