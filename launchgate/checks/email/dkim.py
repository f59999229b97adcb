"""DKIM (RFC 6376, RFC 8463): parse the key record a selector publishes and judge it.

Pure: the record text in, the parsed key (type, size) or what is wrong with it out.
The key itself is parsed by ``cryptography``, so a key that "looks base64" but is not
a public key is caught, as a receiver would catch it.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

__all__ = ["DkimKey", "DkimProblem", "parse_dkim", "parse_tags"]

MIN_BITS = 1024  # RFC 8301: verifiers must not accept smaller RSA keys
RECOMMENDED_BITS = 2048
ED25519_KEY_BYTES = 32


def parse_tags(text: str) -> dict[str, str] | str:
    """``tag=value; tag=value`` (DKIM and DMARC share the syntax) or what is wrong.
    Whitespace around tags and values is dropped; a repeated tag is an error."""
    tags: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        name, eq, value = part.partition("=")
        name = name.strip()
        if not eq or not name:
            return f"'{part.strip()}' is not a tag=value pair"
        if name in tags:
            return f"the tag '{name}' appears twice"
        tags[name] = value.strip()
    return tags


@dataclass(frozen=True)
class DkimKey:
    key_type: Literal["rsa", "ed25519"]
    bits: int  # RSA modulus size; 256 for Ed25519
    testing: bool  # t=y: receivers treat the signature as absent
    sha1_only: bool  # h=sha1: a hash receivers no longer accept


DkimProblemKind = Literal["syntax", "revoked", "bad_key", "unknown_type"]


@dataclass(frozen=True)
class DkimProblem:
    kind: DkimProblemKind
    message: str


def parse_dkim(text: str) -> DkimKey | DkimProblem:
    tags = parse_tags(text)
    if isinstance(tags, str):
        return DkimProblem("syntax", tags)
    version = tags.get("v")
    if version is not None and (version != "DKIM1" or next(iter(tags)) != "v"):
        return DkimProblem("syntax", f"v= must come first and be DKIM1, got v={version}")
    if "p" not in tags:
        return DkimProblem("syntax", "no p= tag: the record carries no public key")
    data = "".join(tags["p"].split())
    if not data:
        return DkimProblem("revoked", "p= is empty: the key is revoked")
    try:
        der = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return DkimProblem("bad_key", "p= is not valid base64")
    key_type = tags.get("k", "rsa").lower()
    hashes = {h.strip().lower() for h in tags.get("h", "sha256").split(":")}
    flags = {f.strip().lower() for f in tags.get("t", "").split(":")}
    testing, sha1_only = "y" in flags, "sha256" not in hashes
    if key_type == "ed25519":
        if len(der) != ED25519_KEY_BYTES:
            return DkimProblem(
                "bad_key", f"an Ed25519 key is 32 bytes; p= decodes to {len(der)} bytes"
            )
        return DkimKey("ed25519", 256, testing, sha1_only)
    if key_type != "rsa":
        return DkimProblem("unknown_type", f"k={key_type}: receivers know only rsa and ed25519")
    try:
        key = load_der_public_key(der)
    except (ValueError, TypeError):
        return DkimProblem("bad_key", "p= does not hold an RSA public key that parses")
    if not isinstance(key, rsa.RSAPublicKey):
        return DkimProblem("bad_key", "p= holds a public key that is not RSA, but k=rsa")
    return DkimKey("rsa", key.key_size, testing, sha1_only)
