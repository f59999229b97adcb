"""The GitHub Action's gate step (``action.yml``): inputs in, ``launchgate run``, exit status.

``action.yml`` hands the inputs over as ``LAUNCHGATE_INPUT_*`` environment variables,
never by pasting ``${{ inputs.* }}`` into the shell (where an input holding ``"; rm``
would be code). This turns them into a command line, validates them (a typo in
``fail-on`` must not quietly become "never fail"), runs the gate in this process
through :func:`launchgate.cli.main` (the CLI's own code path), and decides the step's
exit status (``mode: merge`` runs ``launchgate merge`` on the shards' results instead):

* the verdict is ``pass``: 0;
* ``fail`` (1) or ``error`` (3): that status, or 0 with ``fail-on: never`` (a later step
  acts on the ``rollback`` output);
* nothing was checked (a bad input or config, exit 2): 2 whatever ``fail-on`` says, with
  ``verdict=error`` and ``rollback=true`` written so a pipeline still fails closed.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from launchgate.cli import main as cli_main
from launchgate.options import DEFAULT_OUT, OUT, resolve
from launchgate.reports.github import command, format_outputs

__all__ = ["FAIL_ON", "MODES", "action_argv", "main"]

FAIL_ON = ("not-pass", "never")
MODES = ("run", "merge")
DEFAULT_MERGE_FROM = "launchgate-shards"
_PREFIX = "LAUNCHGATE_INPUT_"
EXIT_USAGE = 2


class InputError(ValueError):
    """An input of the action is wrong; the message names it."""


def action_argv(environ: Mapping[str, str]) -> tuple[list[str], Path]:
    """The ``launchgate`` command line for the inputs, and the output folder it uses."""

    def get(name: str) -> str:
        return environ.get(_PREFIX + name.upper().replace("-", "_"), "").strip()

    try:
        extra = shlex.split(environ.get(_PREFIX + "ARGS", ""))
    except ValueError as exc:
        raise InputError(f"args: {exc} (quote as in a shell)") from None
    mode = get("mode") or "run"
    if mode not in MODES:
        raise InputError(f"mode: expected one of {', '.join(MODES)}, got {mode!r}")
    argv = _merge_argv(get) if mode == "merge" else _run_argv(get)
    _boolean(get("upload-results"), "upload-results")  # read by action.yml; checked here
    # --out in `args` wins, as it would on the command line; the upload step needs it.
    given, _ = _out_parser().parse_known_args(extra)
    out = Path(resolve(OUT, given=given.out, environ=environ) or DEFAULT_OUT)
    if given.out is None:
        argv += ["--out", str(out)]
    return argv + extra, out


def _run_argv(get: Callable[[str], str]) -> list[str]:
    argv = ["run"]
    for flag, name in (
        ("--url", "url"),
        ("--config", "config"),
        ("--environment", "environment"),
        ("--compare-url", "compare-url"),
    ):
        if get(name):
            argv += [flag, get(name)]
    if _boolean(get("update-baseline"), "update-baseline"):
        argv.append("--update-baseline")
    if get("merge-from"):
        raise InputError("merge-from: only with mode merge")
    shard, shards = get("shard"), get("shards")
    if shard or shards:
        if not (shard.isdigit() and shards.isdigit()):
            raise InputError(
                f"shard and shards: give both as whole numbers (shard 1 to shards), got "
                f"shard {shard!r} and shards {shards!r}"
            )
        argv += ["--shard", f"{shard}/{shards}"]
    if get("start-at"):
        argv += ["--start-at", get("start-at")]
    return argv


def _merge_argv(get: Callable[[str], str]) -> list[str]:
    """``mode: merge``: the shards' results gated once; it talks to no app."""
    for name in ("url", "compare-url", "shard", "shards", "start-at"):
        if get(name):
            raise InputError(f"{name}: not with mode merge (the merge talks to no app)")
    argv = ["merge", get("merge-from") or DEFAULT_MERGE_FROM]
    for flag, name in (("--config", "config"), ("--environment", "environment")):
        if get(name):
            argv += [flag, get(name)]
    if _boolean(get("update-baseline"), "update-baseline"):
        argv.append("--update-baseline")
    return argv


def fail_on(environ: Mapping[str, str]) -> str:
    value = environ.get(_PREFIX + "FAIL_ON", "").strip() or FAIL_ON[0]
    if value not in FAIL_ON:
        raise InputError(f"fail-on: expected one of {', '.join(FAIL_ON)}, got {value!r}")
    return value


def artifact_name(environ: Mapping[str, str]) -> str:
    """The ``artifact-name`` input, else ``launchgate-<job>-<environment>-<random>``.

    Artifact names may not repeat within a workflow run, and nothing an action can see
    tells two legs of a matrix, or two gates in one job, apart for sure: a random
    suffix does (download them all with the pattern ``launchgate-*``)."""
    given = environ.get(_PREFIX + "ARTIFACT_NAME", "").strip()
    if given:
        return given
    job = environ.get("GITHUB_JOB", "job")
    environment = environ.get(_PREFIX + "ENVIRONMENT", "").strip() or "default"
    return f"launchgate-{job}-{environment}-{secrets.token_hex(3)}"


def main(environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    try:
        argv, out = action_argv(environ)
        mode = fail_on(environ)
    except InputError as exc:
        print(command("error", str(exc), title="launchgate action input"), flush=True)  # noqa: T201
        _fallback_outputs(environ, f"not run: {exc}")
        return EXIT_USAGE
    _write_outputs(
        environ,
        [("results-dir", str(out.resolve())), ("artifact-name", artifact_name(environ))],
    )
    code = cli_main(argv, environ)
    if code == EXIT_USAGE:
        _fallback_outputs(environ, "not run: launchgate could not start (see the log)")
        return code
    if code in (1, 3) and mode == "never":
        return 0
    return code


def _boolean(value: str, name: str) -> bool:
    if value in ("", "false"):
        return False
    if value == "true":
        return True
    raise InputError(f"{name}: expected true or false, got {value!r}")


def _out_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--out")
    return parser


def _fallback_outputs(environ: Mapping[str, str], reason: str) -> None:
    """Nothing was checked, so there is no verdict: say so in the outputs, failing
    closed (``rollback=true``) for a pipeline that only reads them."""
    pairs = [("verdict", "error"), ("rollback", "true"), ("report", ""), ("summary", "")]
    _write_outputs(environ, [*pairs, ("reason", " ".join(reason.split()))])


def _write_outputs(environ: Mapping[str, str], pairs: list[tuple[str, str]]) -> None:
    path = environ.get("GITHUB_OUTPUT")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(format_outputs(pairs, delimiter=f"launchgate_{secrets.token_hex(16)}"))
    except OSError as exc:
        # The action's outputs then fall back to verdict=error, rollback=true.
        message = f"could not write {path}: {exc.strerror or exc}"
        print(command("error", message, title="launchgate action"), flush=True)  # noqa: T201


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
