"""``audit.md``: the launch audit a person reads in two minutes, and hands over.

Five numbered sections in the order of a founder's questions: what could sink the
launch, what runs where, which secrets exist and who owns them, how a bad deploy is
undone, and what can wait. Pure: an :class:`~launchgate.audit.model.Audit` in, text out.
"""

from __future__ import annotations

from collections.abc import Sequence

from launchgate.audit.model import Audit, Risk

__all__ = ["SECTIONS", "render_markdown"]

SECTIONS = (
    "## 1. Launch risks",
    "## 2. Map",
    "## 3. Secrets",
    "## 4. Rollback",
    "## 5. Do later",
)
_VERDICTS = {"pass": "passed", "fail": "failed", "error": "could not decide"}


def render_markdown(audit: Audit) -> str:
    parts = [
        _head(audit),
        _risks(audit),
        _map(audit),
        _secrets(audit),
        _rollback(audit),
        _later(audit),
    ]
    return "\n\n".join(p for p in parts if p) + "\n"


def _head(audit: Audit) -> str:
    run = audit.run
    subject = run.target or run.config
    said = _VERDICTS.get(run.verdict, run.verdict)
    counts = {s: sum(r.severity == s for r in audit.risks) for s in ("blocker", "high", "medium")}
    tally = ", ".join(f"{n} {s}" for s, n in counts.items())
    return (
        f"# Launch audit: {_inline(subject)}\n\n"
        f"From `{_inline(run.config)}` and {_inline(run.source)}"
        + (f" (run {run.run_id}, {run.started_at})" if run.run_id else "")
        + f": the gate {said}; {tally}."
    )


def _risks(audit: Audit) -> str:
    now = [r for r in audit.risks if r.severity != "medium"]
    lines = [SECTIONS[0], ""]
    if now:
        lines.append(
            _table(("severity", "what is wrong", "what to do"), [_risk_row(r) for r in now])
        )
    else:
        lines.append("No blocker or high finding.")
    if audit.later:
        lines.append(f"\nAnd {len(audit.later)} medium, under *Do later*.")
    if audit.undecided:
        lines.append("\nCould not decide (fix these first: the gate fails closed on them):\n")
        lines += [f"- `{u.check}`: {_inline(u.message)}" for u in audit.undecided]
    return "\n".join(lines)


def _risk_row(risk: Risk) -> list[str]:
    mark = " (fails the gate)" if risk.blocking else ""
    return [f"**{risk.severity}**{mark}", f"{risk.title} (`{risk.check}`)", risk.remedy or "-"]


def _map(audit: Audit) -> str:
    lines = [SECTIONS[1], "", "### Domains", ""]
    if audit.hosts:
        rows = [
            [f"`{h.name}`", ", ".join(h.roles), h.answer, h.served_by, h.owner or "-"]
            for h in audit.hosts
        ]
        lines.append(_table(("name", "role", "DNS answer", "served by", "owner"), rows))
    else:
        lines.append("No domain is configured (`edge:`) and no target URL was checked.")
    lines += ["", "### Environments", ""]
    rows = [
        [e.name + (" (this run)" if e.current else ""), e.url or "-", e.baseline]
        for e in audit.environments
    ]
    lines.append(_table(("environment", "URL", "baseline"), rows))
    lines += ["", "### Services", ""]
    mail = audit.mail
    if mail is None:
        lines.append("- Mail sender: not configured (`email:`)")
    else:
        who = "; ".join(mail.providers) or "not recognised"
        lines.append(f"- Mail sender for `{mail.domain}`: {_inline(who)}")
        lines.append(f"  - SPF: `{_inline(mail.spf)}`")
        lines.append(f"  - MX: {_inline(mail.mx)}")
        lines += [f"  - DKIM {_inline(d)}" for d in mail.dkim]
    if audit.payments:
        lines += [
            f"- Payments: {_inline(p.provider)}, webhook `{p.name}` at `{p.path}`"
            for p in audit.payments
        ]
    else:
        lines.append("- Payments: no webhook is configured (`webhooks:`)")
    if audit.channels:
        lines += [
            f"- Monitoring `{c.name}` ({c.kind}, {c.alerts}): {_inline(c.reaches)}"
            for c in audit.channels
        ]
    else:
        lines.append("- Monitoring: no alert channel (`watch.channels`): nobody hears of an outage")
    if audit.monitoring_owner:
        lines.append(f"- Monitoring is owned by {_inline(audit.monitoring_owner)}")
    return "\n".join(lines)


def _secrets(audit: Audit) -> str:
    lines = [SECTIONS[2], ""]
    if audit.secrets:
        rows = [
            [
                f"`{s.name}`",
                ", ".join(f"`{k}`" for k in s.used_at) or "not read by the config",
                "yes" if s.set_here else "no",
                s.owner or "**no owner**",
                s.rotate or "-",
            ]
            for s in audit.secrets
        ]
        lines.append(_table(("secret", "used at", "set here", "owner", "rotation"), rows))
        notes = [f"- `{s.name}`: {_inline(s.note)}" for s in audit.secrets if s.note]
        lines += ["", *notes] if notes else []
    else:
        lines.append("No secret is listed under `secrets:`.")
    lines += ["", f"Secret scan: {_inline(audit.scan)}."]
    lines += [""] if audit.scan_findings else []
    lines += [
        f"- **{f.status}**: {_inline(f.title)}. {_inline(f.remedy)}" for f in audit.scan_findings
    ]
    return "\n".join(lines)


def _rollback(audit: Audit) -> str:
    rb = audit.rollback
    lines = [SECTIONS[3], ""]
    lines += [f"- On a failed gate launchgate {_inline(h)}." for h in rb.hooks]
    lines += ["", rb.when] if rb.hooks else [rb.when]
    lines += ["", "The deploy gate:", "", "```sh", rb.gate_command, "```", ""]
    lines.append(f"{rb.fails_on}.")
    return "\n".join(lines)


def _later(audit: Audit) -> str:
    if not audit.later:
        return f"{SECTIONS[4]}\n\nNothing."
    items = [
        f"- {_inline(r.title)}" + (f": {_inline(r.remedy)}" if r.remedy else "")
        for r in audit.later
    ]
    return SECTIONS[4] + "\n\n" + "\n".join(items)


def _inline(text: str) -> str:
    """User data on one line, so it cannot start a heading or a table; "<" escaped, as
    in summary.md, so a finding that quotes HTML (a ``<script>``) renders as text."""
    return " ".join(text.replace("<", "&lt;").split())


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def row(cells: Sequence[str]) -> str:
        return "| " + " | ".join(_inline(c).replace("|", "\\|") for c in cells) + " |"

    return "\n".join([row(header), row(["---"] * len(header)), *(row(r) for r in rows)])
