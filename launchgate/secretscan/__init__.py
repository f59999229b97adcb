"""The secret scan: committed credentials in a working tree and its git history.

A pure core with I/O at the edges. The core: ``rules`` (the detector table, one module
a provider family), ``formats`` (checksums, JWTs, macaroons, bech32), ``lookalike``
and ``filters`` (why a value is not a secret), ``manifests`` (Kubernetes Secrets),
``detect`` (one file's text in, hits and dropped candidates out) and ``finding``. The
edges: ``git`` runs git; ``scan`` reads files and blobs; ``allowlist`` reads and
appends ``.launchgate-allow.yml``; ``output`` renders text and JSON.
"""

from launchgate.secretscan.allowlist import (
    ALLOWLIST_NAME,
    Allowlist,
    append_entries,
    load_allowlist,
)
from launchgate.secretscan.finding import SecretFinding
from launchgate.secretscan.scan import ScanCancelled, ScanReport, scan

__all__ = [
    "ALLOWLIST_NAME",
    "Allowlist",
    "ScanCancelled",
    "ScanReport",
    "SecretFinding",
    "append_entries",
    "load_allowlist",
    "scan",
]
