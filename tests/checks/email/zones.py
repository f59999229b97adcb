"""Zones for the email tests: one sending domain per case, with real keys made at run
time (so no key-shaped text is committed)."""

from __future__ import annotations

import base64
import secrets

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def rsa_key_b64(bits: int) -> str:
    """A DKIM p= value: a real RSA public key of ``bits`` bits (SubjectPublicKeyInfo).

    ``cryptography`` refuses to generate keys under 1024 bits, so a smaller one is
    built from its numbers: an odd modulus of exactly that size is all a parser sees."""
    if bits >= 1024:
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    else:
        modulus = secrets.randbits(bits) | (1 << (bits - 1)) | 1
        key = rsa.RSAPublicNumbers(65537, modulus).public_key()
    der = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def txt(name: str, value: str) -> str:
    """A TXT line; values over 255 bytes are split into strings, as DNS requires."""
    chunks = [value[i : i + 200] for i in range(0, len(value), 200)] or [""]
    return f"{name}. 300 IN TXT {' '.join(chr(34) + c + chr(34) for c in chunks)}"


def build_zone() -> str:
    key2048, key1024, key512 = rsa_key_b64(2048), rsa_key_b64(1024), rsa_key_b64(512)
    good_dmarc = "v=DMARC1; p=reject; rua=mailto:dmarc@good.test"
    lines = [
        # A correct setup: one SPF with an include, a 2048-bit key, an enforcing DMARC.
        txt("good.test", "v=spf1 ip4:192.0.2.0/24 include:_spf.good.test -all"),
        txt("good.test", "google-site-verification=abc123"),
        txt("_spf.good.test", "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 ~all"),
        txt("s1._domainkey.good.test", f"v=DKIM1; k=rsa; p={key2048}"),
        txt("_dmarc.good.test", good_dmarc),
        # Two SPF records.
        txt("two.test", "v=spf1 include:_spf.good.test -all"),
        txt("two.test", "v=spf1 ip4:203.0.113.5 mx ~all"),
        # 11 lookups through nested includes: include:a costs 1 + 4 (its own) + 3 (c's);
        # include:b costs 1 + 2.
        txt("eleven.test", "v=spf1 include:a.eleven.test include:b.eleven.test -all"),
        txt("a.eleven.test", "v=spf1 a mx exists:x.eleven.test include:c.eleven.test ~all"),
        txt("c.eleven.test", "v=spf1 a mx exists:y.eleven.test ~all"),
        txt("b.eleven.test", "v=spf1 a mx -all"),
        # +all, and an include loop.
        txt("plusall.test", "v=spf1 ip4:192.0.2.1 +all"),
        txt("loop.test", "v=spf1 include:x.loop.test -all"),
        txt("x.loop.test", "v=spf1 include:y.loop.test -all"),
        txt("y.loop.test", "v=spf1 include:x.loop.test -all"),
        txt("syntax.test", "v=spf1 ip4:192.0.2.300 incude:_spf.good.test -all"),
        # Weak, revoked and medium DKIM keys.
        txt("keys.test", "v=spf1 -all"),
        txt("k512._domainkey.keys.test", f"v=DKIM1; k=rsa; p={key512}"),
        txt("k1024._domainkey.keys.test", f"v=DKIM1; k=rsa; p={key1024}"),
        txt("revoked._domainkey.keys.test", "v=DKIM1; k=rsa; p="),
        txt("junk._domainkey.keys.test", "v=DKIM1; k=rsa; p=bm90IGEga2V5"),
        txt("_dmarc.keys.test", good_dmarc),
        # DMARC: monitoring only, and none at all.
        txt("none.test", "v=spf1 -all"),
        txt("_dmarc.none.test", "v=DMARC1; p=none; pct=50"),
        txt("nodmarc.test", "v=spf1 -all"),
        "broken.test. 300 IN A 192.0.2.1",
    ]
    return "\n".join(lines) + "\n"
