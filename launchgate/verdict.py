"""The verdict: a pure function from check results to pass, fail or could-not-decide.

Fail closed. Three outcomes, and only ``pass`` exits 0:

* ``fail``  – at least one finding at or above the failing severity (rollback);
* ``error`` – launchgate could not decide: no check ran, a check crashed, a check was
  not run (deadline, interruption) without a failed prerequisite to explain it, or
  the run left checks out (a narrowed ``pytest -k ...``: a partial gate);
* ``pass``  – at least one check ran, and every check either passed or failed only
  with findings below the failing severity (reported, not blocking).

A definite failure outranks a crash elsewhere: if the login journey failed and the
webhook check crashed, rolling back is the right call and the exit code says "fail".
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from launchgate.results import CheckResult, Finding, Severity

__all__ = ["EXIT_CODES", "Outcome", "Verdict", "decide", "is_blocking", "ranked_findings"]

Outcome = Literal["pass", "fail", "error"]

EXIT_CODES: dict[Outcome, int] = {"pass": 0, "fail": 1, "error": 3}
"""SPEC's exit codes; 2 (usage or config error) never reaches the verdict."""

_NAMED = 5  # not-selected ids named in the one-line reason; the reports list them all


@dataclass(frozen=True, kw_only=True)
class Verdict:
    outcome: Outcome
    reason: str  # one sentence for the last line of the terminal
    blocking: tuple[Finding, ...]  # the findings that made it fail, worst first
    undecided: tuple[str, ...]  # check ids that errored or were not run
    # Check ids the run left out on purpose (pytest -k, -m, --deselect, --lf, a node
    # id): also in ``undecided``, named apart so every report can say "not selected".
    not_selected: tuple[str, ...] = ()

    @property
    def rollback(self) -> bool:
        return self.outcome != "pass"

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]

    def blames(self, result: CheckResult) -> bool:
        """Whether ``result`` is one of the reasons this verdict failed: it holds one of
        the ``blocking`` findings. Read from the decision, never recomputed, so a report
        cannot disagree with :func:`decide` about the failing severity."""
        return any(f in self.blocking for f in result.findings)


def is_blocking(item: Finding | CheckResult, fail_on: Severity) -> bool:
    """The blocking rule, the one place it is written.

    A finding blocks the launch (fails the gate, recommends a rollback) when its
    severity is at or above the failing severity ``fail_on`` (``gate.fail_on`` in
    launchgate.yml, blocker by default); a finding below it is reported, never
    blocking, and so is an advisory one (a check the deploy cannot change, see
    launchgate/severities.py). A check result blocks when at least one of its
    findings does, whatever its status; a check that errored or did not run without
    findings blocks nothing, it leaves the verdict undecided instead (see
    :func:`decide`).
    """
    if isinstance(item, CheckResult):
        return any(is_blocking(f, fail_on) for f in item.findings)
    return not item.advisory and item.severity.at_least(fail_on)


def ranked_findings(results: Sequence[CheckResult]) -> tuple[Finding, ...]:
    """Every finding, worst first; ties keep the order the checks ran in."""
    findings = [f for r in results for f in r.findings]
    return tuple(sorted(findings, key=lambda f: f.severity.rank))


def decide(
    results: Sequence[CheckResult],
    *,
    fail_on: Severity = Severity.BLOCKER,
    not_selected: Collection[str] = (),
) -> Verdict:
    """``not_selected``: ids among ``results`` (skips without a prerequisite) that the
    run did not select. A gate missing some of its checks never passes."""
    left_out = tuple(r.check_id for r in results if r.check_id in not_selected)
    blocking = tuple(f for f in ranked_findings(results) if is_blocking(f, fail_on))
    undecided = tuple(r.check_id for r in results if r.status == "error")
    # A skip is explained only by a prerequisite that itself decides the verdict: a
    # blocking failure or an error. A skip behind a non-blocking failure would let a
    # blocker check silently not run, so it counts as undecided.
    failed_ids = {f.check_id for f in blocking} | {
        r.check_id for r in results if r.status == "error"
    }
    unexplained_skips = tuple(
        r.check_id
        for r in results
        if r.status == "skipped" and not _skipped_for_a_failure(r, failed_ids)
    )
    ran = [r for r in results if r.status in ("passed", "failed")]

    if blocking:
        n = len(blocking)
        first = blocking[0]
        more = f"; {n - 1} more blocking finding{'s' if n > 2 else ''}" if n > 1 else ""
        return Verdict(
            outcome="fail",
            reason=f"{first.severity.value}: {first.check_id}: {first.title}{more}",
            blocking=blocking,
            undecided=undecided + unexplained_skips,
            not_selected=left_out,
        )
    if left_out:
        return _partial(len(results), left_out, undecided + unexplained_skips)
    if not ran:
        return Verdict(
            outcome="error",
            reason="no check ran, so nothing was decided",
            blocking=(),
            undecided=undecided,
        )
    if undecided or unexplained_skips:
        ids = undecided + unexplained_skips
        return Verdict(
            outcome="error",
            reason=f"could not decide: {len(ids)} check(s) did not complete ({', '.join(ids)})",
            blocking=(),
            undecided=ids,
        )
    advisory = [f for f in ranked_findings(results) if f.advisory and f.severity.at_least(fail_on)]
    aside = (
        f" ({len(advisory)} {advisory[0].severity.value} finding(s) of checks the deploy "
        f"cannot change reported, not blocking: {advisory[0].check_id}; gate.independent)"
        if advisory
        else ""
    )
    return Verdict(
        outcome="pass",
        reason=f"{len(ran)} check(s) ran and none is blocking{aside}",
        blocking=(),
        undecided=(),
    )


def _partial(total: int, left_out: tuple[str, ...], undecided: tuple[str, ...]) -> Verdict:
    shown = ", ".join(left_out[:_NAMED])
    more = f" and {len(left_out) - _NAMED} more" if len(left_out) > _NAMED else ""
    reason = (
        f"partial gate: only {total - len(left_out)} of {total} checks selected "
        f"(not selected: {shown}{more})"
    )
    others = tuple(u for u in undecided if u not in left_out)
    if others:
        reason += f"; {len(others)} other check(s) did not complete ({', '.join(others)})"
    return Verdict(
        outcome="error", reason=reason, blocking=(), undecided=undecided, not_selected=left_out
    )


def _skipped_for_a_failure(result: CheckResult, failed_ids: set[str]) -> bool:
    """A check skipped because a prerequisite failed is explained by that failure;
    a skip with no failed prerequisite behind it (deadline, interruption) is not."""
    return any(cid in failed_ids for cid in result.blocked_by)
