"""The forms and title of a page.

The standard library's HTMLParser, because launchgate depends on no other HTML parser
(the edge checks use it too) and it tolerates the unclosed tags real templates have; a
second parser dependency for a one-off inspection would buy nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser


@dataclass(frozen=True)
class FormField:
    name: str
    kind: str  # the input's type ("text", "password", "hidden", ...); "textarea", "select"
    value: str
    tag: str  # the start tag as written, to build a capture regex that matches it
    required: bool


@dataclass(frozen=True)
class Form:
    action: str | None
    method: str
    fields: tuple[FormField, ...]

    def of_kind(self, kind: str) -> list[FormField]:
        return [f for f in self.fields if f.kind == kind]


@dataclass(frozen=True)
class Parsed:
    title: str
    forms: tuple[Form, ...]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._open: tuple[str | None, str, list[FormField]] | None = None
        self._title: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "title":
            self._in_title = True
        elif tag == "form":
            self._close()
            self._open = (a.get("action"), (a.get("method") or "get").upper(), [])
        elif tag in ("input", "textarea", "select", "button") and self._open and a.get("name"):
            kind = (a.get("type") or "text").lower() if tag == "input" else tag
            if tag == "button" or kind in ("submit", "button", "image", "reset", "file"):
                return  # a browser sends a button only when clicked; we never need it
            raw = self.get_starttag_text() or ""
            self._open[2].append(
                FormField(a["name"], kind, a.get("value", ""), raw, "required" in a)
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "form":
            self._close()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)

    def _close(self) -> None:
        if self._open is not None:
            action, method, fields = self._open
            self.forms.append(Form(action, method, tuple(fields)))
            self._open = None

    def result(self) -> Parsed:
        self._close()
        return Parsed(" ".join("".join(self._title).split()), tuple(self.forms))


def parse(text: str) -> Parsed:
    reader = _Reader()
    try:
        reader.feed(text)
        reader.close()
    except (AssertionError, ValueError):  # pragma: no cover - HTMLParser on broken markup
        pass
    return reader.result()
