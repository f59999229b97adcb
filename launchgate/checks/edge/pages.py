"""What a page loads, and whether its caching is set on purpose. Pure.

The stdlib HTML parser reads the canonical page for what a browser would fetch with
it: scripts, stylesheets, frames, images and media, honouring ``<base href>``. From
that come the static assets to check for a cache lifetime and the ``http://`` loads
that make an HTTPS page mixed content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal
from urllib.parse import urljoin

from launchgate.config.hosts import EdgeUrl, parse_edge_url

__all__ = [
    "AssetKind",
    "AssetRef",
    "cache_directives",
    "find_assets",
    "private_cache_problem",
    "same_site_assets",
    "static_cache_problem",
]

AssetKind = Literal["script", "stylesheet", "frame", "image", "media"]

_SRC_TAGS: dict[str, AssetKind] = {
    "script": "script",
    "iframe": "frame",
    "frame": "frame",
    "img": "image",
    "video": "media",
    "audio": "media",
    "source": "media",
    "track": "media",
    "embed": "media",
}
_LINK_RELS: dict[str, AssetKind] = {
    "stylesheet": "stylesheet",
    "icon": "image",
    "apple-touch-icon": "image",
}
_PRELOAD_AS: dict[str, AssetKind] = {
    "script": "script",
    "style": "stylesheet",
    "image": "image",
    "font": "media",
}


@dataclass(frozen=True)
class AssetRef:
    kind: AssetKind
    url: str  # absolute, resolved against the page (and its <base href>)
    tag: str  # "script", "link", "img", …: for the report


class _Collector(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = page_url
        self.found: list[tuple[AssetKind, str, str]] = []  # kind, raw url, tag

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "base" and values.get("href"):
            self.base = urljoin(self.base, values["href"])
        elif tag == "link":
            self._link(values)
        elif tag in _SRC_TAGS:
            kind = _SRC_TAGS[tag]
            if values.get("src"):
                self.found.append((kind, values["src"], tag))
            for candidate in _srcset(values.get("srcset", "")):
                self.found.append((kind, candidate, tag))
            if tag == "video" and values.get("poster"):
                self.found.append(("image", values["poster"], tag))

    def _link(self, values: Mapping[str, str]) -> None:
        href = values.get("href")
        if not href:
            return
        rels = values.get("rel", "").lower().split()
        for rel in rels:
            if rel in _LINK_RELS:
                self.found.append((_LINK_RELS[rel], href, "link"))
                return
        if "preload" in rels or "modulepreload" in rels:
            kind = "script" if "modulepreload" in rels else _PRELOAD_AS.get(values.get("as", ""))
            if kind is not None:
                self.found.append((kind, href, "link"))


def _srcset(value: str) -> list[str]:
    return [c.split()[0] for c in value.split(",") if c.strip()]


def find_assets(html: str, page_url: str) -> list[AssetRef]:
    """Every http(s) resource the page loads, in document order, without repeats."""
    collector = _Collector(page_url)
    collector.feed(html)
    collector.close()
    refs: list[AssetRef] = []
    seen: set[str] = set()
    for kind, raw, tag in collector.found:
        url = urljoin(collector.base, raw.strip())
        if url.split(":", 1)[0].lower() not in ("http", "https") or url in seen:
            continue  # data:, blob:, javascript: load nothing over the network
        seen.add(url)
        refs.append(AssetRef(kind, url, tag))
    return refs


def same_site_assets(refs: Sequence[AssetRef], page: EdgeUrl, limit: int) -> list[EdgeUrl]:
    """The page's own static assets (same host), at most ``limit`` of them."""
    out: list[EdgeUrl] = []
    for ref in refs:
        try:
            url = parse_edge_url(ref.url)
        except ValueError:
            continue
        if url.host == page.host and url not in out:
            out.append(url)
    return out[:limit]


def cache_directives(value: str | None) -> dict[str, str]:
    """``Cache-Control`` as lower-case directive -> argument ("" when it has none)."""
    directives: dict[str, str] = {}
    for part in (value or "").split(","):
        name, _, arg = part.strip().partition("=")
        if name:
            directives.setdefault(name.strip().lower(), arg.strip().strip('"'))
    return directives


def _lifetime(directives: Mapping[str, str]) -> int:
    ages = [directives.get("s-maxage", ""), directives.get("max-age", "")]
    return max((int(a) for a in ages if a.isdigit()), default=0)


def static_cache_problem(headers: Mapping[str, str]) -> str | None:
    """Why a static asset is not cacheable, or None if it carries a lifetime."""
    value = headers.get("cache-control")
    if not value:
        if headers.get("expires"):
            return "only Expires, no Cache-Control lifetime"
        return "no Cache-Control"
    directives = cache_directives(value)
    for blocker in ("no-store", "no-cache"):
        if blocker in directives:
            return f"Cache-Control: {value} ({blocker})"
    if _lifetime(directives) <= 0:
        return f"Cache-Control: {value} (no max-age)"
    return None


# Statuses a cache may store without being told to (RFC 9110, 15.1): for these a
# missing Cache-Control lets a CDN apply a heuristic lifetime.
_HEURISTIC = frozenset({200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501})


def private_cache_problem(headers: Mapping[str, str], status_code: int = 200) -> str | None:
    """Why a shared cache (a CDN) may store this authenticated response, or None."""
    value = headers.get("cache-control")
    if not value:
        if status_code not in _HEURISTIC:
            return None
        return "no Cache-Control at all, so a shared cache may store it"
    directives = cache_directives(value)
    if "public" in directives:
        return f"Cache-Control: {value} lets any cache store it"
    if "private" in directives or "no-store" in directives:
        return None
    age = _lifetime(directives)
    if age > 0:
        return f"Cache-Control: {value} gives it a lifetime of {age} s without private or no-store"
    return None
