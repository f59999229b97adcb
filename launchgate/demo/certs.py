"""The demo's throwaway certificate authority, made fresh for each run (trustme).

A CA that exists for one run and one temp folder: its root goes to the gate as
``edge.ca_bundle`` and its leaf, for the demo's public names, to the HTTPS listener.
Nothing is installed in any trust store. The ``cert-expiring`` fault issues a leaf
that expires in three days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DemoCertificates", "write_certificates"]

VALID_DAYS = 90  # what Let's Encrypt issues: comfortably past the 21-day warning
EXPIRING_DAYS = 3


@dataclass(frozen=True)
class DemoCertificates:
    ca_bundle: Path  # the throwaway root, PEM
    cert: Path  # the leaf certificate, PEM
    key: Path  # its private key, PEM


def write_certificates(folder: Path, names: Sequence[str], *, expiring: bool) -> DemoCertificates:
    import trustme  # only the demo needs it; keep `import launchgate` light

    now = dt.datetime.now(dt.UTC)
    days = EXPIRING_DAYS if expiring else VALID_DAYS
    ca = trustme.CA(organization_name="launchgate demo (throwaway)")
    leaf = ca.issue_cert(
        *names, not_before=now - dt.timedelta(hours=1), not_after=now + dt.timedelta(days=days)
    )
    out = DemoCertificates(
        folder / "demo-ca.pem", folder / "demo-cert.pem", folder / "demo-key.pem"
    )
    ca.cert_pem.write_to_path(str(out.ca_bundle))
    leaf.cert_chain_pems[0].write_to_path(str(out.cert))
    leaf.private_key_pem.write_to_path(str(out.key))
    out.key.chmod(0o600)
    return out
