"""Security headers and HSTS, graded as the public header graders do. Pure.

Weights follow Mozilla's HTTP Observatory: no CSP (-25) and no clickjacking
protection (-20) are high; scripts allowed inline by the CSP (-20 there, but the
policy exists) and a missing ``nosniff`` (-5) are medium; ``Referrer-Policy`` and a
``Server`` or ``X-Powered-By`` that names its version are medium. No HSTS (-20) or
HSTS under six months (-10) is high. Each issue says which header to add.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from launchgate.checks.edge.issues import Issue
from launchgate.results import Severity

__all__ = ["HSTS_MIN_AGE_S", "csp_directives", "grade_headers", "grade_hsts"]

HSTS_MIN_AGE_S = 180 * 86400
_HSTS_ADVICE = "Strict-Transport-Security: max-age=31536000; includeSubDomains"
_CSP_ADVICE = (
    "add `Content-Security-Policy: default-src 'self'; frame-ancestors 'self'` and widen "
    "it only for what the page really loads"
)
_VERSION = re.compile(r"\d+\.\d+")
_UNSAFE_REFERRERS = frozenset({"unsafe-url", "no-referrer-when-downgrade"})


def csp_directives(value: str) -> dict[str, list[str]]:
    """``default-src 'self'; script-src x`` -> ``{"default-src": ["'self'"], ...}``;
    the first occurrence of a directive wins, as in browsers."""
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        tokens = part.split()
        if tokens:
            directives.setdefault(tokens[0].lower(), [t.lower() for t in tokens[1:]])
    return directives


def grade_headers(headers: Mapping[str, str]) -> list[Issue]:
    """``headers``: the canonical page's response headers (case-insensitive mapping)."""
    issues: list[Issue] = []
    csp_value = headers.get("content-security-policy")
    csp = csp_directives(csp_value) if csp_value else {}
    if not csp_value:
        issues.append(
            Issue(
                Severity.HIGH,
                "no Content-Security-Policy: an injected script runs with the page's rights",
                _CSP_ADVICE,
            )
        )
    else:
        issues.extend(_weak_csp(csp))
    xfo = (headers.get("x-frame-options") or "").strip().lower()
    if "frame-ancestors" not in csp and xfo not in ("deny", "sameorigin"):
        issues.append(
            Issue(
                Severity.HIGH,
                "no clickjacking protection: any site can frame these pages",
                "add `Content-Security-Policy: frame-ancestors 'self'` (or "
                "`X-Frame-Options: DENY`)",
                f"X-Frame-Options: {xfo}" if xfo else "",
            )
        )
    if (headers.get("x-content-type-options") or "").strip().lower() != "nosniff":
        issues.append(
            Issue(
                Severity.MEDIUM,
                "no X-Content-Type-Options: nosniff: browsers may run an upload as a script",
                "add `X-Content-Type-Options: nosniff`",
            )
        )
    issues.extend(_referrer(headers.get("referrer-policy")))
    for name in ("server", "x-powered-by"):
        value = headers.get(name)
        if value and _VERSION.search(value):
            shown = "Server" if name == "server" else "X-Powered-By"
            issues.append(
                Issue(
                    Severity.MEDIUM,
                    f"`{shown}: {value}` tells attackers which version to look up",
                    f"drop the version from {shown} (nginx: `server_tokens off`; "
                    "or remove the header)",
                )
            )
    return issues


def _weak_csp(csp: Mapping[str, list[str]]) -> list[Issue]:
    sources = csp.get("script-src", csp.get("default-src"))
    if sources is None:
        return [
            Issue(
                Severity.MEDIUM,
                "the Content-Security-Policy does not restrict scripts "
                "(no script-src or default-src)",
                "add `default-src 'self'` (or a script-src) to the policy",
            )
        ]
    # A nonce or a hash makes browsers ignore 'unsafe-inline' (CSP level 2).
    pinned = any(s.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) for s in sources)
    loose = [s for s in ("'unsafe-inline'", "'unsafe-eval'") if s in sources]
    if "'unsafe-inline'" in loose and pinned:
        loose.remove("'unsafe-inline'")
    if not loose:
        return []
    return [
        Issue(
            Severity.MEDIUM,
            f"the Content-Security-Policy allows {' and '.join(loose)} scripts",
            "move inline scripts to files (or allow them by nonce or hash) and drop "
            + " and ".join(loose),
        )
    ]


def _referrer(value: str | None) -> list[Issue]:
    if not value:
        return [
            Issue(
                Severity.MEDIUM,
                "no Referrer-Policy: full URLs may leak to other sites",
                "add `Referrer-Policy: strict-origin-when-cross-origin`",
            )
        ]
    # Several comma-separated values: the last one the browser knows wins.
    last = value.split(",")[-1].strip().lower()
    if last in _UNSAFE_REFERRERS:
        return [
            Issue(
                Severity.MEDIUM,
                f"Referrer-Policy: {last} sends full URLs (paths, query tokens) to other sites",
                "use `Referrer-Policy: strict-origin-when-cross-origin`",
            )
        ]
    return []


def grade_hsts(value: str | None) -> list[Issue]:
    """The ``Strict-Transport-Security`` header of an HTTPS response."""
    if not value:
        return [
            Issue(
                Severity.HIGH,
                "no Strict-Transport-Security: a visitor's first request can be downgraded "
                "to plain HTTP",
                f"add `{_HSTS_ADVICE}` to every HTTPS response",
            )
        ]
    directives: dict[str, str] = {}
    for part in value.split(";"):
        name, _, arg = part.strip().partition("=")
        if name:
            directives.setdefault(name.strip().lower(), arg.strip().strip('"'))
    age_text = directives.get("max-age")
    if age_text is None or not age_text.isdigit():
        return [
            Issue(
                Severity.HIGH,
                f"Strict-Transport-Security has no valid max-age: {value!r}",
                f"send `{_HSTS_ADVICE}`",
            )
        ]
    issues: list[Issue] = []
    age = int(age_text)
    if age < HSTS_MIN_AGE_S:
        issues.append(
            Issue(
                Severity.HIGH,
                f"HSTS max-age is {age // 86400} days ({age} s); at least 180 days is needed",
                f"send `{_HSTS_ADVICE}` (one year)",
            )
        )
    if "includesubdomains" not in directives:
        issues.append(
            Issue(
                Severity.MEDIUM,
                "HSTS does not cover subdomains (no includeSubDomains)",
                "add `includeSubDomains` once every subdomain serves HTTPS",
            )
        )
    return issues
