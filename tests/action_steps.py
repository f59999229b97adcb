"""Run the steps of ``action.yml`` the way the runner does, without the runner.

A composite step is a shell script plus an ``env:`` mapping whose values are
expressions (``${{ inputs.url }}``). :func:`run_step` evaluates the few expression forms
the action uses (``inputs.*``, ``steps.<id>.outputs.*``, ``github.*``, ``a || 'b'``),
refuses any other, runs the script with ``bash -e {0}`` semantics in a fresh
``$GITHUB_OUTPUT`` file, and reads the outputs back (heredoc form included).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTION_FILE = ROOT / "action.yml"
STEP_TIMEOUT_S = 120

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_REFERENCE = re.compile(
    r"^(inputs|github|runner)\.([A-Za-z0-9_-]+)$"
    r"|^steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)$"
)
_LITERAL = re.compile(r"^'((?:[^']|'')*)'$")


def load_action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION_FILE.read_text())
    return data


def step(action: Mapping[str, Any], step_id: str) -> dict[str, Any]:
    (found,) = [s for s in action["runs"]["steps"] if s.get("id") == step_id]
    return dict(found)


@dataclass
class Context:
    """What expressions may refer to."""

    inputs: dict[str, str]
    steps: dict[str, dict[str, str]] = field(default_factory=dict)
    github: dict[str, str] = field(default_factory=dict)
    runner: dict[str, str] = field(default_factory=dict)


def with_defaults(action: Mapping[str, Any], given: Mapping[str, str]) -> dict[str, str]:
    """The inputs as the runner passes them: the caller's, else the declared defaults."""
    unknown = set(given) - set(action["inputs"])
    assert not unknown, f"not inputs of the action: {unknown}"
    inputs: dict[str, Any] = action["inputs"]
    return {name: str(given.get(name, spec.get("default", ""))) for name, spec in inputs.items()}


def evaluate(text: str, context: Context) -> str:
    """``text`` with each ``${{ … }}`` replaced by its value."""
    return _EXPRESSION.sub(lambda m: _value(m.group(1), context), text)


def _value(expression: str, context: Context) -> str:
    for alternative in (part.strip() for part in expression.split("||")):
        literal = _LITERAL.match(alternative)
        if literal:
            value = literal.group(1).replace("''", "'")
        else:
            ref = _REFERENCE.match(alternative)
            assert ref, f"an expression this harness does not evaluate: {expression!r}"
            if ref.group(3):
                value = context.steps.get(ref.group(3), {}).get(ref.group(4), "")
            else:
                value = getattr(context, ref.group(1)).get(ref.group(2), "")
        if value:
            return value
    return ""


@dataclass(frozen=True)
class StepRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]


def run_step(
    step_spec: Mapping[str, Any], context: Context, *, env: Mapping[str, str], cwd: Path
) -> StepRun:
    """Run one ``run:`` step as the runner would (``bash --noprofile --norc -eo pipefail``)."""
    assert step_spec["shell"] == "bash"
    script = step_spec["run"]
    assert "${{" not in script, "an expression pasted into a script is an injection risk"
    output_file = cwd / f".github_output_{step_spec['id']}"
    output_file.write_text("")
    step_env = {name: evaluate(str(value), context) for name, value in step_spec["env"].items()}
    full_env = {**env, **step_env, "GITHUB_OUTPUT": str(output_file)}
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        env=full_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT_S,
        check=False,
    )
    outputs = read_outputs(output_file.read_text())
    context.steps[step_spec["id"]] = outputs
    return StepRun(proc.returncode, proc.stdout, proc.stderr, outputs)


def read_outputs(text: str) -> dict[str, str]:
    """``$GITHUB_OUTPUT`` as the runner reads it: ``name=value`` or ``name<<DELIM``."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value: list[str] = []
            for body in lines:
                if body == delimiter:
                    break
                value.append(body)
            else:
                raise AssertionError(f"output {name}: no closing {delimiter}")
            outputs[name] = "\n".join(value)
        elif line:
            name, _, rest = line.partition("=")
            outputs[name] = rest
    return outputs


def action_outputs(action: Mapping[str, Any], context: Context) -> dict[str, str]:
    return {name: evaluate(spec["value"], context) for name, spec in action["outputs"].items()}


def base_env(**extra: str) -> dict[str, str]:
    """The runner's environment for a step: ours, minus launchgate's own variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAUNCHGATE_", "GITHUB_"))}
    return {**env, **extra}
