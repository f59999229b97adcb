"""Email deliverability: SPF, DKIM and DMARC records of the domain mail is sent from.

The parsers and rules (``spf``, ``dkim``, ``dmarc``) are pure: record text in, typed
problems out. ``plan`` is the edge: it asks DNS through :mod:`launchgate.checks.dns`
and turns problems into findings.

Why not checkdmarc: measured against the same loopback zones (the 11-lookup chain, an
include loop, ``p=none``), checkdmarc 6 stops at the first SPF error and reports it as
one English string (the loop and the lookup count behind it go unreported), returns
warnings as free text we would have to pattern-match to give severities and corrected
records, is synchronous (a thread per check), and brings requests, httpx, cryptography,
pyleri, xmltodict, publicsuffixlist and expiringdict with it. The rules we need fit in
a few hundred lines we can test exhaustively.
"""

from launchgate.checks.email.plan import plan_email

__all__ = ["plan_email"]
