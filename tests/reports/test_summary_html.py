"""summary.md as GitHub shows it: rendered to HTML by a Markdown library (markdown-it,
CommonMark with GitHub's tables), then read back as a document."""

from __future__ import annotations

import dataclasses
import html
from html.parser import HTMLParser
from typing import Any

from markdown_it import MarkdownIt

from launchgate.reports.markdown import FOLD_CHECKS_OVER, render_summary
from launchgate.results import HookResult, Severity
from launchgate.runreport import RunReport

from .factories import blocker_with_skip, check, finding, history, make_report, route, with_probe
from .mermaid import parse_xychart


class Document(HTMLParser):
    """Headings, tables (as rows of cell texts) and code blocks, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[tuple[str, Any]] = []
        self._text: list[str] | None = None
        self._rows: list[list[str]] = []
        self._code_lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h2", "h3", "td", "th", "code", "p", "summary"):
            self._text = []
        if tag == "code":
            self._code_lang = dict(attrs).get("class") or ""
        if tag == "table":
            self._rows = []
        if tag == "tr":
            self._rows.append([])
        if tag == "br" and self._text is not None:
            self._text.append("\n")

    def handle_endtag(self, tag: str) -> None:
        text = "".join(self._text or [])
        if tag in ("h2", "h3", "p", "summary"):
            self.blocks.append((tag, text))
        elif tag in ("td", "th"):
            self._rows[-1].append(text)
        elif tag == "table":
            self.blocks.append(("table", self._rows))
        elif tag == "code":
            self.blocks.append((f"code {self._code_lang}".strip(), text))
        if tag in ("h2", "h3", "td", "th", "code", "p", "summary"):
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def after(self, heading: str) -> tuple[str, Any]:
        index = self.blocks.index(("h3", heading))
        return self.blocks[index + 1]


def render(report: RunReport) -> Document:
    # html=True as on GitHub, where <details> and <br> in a summary are HTML.
    markup = MarkdownIt("commonmark", {"html": True}).enable("table").render(render_summary(report))
    doc = Document()
    doc.feed(markup)
    return doc


def failing_report_with_everything() -> RunReport:
    report = with_probe(
        blocker_with_skip(),
        [
            route("home", p95_ms=4.2, baseline_p95_ms=4.0),
            route("dashboard", p95_ms=48.0, decision="regression"),
        ],
        history({"home": 4.0, "dashboard": 11.0}, {"home": 3.9, "dashboard": 10.5}),
    )
    return dataclasses.replace(
        report,
        commit="0123456789abcdef0123",
        hooks=(
            HookResult(
                kind="command",
                status="ok",
                message="exit 0 after 1.20 s",
                duration_s=1.2,
                attempts=1,
                exit_code=0,
                status_code=None,
                output="rolled back\n",
            ),
            HookResult(
                kind="webhook",
                status="failed",
                message="answered 500 Internal Server Error (3 tries)",
                duration_s=2.5,
            ),
        ),
    )


def test_the_verdict_comes_first_then_why() -> None:
    doc = render(failing_report_with_everything())
    assert doc.blocks[0] == ("h2", "launchgate: FAIL — rollback recommended")
    assert doc.blocks[1] == (
        "p",
        "blocker: journey::signup: new user cannot log in after signup",
    )


def test_the_risk_list_is_a_table_worst_first() -> None:
    doc = render(failing_report_with_everything())
    kind, rows = doc.after("Launch risks")
    assert kind == "table"
    assert rows == [
        ["severity", "check", "what is wrong", "what to do"],
        [
            "blocker",
            "journey::signup",
            "new user cannot log in after signup\nPOST /signup -> 200\nPOST /login -> 401",
            "check that signup commits the user row",
        ],
        [
            "medium (not blocking)",
            "edge::headers",
            "no Content-Security-Policy header",
            "add a CSP",
        ],
    ]


def test_the_latency_table_has_every_route_against_target_and_baseline() -> None:
    doc = render(failing_report_with_everything())
    kind, rows = doc.after("Latency under load")
    assert kind == "table"
    header, home, dashboard = rows
    assert header == [
        "route", "samples", "p50", "p95", "p99", "target p95", "baseline p95", "change",
        "errors", "decision",
    ]  # fmt: skip
    assert home[:4] == ["home (/home)", "240", "2.1 ms", "4.2 ms"]
    assert dashboard[6:] == ["11.0 ms", "+336%", "0.0%", "REGRESSION"]


def test_the_trend_renders_as_mermaid_code_that_parses() -> None:
    doc = render(failing_report_with_everything())
    charts = [text for kind, text in doc.blocks if kind == "code language-mermaid"]
    assert len(charts) == 2
    dashboard = parse_xychart(str(charts[1]))
    assert dashboard.lines == [[10.5, 11.0, 48.0]]


def test_the_rollback_hooks_say_what_happened_with_the_command_output() -> None:
    doc = render(failing_report_with_everything())
    _kind, rows = doc.after("Rollback hooks")
    assert rows == [
        ["status", "hook", "what happened", "took"],
        ["✓ ok", "command", "exit 0 after 1.20 s", "1.20 s"],
        ["✗ failed", "webhook", "answered 500 Internal Server Error (3 tries)", "2.50 s"],
    ]
    assert ("summary", "command output (last 1 lines)") in doc.blocks
    assert ("code language-text", "rolled back\n") in doc.blocks


def test_backticks_in_a_hook_output_cannot_close_its_code_block() -> None:
    report = dataclasses.replace(
        blocker_with_skip(),
        hooks=(
            HookResult(
                kind="command",
                status="failed",
                message="exit 1",
                duration_s=0.1,
                attempts=1,
                exit_code=1,
                status_code=None,
                output="```\n# not a heading",
            ),
        ),
    )
    doc = render(report)
    assert ("code language-text", "```\n# not a heading\n") in doc.blocks
    assert ("h1", "not a heading") not in doc.blocks


def test_a_long_checks_table_folds_away_with_a_tally() -> None:
    many = [check(f"journey::j{i}") for i in range(FOLD_CHECKS_OVER)]
    failed = check(
        "edge::tls",
        "failed",
        severity=Severity.HIGH,
        findings=[finding("edge::tls", Severity.HIGH, "expires soon")],
        message="expires soon",
    )
    doc = render(make_report([*many, failed]))
    assert ("summary", f"{FOLD_CHECKS_OVER + 1} checks: {FOLD_CHECKS_OVER} passed, 1 failed") in (
        doc.blocks
    )
    kind, rows = doc.blocks[doc.blocks.index(("h3", "Checks")) + 2]
    assert kind == "table" and len(rows) == FOLD_CHECKS_OVER + 2


def test_the_footer_names_environment_commit_and_version() -> None:
    doc = render(failing_report_with_everything())
    kind, footer = doc.blocks[-1]
    assert kind == "p"
    for fact in ("environment staging", "commit 0123456789ab", "launchgate 0.1.0"):
        assert fact in str(footer)


def test_it_reads_as_plain_text_too() -> None:
    text = render_summary(failing_report_with_everything())
    assert text.startswith("## launchgate: FAIL — rollback recommended\n\nblocker: ")
    assert html.unescape(text) == text.replace("&lt;", "<")  # no entity soup
    assert "\t" not in text and "\x1b" not in text
