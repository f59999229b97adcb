"""Kubernetes ``Secret`` manifests, read as YAML: each ``data:`` value base64-decoded and
each ``stringData:`` value as written, so the decoded value is what gets judged (the
base64 of ``admin`` is as random-looking as a key; the key it encodes is not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from launchgate.secretscan.formats import b64decode

__all__ = ["SecretEntry", "kubernetes_secrets"]

_KIND_SECRET = re.compile(r"^kind:[ \t]*[\"']?Secret[\"']?[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class SecretEntry:
    line: int  # 1-based line of the value
    key: str
    value: str  # decoded for data:, as written for stringData:


def kubernetes_secrets(text: str) -> list[SecretEntry]:
    """Every entry of every ``kind: Secret`` document in ``text``; ``[]`` when there is
    none or the YAML does not parse (the line-based rules still read such a file)."""
    if not _KIND_SECRET.search(text):
        return []
    try:
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except (yaml.YAMLError, RecursionError):  # nested past the parser's stack: unreadable
        return []
    out: list[SecretEntry] = []
    for doc in documents:
        if not isinstance(doc, yaml.MappingNode):
            continue
        fields = {k.value: v for k, v in doc.value if isinstance(k, yaml.ScalarNode)}
        kind = fields.get("kind")
        if not isinstance(kind, yaml.ScalarNode) or kind.value != "Secret":
            continue
        for section, encoded in (("data", True), ("stringData", False)):
            node = fields.get(section)
            if not isinstance(node, yaml.MappingNode):
                continue
            for k, v in node.value:
                if not isinstance(k, yaml.ScalarNode) or not isinstance(v, yaml.ScalarNode):
                    continue
                value = _decode(v.value) if encoded else v.value
                if value:
                    out.append(SecretEntry(v.start_mark.line + 1, k.value, value))
    return out


def _decode(value: str) -> str | None:
    raw = b64decode(re.sub(r"\s", "", value))
    if raw is None:
        return None
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return None  # a keystore or other binary: no text rule can judge it
