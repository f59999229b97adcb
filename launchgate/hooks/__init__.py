"""Rollback hooks (``on_fail:``): what a gate that failed does about it.

They run after the reports are written, only for a ``fail`` or ``error`` verdict (could
not decide: a rollback is recommended too), never for ``pass``. The command and the
webhook run side by side, each bounded by its own timeout. What they did goes into the
report; it never changes the verdict: a rollback that failed is news, not a pass.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

import httpx

from launchgate.config.hooks_model import OnFailSpec
from launchgate.hooks.command import run_command
from launchgate.hooks.webhook import post_webhook
from launchgate.redact import Redactor
from launchgate.results import HookKind, HookResult
from launchgate.runreport import RunReport

__all__ = ["failed_checks", "hook_environ", "hook_secrets", "run_hooks", "skipped_hooks"]


def hook_secrets(spec: OnFailSpec | None) -> list[str]:
    """Values to mask: the webhook's secret and its URL (a deploy-hook URL such as
    ``…/deploy/srv-1?key=…`` is a credential in itself)."""
    if spec is None or spec.webhook is None:
        return []
    return [v for v in (spec.webhook.url, spec.webhook.secret) if v]


def failed_checks(report: RunReport) -> tuple[str, ...]:
    """The checks that made the gate fail, or that could not be decided, in run order."""
    return tuple(
        r.check_id
        for r in report.results
        if r.status == "error" or (r.status == "failed" and report.verdict.blames(r))
    )


def hook_environ(
    environ: Mapping[str, str], report: RunReport, report_path: Path
) -> dict[str, str]:
    """The command's environment: the gate's own, plus what a rollback script needs."""
    return {
        **environ,
        "LAUNCHGATE_VERDICT": report.verdict.outcome,
        "LAUNCHGATE_ROLLBACK": "true" if report.verdict.rollback else "false",
        "LAUNCHGATE_REPORT": str(report_path.resolve()),
        # Check ids hold no spaces: `for check in $LAUNCHGATE_FAILED_CHECKS` works.
        "LAUNCHGATE_FAILED_CHECKS": " ".join(failed_checks(report)),
        "LAUNCHGATE_RUN_ID": report.run_id,
        "LAUNCHGATE_ENVIRONMENT": report.environment,
    }


async def run_hooks(
    spec: OnFailSpec,
    report: RunReport,
    *,
    report_path: Path,
    report_json: bytes,
    environ: Mapping[str, str],
    redactor: Redactor,
    cwd: Path,
    user_agent: str,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[HookResult, ...]:
    """Run the configured hooks together; ``()`` when the verdict is ``pass``."""
    if not report.verdict.rollback:
        return ()
    jobs = []
    if spec.command is not None:
        env = hook_environ(environ, report, report_path)
        jobs.append(run_command(spec.command, env=env, cwd=cwd, redactor=redactor))
    if spec.webhook is not None:
        jobs.append(
            post_webhook(
                spec.webhook,
                report_json,
                message_id=f"launchgate-{report.run_id}-rollback",
                user_agent=user_agent,
                redactor=redactor,
                transport=transport,
            )
        )
    return tuple(await asyncio.gather(*jobs))


def skipped_hooks(spec: OnFailSpec, reason: str) -> tuple[HookResult, ...]:
    """What the report says of hooks that were not run at all (the run was interrupted)."""
    kinds: list[HookKind] = []
    if spec.command is not None:
        kinds.append("command")
    if spec.webhook is not None:
        kinds.append("webhook")
    return tuple(
        HookResult(kind=kind, status="skipped", message=reason, duration_s=0.0) for kind in kinds
    )
